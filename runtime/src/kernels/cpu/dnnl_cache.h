// dnnl_cache.h — oneDNN primitives (its C API) created once per distinct shape and kept in the
// context, for the CNN kernels (conv.cpp, pool.cpp, batch_norm.cpp) and the unary math
// functions (eltwise_primitives.cpp).
//
// Creating a convolution primitive costs far more than running it on a small batch (oneDNN
// picks and JIT-compiles an implementation), so a kernel looks its shape up in the context's
// DnnlCache and builds the primitive only on the first call with that shape; every later step
// only sets the data handles and executes. The C API reports errors as status values, which
// become Status messages naming the oneDNN call.
//
// A DnnlOp is one primitive with its arguments as the caller holds them (plain row-major
// buffers). Where the primitive works in another memory format (a blocked layout it chose
// for speed, see useBlockedFormats in conv.cpp), the op owns a buffer in that format and a reorder
// to or from the caller's buffer, run around the primitive.
#ifndef MESHRT_SRC_KERNELS_CPU_DNNL_CACHE_H
#define MESHRT_SRC_KERNELS_CPU_DNNL_CACHE_H

#include "status.h"

#include <oneapi/dnnl/dnnl.h>

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

namespace meshrt::cpu {

// "CALL failed: <oneDNN's status name>" (MESHRT_KERNEL_ERROR), or success.
Status dnnlCheck(dnnl_status_t status, const char *call);

// A plain (row-major) f32 memory descriptor of `dims`, or oneDNN's `any` format when `any`.
Status plainDesc(const std::vector<int64_t> &dims, bool any, dnnl_memory_desc_t *out);

// One argument of a primitive: its DNNL_ARG_* id, whether the primitive writes it, and the
// format the caller's buffer is in (null: the caller's buffer is in whatever format the
// primitive wants — a workspace).
struct DnnlArgSpec {
  int arg;
  bool output;
  const dnnl_memory_desc_t *user;
};

class DnnlOp {
public:
  DnnlOp() = default;
  ~DnnlOp();
  DnnlOp(const DnnlOp &) = delete;
  DnnlOp &operator=(const DnnlOp &) = delete;

  // Creates the primitive of `opDesc` (a dnnl_*_desc_t; `hint` the forward primitive
  // descriptor a backward one needs, or null; `attr` its attributes, such as post-ops, or null)
  // and the memories and reorders of `specs`.
  Status init(dnnl_engine_t engine, const void *opDesc, const_dnnl_primitive_desc_t hint,
              const std::vector<DnnlArgSpec> &specs, const char *what,
              const_dnnl_primitive_attr_t attr = nullptr);
  // Executes it on buffers[i] for specs[i] (reorders included) and waits.
  Status run(dnnl_stream_t stream, const std::vector<void *> &buffers);

  const_dnnl_primitive_desc_t desc() const { return pd_; }
  // Bytes of the primitive's own descriptor of arg i (a workspace's size).
  size_t bytesOf(size_t i) const;
  // oneDNN's name of the implementation it chose, e.g. "jit:avx2".
  const char *implName() const;

private:
  struct Arg {
    int id = 0;
    bool output = false;
    dnnl_memory_t user = nullptr;       // the caller's buffer, handle set per call
    dnnl_memory_t inner = nullptr;      // the primitive's format, owned buffer; null: user's
    dnnl_primitive_t reorder = nullptr; // user -> inner (input) or inner -> user (output)
  };
  dnnl_primitive_desc_t pd_ = nullptr;
  dnnl_primitive_t prim_ = nullptr;
  std::vector<Arg> args_;
  dnnl_engine_t engine_ = nullptr;
};

// What a kernel keeps per shape: any number of ops and buffers (a subclass per kernel).
struct DnnlEntry {
  virtual ~DnnlEntry() = default;
};

class DnnlCache {
public:
  ~DnnlCache();
  static Status create(std::unique_ptr<DnnlCache> *out);

  dnnl_engine_t engine() const { return engine_; }
  dnnl_stream_t stream() const { return stream_; }

  // The entry of `key` (a kernel tag followed by its shape), made by `make(DnnlEntry **)` on
  // first use; null (with the maker's error in *status) when making it failed, in which case
  // nothing is cached.
  template <typename Make>
  DnnlEntry *find(const std::vector<int64_t> &key, Status *status, Make &&make) {
    auto it = entries_.find(key);
    if (it != entries_.end())
      return it->second.get();
    std::unique_ptr<DnnlEntry> entry;
    *status = make(&entry);
    if (!status->ok())
      return nullptr;
    return entries_.emplace(key, std::move(entry)).first->second.get();
  }

private:
  DnnlCache() = default;
  dnnl_engine_t engine_ = nullptr;
  dnnl_stream_t stream_ = nullptr;
  std::map<std::vector<int64_t>, std::unique_ptr<DnnlEntry>> entries_;
};

// Kernel tags: the first element of a cache key.
enum DnnlKernelTag : int64_t {
  kTagConvForward = 1,
  kTagConvBackwardData,
  kTagConvBackwardWeights,
  kTagPoolForward,
  kTagPoolBackward,
  kTagBatchNorm,
  kTagBatchNormGrad,
  kTagEltwise, // meshrt_unary's math functions (eltwise_primitives.cpp)
};

} // namespace meshrt::cpu

#endif // MESHRT_SRC_KERNELS_CPU_DNNL_CACHE_H
