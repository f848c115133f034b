// The DSL's Conv family.
//
// conv, conv_transpose, max_pool, avg_pool, batch_norm and batch_norm_inference: each resolves its
// window (channels from the operands, strides and dilations per spatial dim, same/valid/explicit
// padding, output sizes and names), checks it at the call's line, then prints the ops of
// dialect/IR/MeshcConvOps.td, or records a located error and returns a placeholder.
//
//===----------------------------------------------------------------------===//
#include "GraphImpl.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace meshc::dsl {

using detail::GraphImpl;
using detail::operandList;
using detail::placeholder;
using detail::signature;

namespace {

const Dim *findDim(const std::vector<Dim> &dims, std::string_view name) {
  for (const Dim &d : dims)
    if (d.name == name)
      return &d;
  return nullptr;
}

std::string names(const std::vector<Dim> &dims) {
  std::string text = "[";
  for (size_t i = 0; i < dims.size(); ++i)
    text += (i ? ", " : "") + detail::printString(dims[i].name);
  return text + "]";
}

std::string ints(const std::vector<int64_t> &values) {
  std::string text = "array<i64";
  for (size_t i = 0; i < values.size(); ++i)
    text += (i ? ", " : ": ") + std::to_string(values[i]);
  return text + ">";
}

/// The window along each spatial dim, resolved.
struct Window {
  std::vector<Dim> in, out; // the forward op's input and output spatial dims
  std::vector<int64_t> size, stride, dilation, lo, hi;
};

/// Checks the spatial dims of a windowed op: 1 to 3, each a dim of `x` (name and size).
bool checkSpatial(GraphImpl &g, const Tensor &x, const std::vector<Dim> &spatial, const char *fn,
                  const std::source_location &loc) {
  if (spatial.empty() || spatial.size() > 3) {
    g.error(loc,
            std::string(fn) + " needs 1 to 3 spatial dims, got " + std::to_string(spatial.size()));
    return false;
  }
  bool ok = true;
  for (size_t i = 0; i < spatial.size(); ++i) {
    const Dim *own = findDim(x.dims(), spatial[i].name);
    if (!own || own->size != spatial[i].size) {
      g.error(loc, std::string(fn) + " spatial dim '" + spatial[i].name + "' of size " +
                       std::to_string(spatial[i].size) + " is not a dimension of its input " +
                       detail::printDims(x.dims()));
      ok = false;
    }
    for (size_t j = 0; j < i; ++j)
      if (spatial[j].name == spatial[i].name) {
        g.error(loc, std::string(fn) + " lists spatial dim '" + spatial[i].name + "' twice");
        ok = false;
      }
  }
  return ok;
}

/// `values` (none: `fallback`; one: for every dim; else one per dim) as `n` values >= 1.
bool perDim(GraphImpl &g, const std::vector<int64_t> &values, size_t n,
            const std::vector<int64_t> &fallback, const char *fn, const char *what,
            const std::source_location &loc, std::vector<int64_t> &out) {
  if (values.empty())
    out = fallback;
  else if (values.size() == 1)
    out.assign(n, values[0]);
  else if (values.size() == n)
    out = values;
  else {
    g.error(loc, std::string(fn) + " has " + std::to_string(values.size()) + " " + what + " for " +
                     std::to_string(n) + " spatial dims (give none, one, or one each)");
    return false;
  }
  for (int64_t v : out)
    if (v < 1) {
      g.error(loc, std::string(fn) + " " + what + " " + std::to_string(v) + " is not positive");
      return false;
    }
  return true;
}

/// The reach of a dilated kernel minus one, d (k - 1), or -1 when it overflows.
int64_t reach(int64_t size, int64_t dilation) {
  int64_t r = 0;
  return __builtin_mul_overflow(size - 1, dilation, &r) ? -1 : r;
}

/// Pads for `padding` along each dim of a forward window whose input sizes are `in`.
bool resolvePads(GraphImpl &g, const Padding &padding, const std::vector<int64_t> &in, Window &win,
                 const char *fn, const std::source_location &loc) {
  size_t n = in.size();
  switch (padding.kind) {
  case Padding::Kind::Valid:
    win.lo.assign(n, 0);
    win.hi.assign(n, 0);
    return true;
  case Padding::Kind::Same:
    for (size_t i = 0; i < n; ++i) {
      int64_t out = (in[i] + win.stride[i] - 1) / win.stride[i];
      int64_t total = std::max<int64_t>(
          (out - 1) * win.stride[i] + reach(win.size[i], win.dilation[i]) + 1 - in[i], 0);
      win.lo.push_back(total / 2);
      win.hi.push_back(total - total / 2);
    }
    return true;
  case Padding::Kind::Explicit:
    if (padding.lo.size() != n || padding.hi.size() != n) {
      g.error(loc, std::string(fn) + " has " + std::to_string(padding.lo.size()) + " low and " +
                       std::to_string(padding.hi.size()) + " high pads for " + std::to_string(n) +
                       " spatial dims");
      return false;
    }
    for (size_t i = 0; i < n; ++i)
      if (padding.lo[i] < 0 || padding.hi[i] < 0) {
        g.error(loc, std::string(fn) + " pads along '" + win.in[i].name + "' are " +
                         std::to_string(padding.lo[i]) + " and " + std::to_string(padding.hi[i]) +
                         "; pads must not be negative");
        return false;
      }
    win.lo = padding.lo;
    win.hi = padding.hi;
    return true;
  }
  return false;
}

/// Names the output spatial dims: `names[i]` or, when empty or absent, the input's name, which
/// needs the size unchanged. `sizes` are the output sizes.
bool nameOutputs(GraphImpl &g, const std::vector<Dim> &from, const std::vector<int64_t> &sizes,
                 const std::vector<std::string> &given, const char *fn, const char *field,
                 const std::source_location &loc, std::vector<Dim> &out) {
  if (!given.empty() && given.size() != from.size()) {
    g.error(loc, std::string(fn) + " names " + std::to_string(given.size()) + " output dims for " +
                     std::to_string(from.size()) + " spatial dims");
    return false;
  }
  // The first problem only: the others are usually the same one again.
  for (size_t i = 0; i < from.size(); ++i) {
    std::string name = given.empty() ? "" : given[i];
    if (name.empty() && sizes[i] != from[i].size) {
      g.error(loc, std::string(fn) + " changes spatial dim '" + from[i].name + "' from " +
                       std::to_string(from[i].size) + " to " + std::to_string(sizes[i]) +
                       "; name the new dim (" + field + ")");
      return false;
    }
    out.push_back(Dim{name.empty() ? from[i].name : name, sizes[i]});
    if (!g.checkDim(out.back(), loc))
      return false;
  }
  return true;
}

/// x's dims with `from[i]` replaced by `to[i]`.
std::vector<Dim> replaced(const std::vector<Dim> &dims, const std::vector<Dim> &from,
                          const std::vector<Dim> &to) {
  std::vector<Dim> result = dims;
  for (Dim &d : result)
    for (size_t i = 0; i < from.size(); ++i)
      if (d.name == from[i].name)
        d = to[i];
  return result;
}

/// The channels of a conv-like op: the one dim x and w share, and w's one dim that is neither it
/// nor a kernel dim.
bool findChannels(GraphImpl &g, const Tensor &x, const Tensor &w, const std::vector<Dim> &kernel,
                  const std::vector<Dim> &spatial, const char *fn, const char *sharedWhat,
                  const std::source_location &loc, Dim &shared, Dim &other) {
  std::vector<Dim> common, rest;
  for (const Dim &d : w.dims()) {
    if (x.has(d.name))
      common.push_back(d);
    else if (!findDim(kernel, d.name))
      rest.push_back(d);
  }
  if (common.size() != 1) {
    g.error(loc, std::string(fn) + " input " + detail::printDims(x.dims()) + " and filter " +
                     detail::printDims(w.dims()) + " must share exactly one dim, the " +
                     sharedWhat + "; they share " + std::to_string(common.size()));
    return false;
  }
  shared = common[0];
  if (findDim(spatial, shared.name)) {
    g.error(loc, std::string(fn) + " channel '" + shared.name + "' is also a spatial dim");
    return false;
  }
  if (rest.size() != 1 || w.dims().size() != kernel.size() + 2) {
    g.error(loc, std::string(fn) + " filter " + detail::printDims(w.dims()) +
                     " must have exactly the channels '" + shared.name +
                     "' and one other, and the kernel dims " + detail::printDims(kernel));
    return false;
  }
  other = rest[0];
  return true;
}

/// The checks conv and conv_transpose share: operands, spatial and kernel dims, channels,
/// strides and dilations. `shared`/`other` are the channel x and w share and w's other one.
GraphImpl *checkConvLike(const Tensor &x, const Tensor &w, const ConvSpec &spec, const char *fn,
                         const char *sharedWhat, const std::source_location &loc, Window &win,
                         Dim &shared, Dim &other) {
  std::vector<const Tensor *> operands{&x, &w};
  GraphImpl *g = GraphImpl::common(operands, fn, loc);
  if (!g)
    return nullptr;
  bool ok = g->expectF32(x, (std::string("input of ") + fn).c_str(), loc);
  ok &= g->expectF32(w, (std::string("filter of ") + fn).c_str(), loc);
  if (!ok || !checkSpatial(*g, x, spec.spatial, fn, loc))
    return nullptr;
  size_t n = spec.spatial.size();
  if (spec.kernel.size() != n) {
    g->error(loc, std::string(fn) + " has " + std::to_string(spec.kernel.size()) +
                      " kernel dims for " + std::to_string(n) + " spatial dims");
    return nullptr;
  }
  for (const Dim &k : spec.kernel)
    if (const Dim *own = findDim(w.dims(), k.name); !own || own->size != k.size) {
      g->error(loc, std::string(fn) + " kernel dim '" + k.name + "' of size " +
                        std::to_string(k.size) + " is not a dimension of its filter " +
                        detail::printDims(w.dims()));
      return nullptr;
    }
  if (!findChannels(*g, x, w, spec.kernel, spec.spatial, fn, sharedWhat, loc, shared, other))
    return nullptr;
  for (const Dim &k : spec.kernel)
    win.size.push_back(k.size);
  if (!perDim(*g, spec.strides, n, std::vector<int64_t>(n, 1), fn, "strides", loc, win.stride) ||
      !perDim(*g, spec.dilations, n, std::vector<int64_t>(n, 1), fn, "dilations", loc,
              win.dilation))
    return nullptr;
  return g;
}

std::string convAttrs(const Window &win, const std::vector<Dim> &kernel, const Dim &in,
                      const Dim &out) {
  return "input_spatial = " + names(win.in) + ", output_spatial = " + names(win.out) +
         ", kernel_spatial = " + names(kernel) + ", in_channel = " + detail::printString(in.name) +
         ", out_channel = " + detail::printString(out.name) + ", strides = " + ints(win.stride) +
         ", dilations = " + ints(win.dilation) + ", pad_lo = " + ints(win.lo) +
         ", pad_hi = " + ints(win.hi);
}

/// `meshc.<mnemonic> %a, %b {attrs} : T1, T2 -> T3`, added as the op's result.
Tensor addOp(GraphImpl &g, const char *mnemonic, const std::vector<const Tensor *> &operands,
             const std::string &attrs, std::vector<Dim> dims, const std::source_location &loc) {
  std::string text = std::string("meshc.") + mnemonic + " " + operandList(g, operands) + " {" +
                     attrs + "} : " + signature(operands, dims, DType::F32);
  return g.add("", std::move(dims), DType::F32, text, loc);
}

/// Output sizes of a forward window over inputs `in`; false (after an error) when a window does
/// not fit.
bool forwardSizes(GraphImpl &g, const Window &win, const std::vector<int64_t> &in, const char *fn,
                  const std::source_location &loc, std::vector<int64_t> &out) {
  for (size_t i = 0; i < in.size(); ++i) {
    int64_t r = reach(win.size[i], win.dilation[i]);
    // Sizes are below 2^63 and so are the pads: their sum fits in 128 bits.
    __int128 padded = __int128(in[i]) + win.lo[i] + win.hi[i];
    if (r < 0 || padded - 1 < r) {
      g.error(loc, std::string(fn) + " window along '" + win.in[i].name + "' (size " +
                       std::to_string(win.size[i]) + ", dilation " +
                       std::to_string(win.dilation[i]) + ") is larger than the padded input (" +
                       std::to_string(in[i]) + " + " + std::to_string(win.lo[i]) + " + " +
                       std::to_string(win.hi[i]) + ")");
      return false;
    }
    out.push_back(int64_t((padded - 1 - r) / win.stride[i] + 1));
  }
  return true;
}

Tensor pool(const char *mnemonic, const Tensor &x, const PoolSpec &spec,
            const std::source_location &loc) {
  std::vector<const Tensor *> operands{&x};
  GraphImpl *g = GraphImpl::common(operands, mnemonic, loc);
  if (!g)
    return placeholder(operands, x.dims(), DType::F32);
  auto failed = [&] { return g->placeholder(x.dims(), DType::F32); };
  if (!g->expectF32(x, (std::string("input of ") + mnemonic).c_str(), loc) ||
      !checkSpatial(*g, x, spec.spatial, mnemonic, loc))
    return failed();
  size_t n = spec.spatial.size();
  Window win;
  win.in = spec.spatial;
  win.dilation.assign(n, 1);
  if (!perDim(*g, spec.window, n, {}, mnemonic, "window sizes", loc, win.size))
    return failed();
  if (win.size.empty()) {
    g->error(loc, std::string(mnemonic) + " needs window sizes (PoolSpec::window)");
    return failed();
  }
  std::vector<int64_t> in;
  for (const Dim &d : spec.spatial)
    in.push_back(d.size);
  std::vector<int64_t> out;
  if (!perDim(*g, spec.strides, n, win.size, mnemonic, "strides", loc, win.stride) ||
      !resolvePads(*g, spec.padding, in, win, mnemonic, loc) ||
      !forwardSizes(*g, win, in, mnemonic, loc, out))
    return failed();
  for (size_t i = 0; i < n; ++i)
    if (win.lo[i] >= win.size[i] || win.hi[i] >= win.size[i]) {
      g->error(loc, std::string(mnemonic) + " pads along '" + win.in[i].name + "' (" +
                        std::to_string(win.lo[i]) + " and " + std::to_string(win.hi[i]) +
                        ") must be smaller than the window " + std::to_string(win.size[i]));
      return failed();
    }
  if (!nameOutputs(*g, spec.spatial, out, spec.out, mnemonic, "PoolSpec::out", loc, win.out))
    return failed();
  std::vector<Dim> dims = replaced(x.dims(), win.in, win.out);
  if (!g->checkShape(dims, loc, std::string("the result of ") + mnemonic))
    return failed();
  std::string attrs = "input_spatial = " + names(win.in) + ", output_spatial = " + names(win.out) +
                      ", window = " + ints(win.size) + ", strides = " + ints(win.stride) +
                      ", pad_lo = " + ints(win.lo) + ", pad_hi = " + ints(win.hi);
  return addOp(*g, mnemonic, operands, attrs, std::move(dims), loc);
}

} // namespace

