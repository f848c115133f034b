// fused_elementwise.cpp — CPU kernels of the fused ops that meshc-fuse-elementwise makes: a chain
// of elementwise ops as one pass over memory (meshrt_fused_elementwise), and the residual add
// with its layer norm (meshrt_add_layer_norm).
//
// The fused program is interpreted per block of kBlock output elements: each op runs as one
// plain loop over the block (vectorised by the compiler; the switch is outside the loop), its
// value kept in a per-thread register block that stays in L1. Memory sees each input read once
// and the output written once, where the unfused ops wrote and re-read every intermediate.
#include "abi_call.h"
#include "device/device.h"
#include "kernels/cpu/nn_math.h"
#include "kernels/cpu/strided.h"

#include <cmath>
#include <vector>

using namespace meshrt;
using namespace meshrt::cpu;

namespace {

constexpr int64_t kBlock = 256;

struct Program {
  int nInputs, nOps;
  const int32_t *ops;
  const float *constants;
};

// Checks the program's encoding (meshrt.h); false with the reason recorded.
bool checkProgram(AbiCall &call, const Program &p) {
  if (!call.require(p.nInputs >= 1 && p.nInputs <= MESHRT_FUSED_MAX_INPUTS,
                    "n_inputs must be in [1, %d]", MESHRT_FUSED_MAX_INPUTS) ||
      !call.require(p.nOps >= 1 && p.nOps <= MESHRT_FUSED_MAX_OPS, "n_ops must be in [1, %d]",
                    MESHRT_FUSED_MAX_OPS) ||
      !call.require(p.ops != nullptr && p.constants != nullptr, "ops and constants must be set"))
    return false;
  for (int j = 0; j < p.nOps; ++j) {
    const int32_t op = p.ops[3 * j], a = p.ops[3 * j + 1], b = p.ops[3 * j + 2];
    const bool binary = op <= MESHRT_FUSED_RELU_GRAD || op == MESHRT_FUSED_GELU_GRAD;
    const int32_t defined = p.nInputs + j; // values 0 .. defined-1 exist before op j
    if (!call.require(op >= MESHRT_FUSED_ADD && op <= MESHRT_FUSED_LEAKY_RELU,
                      "op %d has unknown kind %d", j, op) ||
        !call.require(a >= 0 && a < defined, "op %d reads value %d, not defined before it", j, a) ||
        !call.require(binary ? b >= 0 && b < defined : b == -1,
                      binary ? "op %d reads value %d, not defined before it"
                             : "op %d takes one operand but names a second (%d)",
                      j, b))
      return false;
  }
  return true;
}

// d[0, len) = op(a, b, c), elementwise. No __restrict: the last op writes the output, which may
// be an input's buffer (in place); every element is read before it is written.
void apply(int32_t op, float *d, const float *a, const float *b, float c, int64_t len) {
  switch (op) {
  case MESHRT_FUSED_ADD:
    for (int64_t j = 0; j < len; ++j)
      d[j] = a[j] + b[j];
    break;
  case MESHRT_FUSED_SUB:
    for (int64_t j = 0; j < len; ++j)
      d[j] = a[j] - b[j];
    break;
  case MESHRT_FUSED_MUL:
    for (int64_t j = 0; j < len; ++j)
      d[j] = a[j] * b[j];
    break;
  case MESHRT_FUSED_DIV:
    for (int64_t j = 0; j < len; ++j)
      d[j] = a[j] / b[j];
    break;
  case MESHRT_FUSED_MAX: // NaN in either gives NaN, as meshrt_binary's MESHRT_MAX
    for (int64_t j = 0; j < len; ++j)
      d[j] = a[j] != a[j] || a[j] >= b[j] ? a[j] : b[j];
    break;
  case MESHRT_FUSED_MIN:
    for (int64_t j = 0; j < len; ++j)
      d[j] = a[j] != a[j] || a[j] <= b[j] ? a[j] : b[j];
    break;
  case MESHRT_FUSED_RELU_GRAD:
    for (int64_t j = 0; j < len; ++j)
      d[j] = a[j] > 0.0f ? b[j] : 0.0f;
    break;
  case MESHRT_FUSED_SCALE:
    for (int64_t j = 0; j < len; ++j)
      d[j] = c * a[j];
    break;
  case MESHRT_FUSED_RELU:
    for (int64_t j = 0; j < len; ++j)
      d[j] = a[j] > 0.0f ? a[j] : 0.0f;
    break;
  case MESHRT_FUSED_GELU:
    for (int64_t j = 0; j < len; ++j) {
      const float v = a[j];
      d[j] = 0.5f * v * (1.0f + tanhNoLibm(kGeluC * (v + kGeluA * v * v * v)));
    }
    break;
  case MESHRT_FUSED_GELU_GRAD:
    for (int64_t j = 0; j < len; ++j) {
      const float v = a[j];
      const float t = tanhNoLibm(kGeluC * (v + kGeluA * v * v * v));
      const float g =
          0.5f * (1.0f + t) + 0.5f * v * (1.0f - t * t) * kGeluC * (1.0f + 3.0f * kGeluA * v * v);
      d[j] = g * b[j];
    }
    break;
  case MESHRT_FUSED_EXP:
    for (int64_t j = 0; j < len; ++j)
      d[j] = std::exp(a[j]);
    break;
  case MESHRT_FUSED_TANH:
    for (int64_t j = 0; j < len; ++j)
      d[j] = std::tanh(a[j]);
    break;
  case MESHRT_FUSED_SIGMOID:
    for (int64_t j = 0; j < len; ++j)
      d[j] = 1.0f / (1.0f + std::exp(-a[j]));
    break;
  case MESHRT_FUSED_LOG:
    for (int64_t j = 0; j < len; ++j)
      d[j] = std::log(a[j]);
    break;
  case MESHRT_FUSED_SQRT:
    for (int64_t j = 0; j < len; ++j)
      d[j] = std::sqrt(a[j]);
    break;
  case MESHRT_FUSED_LEAKY_RELU:
    for (int64_t j = 0; j < len; ++j)
      d[j] = a[j] > 0.0f ? a[j] : c * a[j];
    break;
  }
}

// The iteration space with adjacent dims merged where every input walks them as one (the output
// is contiguous): [rows..., inner], at most kMaxDims dims.
struct Space {
  int ndims = 0;
  int64_t shape[kMaxDims] = {};
  int64_t strides[MESHRT_FUSED_MAX_INPUTS][kMaxDims] = {};
};

Space collapseSpace(int ndims, const int64_t *shape, int nInputs, const int64_t *strides) {
  Space s;
  for (int d = 0; d < ndims; ++d) {
    if (shape[d] == 1)
      continue; // a dim of size 1 moves nothing
    bool merge = s.ndims > 0;
    for (int i = 0; i < nInputs && merge; ++i)
      merge = s.strides[i][s.ndims - 1] == strides[i * ndims + d] * shape[d];
    if (merge) {
      s.shape[s.ndims - 1] *= shape[d];
      for (int i = 0; i < nInputs; ++i)
        s.strides[i][s.ndims - 1] = strides[i * ndims + d];
      continue;
    }
    s.shape[s.ndims] = shape[d];
    for (int i = 0; i < nInputs; ++i)
      s.strides[i][s.ndims] = strides[i * ndims + d];
    ++s.ndims;
  }
  if (s.ndims == 0) { // a scalar, or all dims of size 1
    s.ndims = 1;
    s.shape[0] = 1;
  }
  return s;
}

void fusedCpu(const Space &s, float *out, const Program &p, const float *const *inputs) {
  const int last = s.ndims - 1;
  const int64_t inner = s.shape[last];
  int64_t rows = 1;
  for (int d = 0; d < last; ++d)
    rows *= s.shape[d];
  const int64_t blocksPerRow = (inner + kBlock - 1) / kBlock;
  const int64_t items = rows * blocksPerRow;
  const int threads = threadsFor(rows * inner);
#pragma omp parallel num_threads(threads) if (threads > 1)
  {
    // Registers: one block per op, one per input read with an inner stride other than 1.
    std::vector<float> regs(static_cast<size_t>(p.nOps + p.nInputs) * kBlock);
    const float *value[MESHRT_FUSED_MAX_INPUTS + MESHRT_FUSED_MAX_OPS];
#pragma omp for schedule(static)
    for (int64_t item = 0; item < items; ++item) {
      const int64_t row = item / blocksPerRow, j0 = (item % blocksPerRow) * kBlock;
      const int64_t len = std::min(kBlock, inner - j0);
      // This row's offset in each input, from the row's index over the outer dims.
      for (int i = 0; i < p.nInputs; ++i) {
        int64_t offset = 0, rest = row;
        for (int d = last - 1; d >= 0; --d) {
          offset += (rest % s.shape[d]) * s.strides[i][d];
          rest /= s.shape[d];
        }
        const int64_t stride = s.strides[i][last];
        const float *src = inputs[i] + offset + j0 * stride;
        if (stride == 1) {
          value[i] = src;
          continue;
        }
        float *block = regs.data() + static_cast<size_t>(p.nOps + i) * kBlock;
        for (int64_t j = 0; j < len; ++j)
          block[j] = src[j * stride];
        value[i] = block;
      }
      for (int k = 0; k < p.nOps; ++k) {
        float *dst = k == p.nOps - 1 ? out + row * inner + j0
                                     : regs.data() + static_cast<size_t>(k) * kBlock;
        const int32_t *op = p.ops + 3 * k;
        apply(op[0], dst, value[op[1]], op[2] >= 0 ? value[op[2]] : nullptr, p.constants[k], len);
        value[p.nInputs + k] = dst;
      }
    }
  }
}

} // namespace

