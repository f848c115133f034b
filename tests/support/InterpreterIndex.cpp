// Reference semantics of the Index family: lookups, one-hots, max/argmax/cumsum along a dim,
// concat/slice/pad, rename/reshape/stop_gradient.
#include "tests/support/InterpreterIndex.h"

#include "dialect/IR/MeshcOps.h"

#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;

namespace meshc::testing {

namespace {

int64_t product(const std::vector<int64_t> &sizes, size_t begin, size_t end) {
  int64_t n = 1;
  for (size_t i = begin; i < end; ++i)
    n *= sizes[i];
  return n;
}

int positionOf(const HostTensor &t, llvm::StringRef dim) {
  for (size_t i = 0; i < t.dims.size(); ++i)
    if (t.dims[i] == dim)
      return int(i);
  return -1;
}

/// The multi-index of row-major offset `flat` in `sizes`.
std::vector<int64_t> unflatten(int64_t flat, const std::vector<int64_t> &sizes) {
  std::vector<int64_t> index(sizes.size());
  for (size_t i = sizes.size(); i-- > 0;) {
    index[i] = flat % sizes[i];
    flat /= sizes[i];
  }
  return index;
}

/// Offset in `to` of the point of `from` given by `index`, matching dims by name (dims of
/// `from` that `to` lacks are dropped).
int64_t offsetByName(const HostTensor &from, const std::vector<int64_t> &index,
                     const HostTensor &to) {
  int64_t offset = 0;
  for (size_t j = 0; j < to.dims.size(); ++j) {
    int i = positionOf(from, to.dims[j]);
    offset = offset * to.sizes[j] + (i >= 0 ? index[i] : 0);
  }
  return offset;
}

bool isIndex(double x) { return std::isfinite(x) && x == std::floor(x); }

/// Offsets in `in` of each group of elements that reduce to one element of `out`, in
/// row-major order of `in`.
std::vector<std::vector<int64_t>> groups(const HostTensor &in, const HostTensor &out) {
  std::vector<std::vector<int64_t>> g(out.numElements());
  for (int64_t i = 0; i < in.numElements(); ++i)
    g[offsetByName(in, unflatten(i, in.sizes), out)].push_back(i);
  return g;
}

int64_t firstMax(const HostTensor &in, const std::vector<int64_t> &group) {
  int64_t best = group.front();
  for (int64_t i : group)
    if (in.data[i] > in.data[best])
      best = i;
  return best;
}

/// out[:, outStart + j, :] = in[:, inStart + j, :] for j < len around position `p`.
void copyWindow(const HostTensor &in, int64_t inStart, HostTensor &out, int64_t outStart, size_t p,
                int64_t len) {
  int64_t outer = product(in.sizes, 0, p), inner = product(in.sizes, p + 1, in.sizes.size());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < len; ++j)
      for (int64_t i = 0; i < inner; ++i)
        out.data[(o * out.sizes[p] + outStart + j) * inner + i] =
            in.data[(o * in.sizes[p] + inStart + j) * inner + i];
}

} // namespace

