// The reference interpreter of global meshc programs: naive loops over named index spaces.
#include "tests/support/Interpreter.h"

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

namespace {

/// An empty tensor of `type`'s shape, all zeros.
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
  for (int64_t o : offsets)
    p.push_back(std::exp(logits.data[o] - maxLogit) / sum);
  *logSumExp = maxLogit + std::log(sum);
  return p;
}

bool sameShape(const HostTensor &a, const HostTensor &b) {
  return a.dims == b.dims && a.sizes == b.sizes && a.data.size() == size_t(a.numElements());
}

} // namespace

FailureOr<InterpretResult> interpret(func::FuncOp func,
                                     const std::map<std::string, HostTensor> &feeds) {
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
            .Case([&](OutputOp o) {
              result.outputs[o.getName().str()] = get(o.getValue());
              return success();
            })
            .Case([&](MinimizeOp o) {
              result.outputs["loss"] = get(o.getLoss());
              return success();
            })
            .Case([&](func::ReturnOp) { return success(); })
            .Default([&](Operation *) {
              return op->emitOpError() << "the reference interpreter cannot evaluate this op";
            });
    if (failed(status))
      return failure();
  }
  return result;
}

} // namespace meshc::testing
