// window_check.h — the argument checks the CNN family's entry points share: shapes of
// nsp + 2 dims, the geometry array and the output size it implies (kernels/window.h).
#ifndef MESHRT_SRC_KERNELS_WINDOW_CHECK_H
#define MESHRT_SRC_KERNELS_WINDOW_CHECK_H

#include "kernels/window.h"

#include <cstdint>

namespace meshrt {

class AbiCall;

// A convolution: x [N, C, S...], w [F, C, K...], y [N, F, O...]; geometry = strides,
// dilations, pad_lo, pad_hi (nsp values each). Fills *g; false after recording the error.
bool checkConvGeometry(AbiCall &call, int32_t nsp, const int64_t *xShape, const int64_t *wShape,
                       const int64_t *yShape, const int64_t *geometry, WindowGeometry *g);
// A pooling: x [N, C, S...], y [N, C, O...]; geometry = window sizes, strides, pad_lo,
// pad_hi. *g gets w = [C, C, window...] and dilations of 1.
bool checkPoolGeometry(AbiCall &call, int32_t nsp, const int64_t *xShape, const int64_t *yShape,
                       const int64_t *geometry, WindowGeometry *g);

} // namespace meshrt

#endif // MESHRT_SRC_KERNELS_WINDOW_CHECK_H
