// The reference interpreter of global meshc programs: naive loops over named index spaces.
#include "tests/support/Interpreter.h"
#include "tests/support/InterpreterConv.h"
#include "tests/support/InterpreterIndex.h"
#include "tests/support/InterpreterMath.h"

#include "dialect/IR/MeshcOps.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/TypeSwitch.h"

#include <algorithm>
#include <cmath>

using namespace mlir;

namespace meshc::testing {

int64_t HostTensor::numElements() const {
  int64_t n = 1;
  for (int64_t size : sizes)
    n *= size;
  return n;
}

HostTensor zerosOf(Type type) {
  auto tensor = llvm::cast<NamedTensorType>(type);
  HostTensor t;
  for (auto [name, size] : llvm::zip(tensor.getDimNames(), tensor.getDimSizes())) {
    t.dims.push_back(name.getValue().str());
    t.sizes.push_back(size);
  }
  t.data.assign(t.numElements(), 0.0);
  return t;
}

namespace {

/// An ordered set of named dims with sizes that loops run over.
struct Space {
  std::vector<std::string> dims;
  std::vector<int64_t> sizes;

  void add(const std::string &dim, int64_t size) {
    if (std::find(dims.begin(), dims.end(), dim) == dims.end()) {
      dims.push_back(dim);
      sizes.push_back(size);
    }
  }
  void addAll(const HostTensor &t) {
    for (size_t i = 0; i < t.dims.size(); ++i)
      add(t.dims[i], t.sizes[i]);
  }
};

/// For each dim of `space`, the row-major stride of `t` along it (0 where `t` lacks the dim).
std::vector<int64_t> stridesIn(const HostTensor &t, const Space &space) {
  std::vector<int64_t> own(t.dims.size());
  int64_t stride = 1;
  for (size_t i = t.dims.size(); i-- > 0;) {
    own[i] = stride;
    stride *= t.sizes[i];
  }
  std::vector<int64_t> strides(space.dims.size(), 0);
  for (size_t k = 0; k < space.dims.size(); ++k)
    for (size_t i = 0; i < t.dims.size(); ++i)
      if (t.dims[i] == space.dims[k])
        strides[k] = own[i];
  return strides;
}

/// Calls `body(index)` for every point of `space` (last dim fastest).
template <typename Body> void forEachPoint(const Space &space, Body body) {
  std::vector<int64_t> index(space.dims.size(), 0);
  for (int64_t size : space.sizes)
    if (size == 0)
      return;
  while (true) {
    body(index);
    size_t k = index.size();
    while (k > 0) {
      --k;
      if (++index[k] < space.sizes[k])
        break;
      index[k] = 0;
      if (k == 0)
        return;
    }
    if (index.empty())
      return;
  }
}

int64_t offsetOf(const std::vector<int64_t> &index, const std::vector<int64_t> &strides) {
  int64_t offset = 0;
  for (size_t k = 0; k < index.size(); ++k)
    offset += index[k] * strides[k];
  return offset;
}

/// out[i] = f(a[i'], b[i']) with operands broadcast to `out`'s dims by name.
template <typename F>
HostTensor elementwise(Type resultType, const HostTensor &a, const HostTensor &b, F f) {
  HostTensor out = zerosOf(resultType);
  Space space;
  space.addAll(out);
  std::vector<int64_t> so = stridesIn(out, space), sa = stridesIn(a, space),
                       sb = stridesIn(b, space);
  forEachPoint(space, [&](const std::vector<int64_t> &i) {
    out.data[offsetOf(i, so)] = f(a.data[offsetOf(i, sa)], b.data[offsetOf(i, sb)]);
  });
  return out;
}

/// out = sum over the dims of `in` absent from `out`, scaled by `factor`.
HostTensor reduce(Type resultType, const HostTensor &in, double factor) {
  HostTensor out = zerosOf(resultType);
  Space space;
  space.addAll(in);
  std::vector<int64_t> so = stridesIn(out, space), si = stridesIn(in, space);
  forEachPoint(space, [&](const std::vector<int64_t> &i) {
    out.data[offsetOf(i, so)] += in.data[offsetOf(i, si)];
  });
  for (double &x : out.data)
    x *= factor;
  return out;
}

HostTensor einsum(Type resultType, llvm::ArrayRef<const HostTensor *> operands) {
  HostTensor out = zerosOf(resultType);
  Space space;
  space.addAll(out);
  for (const HostTensor *operand : operands)
    space.addAll(*operand);
  std::vector<int64_t> so = stridesIn(out, space);
  std::vector<std::vector<int64_t>> strides;
  for (const HostTensor *operand : operands)
    strides.push_back(stridesIn(*operand, space));
  forEachPoint(space, [&](const std::vector<int64_t> &i) {
    double product = 1.0;
    for (size_t n = 0; n < operands.size(); ++n)
      product *= operands[n]->data[offsetOf(i, strides[n])];
    out.data[offsetOf(i, so)] += product;
  });
  return out;
}

/// Calls `row(logitsOffsets, labelOffset, label)` once per example: the offsets of its logits
/// along the class dim, the offset of its label (and loss) in the labels' layout, the label.
template <typename Row>
LogicalResult forEachExample(Operation *op, const HostTensor &logits, const HostTensor &labels,
                             llvm::StringRef classDim, Row row) {
  auto it = std::find(logits.dims.begin(), logits.dims.end(), classDim.str());
  if (it == logits.dims.end())
    return op->emitOpError() << "interpreter: no class dim '" << classDim << "'";
  Space examples;
  examples.addAll(labels);
  Space classSpace;
  classSpace.add(*it, logits.sizes[it - logits.dims.begin()]);
  std::vector<int64_t> sl = stridesIn(logits, examples), sy = stridesIn(labels, examples);
  int64_t classStride = stridesIn(logits, classSpace)[0];
  int64_t classes = classSpace.sizes[0];
  LogicalResult status = success();
  forEachPoint(examples, [&](const std::vector<int64_t> &i) {
    int64_t base = offsetOf(i, sl);
    std::vector<int64_t> offsets;
    offsets.reserve(classes);
    for (int64_t c = 0; c < classes; ++c)
      offsets.push_back(base + c * classStride);
    int64_t labelOffset = offsetOf(i, sy);
    double label = labels.data[labelOffset];
    if (label < 0 || label >= double(classes) || label != std::floor(label)) {
      if (succeeded(status))
        status = op->emitOpError()
                 << "interpreter: label " << label << " is not a class in [0, " << classes << ")";
      return;
    }
    row(offsets, labelOffset, int64_t(label));
  });
  return status;
}

/// softmax over `offsets` of `logits`, stably.
std::vector<double> softmax(const HostTensor &logits, const std::vector<int64_t> &offsets,
                            double *logSumExp) {
  double maxLogit = -INFINITY;
  for (int64_t o : offsets)
    maxLogit = std::max(maxLogit, logits.data[o]);
  double sum = 0;
  for (int64_t o : offsets)
    sum += std::exp(logits.data[o] - maxLogit);
  std::vector<double> p;
  p.reserve(offsets.size());
  for (int64_t o : offsets)
    p.push_back(std::exp(logits.data[o] - maxLogit) / sum);
  *logSumExp = maxLogit + std::log(sum);
  return p;
}

bool sameShape(const HostTensor &a, const HostTensor &b) {
  return a.dims == b.dims && a.sizes == b.sizes && a.data.size() == size_t(a.numElements());
}

/// The NN family, from the semantics of docs/IR.md.
namespace nn {

/// Calls `line(offsets)` for every line of `t` along `dim`: the offsets of its elements.
template <typename Line> void forEachLine(const HostTensor &t, llvm::StringRef dim, Line line) {
  Space others, along;
  for (size_t i = 0; i < t.dims.size(); ++i)
    (t.dims[i] == dim ? along : others).add(t.dims[i], t.sizes[i]);
  std::vector<int64_t> so = stridesIn(t, others);
  int64_t stride = stridesIn(t, along)[0], size = along.sizes[0];
  forEachPoint(others, [&](const std::vector<int64_t> &i) {
    int64_t base = offsetOf(i, so);
    std::vector<int64_t> offsets;
    offsets.reserve(size);
    for (int64_t k = 0; k < size; ++k)
      offsets.push_back(base + k * stride);
    line(offsets);
  });
}

/// Mean, 1/sqrt(var + eps) and the normalised values of one line.
std::vector<double> normalise(const HostTensor &x, const std::vector<int64_t> &offsets,
                              double epsilon, double *invSigma) {
  double mean = 0, var = 0;
  for (int64_t o : offsets)
    mean += x.data[o];
  mean /= double(offsets.size());
  for (int64_t o : offsets)
    var += (x.data[o] - mean) * (x.data[o] - mean);
  var /= double(offsets.size());
  *invSigma = 1.0 / std::sqrt(var + epsilon);
  std::vector<double> y;
  y.reserve(offsets.size());
  for (int64_t o : offsets)
    y.push_back((x.data[o] - mean) * *invSigma);
  return y;
}

HostTensor layerNorm(const HostTensor &x, llvm::StringRef dim, double epsilon) {
  HostTensor out = x;
  forEachLine(x, dim, [&](const std::vector<int64_t> &offsets) {
    double invSigma;
    std::vector<double> y = normalise(x, offsets, epsilon, &invSigma);
    for (size_t k = 0; k < offsets.size(); ++k)
      out.data[offsets[k]] = y[k];
  });
  return out;
}

// dx = (dy - mean(dy) - y mean(dy y)) / sigma
HostTensor layerNormGrad(const HostTensor &x, const HostTensor &dy, llvm::StringRef dim,
                         double epsilon) {
  HostTensor out = x;
  forEachLine(x, dim, [&](const std::vector<int64_t> &offsets) {
    double invSigma;
    std::vector<double> y = normalise(x, offsets, epsilon, &invSigma);
    double meanDy = 0, meanDyY = 0;
    for (size_t k = 0; k < offsets.size(); ++k) {
      meanDy += dy.data[offsets[k]];
      meanDyY += dy.data[offsets[k]] * y[k];
    }
    meanDy /= double(offsets.size());
    meanDyY /= double(offsets.size());
    for (size_t k = 0; k < offsets.size(); ++k)
      out.data[offsets[k]] = (dy.data[offsets[k]] - meanDy - y[k] * meanDyY) * invSigma;
  });
  return out;
}

constexpr double kGeluC = 0.7978845608028654; // sqrt(2 / pi)
constexpr double kGeluA = 0.044715;

double gelu(double x) { return 0.5 * x * (1 + std::tanh(kGeluC * (x + kGeluA * x * x * x))); }

double geluDerivative(double x) {
  double t = std::tanh(kGeluC * (x + kGeluA * x * x * x));
  return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * kGeluC * (1 + 3 * kGeluA * x * x);
}

HostTensor softmaxAlong(const HostTensor &x, llvm::StringRef dim) {
  HostTensor out = x;
  forEachLine(x, dim, [&](const std::vector<int64_t> &offsets) {
    double lse;
    std::vector<double> p = softmax(x, offsets, &lse);
    for (size_t k = 0; k < offsets.size(); ++k)
      out.data[offsets[k]] = p[k];
  });
  return out;
}

HostTensor causalMask(const HostTensor &x, llvm::StringRef queryDim, llvm::StringRef keyDim,
                      double value) {
  HostTensor out = x;
  Space space;
  space.addAll(x);
  size_t q = std::find(space.dims.begin(), space.dims.end(), queryDim.str()) - space.dims.begin();
  size_t k = std::find(space.dims.begin(), space.dims.end(), keyDim.str()) - space.dims.begin();
  std::vector<int64_t> strides = stridesIn(x, space);
  forEachPoint(space, [&](const std::vector<int64_t> &i) {
    if (i[k] > i[q])
      out.data[offsetOf(i, strides)] = value;
  });
  return out;
}

// splitmix64's finaliser.
uint64_t mix64(uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// keep(i) = u(i) >= rate, u(i) = top 24 bits of
// mix64(mix64(mix64(mix64(seed) ^ key) ^ step) ^ i) / 2^24, i the row-major global index.
HostTensor dropout(const HostTensor &x, double rate, uint64_t key, uint64_t seed, int64_t step) {
  HostTensor out = x;
  uint64_t prefix = mix64(mix64(mix64(seed) ^ key) ^ uint64_t(step));
  for (size_t i = 0; i < x.data.size(); ++i) {
    double u = double(mix64(prefix ^ uint64_t(i)) >> 40) / 16777216.0;
    out.data[i] = u >= rate ? x.data[i] / (1 - rate) : 0.0;
  }
  return out;
}

/// The unfused chain of meshc.attention, from the interpreter's own ops: P = softmax over the
/// key of the (causally masked) scores, the dropout factors of P's elements, and the scores.
struct AttentionChain {
  Type probs, lse;
  HostTensor scores, p, factors;
};

AttentionChain attentionChain(Operation *op, const HostTensor &q, const HostTensor &k,
                              ArrayAttr probsDims, llvm::StringRef queryDim, llvm::StringRef keyDim,
                              bool causal, double rate, uint64_t key, uint64_t seed, int64_t step) {
  auto qType = llvm::cast<NamedTensorType>(op->getOperand(0).getType());
  auto kType = llvm::cast<NamedTensorType>(op->getOperand(1).getType());
  llvm::SmallVector<StringAttr> names, lseNames;
  llvm::SmallVector<int64_t> sizes, lseSizes;
  for (Attribute a : probsDims) {
    auto name = llvm::cast<StringAttr>(a);
    int64_t size =
        name.getValue() == keyDim ? kType.getDimSize(keyDim) : qType.getDimSize(name.getValue());
    names.push_back(name);
    sizes.push_back(size);
    if (name.getValue() != keyDim) {
      lseNames.push_back(name);
      lseSizes.push_back(size);
    }
  }
  Type f32 = Float32Type::get(op->getContext());
  AttentionChain c;
  c.probs = NamedTensorType::get(op->getContext(), names, sizes, f32);
  c.lse = NamedTensorType::get(op->getContext(), lseNames, lseSizes, f32);
  c.scores = einsum(c.probs, {&q, &k});
  if (causal)
    c.scores = causalMask(c.scores, queryDim, keyDim, -1.0e9);
  c.p = softmaxAlong(c.scores, keyDim);
  HostTensor ones = zerosOf(c.probs);
  std::fill(ones.data.begin(), ones.data.end(), 1.0);
  c.factors = rate > 0 ? dropout(ones, rate, key, seed, step) : ones;
  return c;
}

HostTensor stateOf(const std::map<std::string, HostTensor> *state, const std::string &name,
                   const HostTensor &param) {
  if (state)
    if (auto it = state->find(name); it != state->end())
      return it->second;
  HostTensor zeros = param;
  std::fill(zeros.data.begin(), zeros.data.end(), 0.0);
  return zeros;
}

} // namespace nn

/// One op of meshc.fused_elementwise's program (FusedElementwise.h), as the meshc op of that
/// name computes it; c is its constant.
double fusedOp(llvm::StringRef name, double a, double b, double c) {
  if (name == "add")
    return a + b;
  if (name == "sub")
    return a - b;
  if (name == "mul")
    return a * b;
  if (name == "div")
    return a / b;
  if (name == "maximum")
    return std::isnan(a) || std::isnan(b) ? NAN : std::max(a, b);
  if (name == "minimum")
    return std::isnan(a) || std::isnan(b) ? NAN : std::min(a, b);
  if (name == "relu_grad")
    return a > 0 ? b : 0.0;
  if (name == "scale")
    return c * a;
  if (name == "relu")
    return a > 0 ? a : 0.0;
  if (name == "gelu")
    return nn::gelu(a);
  if (name == "gelu_grad")
    return nn::geluDerivative(a) * b;
  if (name == "exp")
    return std::exp(a);
  if (name == "tanh")
    return std::tanh(a);
  if (name == "sigmoid")
    return 1.0 / (1.0 + std::exp(-a));
  if (name == "log")
    return std::log(a);
  if (name == "sqrt")
    return std::sqrt(a);
  if (name == "leaky_relu")
    return a > 0 ? a : c * a;
  llvm_unreachable("the verifier admits only FusedElementwise.h's ops");
}

/// meshc.fused_elementwise: its inputs broadcast to the result, then its program element by
/// element.
HostTensor fusedElementwise(FusedElementwiseOp op,
                            llvm::function_ref<const HostTensor &(Value)> get) {
  Type resultType = op.getResult().getType();
  std::vector<HostTensor> values;
  for (Value input : op.getInputs())
    values.push_back(
        elementwise(resultType, get(input), get(input), [](double a, double) { return a; }));
  for (auto [j, name] : llvm::enumerate(op.getOps())) {
    int32_t a = op.getArgs()[2 * j], b = op.getArgs()[2 * j + 1];
    const double c = op.getConstants()[j];
    HostTensor out = zerosOf(resultType);
    for (int64_t i = 0; i < out.numElements(); ++i)
      out.data[i] = fusedOp(llvm::cast<StringAttr>(name).getValue(), values[a].data[i],
                            b >= 0 ? values[b].data[i] : 0.0, c);
    values.push_back(std::move(out));
  }
  return values.back();
}

} // namespace

FailureOr<InterpretResult> interpret(func::FuncOp func,
                                     const std::map<std::string, HostTensor> &feeds,
                                     const InterpretOptions &options) {
  InterpretResult result;
  llvm::DenseMap<Value, HostTensor> values;
  auto get = [&](Value v) -> const HostTensor & { return values.find(v)->second; };

  auto feed = [&](Operation *op, llvm::StringRef name, Type type) -> LogicalResult {
    auto it = feeds.find(name.str());
    if (it == feeds.end())
      return op->emitOpError() << "interpreter: no value for '" << name << "'";
    if (!sameShape(it->second, zerosOf(type)))
      return op->emitOpError() << "interpreter: the value for '" << name
                               << "' does not have the shape of " << type;
    values[op->getResult(0)] = it->second;
    return success();
  };

  // The unfused chain of an attention op or its adjoint (the same operands and attributes).
  auto attentionChainOf = [&](auto o) {
    return nn::attentionChain(o, get(o.getQ()), get(o.getK()), o.getProbsDims(), o.getQueryDim(),
                              o.getKeyDim(), o.getCausal(), o.getDropoutRate().convertToDouble(),
                              (uint64_t)o.getDropoutKey(), options.seed, options.step);
  };

  for (Operation &opRef : func.getBody().front()) {
    Operation *op = &opRef;
    for (Value operand : op->getOperands())
      if (!values.count(operand))
        return op->emitOpError() << "interpreter: operand not evaluated";
    Type resultType = op->getNumResults() == 1 ? op->getResult(0).getType() : Type();
    LogicalResult status =
        llvm::TypeSwitch<Operation *, LogicalResult>(op)
            .Case([&](InputOp o) { return feed(op, o.getName(), resultType); })
            .Case([&](ParamOp o) { return feed(op, o.getName(), resultType); })
            .Case([&](EinsumOp o) {
              llvm::SmallVector<const HostTensor *> operands;
              for (Value input : o.getInputs())
                operands.push_back(&get(input));
              values[o.getResult()] = einsum(resultType, operands);
              return success();
            })
            .Case([&](AddOp o) {
              values[o.getResult()] = elementwise(resultType, get(o.getLhs()), get(o.getRhs()),
                                                  [](double a, double b) { return a + b; });
              return success();
            })
            .Case([&](SubOp o) {
              values[o.getResult()] = elementwise(resultType, get(o.getLhs()), get(o.getRhs()),
                                                  [](double a, double b) { return a - b; });
              return success();
            })
            .Case([&](MulOp o) {
              values[o.getResult()] = elementwise(resultType, get(o.getLhs()), get(o.getRhs()),
                                                  [](double a, double b) { return a * b; });
              return success();
            })
            .Case([&](ReluOp o) {
              const HostTensor &x = get(o.getInput());
              values[o.getResult()] =
                  elementwise(resultType, x, x, [](double a, double) { return a > 0 ? a : 0.0; });
              return success();
            })
            .Case([&](ReluGradOp o) {
              values[o.getResult()] =
                  elementwise(resultType, get(o.getInput()), get(o.getGrad()),
                              [](double x, double g) { return x > 0 ? g : 0.0; });
              return success();
            })
            .Case([&](ReduceSumOp o) {
              values[o.getResult()] = reduce(resultType, get(o.getInput()), 1.0);
              return success();
            })
            .Case([&](ReduceMeanOp o) {
              const HostTensor &in = get(o.getInput());
              double count = double(in.numElements()) / double(zerosOf(resultType).numElements());
              values[o.getResult()] = reduce(resultType, in, 1.0 / count);
              return success();
            })
            .Case([&](BroadcastOp o) {
              const HostTensor &x = get(o.getInput());
              values[o.getResult()] =
                  elementwise(resultType, x, x, [](double a, double) { return a; });
              return success();
            })
            .Case([&](ScaleOp o) {
              HostTensor out = get(o.getInput());
              for (double &x : out.data)
                x *= o.getFactor().convertToDouble();
              values[o.getResult()] = std::move(out);
              return success();
            })
            .Case([&](FillOp o) {
              HostTensor out = zerosOf(resultType);
              std::fill(out.data.begin(), out.data.end(), o.getValue().convertToDouble());
              values[o.getResult()] = std::move(out);
              return success();
            })
            .Case([&](SoftmaxXentOp o) {
              const HostTensor &logits = get(o.getLogits()), &labels = get(o.getLabels());
              HostTensor out = zerosOf(resultType);
              LogicalResult ok = forEachExample(
                  op, logits, labels, o.getClassDim(),
                  [&](const std::vector<int64_t> &offsets, int64_t at, int64_t label) {
                    double lse;
                    softmax(logits, offsets, &lse);
                    out.data[at] = lse - logits.data[offsets[label]];
                  });
              values[o.getResult()] = std::move(out);
              return ok;
            })
            .Case([&](SoftmaxXentGradOp o) {
              const HostTensor &logits = get(o.getLogits()), &labels = get(o.getLabels());
              const HostTensor &dloss = get(o.getDloss());
              HostTensor out = zerosOf(resultType);
              LogicalResult ok = forEachExample(
                  op, logits, labels, o.getClassDim(),
                  [&](const std::vector<int64_t> &offsets, int64_t at, int64_t label) {
                    double lse;
                    std::vector<double> p = softmax(logits, offsets, &lse);
                    for (size_t c = 0; c < offsets.size(); ++c)
                      out.data[offsets[c]] =
                          (p[c] - (int64_t(c) == label ? 1.0 : 0.0)) * dloss.data[at];
                  });
              values[o.getResult()] = std::move(out);
              return ok;
            })
            .Case([&](LayerNormOp o) {
              values[o.getResult()] =
                  nn::layerNorm(get(o.getInput()), o.getDim(), o.getEpsilon().convertToDouble());
              return success();
            })
            .Case([&](AddLayerNormOp o) {
              HostTensor sum = elementwise(o.getSum().getType(), get(o.getLhs()), get(o.getRhs()),
                                           [](double a, double b) { return a + b; });
              values[o.getResult()] =
                  nn::layerNorm(sum, o.getDim(), o.getEpsilon().convertToDouble());
              values[o.getSum()] = std::move(sum);
              return success();
            })
            .Case([&](LayerNormGradAddOp o) {
              HostTensor grad = nn::layerNormGrad(get(o.getInput()), get(o.getGrad()), o.getDim(),
                                                  o.getEpsilon().convertToDouble());
              values[o.getResult()] = elementwise(o.getResult().getType(), grad, get(o.getAddend()),
                                                  [](double g, double r) { return g + r; });
              return success();
            })
            .Case([&](FusedElementwiseOp o) {
              values[o.getResult()] = fusedElementwise(o, get);
              return success();
            })
            .Case([&](LayerNormGradOp o) {
              values[o.getResult()] =
                  nn::layerNormGrad(get(o.getInput()), get(o.getGrad()), o.getDim(),
                                    o.getEpsilon().convertToDouble());
              return success();
            })
            .Case([&](GeluOp o) {
              const HostTensor &x = get(o.getInput());
              values[o.getResult()] =
                  elementwise(resultType, x, x, [](double a, double) { return nn::gelu(a); });
              return success();
            })
            .Case([&](GeluGradOp o) {
              values[o.getResult()] =
                  elementwise(resultType, get(o.getInput()), get(o.getGrad()),
                              [](double x, double g) { return nn::geluDerivative(x) * g; });
              return success();
            })
            .Case([&](SoftmaxOp o) {
              values[o.getResult()] = nn::softmaxAlong(get(o.getInput()), o.getDim());
              return success();
            })
            .Case([&](CausalMaskOp o) {
              values[o.getResult()] = nn::causalMask(get(o.getInput()), o.getQueryDim(),
                                                     o.getKeyDim(), o.getMaskValue());
              return success();
            })
            .Case([&](AttentionOp o) {
              nn::AttentionChain c = attentionChainOf(o);
              auto times = [](double a, double b) { return a * b; };
              HostTensor pd = elementwise(c.probs, c.p, c.factors, times);
              values[o.getOut()] = einsum(o.getOut().getType(), {&pd, &get(o.getV())});
              HostTensor e = elementwise(c.probs, c.scores, c.scores,
                                         [](double x, double) { return std::exp(x); });
              HostTensor lse = reduce(c.lse, e, 1.0);
              for (double &x : lse.data)
                x = std::log(x);
              values[o.getLse()] = std::move(lse);
              return success();
            })
            .Case([&](AttentionGradOp o) {
              nn::AttentionChain c = attentionChainOf(o);
              auto times = [](double a, double b) { return a * b; };
              HostTensor pd = elementwise(c.probs, c.p, c.factors, times);
              // dP = (dout . v) * factors; dS = P (dP - sum over the key of P dP).
              HostTensor dp = elementwise(
                  c.probs, einsum(c.probs, {&get(o.getDout()), &get(o.getV())}), c.factors, times);
              HostTensor rowSum = reduce(c.lse, elementwise(c.probs, c.p, dp, times), 1.0);
              HostTensor ds = elementwise(
                  c.probs, c.p,
                  elementwise(c.probs, dp, rowSum, [](double a, double b) { return a - b; }),
                  times);
              values[o.getDq()] = einsum(o.getDq().getType(), {&ds, &get(o.getK())});
              values[o.getDk()] = einsum(o.getDk().getType(), {&ds, &get(o.getQ())});
              values[o.getDv()] = einsum(o.getDv().getType(), {&pd, &get(o.getDout())});
              return success();
            })
            .Case([&](DropoutOp o) {
              values[o.getResult()] = nn::dropout(get(o.getInput()), o.getRate().convertToDouble(),
                                                  (uint64_t)o.getKey(), options.seed, options.step);
              return success();
            })
            .Case([&](AdamUpdateOp o) {
              std::string name = o.getParam().getDefiningOp<ParamOp>().getName().str();
              const HostTensor &grad = get(o.getGrad());
              HostTensor param = get(o.getParam());
              HostTensor m = nn::stateOf(options.optimizerState, name + "/m", param);
              HostTensor v = nn::stateOf(options.optimizerState, name + "/v", param);
              double b1 = o.getBeta1().convertToDouble(), b2 = o.getBeta2().convertToDouble();
              double eps = o.getEpsilon().convertToDouble();
              double lr = o.getLearningRate().convertToDouble();
              double wd = o.getWeightDecay().convertToDouble();
              double t = double(options.step + 1);
              for (size_t i = 0; i < param.data.size(); ++i) {
                double g = grad.data[i];
                m.data[i] = b1 * m.data[i] + (1 - b1) * g;
                v.data[i] = b2 * v.data[i] + (1 - b2) * g * g;
                double mHat = m.data[i] / (1 - std::pow(b1, t));
                double vHat = v.data[i] / (1 - std::pow(b2, t));
                param.data[i] -= lr * (mHat / (std::sqrt(vHat) + eps) + wd * param.data[i]);
              }
              result.gradients[name] = grad;
              result.updatedParams[name] = std::move(param);
              result.optimizerState[name + "/m"] = std::move(m);
              result.optimizerState[name + "/v"] = std::move(v);
              return success();
            })
            .Case([&](MomentumUpdateOp o) {
              std::string name = o.getParam().getDefiningOp<ParamOp>().getName().str();
              const HostTensor &grad = get(o.getGrad());
              HostTensor param = get(o.getParam());
              HostTensor velocity = nn::stateOf(options.optimizerState, name + "/velocity", param);
              double mu = o.getMomentum().convertToDouble();
              double lr = o.getLearningRate().convertToDouble();
              for (size_t i = 0; i < param.data.size(); ++i) {
                velocity.data[i] = mu * velocity.data[i] + grad.data[i];
                param.data[i] -= lr * velocity.data[i];
              }
              result.gradients[name] = grad;
              result.updatedParams[name] = std::move(param);
              result.optimizerState[name + "/velocity"] = std::move(velocity);
              return success();
            })
            .Case([&](ClipGlobalNormOp o) {
              // The reference: the norm over the global gradients, in double.
              double squares = 0;
              for (Value g : o.getGrads())
                for (double x : get(g).data)
                  squares += x * x;
              double scale =
                  std::min(1.0, o.getMaxNorm().convertToDouble() / (std::sqrt(squares) + 1e-6));
              for (auto [g, r] : llvm::zip(o.getGrads(), o.getResults())) {
                HostTensor clipped = get(g);
                for (auto &x : clipped.data)
                  x *= scale;
                values[r] = std::move(clipped);
              }
              return success();
            })
            .Case([&](SgdUpdateOp o) {
              auto param = o.getParam().getDefiningOp<ParamOp>();
              std::string name = param.getName().str();
              const HostTensor &grad = get(o.getGrad());
              HostTensor updated = get(o.getParam());
              for (size_t i = 0; i < updated.data.size(); ++i)
                updated.data[i] -= o.getLearningRate().convertToDouble() * grad.data[i];
              result.gradients[name] = grad;
              result.updatedParams[name] = std::move(updated);
              return success();
            })
            .Case<EmbeddingOp, EmbeddingGradOp, OneHotOp, ArgmaxOp, ReduceMaxOp, ReduceMaxGradOp,
                  CumsumOp, ConcatOp, SliceOp, PadOp, RenameOp, ReshapeOp, StopGradientOp>(
                [&](Operation *) { return interpretIndexOp(op, get, values[op->getResult(0)]); })
            .Case<ConvOp, ConvTransposeOp, ConvGradFilterOp, MaxPoolOp, AvgPoolOp, MaxPoolGradOp,
                  AvgPoolGradOp, BatchNormOp, BatchNormGradOp, ConvBiasActOp, ConvGradFilterBiasOp>(
                [&](Operation *) {
                  llvm::SmallVector<HostTensor> outs;
                  if (failed(interpretConvOp(op, get, outs)))
                    return failure();
                  for (auto [r, t] : llvm::zip(op->getResults(), outs))
                    values[r] = std::move(t);
                  return success();
                })
            .Case([&](TrainOrEvalOp o) {
              values[o.getResult()] = get(options.evaluation ? o.getEval() : o.getTrain());
              return success();
            })
            .Case([&](EqualOp o) {
              values[o.getResult()] =
                  elementwise(resultType, get(o.getLhs()), get(o.getRhs()),
                              [](double a, double b) { return a == b ? 1.0 : 0.0; });
              return success();
            })
            .Case([&](OutputOp o) {
              result.outputs[o.getName().str()] = get(o.getValue());
              return success();
            })
            .Case([&](MetricOp o) {
              result.metrics[o.getName().str()] = get(o.getValue());
              return success();
            })
            .Case([&](PredictionOp o) {
              result.predictions[o.getName().str()] = get(o.getValue());
              return success();
            })
            .Case([&](MinimizeOp o) {
              result.outputs["loss"] = get(o.getLoss());
              return success();
            })
            .Case([&](RelayoutOp o) { // a layout override: the identity on global values
              values[o.getResult()] = get(o.getInput());
              return success();
            })
            .Case([&](func::ReturnOp) { return success(); })
            .Default([&](Operation *) -> LogicalResult {
              if (isMathOp(op))
                return interpretMathOp(op, get, values[op->getResult(0)]);
              return op->emitOpError() << "the reference interpreter cannot evaluate this op";
            });
    if (failed(status))
      return failure();
  }
  return result;
}

} // namespace meshc::testing