Tensor conv(const Tensor &x, const Tensor &w, const ConvSpec &spec, std::source_location loc) {
  Window win;
  Dim in, out;
  GraphImpl *g = checkConvLike(x, w, spec, "conv", "input channel", loc, win, in, out);
  if (!g)
    return placeholder({&x, &w}, x.dims(), DType::F32);
  auto failed = [&] { return g->placeholder(x.dims(), DType::F32); };
  win.in = spec.spatial;
  std::vector<int64_t> inSizes, outSizes;
  for (const Dim &d : spec.spatial)
    inSizes.push_back(d.size);
  if (!resolvePads(*g, spec.padding, inSizes, win, "conv", loc) ||
      !forwardSizes(*g, win, inSizes, "conv", loc, outSizes) ||
      !nameOutputs(*g, spec.spatial, outSizes, spec.out, "conv", "ConvSpec::out", loc, win.out))
    return failed();
  std::vector<Dim> from = win.in, to = win.out;
  from.push_back(in);
  to.push_back(out);
  std::vector<Dim> dims = replaced(x.dims(), from, to);
  if (!g->checkShape(dims, loc, "the result of conv"))
    return failed();
  return addOp(*g, "conv", {&x, &w}, convAttrs(win, spec.kernel, in, out), std::move(dims), loc);
}

