// profile.h — per-kernel-kind wall-time totals behind `--profile` / MESHRT_PROFILE=1.
//
// Every ABI kernel and collective opens a ProfileScope for its kind. When profiling is off the
// scope is one predictable branch on a global flag; when on, it reads steady_clock twice and
// adds to a per-kind total (kernels are called from the single step thread, so no atomics).
// meshrt_main resets the totals after the warm-up steps and prints them on rank 0 at the end.
// On a device, kernels only queue work: profiling then waits for the device at both ends of a
// scope (gProfileDevice), so each kind is charged its execution time, at the cost of overlap.
#ifndef MESHRT_SRC_PROFILE_H
#define MESHRT_SRC_PROFILE_H

#include <chrono>
#include <cstdint>

namespace meshrt {

class Device;

// Every ABI entry point, one line each: its profile kind, the name `--profile` prints and the C
// function (which error messages name, abi_call.h). A kernel's kind is its function's name
// without "meshrt_"; the collectives keep their short names. Forward and adjoint kernels are
// separate kinds, so that each line of the profile is one function of meshrt.h.
#define MESHRT_ABI_ENTRIES(X)                                                                      \
  X(Matmul, "matmul", "meshrt_matmul")                                                             \
  X(StridedCopy, "strided_copy", "meshrt_strided_copy")                                            \
  X(Binary, "binary", "meshrt_binary")                                                             \
  X(Equal, "equal", "meshrt_equal")                                                                \
  X(Unary, "unary", "meshrt_unary")                                                                \
  X(Fill, "fill", "meshrt_fill")                                                                   \
  X(ReduceSum, "reduce_sum", "meshrt_reduce_sum")                                                  \
  X(SoftmaxXent, "softmax_xent", "meshrt_softmax_xent")                                            \
  X(SoftmaxXentGrad, "softmax_xent_grad", "meshrt_softmax_xent_grad")                              \
  X(SgdUpdate, "sgd_update", "meshrt_sgd_update")                                                  \
  X(AdamUpdate, "adam_update", "meshrt_adam_update")                                               \
  X(MomentumUpdate, "momentum_update", "meshrt_momentum_update")                                   \
  X(LayerNorm, "layer_norm", "meshrt_layer_norm")                                                  \
  X(LayerNormGrad, "layer_norm_grad", "meshrt_layer_norm_grad")                                    \
  X(Gelu, "gelu", "meshrt_gelu")                                                                   \
  X(GeluGrad, "gelu_grad", "meshrt_gelu_grad")                                                     \
  X(Softmax, "softmax", "meshrt_softmax")                                                          \
  X(CausalMask, "causal_mask", "meshrt_causal_mask")                                               \
  X(Dropout, "dropout", "meshrt_dropout")                                                          \
  X(Embedding, "embedding", "meshrt_embedding")                                                    \
  X(EmbeddingGrad, "embedding_grad", "meshrt_embedding_grad")                                      \
  X(OneHot, "one_hot", "meshrt_one_hot")                                                           \
  X(Argmax, "argmax", "meshrt_argmax")                                                             \
  X(ReduceMax, "reduce_max", "meshrt_reduce_max")                                                  \
  X(ReduceMaxGrad, "reduce_max_grad", "meshrt_reduce_max_grad")                                    \
  X(Cumsum, "cumsum", "meshrt_cumsum")                                                             \
  X(CopyWindow, "copy_window", "meshrt_copy_window")                                               \
  X(InitParam, "init_param", "meshrt_init_param")                                                  \
  X(SyntheticFeatures, "synthetic_features", "meshrt_synthetic_features")                          \
  X(SyntheticLabels, "synthetic_labels", "meshrt_synthetic_labels")                                \
  X(RegisterTensor, "register_tensor", "meshrt_register_tensor")                                   \
  X(Input, "input", "meshrt_input")                                                                \
  X(CopyToHost, "copy_to_host", "meshrt_copy_to_host")                                             \
  X(CopyFromHost, "copy_from_host", "meshrt_copy_from_host")                                       \
  X(Allreduce, "allreduce", "meshrt_allreduce_sum")                                                \
  X(Allgather, "allgather", "meshrt_allgather")                                                    \
  X(ReduceScatter, "reduce_scatter", "meshrt_reduce_scatter")                                      \
  X(AllSlice, "all_slice", "meshrt_all_slice")                                                     \
  X(Alltoall, "alltoall", "meshrt_alltoall")                                                      \
  X(ClipGlobalNorm, "clip_global_norm", "meshrt_clip_global_norm")

enum class ProfileKind : int {
#define MESHRT_KIND_ENUM(kind, name, function) kind,
  MESHRT_ABI_ENTRIES(MESHRT_KIND_ENUM)
#undef MESHRT_KIND_ENUM
      Count
};

struct ProfileTotals {
  double ms[static_cast<int>(ProfileKind::Count)] = {};
  int64_t calls[static_cast<int>(ProfileKind::Count)] = {};
};

extern bool gProfileEnabled;
extern ProfileTotals gProfile;
extern Device *gProfileDevice; // null on the CPU
void profileSynchronize();     // waits for gProfileDevice, if any

// The name --profile prints, and the C function of the entry point.
const char *profileKindName(ProfileKind kind);
const char *abiFunctionName(ProfileKind kind);

class ProfileScope {
public:
  explicit ProfileScope(ProfileKind kind) : kind_(kind), on_(gProfileEnabled) {
    if (on_) {
      profileSynchronize();
      start_ = std::chrono::steady_clock::now();
    }
  }
  ~ProfileScope() {
    if (!on_)
      return;
    profileSynchronize();
    const int k = static_cast<int>(kind_);
    gProfile.ms[k] +=
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_)
            .count();
    ++gProfile.calls[k];
  }
  ProfileScope(const ProfileScope &) = delete;
  ProfileScope &operator=(const ProfileScope &) = delete;

private:
  ProfileKind kind_;
  bool on_;
  std::chrono::steady_clock::time_point start_;
};

} // namespace meshrt

#endif // MESHRT_SRC_PROFILE_H
