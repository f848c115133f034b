// dnnl_cache.cpp — the per-context cache of oneDNN primitives (dnnl_cache.h).
#include "kernels/cpu/dnnl_cache.h"

#include "context.h"

#include <oneapi/dnnl/dnnl_debug.h>

namespace meshrt::cpu {

Status dnnlCheck(dnnl_status_t status, const char *call) {
  if (status == dnnl_success)
    return Status::success();
  return Status::error(MESHRT_KERNEL_ERROR,
                       strformat("%s failed: %s", call, dnnl_status2str(status)));
}

Status plainDesc(const std::vector<int64_t> &dims, bool any, dnnl_memory_desc_t *out) {
  static const dnnl_format_tag_t kPlain[] = {
      dnnl_format_tag_undef, dnnl_a, dnnl_ab, dnnl_abc, dnnl_abcd, dnnl_abcde};
  const int n = static_cast<int>(dims.size());
  if (n < 1 || n > 5)
    return Status::error(MESHRT_KERNEL_ERROR, strformat("a %d-D oneDNN tensor", n));
  dnnl_dims_t d{};
  for (int i = 0; i < n; ++i)
    d[i] = dims[static_cast<size_t>(i)];
  return dnnlCheck(
      dnnl_memory_desc_init_by_tag(out, n, d, dnnl_f32, any ? dnnl_format_tag_any : kPlain[n]),
      "dnnl_memory_desc_init_by_tag");
}

DnnlOp::~DnnlOp() {
  for (Arg &a : args_) {
    if (a.reorder)
      dnnl_primitive_destroy(a.reorder);
    if (a.inner)
      dnnl_memory_destroy(a.inner);
    if (a.user)
      dnnl_memory_destroy(a.user);
  }
  if (prim_)
    dnnl_primitive_destroy(prim_);
  if (pd_)
    dnnl_primitive_desc_destroy(pd_);
}

Status DnnlOp::init(dnnl_engine_t engine, const void *opDesc, const_dnnl_primitive_desc_t hint,
                    const std::vector<DnnlArgSpec> &specs, const char *what,
                    const_dnnl_primitive_attr_t attr) {
  engine_ = engine;
  if (Status s = dnnlCheck(dnnl_primitive_desc_create(&pd_, opDesc, attr, engine, hint), what);
      !s.ok())
    return s;
  if (Status s = dnnlCheck(dnnl_primitive_create(&prim_, pd_), what); !s.ok())
    return s;
  for (const DnnlArgSpec &spec : specs) {
    args_.emplace_back();
    Arg &a = args_.back();
    a.id = spec.arg;
    a.output = spec.output;
    const dnnl_memory_desc_t *want =
        dnnl_primitive_desc_query_md(pd_, dnnl_query_exec_arg_md, spec.arg);
    if (!want)
      return Status::error(MESHRT_KERNEL_ERROR,
                           strformat("%s: the primitive has no argument %d", what, spec.arg));
    const dnnl_memory_desc_t *user = spec.user ? spec.user : want;
    if (Status s = dnnlCheck(dnnl_memory_create(&a.user, user, engine, DNNL_MEMORY_NONE),
                             "dnnl_memory_create");
        !s.ok())
      return s;
    if (dnnl_memory_desc_equal(user, want))
      continue;
    // The primitive wants another format: its own buffer and a reorder.
    if (Status s = dnnlCheck(dnnl_memory_create(&a.inner, want, engine, DNNL_MEMORY_ALLOCATE),
                             "dnnl_memory_create");
        !s.ok())
      return s;
    dnnl_primitive_desc_t rpd = nullptr;
    const dnnl_memory_desc_t *from = a.output ? want : user, *to = a.output ? user : want;
    Status s =
        dnnlCheck(dnnl_reorder_primitive_desc_create(&rpd, from, engine, to, engine, nullptr),
                  "dnnl_reorder_primitive_desc_create");
    if (s.ok())
      s = dnnlCheck(dnnl_primitive_create(&a.reorder, rpd), "dnnl_primitive_create (reorder)");
    if (rpd)
      dnnl_primitive_desc_destroy(rpd);
    if (!s.ok())
      return s;
  }
  return Status::success();
}

Status DnnlOp::run(dnnl_stream_t stream, const std::vector<void *> &buffers) {
  std::vector<dnnl_exec_arg_t> exec;
  exec.reserve(args_.size());
  for (size_t i = 0; i < args_.size(); ++i) {
    Arg &a = args_[i];
    if (Status s = dnnlCheck(dnnl_memory_set_data_handle(a.user, buffers[i]),
                             "dnnl_memory_set_data_handle");
        !s.ok())
      return s;
    if (a.reorder && !a.output) {
      dnnl_exec_arg_t r[2] = {{DNNL_ARG_FROM, a.user}, {DNNL_ARG_TO, a.inner}};
      if (Status s = dnnlCheck(dnnl_primitive_execute(a.reorder, stream, 2, r),
                               "dnnl_primitive_execute (reorder)");
          !s.ok())
        return s;
    }
    exec.push_back({a.id, a.inner ? a.inner : a.user});
  }
  if (Status s = dnnlCheck(
          dnnl_primitive_execute(prim_, stream, static_cast<int>(exec.size()), exec.data()),
          "dnnl_primitive_execute");
      !s.ok())
    return s;
  for (Arg &a : args_)
    if (a.reorder && a.output) {
      dnnl_exec_arg_t r[2] = {{DNNL_ARG_FROM, a.inner}, {DNNL_ARG_TO, a.user}};
      if (Status s = dnnlCheck(dnnl_primitive_execute(a.reorder, stream, 2, r),
                               "dnnl_primitive_execute (reorder)");
          !s.ok())
        return s;
    }
  return dnnlCheck(dnnl_stream_wait(stream), "dnnl_stream_wait");
}

size_t DnnlOp::bytesOf(size_t i) const {
  const dnnl_memory_desc_t *md = nullptr;
  if (dnnl_memory_get_memory_desc(args_[i].inner ? args_[i].inner : args_[i].user, &md) !=
          dnnl_success ||
      !md)
    return 0;
  return dnnl_memory_desc_get_size(md);
}

const char *DnnlOp::implName() const {
  const char *name = nullptr;
  if (dnnl_primitive_desc_query(pd_, dnnl_query_impl_info_str, 0, &name) != dnnl_success || !name)
    return "?";
  return name;
}

DnnlCache::~DnnlCache() {
  entries_.clear(); // the primitives before their engine
  if (stream_)
    dnnl_stream_destroy(stream_);
  if (engine_)
    dnnl_engine_destroy(engine_);
}

Status DnnlCache::create(std::unique_ptr<DnnlCache> *out) {
  std::unique_ptr<DnnlCache> cache(new DnnlCache);
  if (Status s = dnnlCheck(dnnl_engine_create(&cache->engine_, dnnl_cpu, 0), "dnnl_engine_create");
      !s.ok())
    return s;
  if (Status s =
          dnnlCheck(dnnl_stream_create(&cache->stream_, cache->engine_, dnnl_stream_default_flags),
                    "dnnl_stream_create");
      !s.ok())
    return s;
  *out = std::move(cache);
  return Status::success();
}

} // namespace meshrt::cpu

namespace meshrt {

cpu::DnnlCache *Context::dnnlCache() {
  if (!dnnlCache_ && !check(cpu::DnnlCache::create(&dnnlCache_)))
    return nullptr;
  return dnnlCache_.get();
}

} // namespace meshrt