Tensor conv_transpose(const Tensor &x, const Tensor &w, const ConvSpec &spec,
                      std::source_location loc) {
  Window win;
  Dim out, in; // the forward conv's: x has its output channel, the result its input channel
  GraphImpl *g = checkConvLike(x, w, spec, "conv_transpose", "output channel of the forward conv",
                               loc, win, out, in);
  if (!g)
    return placeholder({&x, &w}, x.dims(), DType::F32);
  auto failed = [&] { return g->placeholder(x.dims(), DType::F32); };
  size_t n = spec.spatial.size();
  // The forward input sizes: the smallest the forward conv maps onto x's (PyTorch's
  // output_padding 0), or o * stride with same padding.
  std::vector<int64_t> sizes;
  if (spec.padding.kind == Padding::Kind::Same) {
    for (size_t i = 0; i < n; ++i)
      sizes.push_back(spec.spatial[i].size * win.stride[i]);
    if (!resolvePads(*g, spec.padding, sizes, win, "conv_transpose", loc))
      return failed();
  } else {
    win.in = spec.spatial; // names the dims in resolvePads' messages
    if (!resolvePads(*g, spec.padding, std::vector<int64_t>(n), win, "conv_transpose", loc))
      return failed();
    for (size_t i = 0; i < n; ++i) {
      int64_t r = reach(win.size[i], win.dilation[i]);
      __int128 size =
          __int128(spec.spatial[i].size - 1) * win.stride[i] + r + 1 - win.lo[i] - win.hi[i];
      if (r < 0 || size < 1 || size > __int128(INT64_MAX)) {
        g->error(loc, "conv_transpose pads along '" + spec.spatial[i].name + "' (" +
                          std::to_string(win.lo[i]) + " and " + std::to_string(win.hi[i]) +
                          ") leave no output of a size meshc accepts");
        return failed();
      }
      sizes.push_back(int64_t(size));
    }
  }
  win.out = spec.spatial;
  win.in.clear();
  if (!nameOutputs(*g, spec.spatial, sizes, spec.out, "conv_transpose", "ConvSpec::out", loc,
                   win.in))
    return failed();
  std::vector<Dim> from = win.out, to = win.in;
  from.push_back(out);
  to.push_back(in);
  std::vector<Dim> dims = replaced(x.dims(), from, to);
  if (!g->checkShape(dims, loc, "the result of conv_transpose"))
    return failed();
  return addOp(*g, "conv_transpose", {&x, &w}, convAttrs(win, spec.kernel, in, out),
               std::move(dims), loc);
}

