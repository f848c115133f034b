// window_check.cpp — the argument checks of the CNN family (window_check.h).
#include "kernels/window_check.h"

#include "abi_call.h"

namespace meshrt {
namespace {

std::string dimsText(int n, const int64_t *d) {
  std::string t = "[";
  for (int i = 0; i < n; ++i)
    t += strformat("%s%lld", i ? ", " : "", static_cast<long long>(d[i]));
  return t + "]";
}

// The shapes' arrays and the spatial geometry shared by both kinds; `k` holds the window
// sizes along each spatial dim.
bool checkSpatial(AbiCall &call, WindowGeometry *g, const int64_t *k, const char *kName) {
  const int nsp = g->nsp;
  for (int i = 0; i < nsp; ++i) {
    const int64_t s = g->x[2 + i], o = g->y[2 + i];
    if (!call.require(k[i] >= 1, "%s %lld along spatial dim %d must be at least 1", kName,
                      static_cast<long long>(k[i]), i) ||
        !call.require(g->stride[i] >= 1, "stride %lld along spatial dim %d must be at least 1",
                      static_cast<long long>(g->stride[i]), i) ||
        !call.require(g->dilation[i] >= 1,
                      "dilation %lld along spatial dim %d must be at least 1 (1 = none)",
                      static_cast<long long>(g->dilation[i]), i) ||
        !call.require(g->padLo[i] >= 0 && g->padHi[i] >= 0,
                      "padding %lld/%lld along spatial dim %d is negative",
                      static_cast<long long>(g->padLo[i]), static_cast<long long>(g->padHi[i]), i))
      return false;
    // In 128 bits: the sizes fit int64 but their sum with the padding need not.
    const __int128 reach = static_cast<__int128>(s) + g->padLo[i] + g->padHi[i] -
                           static_cast<__int128>(g->dilation[i]) * (k[i] - 1) - 1;
    const __int128 want = reach < 0 ? 0 : reach / g->stride[i] + 1;
    if (!call.require(want >= 1,
                      "the window (%s %lld, dilation %lld) is larger than input size %lld plus "
                      "padding %lld/%lld along spatial dim %d",
                      kName, static_cast<long long>(k[i]), static_cast<long long>(g->dilation[i]),
                      static_cast<long long>(s), static_cast<long long>(g->padLo[i]),
                      static_cast<long long>(g->padHi[i]), i) ||
        !call.require(want == o,
                      "output size %lld along spatial dim %d should be %lld (input %lld, %s "
                      "%lld, stride %lld, dilation %lld, padding %lld/%lld)",
                      static_cast<long long>(o), i, static_cast<long long>(want),
                      static_cast<long long>(s), kName, static_cast<long long>(k[i]),
                      static_cast<long long>(g->stride[i]), static_cast<long long>(g->dilation[i]),
                      static_cast<long long>(g->padLo[i]), static_cast<long long>(g->padHi[i])))
      return false;
  }
  return true;
}

bool checkCommon(AbiCall &call, int32_t nsp, const int64_t *xShape, const int64_t *yShape,
                 const int64_t *geometry, WindowGeometry *g) {
  if (!call.require(nsp >= 1 && nsp <= WindowGeometry::kMaxSpatial,
                    "nsp %d: 1 to %d spatial dims are supported", nsp,
                    WindowGeometry::kMaxSpatial) ||
      !call.shape("x_shape", nsp + 2, xShape, 4) || !call.shape("y_shape", nsp + 2, yShape, 4) ||
      !call.require(geometry != nullptr, "geometry is null"))
    return false;
  g->nsp = nsp;
  for (int i = 0; i < nsp + 2; ++i) {
    g->x[i] = xShape[i];
    g->y[i] = yShape[i];
  }
  return call.require(g->x[0] == g->y[0], "x_shape %s and y_shape %s differ in the batch dim",
                      dimsText(nsp + 2, xShape).c_str(), dimsText(nsp + 2, yShape).c_str());
}

} // namespace

bool checkConvGeometry(AbiCall &call, int32_t nsp, const int64_t *xShape, const int64_t *wShape,
                       const int64_t *yShape, const int64_t *geometry, WindowGeometry *g) {
  if (!checkCommon(call, nsp, xShape, yShape, geometry, g) ||
      !call.shape("w_shape", nsp + 2, wShape, 4))
    return false;
  for (int i = 0; i < nsp + 2; ++i)
    g->w[i] = wShape[i];
  for (int i = 0; i < nsp; ++i) {
    g->stride[i] = geometry[i];
    g->dilation[i] = geometry[nsp + i];
    g->padLo[i] = geometry[2 * nsp + i];
    g->padHi[i] = geometry[3 * nsp + i];
  }
  const std::string x = dimsText(nsp + 2, xShape), w = dimsText(nsp + 2, wShape),
                    y = dimsText(nsp + 2, yShape);
  return call.require(g->w[1] == g->x[1], "w_shape %s and x_shape %s differ in the input channels",
                      w.c_str(), x.c_str()) &&
         call.require(g->w[0] == g->y[1], "w_shape %s and y_shape %s differ in the output channels",
                      w.c_str(), y.c_str()) &&
         checkSpatial(call, g, g->w + 2, "kernel size");
}

bool checkPoolGeometry(AbiCall &call, int32_t nsp, const int64_t *xShape, const int64_t *yShape,
                       const int64_t *geometry, WindowGeometry *g) {
  if (!checkCommon(call, nsp, xShape, yShape, geometry, g))
    return false;
  g->w[0] = g->w[1] = g->x[1];
  for (int i = 0; i < nsp; ++i) {
    g->w[2 + i] = geometry[i];
    g->stride[i] = geometry[nsp + i];
    g->dilation[i] = 1;
    g->padLo[i] = geometry[2 * nsp + i];
    g->padHi[i] = geometry[3 * nsp + i];
  }
  return call.require(g->x[1] == g->y[1], "x_shape %s and y_shape %s differ in the channels",
                      dimsText(nsp + 2, xShape).c_str(), dimsText(nsp + 2, yShape).c_str()) &&
         checkSpatial(call, g, g->w + 2, "window");
}

} // namespace meshrt