LogicalResult interpretIndexOp(Operation *op, llvm::function_ref<const HostTensor &(Value)> get,
                               HostTensor &out) {
  out = zerosOf(op->getResult(0).getType());
  auto badIndex = [&](double x) {
    return op->emitOpError() << "interpreter: index " << x << " is not an integer";
  };
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](EmbeddingOp o) -> LogicalResult {
        const HostTensor &table = get(o.getTable()), &ids = get(o.getIds());
        int64_t row = product(table.sizes, 1, table.sizes.size()), vocab = table.sizes[0];
        for (int64_t n = 0; n < ids.numElements(); ++n) {
          double id = ids.data[n];
          if (!isIndex(id))
            return badIndex(id);
          if (id >= 0 && id < double(vocab))
            for (int64_t r = 0; r < row; ++r)
              out.data[n * row + r] = table.data[int64_t(id) * row + r];
        }
        return success();
      })
      .Case([&](EmbeddingGradOp o) -> LogicalResult {
        const HostTensor &ids = get(o.getIds()), &grad = get(o.getGrad());
        int64_t row = product(out.sizes, 1, out.sizes.size()), vocab = out.sizes[0];
        for (int64_t n = 0; n < ids.numElements(); ++n) {
          double id = ids.data[n];
          if (!isIndex(id))
            return badIndex(id);
          if (id >= 0 && id < double(vocab))
            for (int64_t r = 0; r < row; ++r)
              out.data[int64_t(id) * row + r] += grad.data[n * row + r];
        }
        return success();
      })
      .Case([&](OneHotOp o) -> LogicalResult {
        const HostTensor &in = get(o.getInput());
        int p = positionOf(out, o.getClassDim().getValue());
        for (int64_t i = 0; i < out.numElements(); ++i) {
          std::vector<int64_t> index = unflatten(i, out.sizes);
          double x = in.data[offsetByName(out, index, in)];
          if (!isIndex(x))
            return badIndex(x);
          // The labels of a cross-entropy (per rank, meshc-localize's vocab-parallel form): a
          // label outside the classes fails, as meshc.softmax_xent does.
          if (o.getXentLabels() && (x < 0 || x >= double(out.sizes[p])))
            return o->emitOpError() << "interpreter: label " << int64_t(x)
                                    << " is not a class in [0, " << out.sizes[p] << ")";
          out.data[i] = x == double(index[p]) ? 1.0 : 0.0;
        }
        return success();
      })
      .Case([&](ArgmaxOp o) {
        const HostTensor &in = get(o.getInput());
        for (const std::vector<int64_t> &group : groups(in, out)) {
          int64_t best = firstMax(in, group);
          out.data[offsetByName(in, unflatten(best, in.sizes), out)] =
              double(unflatten(best, in.sizes)[positionOf(in, o.getDim())]);
        }
        return success();
      })
      .Case([&](ReduceMaxOp o) {
        const HostTensor &in = get(o.getInput());
        std::vector<std::vector<int64_t>> g = groups(in, out);
        for (size_t k = 0; k < g.size(); ++k)
          out.data[k] = in.data[firstMax(in, g[k])];
        return success();
      })
      .Case([&](ReduceMaxGradOp o) {
        const HostTensor &in = get(o.getInput()), &grad = get(o.getGrad());
        std::vector<std::vector<int64_t>> g = groups(in, grad);
        for (size_t k = 0; k < g.size(); ++k)
          out.data[firstMax(in, g[k])] = grad.data[k];
        return success();
      })
      .Case([&](CumsumOp o) {
        const HostTensor &in = get(o.getInput());
        size_t p = positionOf(in, o.getDim());
        for (int64_t i = 0; i < in.numElements(); ++i) {
          std::vector<int64_t> index = unflatten(i, in.sizes);
          int64_t t = index[p];
          double sum = 0;
          for (int64_t u = 0; u < in.sizes[p]; ++u) {
            bool before = o.getReverse() ? u > t : u < t;
            if (before || (u == t && !o.getExclusive())) {
              index[p] = u;
              sum += in.data[offsetByName(in, index, in)];
            }
          }
          out.data[i] = sum;
        }
        return success();
      })
      .Case([&](ConcatOp o) {
        size_t p = positionOf(out, o.getDim());
        int64_t start = 0;
        for (Value input : o.getInputs()) {
          const HostTensor &in = get(input);
          copyWindow(in, 0, out, start, p, in.sizes[p]);
          start += in.sizes[p];
        }
        return success();
      })
      .Case([&](SliceOp o) {
        const HostTensor &in = get(o.getInput());
        size_t p = positionOf(in, o.getDim());
        copyWindow(in, o.getStart(), out, 0, p, out.sizes[p]);
        return success();
      })
      .Case([&](PadOp o) {
        const HostTensor &in = get(o.getInput());
        size_t p = positionOf(out, o.getDim());
        copyWindow(in, 0, out, o.getStart(), p, in.sizes[p]);
        return success();
      })
      .Case<RenameOp, ReshapeOp, StopGradientOp>([&](Operation *o) {
        out.data = get(o->getOperand(0)).data;
        return success();
      })
      .Default(
          [&](Operation *) { return op->emitOpError() << "interpreter: not an Index-family op"; });
}

} // namespace meshc::testing