Tensor max_pool(const Tensor &x, const PoolSpec &spec, std::source_location loc) {
  return pool("max_pool", x, spec, loc);
}

Tensor avg_pool(const Tensor &x, const PoolSpec &spec, std::source_location loc) {
  return pool("avg_pool", x, spec, loc);
}

Tensor batch_norm_inference(const Tensor &x, const Tensor &mean, const Tensor &var,
                            const Tensor &scale, const Tensor &shift, const Dim &channel,
                            double epsilon, std::source_location loc) {
  std::vector<const Tensor *> operands{&x, &mean, &var, &scale, &shift};
  GraphImpl *g = GraphImpl::common(operands, "batch_norm", loc);
  if (!g)
    return placeholder(operands, x.dims(), DType::F32);
  bool ok = g->expectF32(x, "input of batch_norm", loc) && g->checkDim(channel, loc);
  const Dim *own = findDim(x.dims(), channel.name);
  if (ok && (!own || own->size != channel.size)) {
    g->error(loc, "batch_norm channel '" + channel.name + "' of size " +
                      std::to_string(channel.size) + " is not a dimension of its input " +
                      detail::printDims(x.dims()));
    ok = false;
  }
  const char *what[] = {"mean", "var", "scale", "shift"};
  for (size_t i = 1; ok && i < operands.size(); ++i) {
    const Tensor &t = *operands[i];
    if (t.dtype() != DType::F32 || t.dims() != std::vector<Dim>{channel}) {
      g->error(loc, std::string("batch_norm ") + what[i - 1] + " " + detail::printDims(t.dims()) +
                        " must be f32 with exactly the channel dim '" + channel.name +
                        "' of size " + std::to_string(channel.size));
      ok = false;
    }
  }
  if (ok && !(std::isfinite(epsilon) && epsilon > 0)) {
    g->error(loc, "epsilon " + detail::printFloat(epsilon) +
                      " of batch_norm is not a positive finite number");
    ok = false;
  }
  if (!ok)
    return g->placeholder(x.dims(), DType::F32);
  std::string text = "meshc.batch_norm " + operandList(*g, operands) +
                     " {channel = " + detail::printString(channel.name) +
                     ", epsilon = " + detail::printFloat(epsilon) + "} : " + x.type() + ", " +
                     mean.type();
  return g->add("", x.dims(), DType::F32, text, loc);
}

