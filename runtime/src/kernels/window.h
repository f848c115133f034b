// window.h — the geometry of a convolution or pooling window as the CNN family of the ABI hands
// it over (meshrt.h), checked once by the entry point and passed to the CPU kernels and to the
// Device.
//
// Layouts are canonical and contiguous: x [N, C, S1..Sk], w [F, C, K1..Kk], y [N, F, O1..Ok]
// (pooling: F = C and the window sizes stand in for K). Along each spatial dim i the output
// size is O = floor((S + padLo + padHi - dilation*(K-1) - 1) / stride) + 1.
#ifndef MESHRT_SRC_KERNELS_WINDOW_H
#define MESHRT_SRC_KERNELS_WINDOW_H

#include <cstdint>

namespace meshrt {

struct WindowGeometry {
  static constexpr int kMaxSpatial = 3;
  int nsp = 0;                     // spatial dims, 1..kMaxSpatial
  int64_t x[kMaxSpatial + 2] = {}; // input shape  [N, C, S...]
  int64_t w[kMaxSpatial + 2] = {}; // weights [F, C, K...]; pooling: [C, C, window...]
  int64_t y[kMaxSpatial + 2] = {}; // output shape [N, F, O...]
  int64_t stride[kMaxSpatial] = {};
  int64_t dilation[kMaxSpatial] = {}; // 1 = none (pooling: always 1)
  int64_t padLo[kMaxSpatial] = {};
  int64_t padHi[kMaxSpatial] = {};

  int ndims() const { return nsp + 2; }
  int64_t count(const int64_t *shape) const {
    int64_t n = 1;
    for (int i = 0; i < ndims(); ++i)
      n *= shape[i];
    return n;
  }
  int64_t xCount() const { return count(x); }
  int64_t wCount() const { return count(w); }
  int64_t yCount() const { return count(y); }
  // Elements of one window (pooling: the divisor of the average).
  int64_t windowVolume() const {
    int64_t n = 1;
    for (int i = 0; i < nsp; ++i)
      n *= w[2 + i];
    return n;
  }
};

} // namespace meshrt

#endif // MESHRT_SRC_KERNELS_WINDOW_H
