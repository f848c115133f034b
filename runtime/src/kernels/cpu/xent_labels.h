// xent_labels.h — the one failure a softmax cross-entropy's labels can cause, shared by the
// cross-entropy kernels (softmax_xent.cpp) and the one-hot of its labels where the class dim is
// split (index.cpp, MESHRT_ONE_HOT_XENT_LABELS), so that both forms fail alike.
#ifndef MESHRT_SRC_KERNELS_CPU_XENT_LABELS_H
#define MESHRT_SRC_KERNELS_CPU_XENT_LABELS_H

#include "context.h"

#include <cstdint>

namespace meshrt::cpu {

// Records "softmax cross-entropy label outside [0, classes)" in the context.
void failXentLabel(Context *ctx, int64_t classes);

} // namespace meshrt::cpu

#endif // MESHRT_SRC_KERNELS_CPU_XENT_LABELS_H