// The statistics from existing ops, so that autodiff differentiates through them and a split
// batch or spatial dim makes their sums partial (all-reduced: synchronised batch norm).
Tensor batch_norm(const Tensor &x, const Tensor &scale, const Tensor &shift, const Dim &channel,
                  double epsilon, std::source_location loc) {
  // Without the channel there are no statistics to take: batch_norm_inference's own checks
  // report it (scale stands in for the statistics).
  if (x.valid() && !x.has(channel.name))
    return batch_norm_inference(x, scale, scale, scale, shift, channel, epsilon, loc);
  Tensor mean = meshc::dsl::mean(x, {channel}, loc);
  Tensor centred = LocatedTensor(x, loc) - mean;
  Tensor var = meshc::dsl::mean(LocatedTensor(centred, loc) * centred, {channel}, loc);
  return batch_norm_inference(x, mean, var, scale, shift, channel, epsilon, loc);
}

namespace {

/// A non-trainable [channel] state param (meshc.param with `state`) of batch norm's running
/// statistics, initialised to `value`.
Tensor runningState(GraphImpl &g, const std::string &name, const Dim &channel, double value,
                    const std::source_location &loc) {
  if (!detail::claimName(g, name, "param", loc))
    return g.placeholder({channel}, DType::F32);
  std::string text = "meshc.param " + detail::printString(name) +
                     (value == 0 ? " zeros" : " constant") +
                     " {scale = " + detail::printFloat(value) +
                     ", state} : " + detail::printType({channel}, DType::F32);
  return g.add(name, {channel}, DType::F32, text, loc);
}

/// running = (1 - momentum) running + momentum batch, as running -= momentum (running - batch):
/// an SGD step of the state in the forward program, so that only the train pass runs it.
void updateRunning(GraphImpl &g, const Tensor &running, const Tensor &batch, double momentum,
                   const std::source_location &loc) {
  Tensor step = LocatedTensor(running, loc) - batch;
  if (!running.valid() || !step.valid())
    return;
  g.ops.push_back({"meshc.sgd_update %" + g.ssa(running) + ", %" + g.ssa(step) +
                       " {learning_rate = " + detail::printFloat(momentum) +
                       "} : " + running.type() + ", " + step.type(),
                   loc});
}

/// `train` in the train pass, `eval` in evaluation and prediction.
Tensor trainOrEval(GraphImpl &g, const Tensor &train, const Tensor &eval,
                   const std::source_location &loc) {
  if (!train.valid() || !eval.valid())
    return g.placeholder(train.dims(), DType::F32);
  return g.add("", train.dims(), DType::F32,
               "meshc.train_or_eval %" + g.ssa(train) + ", %" + g.ssa(eval) + " : " + train.type(),
               loc);
}

} // namespace