extern "C" {

void meshrt_fused_elementwise(meshrt_context_t handle, int32_t ndims, const int64_t *shape,
                              float *out, int32_t n_inputs, const float *const *inputs,
                              const int64_t *strides, int32_t n_ops, const int32_t *ops,
                              const float *constants) {
  AbiCall call(handle, ProfileKind::FusedElementwise,
               {{"ndims", ndims}, {"n_inputs", n_inputs}, {"n_ops", n_ops}});
  const Program p{n_inputs, n_ops, ops, constants};
  if (!call.shape("shape", ndims, shape, 4) || !checkProgram(call, p) ||
      !call.require(inputs != nullptr && (ndims == 0 || strides != nullptr),
                    "inputs and strides must be set"))
    return;
  for (int i = 0; i < n_inputs; ++i)
    if (!call.strides("strides", ndims, shape, strides + static_cast<int64_t>(i) * ndims, 4))
      return;
  call.run(
      [&](Device &dev) {
        return dev.fusedElementwise(ndims, shape, out, n_inputs, inputs, strides, n_ops, ops,
                                    constants);
      },
      [&](Context *) {
        int64_t count = 1;
        for (int d = 0; d < ndims; ++d)
          count *= shape[d];
        if (count == 0)
          return;
        fusedCpu(collapseSpace(ndims, shape, n_inputs, strides), out, p, inputs);
      });
}

void meshrt_add_layer_norm(meshrt_context_t handle, int64_t outer, int64_t n, int64_t inner,
                           float epsilon, const float *a, const float *b, float *sum, float *y) {
  AbiCall call(handle, ProfileKind::AddLayerNorm, {{"outer", outer}, {"n", n}, {"inner", inner}});
  if (!call.require(n > 0, "n must be positive") || !call.fits({outer, n, inner}, 4))
    return;
  call.run([&](Device &dev) { return dev.addLayerNorm(outer, n, inner, epsilon, a, b, sum, y); },
           [&](Context *) {
             // Line by line, so that the sum is still in cache when its statistics and the
             // normalised line are computed; the statistics are meshrt_layer_norm's.
             const int threads = threadsFor(outer * n * inner);
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
             for (int64_t o = 0; o < outer; ++o)
               for (int64_t i = 0; i < inner; ++i) {
                 const int64_t base = o * n * inner + i;
                 if (inner == 1) {
                   addLayerNormLine(a + base, b + base, n, epsilon, sum + base, y + base);
                   continue;
                 }
                 for (int64_t k = 0; k < n; ++k)
                   sum[base + k * inner] = a[base + k * inner] + b[base + k * inner];
                 float mean, invSigma;
                 lineStats(sum + base, n, inner, epsilon, &mean, &invSigma);
                 for (int64_t k = 0; k < n; ++k)
                   y[base + k * inner] = (sum[base + k * inner] - mean) * invSigma;
               }
           });
}

} // extern "C"
