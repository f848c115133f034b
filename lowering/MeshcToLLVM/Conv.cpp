// Conv-family ops → the runtime's CNN kernels: conv (meshrt_conv_forward), conv_transpose (its
// input adjoint, meshrt_conv_backward_data), conv_grad_filter (meshrt_conv_backward_weights),
// max/avg pooling and their adjoints (meshrt_pool_forward/backward), batch norm and its adjoint;
// and meshc-fuse-conv's conv_bias_act (meshrt_conv_bias_act_forward) and conv_grad_filter_bias
// (meshrt_conv_backward_weights_bias).
// The kernels take canonical contiguous layouts, x [N, C, S...], w [F, C, K...], y [N, F, O...]
// with N the batch-like dims flattened (in the x-role tensor's order) and the spatial dims in the
// op's attribute order; a tensor already laid out so is passed as it is, any other is copied into
// (operands) or out of (results) scratch with meshrt_strided_copy. Sizes come from the per-rank
// types (so operands that carry halo rows are taken whole), the window from the attributes.
#include "lowering/MeshcToLLVM/Canonical.h"
#include "lowering/MeshcToLLVM/LoweringState.h"

#include "meshrt/meshrt.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;

namespace meshc::lowering {

namespace {

using Names = SmallVector<StringAttr>;

NamedTensorType typeOf(Value v) { return llvm::cast<NamedTensorType>(v.getType()); }

Names namesOf(ArrayAttr names) {
  Names out;
  for (Attribute name : names)
    out.push_back(llvm::cast<StringAttr>(name));
  return out;
}

/// The dims of `type` that are none of `own`, in `type`'s order: the batch-like dims.
Names otherDims(NamedTensorType type, ArrayRef<StringAttr> own) {
  Names out;
  for (StringAttr name : type.getDimNames())
    if (!llvm::is_contained(own, name))
      out.push_back(name);
  return out;
}

Names concat(std::initializer_list<ArrayRef<StringAttr>> groups) {
  Names all;
  for (ArrayRef<StringAttr> group : groups)
    all.append(group.begin(), group.end());
  return all;
}

int64_t product(NamedTensorType type, ArrayRef<StringAttr> names) {
  int64_t n = 1;
  for (StringAttr name : names)
    n *= type.getDimSize(name.getValue());
  return n;
}

/// The kernel's shape array of a canonical tensor: the `outer` dims flattened into one size,
/// then each of `rest` ([N, C, S...] with outer = batch dims and rest = C, S...).
SmallVector<int64_t> kernelShape(NamedTensorType type, ArrayRef<StringAttr> outer,
                                 ArrayRef<StringAttr> rest) {
  SmallVector<int64_t> shape{product(type, outer)};
  for (StringAttr name : rest)
    shape.push_back(type.getDimSize(name.getValue()));
  return shape;
}

/// The forward convolution x (*) w = y that a conv-family op describes, in canonical form.
struct ConvGeometry {
  NamedTensorType x, w, y; // canonical types
  SmallVector<int64_t> xShape, wShape, yShape, geometry;
};

/// `xType`/`yType` are the op's tensors in the roles of the forward input and result.
template <typename OpT>
ConvGeometry convGeometry(OpT op, NamedTensorType xType, NamedTensorType wType,
                          NamedTensorType yType) {
  MLIRContext *context = op->getContext();
  StringAttr c = StringAttr::get(context, op.getInChannel());
  StringAttr f = StringAttr::get(context, op.getOutChannel());
  Names inSp = namesOf(op.getInputSpatial()), outSp = namesOf(op.getOutputSpatial());
  Names kSp = namesOf(op.getKernelSpatial());
  Names batch = otherDims(xType, concat({{c}, inSp}));
  ConvGeometry g;
  g.x = xType.withDims(concat({batch, {c}, inSp}));
  g.w = wType.withDims(concat({{f, c}, kSp}));
  g.y = yType.withDims(concat({batch, {f}, outSp}));
  g.xShape = kernelShape(g.x, batch, concat({{c}, inSp}));
  g.wShape = kernelShape(g.w, {f}, concat({{c}, kSp}));
  g.yShape = kernelShape(g.y, batch, concat({{f}, outSp}));
  for (ArrayRef<int64_t> part : {op.getStrides(), op.getDilations(), op.getPadLo(), op.getPadHi()})
    g.geometry.append(part.begin(), part.end());
  return g;
}

/// Pooling x [N, C, S...] → y [N, C, O...]: every non-spatial dim is batch-like; the last of
/// them (in x's order) is the kernel's C and the others flatten into N, so that the kernel sees
/// the usual [batch, channels, spatial] shapes.
struct PoolGeometry {
  NamedTensorType x, y; // canonical types
  SmallVector<int64_t> xShape, yShape, geometry;
};

template <typename OpT>
PoolGeometry poolGeometry(OpT op, NamedTensorType xType, NamedTensorType yType) {
  Names inSp = namesOf(op.getInputSpatial()), outSp = namesOf(op.getOutputSpatial());
  Names batch = otherDims(xType, inSp);
  PoolGeometry g;
  g.x = xType.withDims(concat({batch, inSp}));
  g.y = yType.withDims(concat({batch, outSp}));
  ArrayRef<StringAttr> outer = batch, channel;
  if (!batch.empty()) {
    outer = ArrayRef<StringAttr>(batch).drop_back();
    channel = ArrayRef<StringAttr>(batch).take_back();
  }
  g.xShape = kernelShape(g.x, outer, concat({channel, inSp}));
  g.yShape = kernelShape(g.y, outer, concat({channel, outSp}));
  if (channel.empty()) { // no batch-like dims at all: N = C = 1
    g.xShape.insert(g.xShape.begin() + 1, 1);
    g.yShape.insert(g.yShape.begin() + 1, 1);
  }
  for (ArrayRef<int64_t> part : {op.getWindow(), op.getStrides(), op.getPadLo(), op.getPadHi()})
    g.geometry.append(part.begin(), part.end());
  return g;
}

/// Batch norm's x as [n, c, s] in whatever layout it has: n the dims before the channel, s
/// those after (no copy is ever needed).
struct Lines {
  int64_t n = 1, c = 1, s = 1;
};
Lines linesAlong(NamedTensorType type, StringRef channel) {
  Lines lines;
  unsigned index = *type.findDim(channel);
  for (auto [i, size] : llvm::enumerate(type.getDimSizes()))
    (i < index ? lines.n : i == index ? lines.c : lines.s) *= size;
  return lines;
}

} // namespace

// Long on purpose: a TypeSwitch with one short case per op of the family (ConvFamilyOps).
LogicalResult lowerConvFamily(Operation *op, OpBuilder &b, LoweringState &state) {
  Location loc = op->getLoc();
  RuntimeABI &rt = state.rt;
  Canonical canonical(b, loc, state);
  auto ptr = [&](Value v) { return state.pointer(b, loc, v); };
  auto i64s = [&](ArrayRef<int64_t> values) { return rt.i64Array(b, loc, values); };
  auto i32 = [&](int32_t v) { return rt.i32c(b, loc, v); };
  auto i64 = [&](int64_t v) { return rt.i64c(b, loc, v); };
  auto f32 = [&](double v) { return rt.f32c(b, loc, (float)v); };
  bool handled = true;
  llvm::TypeSwitch<Operation *>(op)
      .Case([&](ConvOp o) {
        ConvGeometry g =
            convGeometry(o, typeOf(o.getInput()), typeOf(o.getFilter()), typeOf(o.getResult()));
        Value x = canonical.in(o.getInput(), g.x), w = canonical.in(o.getFilter(), g.w);
        Value y = canonical.out(o.getResult(), g.y);
        rt.call<kernel::ConvForward>(b, loc,
                                     {state.context, i32(g.geometry.size() / 4), i64s(g.xShape),
                                      i64s(g.wShape), i64s(g.yShape), i64s(g.geometry), x, w, y});
      })
      .Case([&](ConvTransposeOp o) { // input: dy (the forward's result), result: dx
        ConvGeometry g =
            convGeometry(o, typeOf(o.getResult()), typeOf(o.getFilter()), typeOf(o.getInput()));
        Value w = canonical.in(o.getFilter(), g.w), dy = canonical.in(o.getInput(), g.y);
        Value dx = canonical.out(o.getResult(), g.x);
        rt.call<kernel::ConvBackwardData>(b, loc,
                                          {state.context, i32(g.geometry.size() / 4),
                                           i64s(g.xShape), i64s(g.wShape), i64s(g.yShape),
                                           i64s(g.geometry), w, dy, dx});
      })
      .Case([&](ConvGradFilterOp o) {
        ConvGeometry g =
            convGeometry(o, typeOf(o.getInput()), typeOf(o.getResult()), typeOf(o.getGrad()));
        Value x = canonical.in(o.getInput(), g.x), dy = canonical.in(o.getGrad(), g.y);
        Value dw = canonical.out(o.getResult(), g.w);
        rt.call<kernel::ConvBackwardWeights>(b, loc,
                                             {state.context, i32(g.geometry.size() / 4),
                                              i64s(g.xShape), i64s(g.wShape), i64s(g.yShape),
                                              i64s(g.geometry), x, dy, dw});
      })
      .Case([&](ConvBiasActOp o) { // meshc-fuse-conv: the conv's geometry, the bias [F] as is
        ConvGeometry g =
            convGeometry(o, typeOf(o.getInput()), typeOf(o.getFilter()), typeOf(o.getResult()));
        Value x = canonical.in(o.getInput(), g.x), w = canonical.in(o.getFilter(), g.w);
        Value bias = canonical.in(o.getBias(), typeOf(o.getBias()));
        Value y = canonical.out(o.getResult(), g.y);
        rt.call<kernel::ConvBiasActForward>(
            b, loc,
            {state.context, i32(g.geometry.size() / 4), i64s(g.xShape), i64s(g.wShape),
             i64s(g.yShape), i64s(g.geometry), i32(o.getRelu() ? 1 : 0), x, w, bias, y});
      })
      .Case([&](ConvGradFilterBiasOp o) {
        ConvGeometry g =
            convGeometry(o, typeOf(o.getInput()), typeOf(o.getResult()), typeOf(o.getGrad()));
        Value x = canonical.in(o.getInput(), g.x), dy = canonical.in(o.getGrad(), g.y);
        Value dw = canonical.out(o.getResult(), g.w);
        Value db = canonical.out(o.getBiasGrad(), typeOf(o.getBiasGrad()));
        rt.call<kernel::ConvBackwardWeightsBias>(b, loc,
                                                 {state.context, i32(g.geometry.size() / 4),
                                                  i64s(g.xShape), i64s(g.wShape), i64s(g.yShape),
                                                  i64s(g.geometry), x, dy, dw, db});
      })
      .Case([&](MaxPoolOp o) {
        PoolGeometry g = poolGeometry(o, typeOf(o.getInput()), typeOf(o.getResult()));
        Value x = canonical.in(o.getInput(), g.x), y = canonical.out(o.getResult(), g.y);
        rt.call<kernel::PoolForward>(b, loc,
                                     {state.context, i32(MESHRT_POOL_MAX),
                                      i32(g.geometry.size() / 4), i64s(g.xShape), i64s(g.yShape),
                                      i64s(g.geometry), x, y});
      })
      .Case([&](AvgPoolOp o) {
        PoolGeometry g = poolGeometry(o, typeOf(o.getInput()), typeOf(o.getResult()));
        Value x = canonical.in(o.getInput(), g.x), y = canonical.out(o.getResult(), g.y);
        rt.call<kernel::PoolForward>(b, loc,
                                     {state.context, i32(MESHRT_POOL_AVG),
                                      i32(g.geometry.size() / 4), i64s(g.xShape), i64s(g.yShape),
                                      i64s(g.geometry), x, y});
      })
      .Case([&](MaxPoolGradOp o) {
        PoolGeometry g = poolGeometry(o, typeOf(o.getInput()), typeOf(o.getGrad()));
        Value x = canonical.in(o.getInput(), g.x), dy = canonical.in(o.getGrad(), g.y);
        Value dx = canonical.out(o.getResult(), g.x);
        rt.call<kernel::PoolBackward>(b, loc,
                                      {state.context, i32(MESHRT_POOL_MAX),
                                       i32(g.geometry.size() / 4), i64s(g.xShape), i64s(g.yShape),
                                       i64s(g.geometry), x, dy, dx});
      })
      .Case([&](AvgPoolGradOp o) {
        PoolGeometry g = poolGeometry(o, typeOf(o.getResult()), typeOf(o.getGrad()));
        Value dy = canonical.in(o.getGrad(), g.y), dx = canonical.out(o.getResult(), g.x);
        // Average pooling does not read x (meshrt.h); dx, a buffer of x's canonical size, stands
        // in for it so that a backend that touches it anyway stays in bounds.
        rt.call<kernel::PoolBackward>(b, loc,
                                      {state.context, i32(MESHRT_POOL_AVG),
                                       i32(g.geometry.size() / 4), i64s(g.xShape), i64s(g.yShape),
                                       i64s(g.geometry), dx, dy, dx});
      })
      .Case([&](BatchNormOp o) {
        Lines l = linesAlong(typeOf(o.getInput()), o.getChannel());
        rt.call<kernel::BatchNorm>(b, loc,
                                   {state.context, i64(l.n), i64(l.c), i64(l.s),
                                    f32(o.getEpsilon().convertToDouble()), ptr(o.getInput()),
                                    ptr(o.getMean()), ptr(o.getVar()), ptr(o.getScale()),
                                    ptr(o.getShift()), ptr(o.getResult())});
      })
      .Case([&](BatchNormGradOp o) {
        Lines l = linesAlong(typeOf(o.getInput()), o.getChannel());
        rt.call<kernel::BatchNormGrad>(b, loc,
                                       {state.context, i64(l.n), i64(l.c), i64(l.s),
                                        f32(o.getEpsilon().convertToDouble()), ptr(o.getInput()),
                                        ptr(o.getMean()), ptr(o.getVar()), ptr(o.getScale()),
                                        ptr(o.getGrad()), ptr(o.getDinput()), ptr(o.getDmean()),
                                        ptr(o.getDvar()), ptr(o.getDscale()), ptr(o.getDshift())});
      })
      .Default([&](Operation *) { handled = false; });
  if (!handled)
    return unhandledOp(op, "conv");
  canonical.finish();
  return success();
}

} // namespace meshc::lowering
