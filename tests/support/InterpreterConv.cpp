// The reference interpreter's Conv family (see InterpreterConv.h). Every windowed op is a loop
// over the "taps" of its window: (batch point, channels, output point o, window point j) with
// the input position i = o*s + j*d - lo inside [0, in). Convolution and its two adjoints visit
// the same taps and differ only in which tensor they accumulate into, so their adjointness
// holds by construction; the taps themselves are checked against NumPy
// (tests/dialect/conv_numpy_test.py) and the gradients against finite differences.
#include "tests/support/InterpreterConv.h"

#include "dialect/IR/MeshcOps.h"

#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <limits>

using namespace mlir;

namespace meshc::testing {

namespace {

/// Row-major stride of `t` along `dim` (0 where `t` lacks it) and its size there.
int64_t strideOf(const HostTensor &t, llvm::StringRef dim) {
  int64_t stride = 1;
  for (size_t i = t.dims.size(); i-- > 0;) {
    if (t.dims[i] == dim)
      return stride;
    stride *= t.sizes[i];
  }
  return 0;
}
int64_t sizeOf(const HostTensor &t, llvm::StringRef dim) {
  for (size_t i = 0; i < t.dims.size(); ++i)
    if (t.dims[i] == dim)
      return t.sizes[i];
  return 1;
}

/// Calls `body(index)` for every point of the box `sizes` (last fastest; once for no dims).
template <typename Body> void forEachIndex(llvm::ArrayRef<int64_t> sizes, Body body) {
  std::vector<int64_t> index(sizes.size(), 0);
  for (int64_t size : sizes)
    if (size <= 0)
      return;
  while (true) {
    body(index);
    size_t k = index.size();
    while (k > 0 && ++index[k - 1] == sizes[k - 1])
      index[--k] = 0;
    if (k == 0)
      return;
  }
}

llvm::SmallVector<std::string> namesOf(ArrayAttr array) {
  llvm::SmallVector<std::string> names;
  for (Attribute name : array)
    names.push_back(llvm::cast<StringAttr>(name).getValue().str());
  return names;
}

/// The geometry of a windowed op. Pooling has no channels, no dilation and its window sizes
/// in place of kernel dims.
struct Window {
  llvm::SmallVector<std::string> in, out, kernel;
  std::string inChannel, outChannel; // empty for pooling
  llvm::SmallVector<int64_t> size, stride, dilation, lo;
};

template <typename OpT> Window convWindow(OpT op, const HostTensor &w) {
  Window win{namesOf(op.getInputSpatial()), namesOf(op.getOutputSpatial()),
             namesOf(op.getKernelSpatial()), op.getInChannel().str(), op.getOutChannel().str()};
  for (size_t k = 0; k < win.in.size(); ++k) {
    win.size.push_back(sizeOf(w, win.kernel[k]));
    win.stride.push_back(op.getStrides()[k]);
    win.dilation.push_back(op.getDilations()[k]);
    win.lo.push_back(op.getPadLo()[k]);
  }
  return win;
}

template <typename OpT> Window poolWindow(OpT op) {
  Window win{namesOf(op.getInputSpatial()), namesOf(op.getOutputSpatial())};
  for (size_t k = 0; k < win.in.size(); ++k) {
    win.size.push_back(op.getWindow()[k]);
    win.stride.push_back(op.getStrides()[k]);
    win.dilation.push_back(1);
    win.lo.push_back(op.getPadLo()[k]);
  }
  return win;
}

/// A loop dim: its size and its strides in x, w and y (0 where the tensor does not vary).
struct Loop {
  int64_t size, x, w, y;
};

/// Calls `tap(group, xOffset, wOffset, yOffset)` for every tap of the window whose input position
/// lies inside x: the outer loops are x's batch-like dims, the channels and the output point (one
/// `group` per combination, numbered in order), the inner loops the window point in row-major
/// window order. `w` is unused (strides 0) for pooling.
template <typename Tap>
void forEachTap(const Window &win, const HostTensor &x, const HostTensor &w, const HostTensor &y,
                Tap tap) {
  std::vector<Loop> outer, inner;
  for (size_t i = 0; i < x.dims.size(); ++i) {
    const std::string &dim = x.dims[i];
    if (dim != win.inChannel && !llvm::is_contained(win.in, dim))
      outer.push_back({x.sizes[i], strideOf(x, dim), 0, strideOf(y, dim)});
  }
  if (!win.inChannel.empty()) {
    outer.push_back(
        {sizeOf(x, win.inChannel), strideOf(x, win.inChannel), strideOf(w, win.inChannel), 0});
    outer.push_back(
        {sizeOf(y, win.outChannel), 0, strideOf(w, win.outChannel), strideOf(y, win.outChannel)});
  }
  size_t firstOutput = outer.size();
  for (size_t k = 0; k < win.in.size(); ++k)
    outer.push_back({sizeOf(y, win.out[k]), 0, 0, strideOf(y, win.out[k])});
  for (size_t k = 0; k < win.in.size(); ++k)
    inner.push_back({win.size[k], 0, win.kernel.empty() ? 0 : strideOf(w, win.kernel[k]), 0});
  auto sizes = [](const std::vector<Loop> &loops) {
    llvm::SmallVector<int64_t> s;
    for (const Loop &loop : loops)
      s.push_back(loop.size);
    return s;
  };
  int64_t group = 0;
  forEachIndex(sizes(outer), [&](const std::vector<int64_t> &o) {
    int64_t xo = 0, wo = 0, yo = 0;
    for (size_t l = 0; l < outer.size(); ++l) {
      xo += o[l] * outer[l].x;
      wo += o[l] * outer[l].w;
      yo += o[l] * outer[l].y;
    }
    forEachIndex(sizes(inner), [&](const std::vector<int64_t> &j) {
      int64_t xt = xo, wt = wo;
      for (size_t k = 0; k < win.in.size(); ++k) {
        int64_t i = o[firstOutput + k] * win.stride[k] + j[k] * win.dilation[k] - win.lo[k];
        if (i < 0 || i >= sizeOf(x, win.in[k]))
          return;
        xt += i * strideOf(x, win.in[k]);
        wt += j[k] * inner[k].w;
      }
      tap(group, xt, wt, yo);
    });
    ++group;
  });
}

int64_t windowVolume(const Window &win) {
  int64_t volume = 1;
  for (int64_t size : win.size)
    volume *= size;
  return volume;
}

/// Per output point of a max pool (in group order): the x offset of its window's first maximum.
std::vector<int64_t> argmaxOffsets(const Window &win, const HostTensor &x, const HostTensor &y) {
  std::vector<int64_t> best(y.data.size(), -1);
  std::vector<double> value(y.data.size(), -std::numeric_limits<double>::infinity());
  forEachTap(win, x, HostTensor(), y, [&](int64_t, int64_t xo, int64_t, int64_t yo) {
    if (best[yo] < 0 || x.data[xo] > value[yo]) { // strictly greater: the first maximum wins
      best[yo] = xo;
      value[yo] = x.data[xo];
    }
  });
  return best;
}

/// Calls `element(offset, channelIndex)` for every element of x.
template <typename Element>
void forEachChannelElement(const HostTensor &x, llvm::StringRef channel, Element element) {
  int64_t stride = strideOf(x, channel), size = sizeOf(x, channel);
  for (int64_t i = 0; i < int64_t(x.data.size()); ++i)
    element(i, (i / stride) % size);
}

} // namespace

LogicalResult interpretConvOp(Operation *op, llvm::function_ref<const HostTensor &(Value)> get,
                              llvm::SmallVectorImpl<HostTensor> &results) {
  results.clear();
  for (Type type : op->getResultTypes())
    results.push_back(zerosOf(type));
  HostTensor &out = results.front();
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](ConvOp o) {
        const HostTensor &x = get(o.getInput()), &w = get(o.getFilter());
        forEachTap(convWindow(o, w), x, w, out, [&](int64_t, int64_t xo, int64_t wo, int64_t yo) {
          out.data[yo] += x.data[xo] * w.data[wo];
        });
        return success();
      })
      .Case([&](ConvTransposeOp o) {
        const HostTensor &dy = get(o.getInput()), &w = get(o.getFilter());
        forEachTap(convWindow(o, w), out, w, dy, [&](int64_t, int64_t xo, int64_t wo, int64_t yo) {
          out.data[xo] += dy.data[yo] * w.data[wo];
        });
        return success();
      })
      .Case([&](ConvGradFilterOp o) {
        const HostTensor &x = get(o.getInput()), &dy = get(o.getGrad());
        forEachTap(convWindow(o, out), x, out, dy,
                   [&](int64_t, int64_t xo, int64_t wo, int64_t yo) {
                     out.data[wo] += x.data[xo] * dy.data[yo];
                   });
        return success();
      })
      .Case([&](ConvBiasActOp o) { // meshc-fuse-conv: conv, + bias[out_channel], relu
        const HostTensor &x = get(o.getInput()), &w = get(o.getFilter()), &b = get(o.getBias());
        forEachTap(convWindow(o, w), x, w, out, [&](int64_t, int64_t xo, int64_t wo, int64_t yo) {
          out.data[yo] += x.data[xo] * w.data[wo];
        });
        forEachChannelElement(out, o.getOutChannel(), [&](int64_t i, int64_t f) {
          out.data[i] += b.data[f];
          if (o.getRelu() && !(out.data[i] > 0))
            out.data[i] = 0.0;
        });
        return success();
      })
      .Case([&](ConvGradFilterBiasOp o) { // conv_grad_filter, and dy summed onto out_channel
        const HostTensor &x = get(o.getInput()), &dy = get(o.getGrad());
        forEachTap(convWindow(o, out), x, out, dy,
                   [&](int64_t, int64_t xo, int64_t wo, int64_t yo) {
                     out.data[wo] += x.data[xo] * dy.data[yo];
                   });
        HostTensor &db = results[1];
        forEachChannelElement(dy, o.getOutChannel(),
                              [&](int64_t i, int64_t f) { db.data[f] += dy.data[i]; });
        return success();
      })
      .Case([&](MaxPoolOp o) {
        const HostTensor &x = get(o.getInput());
        std::vector<int64_t> best = argmaxOffsets(poolWindow(o), x, out);
        for (size_t i = 0; i < best.size(); ++i)
          out.data[i] = x.data[best[i]];
        return success();
      })
      .Case([&](MaxPoolGradOp o) {
        const HostTensor &x = get(o.getInput()), &dy = get(o.getGrad());
        std::vector<int64_t> best = argmaxOffsets(poolWindow(o), x, dy);
        for (size_t i = 0; i < best.size(); ++i)
          out.data[best[i]] += dy.data[i];
        return success();
      })
      .Case([&](AvgPoolOp o) {
        const HostTensor &x = get(o.getInput());
        Window win = poolWindow(o);
        forEachTap(win, x, HostTensor(), out,
                   [&](int64_t, int64_t xo, int64_t, int64_t yo) { out.data[yo] += x.data[xo]; });
        for (double &v : out.data)
          v /= double(windowVolume(win));
        return success();
      })
      .Case([&](AvgPoolGradOp o) {
        const HostTensor &dy = get(o.getGrad());
        Window win = poolWindow(o);
        double volume = double(windowVolume(win));
        forEachTap(win, out, HostTensor(), dy, [&](int64_t, int64_t xo, int64_t, int64_t yo) {
          out.data[xo] += dy.data[yo] / volume;
        });
        return success();
      })
      .Case([&](BatchNormOp o) {
        const HostTensor &x = get(o.getInput()), &mean = get(o.getMean()), &var = get(o.getVar());
        const HostTensor &scale = get(o.getScale()), &shift = get(o.getShift());
        double eps = o.getEpsilon().convertToDouble();
        forEachChannelElement(x, o.getChannel(), [&](int64_t i, int64_t c) {
          double rstd = 1.0 / std::sqrt(var.data[c] + eps);
          out.data[i] = (x.data[i] - mean.data[c]) * rstd * scale.data[c] + shift.data[c];
        });
        return success();
      })
      .Case([&](BatchNormGradOp o) {
        const HostTensor &x = get(o.getInput()), &mean = get(o.getMean()), &var = get(o.getVar());
        const HostTensor &scale = get(o.getScale()), &dy = get(o.getGrad());
        double eps = o.getEpsilon().convertToDouble();
        HostTensor &dx = results[0], &dmean = results[1], &dvar = results[2];
        HostTensor &dscale = results[3], &dshift = results[4];
        forEachChannelElement(x, o.getChannel(), [&](int64_t i, int64_t c) {
          double rstd = 1.0 / std::sqrt(var.data[c] + eps);
          dx.data[i] = scale.data[c] * rstd * dy.data[i];
          dscale.data[c] += dy.data[i] * (x.data[i] - mean.data[c]) * rstd;
          dshift.data[c] += dy.data[i];
        });
        for (size_t c = 0; c < dmean.data.size(); ++c) {
          double rstd = 1.0 / std::sqrt(var.data[c] + eps);
          dmean.data[c] = -dshift.data[c] * scale.data[c] * rstd;
          dvar.data[c] = -0.5 * dscale.data[c] * scale.data[c] * rstd * rstd;
        }
        return success();
      })
      .Default([&](Operation *) {
        return op->emitOpError() << "the reference interpreter has no Conv-family case for it";
      });
}

} // namespace meshc::testing