Tensor batch_norm(const Tensor &x, const Tensor &scale, const Tensor &shift, const Dim &channel,
                  const RunningStats &running, double epsilon, std::source_location loc) {
  if (x.valid() && !x.has(channel.name))
    return batch_norm_inference(x, scale, scale, scale, shift, channel, epsilon, loc);
  std::vector<const Tensor *> operands{&x, &scale, &shift};
  GraphImpl *g = GraphImpl::common(operands, "batch_norm", loc);
  if (!g)
    return placeholder(operands, x.dims(), DType::F32);
  if (!(running.momentum > 0 && running.momentum <= 1)) {
    g->error(loc, "momentum " + detail::printFloat(running.momentum) +
                      " of batch_norm's running statistics is not in (0, 1]");
    return g->placeholder(x.dims(), DType::F32);
  }
  int64_t count = 1; // values per channel in a batch
  for (const Dim &d : x.dims())
    if (d.name != channel.name)
      count *= d.size;
  if (count < 2) {
    g->error(loc, "batch_norm's running statistics need more than 1 value per channel, input " +
                      detail::printDims(x.dims()) + " has " + std::to_string(count));
    return g->placeholder(x.dims(), DType::F32);
  }
  Tensor runMean = runningState(*g, running.name + "_mean", channel, 0.0, loc);
  Tensor runVar = runningState(*g, running.name + "_var", channel, 1.0, loc);
  Tensor mean = meshc::dsl::mean(x, {channel}, loc);
  Tensor centred = LocatedTensor(x, loc) - mean;
  Tensor var = meshc::dsl::mean(LocatedTensor(centred, loc) * centred, {channel}, loc);
  updateRunning(*g, runMean, mean, running.momentum, loc);
  updateRunning(*g, runVar, meshc::dsl::scale(var, double(count) / double(count - 1), loc),
                running.momentum, loc);
  // One statement each: the printed order must not depend on argument evaluation order.
  Tensor useMean = trainOrEval(*g, mean, runMean, loc);
  Tensor useVar = trainOrEval(*g, var, runVar, loc);
  return batch_norm_inference(x, useMean, useVar, scale, shift, channel, epsilon, loc);
}

} // namespace meshc::dsl
