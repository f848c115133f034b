// Reference semantics of the Math family (MeshcMathOps.td), straight from its definitions:
// IEEE results outside a function's domain (log(0) = -inf, sqrt(-1) = NaN), NaN through
// maximum/minimum, ties of greater_equal to 1.
#include "tests/support/InterpreterMath.h"

#include "dialect/IR/MeshcOps.h"

#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <functional>

using namespace mlir;

namespace meshc::testing {

namespace {

/// out[i] = f(a[i'], b[i']) over out's dims, each operand read at the index of its own dims
/// (broadcast by name), all row-major.
HostTensor broadcasting(Type resultType, const HostTensor &a, const HostTensor &b,
                        const std::function<double(double, double)> &f) {
  auto type = llvm::cast<NamedTensorType>(resultType);
  HostTensor out;
  for (auto [name, size] : llvm::zip(type.getDimNames(), type.getDimSizes())) {
    out.dims.push_back(name.getValue().str());
    out.sizes.push_back(size);
  }
  out.data.assign(out.numElements(), 0.0);
  // The stride in `t` of each of out's dims (0 where t lacks it).
  auto stridesOf = [&](const HostTensor &t) {
    std::vector<int64_t> strides(out.dims.size(), 0);
    int64_t stride = 1;
    for (size_t i = t.dims.size(); i-- > 0;) {
      for (size_t k = 0; k < out.dims.size(); ++k)
        if (out.dims[k] == t.dims[i])
          strides[k] = stride;
      stride *= t.sizes[i];
    }
    return strides;
  };
  std::vector<int64_t> sa = stridesOf(a), sb = stridesOf(b);
  for (int64_t i = 0; i < out.numElements(); ++i) {
    int64_t rest = i, offA = 0, offB = 0;
    for (size_t k = out.dims.size(); k-- > 0;) {
      int64_t index = rest % out.sizes[k];
      rest /= out.sizes[k];
      offA += index * sa[k];
      offB += index * sb[k];
    }
    out.data[i] = f(a.data[offA], b.data[offB]);
  }
  return out;
}

HostTensor map(const HostTensor &x, const std::function<double(double)> &f) {
  HostTensor out = x;
  for (double &v : out.data)
    v = f(v);
  return out;
}

} // namespace

bool isMathOp(Operation *op) {
  return llvm::isa<SigmoidOp, TanhOp, ExpOp, LogOp, SqrtOp, LeakyReluOp, DivOp, MaximumOp,
                   MinimumOp, GreaterEqualOp>(op);
}

LogicalResult interpretMathOp(Operation *op, llvm::function_ref<const HostTensor &(Value)> get,
                              HostTensor &out) {
  Type resultType = op->getResult(0).getType();
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](SigmoidOp o) {
        out = map(get(o.getInput()), [](double x) { return 1.0 / (1.0 + std::exp(-x)); });
        return success();
      })
      .Case([&](TanhOp o) {
        out = map(get(o.getInput()), [](double x) { return std::tanh(x); });
        return success();
      })
      .Case([&](ExpOp o) {
        out = map(get(o.getInput()), [](double x) { return std::exp(x); });
        return success();
      })
      .Case([&](LogOp o) {
        out = map(get(o.getInput()), [](double x) { return std::log(x); });
        return success();
      })
      .Case([&](SqrtOp o) {
        out = map(get(o.getInput()), [](double x) { return std::sqrt(x); });
        return success();
      })
      .Case([&](LeakyReluOp o) {
        double alpha = o.getAlpha().convertToDouble();
        out = map(get(o.getInput()), [alpha](double x) { return x > 0 ? x : alpha * x; });
        return success();
      })
      .Case([&](DivOp o) {
        out = broadcasting(resultType, get(o.getLhs()), get(o.getRhs()),
                           [](double a, double b) { return a / b; });
        return success();
      })
      .Case([&](MaximumOp o) {
        out = broadcasting(resultType, get(o.getLhs()), get(o.getRhs()), [](double a, double b) {
          return std::isnan(a) || std::isnan(b) ? NAN : (a >= b ? a : b);
        });
        return success();
      })
      .Case([&](MinimumOp o) {
        out = broadcasting(resultType, get(o.getLhs()), get(o.getRhs()), [](double a, double b) {
          return std::isnan(a) || std::isnan(b) ? NAN : (a <= b ? a : b);
        });
        return success();
      })
      .Case([&](GreaterEqualOp o) {
        out = broadcasting(resultType, get(o.getLhs()), get(o.getRhs()),
                           [](double a, double b) { return a >= b ? 1.0 : 0.0; });
        return success();
      })
      .Default([&](Operation *) { return op->emitOpError() << "is not an op of the Math family"; });
}

} // namespace meshc::testing
