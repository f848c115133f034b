// read_plan.cpp — see read_plan.h.
#include "io/read_plan.h"

#include <algorithm>

namespace meshrt::io {

namespace {
// Staging memory per chunk of rows: large enough that a batch is one read.
constexpr int64_t kChunkBytes = 64 << 20;

std::string shapeString(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}
} // namespace

Status planRead(const ArrayInfo &info, const RowSelection &sel, ReadPlan *plan) {
  const auto &shape = info.shape;
  size_t nd = shape.size();
  if (sel.lo.size() != nd - 1 || sel.hi.size() != nd - 1)
    return Status::error(MESHRT_INVALID_ARGUMENT,
                         strformat("%s: the selection has a block of %zu dims, the array %s has "
                                   "%zu dims after the sample dim",
                                   info.spec.c_str(), sel.lo.size(), shapeString(shape).c_str(),
                                   nd - 1));
  plan->sub.assign(nd - 1, 0);
  plan->start.assign(nd - 1, 0);
  plan->blockElems = 1;
  for (size_t d = 1; d < nd; ++d) {
    int64_t lo = sel.lo[d - 1], hi = sel.hi[d - 1];
    if (lo < 0 || hi > shape[d] || lo >= hi)
      return Status::error(
          MESHRT_INVALID_ARGUMENT,
          strformat("%s: block [%lld, %lld) of dim %zu is out of range (the array is %s)",
                    info.spec.c_str(), static_cast<long long>(lo), static_cast<long long>(hi), d,
                    shapeString(shape).c_str()));
    plan->sub[d - 1] = hi - lo;
    plan->start[d - 1] = lo;
    plan->blockElems *= hi - lo;
  }
  for (int64_t r : sel.rows)
    if (r < 0 || r >= shape[0])
      return Status::error(MESHRT_INVALID_ARGUMENT,
                           strformat("%s: row %lld is out of range (the array has %lld rows)",
                                     info.spec.c_str(), static_cast<long long>(r),
                                     static_cast<long long>(shape[0])));
  plan->unique = sel.rows;
  std::sort(plan->unique.begin(), plan->unique.end());
  plan->unique.erase(std::unique(plan->unique.begin(), plan->unique.end()), plan->unique.end());
  plan->position.resize(sel.rows.size());
  for (size_t i = 0; i < sel.rows.size(); ++i)
    plan->position[i] = static_cast<size_t>(
        std::lower_bound(plan->unique.begin(), plan->unique.end(), sel.rows[i]) -
        plan->unique.begin());
  int64_t blockBytes = plan->blockElems * elemBytes(info.type);
  if (blockBytes > INT32_MAX)
    return Status::error(
        MESHRT_INVALID_ARGUMENT,
        strformat("%s: one row's block of %lld bytes is beyond MPI-IO's int counts",
                  info.spec.c_str(), static_cast<long long>(blockBytes)));
  plan->rowsPerChunk = std::max<int64_t>(1, kChunkBytes / std::max<int64_t>(1, blockBytes));
  return Status::success();
}

Status placeRows(const ArrayInfo &info, const RowSelection &sel, const ReadPlan &plan, size_t u0,
                 size_t u1, const void *staged, ElemType target, void *out) {
  int64_t be = plan.blockElems;
  int64_t fromBytes = elemBytes(info.type), toBytes = elemBytes(target);
  for (size_t i = 0; i < sel.rows.size(); ++i) {
    size_t u = plan.position[i];
    if (u < u0 || u >= u1)
      continue;
    const char *src =
        static_cast<const char *>(staged) + static_cast<int64_t>(u - u0) * be * fromBytes;
    char *dst = static_cast<char *>(out) + static_cast<int64_t>(i) * be * toBytes;
    int64_t bad = -1;
    if (!convertElems(info.type, src, target, dst, be, &bad))
      return Status::error(
          MESHRT_INVALID_ARGUMENT,
          strformat(
              "%s: element %lld of row %lld (selected block) is %s, not a value %s holds",
              info.spec.c_str(), static_cast<long long>(bad), static_cast<long long>(sel.rows[i]),
              elemValueString(info.type, src + bad * fromBytes).c_str(), elemTypeName(target)));
  }
  return Status::success();
}

} // namespace meshrt::io
