// dataset.cpp — opening and checking bound data files; reading one rank's block of a batch.
#include "data/dataset.h"

#include "context.h"
#include "program/agree.h"

namespace meshrt {
namespace {

std::string shapeText(const int64_t *dims, int n) {
  std::string text = "[";
  for (int i = 0; i < n; ++i)
    text += (i ? ", " : "") + std::to_string(dims[i]);
  return text + "]";
}

Status checkFits(const std::string &flag, const Binding &b, const io::ArrayInfo &info,
                 const ProgramTensor &t) {
  const int n = t.slice.ndims;
  const std::vector<int64_t> &shape = info.shape;
  bool same = static_cast<int>(shape.size()) == n;
  for (int d = 1; same && d < n; ++d)
    same = shape[d] == t.slice.global[d];
  if (!same)
    return Status::error(
        MESHRT_INVALID_ARGUMENT,
        strformat("%s: %s has samples of shape %s but input '%s' takes %s", flag.c_str(),
                  b.spec.c_str(),
                  shapeText(shape.data() + 1, static_cast<int>(shape.size()) - 1).c_str(),
                  t.name.c_str(), shapeText(t.slice.global + 1, n - 1).c_str()));
  if (t.dtype == MESHRT_DTYPE_I32 &&
      (info.type == io::ElemType::F32 || info.type == io::ElemType::F64))
    return Status::error(MESHRT_INVALID_ARGUMENT,
                         strformat("%s: %s holds %s but input '%s' takes integers (i32)",
                                   flag.c_str(), b.spec.c_str(), io::elemTypeName(info.type),
                                   t.name.c_str()));
  if (shape[0] < t.slice.global[0])
    return Status::error(MESHRT_INVALID_ARGUMENT,
                         strformat("%s: %s has %lld samples, fewer than one batch of input '%s' "
                                   "(%lld)",
                                   flag.c_str(), b.spec.c_str(), static_cast<long long>(shape[0]),
                                   t.name.c_str(), static_cast<long long>(t.slice.global[0])));
  return Status::success();
}

} // namespace

Status Dataset::open(const std::string &flag, const std::vector<Binding> &bindings,
                     const Context &ctx, std::unique_ptr<Dataset> *out) {
  auto ds = std::unique_ptr<Dataset>(new Dataset);
  ds->flag_ = flag;
  ds->readers_.resize(ctx.tensors().size());
  Status s;
  std::string first; // the file that set the sample count
  for (const Binding &b : bindings) {
    const ProgramTensor *t = nullptr;
    for (const ProgramTensor &c : ctx.tensors())
      if (c.role == MESHRT_ROLE_INPUT && c.name == b.input)
        t = &c;
    std::unique_ptr<io::ArrayReader> reader;
    s = io::ArrayReader::open(b.spec, &reader);
    if (s.ok())
      s = checkFits(flag, b, reader->info(), *t);
    if (!s.ok())
      break;
    const int64_t n = reader->info().shape[0];
    if (first.empty()) {
      ds->samples_ = n;
      first = b.spec;
    } else if (n != ds->samples_) {
      s = Status::error(MESHRT_INVALID_ARGUMENT,
                        strformat("%s: %s has %lld samples but %s has %lld; the files of one "
                                  "flag must hold the same samples",
                                  flag.c_str(), b.spec.c_str(), static_cast<long long>(n),
                                  first.c_str(), static_cast<long long>(ds->samples_)));
      break;
    }
    ds->readers_[t->id] = std::move(reader);
  }
  if (!s.ok() && s.message.rfind(flag, 0) != 0)
    s.message = flag + ": " + s.message;
  s = agree(MPI_COMM_WORLD, s);
  if (s.ok())
    *out = std::move(ds);
  return s;
}

io::ArrayReader *Dataset::reader(int32_t inputId) const {
  return inputId >= 0 && inputId < static_cast<int32_t>(readers_.size()) ? readers_[inputId].get()
                                                                         : nullptr;
}

int64_t Dataset::bytesRead() const {
  int64_t total = 0;
  for (const auto &r : readers_)
    if (r)
      total += r->bytesRead();
  return total;
}

Status Dataset::readBlock(const ProgramTensor &t, const std::vector<int64_t> &batch, void *out) {
  io::ArrayReader *r = reader(t.id);
  const Slice &s = t.slice;
  io::RowSelection sel;
  sel.rows.assign(batch.begin() + s.offset[0], batch.begin() + s.offset[0] + s.local[0]);
  for (int d = 1; d < s.ndims; ++d) {
    sel.lo.push_back(s.offset[d]);
    sel.hi.push_back(s.offset[d] + s.local[d]);
  }
  return r->read(sel, t.elemType(), out);
}

} // namespace meshrt
