// attention.cpp — fused attention on the CPU (meshrt_attention and its adjoint), FlashAttention's
// scheme: the [sq, sk] scores of a (batch, head) pair are never stored whole.
//
// Forward: for each block of kQueryBlock queries, walk the keys in blocks of kKeyBlock: S = Q K^T
// (sgemm), masked entries dropped, the row maxima m and sums l rescaled as a block raises the
// maximum (online softmax), and acc += dropout(exp(S - m)) V (sgemm); finally out = acc / l and
// lse = m + log l. Backward (FlashAttention-2): per query block, recompute P = exp(S - lse) from
// the saved lse, then dV += Pd^T dO, dPd = dO V^T, dS = P (dropout'(dPd) - D) with
// D = rowsum(dO * out), dQ += dS K, dK += dS^T Q, with Pd = dropout(P) drawn exactly as
// meshrt_dropout draws P's element (AttentionShape::globalIndex). Both walk only the keys a
// causal query block can see.
//
// Threads: the forward splits (outer, query block) pairs; the backward splits `outer` (each
// thread owns its pairs' dK and dV). The sgemm calls inside run on the calling thread.
#include "abi_call.h"
#include "data/random.h"
#include "data/slice.h"
#include "device/device.h"
#include "kernels/attention_shape.h"
#include "kernels/cpu/cpu_clones.h"
#include "kernels/cpu/matmul.h"
#include "kernels/cpu/strided.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

using namespace meshrt;
using namespace meshrt::cpu;

namespace {

constexpr int64_t kQueryBlock = 64;
constexpr int64_t kKeyBlock = 256;

// The keys query `i` (local) may see: all, or those at global positions <= its own.
int64_t visibleKeys(const AttentionShape &a, int64_t i) {
  if (!a.causal)
    return a.sk;
  return std::clamp<int64_t>(a.queryOffset + i + 1, 0, a.sk);
}

// Dropout's keep-and-scale factor of P's element at global index `flat` (0 or 1 / (1 - rate)).
inline float dropoutFactor(const AttentionShape &a, int64_t flat) {
  if (a.rate <= 0.0f)
    return 1.0f;
  const float u = random::uniform01(random::hashAt(a.prefix, static_cast<uint64_t>(flat)));
  return u >= a.rate ? 1.0f / (1.0f - a.rate) : 0.0f;
}

// The per-row loops over a block's scores, where the kernel's time beyond its sgemm calls goes.
// They call expf through glibc's vector variants (libmvec) and are cloned per CPU
// (cpu_clones.h). Rows are short (a key block), so the sums may be reassociated (omp simd
// reduction); results stay within float rounding of the scalar loop.

} // namespace

extern "C" float expf(float) noexcept MESHRT_SIMD_DECL;

namespace {

// max_j x[j] over n > 0 finite elements. GCC turns a float max loop into vector maxima only
// when it may ignore NaNs and signed zeros, which scores (finite products) allow.
MESHRT_CPU_CLONES MESHRT_FINITE_MATH float rowMax(const float *x, int64_t n) {
  float m = x[0];
  for (int64_t j = 1; j < n; ++j) {
    const float xj = x[j];
    m = xj > m ? xj : m;
  }
  return m;
}

// x[j] <- exp(x[j] - shift) for j < n; returns their sum.
MESHRT_CPU_CLONES float expShiftSum(float *x, int64_t n, float shift) {
  float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
  for (int64_t j = 0; j < n; ++j) {
    const float e = expf(x[j] - shift);
    x[j] = e;
    sum += e;
  }
  return sum;
}

// The backward's row without dropout: p[j] <- P = exp(p[j] - lse), dp[j] <- dS = P (dp[j] - dot).
MESHRT_CPU_CLONES void gradRow(float *p, float *dp, int64_t n, float lse, float dot) {
#pragma omp simd
  for (int64_t j = 0; j < n; ++j) {
    const float prob = expf(p[j] - lse);
    p[j] = prob;
    dp[j] = prob * (dp[j] - dot);
  }
}

// sum_j x[j] y[j] over n elements.
MESHRT_CPU_CLONES float rowDot(const float *x, const float *y, int64_t n) {
  float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
  for (int64_t j = 0; j < n; ++j)
    sum += x[j] * y[j];
  return sum;
}

// One (outer, query block) of the forward. Scratch: s [bq * kKeyBlock]. The block's output rows
// are the accumulator: the first key block's P V is written there (sgemm beta 0), later ones are
// added after the rows are rescaled (beta 1).
Status forwardBlock(const AttentionShape &a, int64_t o, int64_t i0, const float *q, const float *k,
                    const float *v, float *out, float *lse, float *s) {
  const int64_t bq = std::min(kQueryBlock, a.sq - i0), dv = a.dv;
  const float *qb = q + (o * a.sq + i0) * a.d, *ko = k + o * a.sk * a.d, *vo = v + o * a.sk * dv;
  float *acc = out + (o * a.sq + i0) * dv;
  float m[kQueryBlock], l[kQueryBlock];
  std::fill(m, m + bq, -std::numeric_limits<float>::infinity());
  std::fill(l, l + bq, 0.0f);
  const int64_t base = a.globalIndex(o) + i0 * a.queryStride();
  const int64_t keyEnd = visibleKeys(a, i0 + bq - 1);
  if (keyEnd == 0) // no key visible to any row (a causal slice before the keys)
    std::fill(acc, acc + bq * dv, 0.0f);
  for (int64_t j0 = 0; j0 < keyEnd; j0 += kKeyBlock) {
    const int64_t bk = std::min(kKeyBlock, keyEnd - j0);
    if (Status st = sgemm(bq, bk, a.d, qb, false, ko + j0 * a.d, true, s); !st.ok())
      return st;
    for (int64_t r = 0; r < bq; ++r) {
      float *row = s + r * bk;
      const int64_t seen = std::clamp<int64_t>(visibleKeys(a, i0 + r) - j0, 0, bk);
      const float mNew =
          seen > 0 ? std::max(m[r], rowMax(row, seen)) : m[r]; // -inf while nothing is seen
      // Nothing seen yet (mNew = -inf): the row stays empty and nothing is rescaled.
      const float alpha =
          mNew == -std::numeric_limits<float>::infinity() ? 1.0f : std::exp(m[r] - mNew);
      // Keys the query cannot see weigh 0: no exp, no dropout draw.
      const float sum = expShiftSum(row, seen, mNew);
      if (a.rate > 0.0f) {
        const int64_t flat = base + r * a.queryStride() + j0 * a.keyStride();
        for (int64_t j = 0; j < seen; ++j)
          row[j] *= dropoutFactor(a, flat + j * a.keyStride());
      }
      std::fill(row + seen, row + bk, 0.0f);
      l[r] = l[r] * alpha + sum;
      m[r] = mNew;
      if (j0 > 0 && alpha != 1.0f)
        for (int64_t e = 0; e < dv; ++e)
          acc[r * dv + e] *= alpha;
    }
    if (Status st = sgemm(bq, dv, bk, s, false, vo + j0 * dv, false, acc, j0 > 0 ? 1.0f : 0.0f);
        !st.ok())
      return st;
  }
  for (int64_t r = 0; r < bq; ++r) {
    // A row that saw no key (l = 0) is 0 like its accumulator, with lse = -inf.
    const float inv = l[r] > 0.0f ? 1.0f / l[r] : 0.0f;
    for (int64_t e = 0; e < dv; ++e)
      acc[r * dv + e] *= inv;
    lse[o * a.sq + i0 + r] = m[r] + std::log(l[r]);
  }
  return Status::success();
}

// Scratch of one backward worker.
struct GradScratch {
  std::vector<float> p, dp;
  explicit GradScratch(const AttentionShape &)
      : p(kQueryBlock * kKeyBlock), dp(kQueryBlock * kKeyBlock) {}
};

// All query blocks of one outer index: dq rows, and dk, dv of its keys. The products accumulate
// straight into dq, dk and dv (sgemm beta 1 after the first product that reaches a row).
Status backwardOuter(const AttentionShape &a, int64_t o, const float *q, const float *k,
                     const float *v, const float *out, const float *lse, const float *dout,
                     float *dq, float *dk, float *dv, GradScratch &w) {
  const int64_t d = a.d, nv = a.dv;
  const float *ko = k + o * a.sk * d, *vo = v + o * a.sk * nv;
  float *dko = dk + o * a.sk * d, *dvo = dv + o * a.sk * nv;
  // Keys [0, keysWritten) of dk and dv hold a sum; the query blocks reach ever more keys.
  int64_t keysWritten = 0;
  for (int64_t i0 = 0; i0 < a.sq; i0 += kQueryBlock) {
    const int64_t bq = std::min(kQueryBlock, a.sq - i0), row0 = o * a.sq + i0;
    const float *qb = q + row0 * d, *dob = dout + row0 * nv, *ob = out + row0 * nv;
    float *dqb = dq + row0 * d;
    float dots[kQueryBlock]; // D = rowsum(dout * out)
    for (int64_t r = 0; r < bq; ++r)
      dots[r] = rowDot(dob + r * nv, ob + r * nv, nv);
    const int64_t base = a.globalIndex(o) + i0 * a.queryStride();
    const int64_t keyEnd = visibleKeys(a, i0 + bq - 1);
    if (keyEnd == 0)
      std::fill(dqb, dqb + bq * d, 0.0f);
    for (int64_t j0 = 0; j0 < keyEnd; j0 += kKeyBlock) {
      const int64_t bk = std::min(kKeyBlock, keyEnd - j0);
      float *p = w.p.data(), *dp = w.dp.data();
      if (Status st = sgemm(bq, bk, d, qb, false, ko + j0 * d, true, p); !st.ok())
        return st;
      if (Status st = sgemm(bq, bk, nv, dob, false, vo + j0 * nv, true, dp); !st.ok())
        return st;
      // p <- Pd (what multiplied V), dp <- dS; keep P itself in dS's formula.
      for (int64_t r = 0; r < bq; ++r) {
        const int64_t seen = std::clamp<int64_t>(visibleKeys(a, i0 + r) - j0, 0, bk);
        float *pr = p + r * bk, *dpr = dp + r * bk;
        if (a.rate > 0.0f) {
          expShiftSum(pr, seen, lse[row0 + r]);
          const int64_t flat = base + r * a.queryStride() + j0 * a.keyStride();
          for (int64_t j = 0; j < seen; ++j) {
            const float keep = dropoutFactor(a, flat + j * a.keyStride());
            dpr[j] = pr[j] * (dpr[j] * keep - dots[r]);
            pr[j] *= keep;
          }
        } else {
          gradRow(pr, dpr, seen, lse[row0 + r], dots[r]);
        }
        std::fill(pr + seen, pr + bk, 0.0f); // unseen keys: P = 0, dS = 0
        std::fill(dpr + seen, dpr + bk, 0.0f);
      }
      // dV[j0:] += Pd^T dO; dQ += dS K; dK[j0:] += dS^T Q. A key block is new (beta 0) when
      // no earlier query block reached it; a block only partly reached is zeroed beyond.
      if (keysWritten < j0 + bk && keysWritten > j0) {
        std::fill(dvo + keysWritten * nv, dvo + (j0 + bk) * nv, 0.0f);
        std::fill(dko + keysWritten * d, dko + (j0 + bk) * d, 0.0f);
        keysWritten = j0 + bk;
      }
      const float keyBeta = keysWritten > j0 ? 1.0f : 0.0f;
      if (Status st = sgemm(bk, nv, bq, p, true, dob, false, dvo + j0 * nv, keyBeta); !st.ok())
        return st;
      if (Status st = sgemm(bq, d, bk, dp, false, ko + j0 * d, false, dqb, j0 > 0 ? 1.0f : 0.0f);
          !st.ok())
        return st;
      if (Status st = sgemm(bk, d, bq, dp, true, qb, false, dko + j0 * d, keyBeta); !st.ok())
        return st;
      keysWritten = std::max(keysWritten, j0 + bk);
    }
  }
  // Keys no query saw get no gradient.
  std::fill(dvo + keysWritten * nv, dvo + a.sk * nv, 0.0f);
  std::fill(dko + keysWritten * d, dko + a.sk * d, 0.0f);
  return Status::success();
}

// Runs body(index, scratch) for index in [0, n) on the threads `work` elements deserve, each
// thread with its own scratch; the first failure wins.
template <typename Scratch, typename MakeScratch, typename Body>
Status parallelFor(int64_t n, int64_t work, MakeScratch &&make, Body &&body) {
  const int threads =
      static_cast<int>(std::min<int64_t>(threadsFor(work), std::max<int64_t>(n, 1)));
  Status first = Status::success();
#pragma omp parallel num_threads(threads) if (threads > 1)
  {
    Scratch scratch = make();
    Status mine = Status::success();
#pragma omp for schedule(dynamic, 1)
    for (int64_t i = 0; i < n; ++i)
      if (mine.ok())
        mine = body(i, scratch);
#pragma omp critical
    if (first.ok() && !mine.ok())
      first = mine;
  }
  return first;
}

struct ForwardScratch {
  std::vector<float> s;
};

// The entry points' shared checks: P's slice, the dims, a whole key dim, the operand sizes.
bool checkShape(AbiCall &call, int32_t ndims, const int64_t *globalShape, const int32_t *dimAxes,
                int32_t queryDim, int32_t keyDim, int64_t d, int64_t dv, int32_t causal,
                uint64_t key, int64_t step, float rate, AttentionShape *a) {
  if (!call.require(queryDim >= 0 && keyDim >= 0 && queryDim < ndims && keyDim < ndims &&
                        queryDim != keyDim,
                    "query_dim %d and key_dim %d must be two different dims of the %d-D "
                    "probabilities",
                    queryDim, keyDim, ndims) ||
      !call.slice(ndims, globalShape, dimAxes, &a->probs) ||
      !call.require(dimAxes[keyDim] < 0, "the key dim (%d) must be whole, not split", keyDim) ||
      !call.require(d > 0 && dv > 0, "d %lld and dv %lld must be positive",
                    static_cast<long long>(d), static_cast<long long>(dv)) ||
      !call.require(causal == 0 || causal == 1, "causal must be 0 or 1, not %d", causal) ||
      !call.require(rate >= 0.0f && rate < 1.0f, "rate %g outside [0, 1)", rate))
    return false;
  a->queryDim = queryDim;
  a->keyDim = keyDim;
  a->sq = a->probs.local[queryDim];
  a->sk = a->probs.local[keyDim];
  a->outer = 1;
  for (int dim = 0; dim < ndims; ++dim)
    if (dim != queryDim && dim != keyDim)
      a->outer *= a->probs.local[dim];
  if (!call.require(a->outer == 0 || a->sq == 0 || a->sk > 0,
                    "a query needs at least one key (the key dim is empty)"))
    return false;
  if (a->sq == 0)
    a->outer = 0; // nothing to compute
  a->d = d;
  a->dv = dv;
  a->causal = causal != 0;
  a->rate = rate;
  a->queryOffset = a->probs.offset[queryDim];
  Context *ctx = call.ctx();
  a->prefix = random::hashAt(random::hashPrefix(ctx->seed(), key), static_cast<uint64_t>(step));
  return call.fits({a->outer, a->sq, std::max(d, dv)}, 4) &&
         call.fits({a->outer, a->sk, std::max(d, dv)}, 4);
}

} // namespace

extern "C" {

void meshrt_attention(meshrt_context_t handle, int32_t ndims, const int64_t *global_shape,
                      const int32_t *dim_axes, int32_t query_dim, int32_t key_dim, int64_t d,
                      int64_t dv, int32_t causal, uint64_t key, int64_t step, float rate,
                      const float *q, const float *k, const float *v, float *out, float *lse) {
  AbiCall call(handle, ProfileKind::Attention, {{"ndims", ndims}, {"d", d}, {"dv", dv}});
  AttentionShape a;
  if (!checkShape(call, ndims, global_shape, dim_axes, query_dim, key_dim, d, dv, causal, key, step,
                  rate, &a))
    return;
  call.run([&](Device &dev) { return dev.attention(a, q, k, v, out, lse); },
           [&](Context *context) {
             const int64_t blocks = (a.sq + kQueryBlock - 1) / kQueryBlock;
             context->check(parallelFor<ForwardScratch>(
                 a.outer * blocks, a.outer * a.sq * a.sk * std::max<int64_t>(1, a.d),
                 [&] { return ForwardScratch{std::vector<float>(kQueryBlock * kKeyBlock)}; },
                 [&](int64_t i, ForwardScratch &w) {
                   return forwardBlock(a, i / blocks, (i % blocks) * kQueryBlock, q, k, v, out, lse,
                                       w.s.data());
                 }));
           });
}

void meshrt_attention_grad(meshrt_context_t handle, int32_t ndims, const int64_t *global_shape,
                           const int32_t *dim_axes, int32_t query_dim, int32_t key_dim, int64_t d,
                           int64_t dv, int32_t causal, uint64_t key, int64_t step, float rate,
                           const float *q, const float *k, const float *v, const float *out,
                           const float *lse, const float *dout, float *grad_q, float *grad_k,
                           float *grad_v) {
  AbiCall call(handle, ProfileKind::AttentionGrad, {{"ndims", ndims}, {"d", d}, {"dv", dv}});
  AttentionShape a;
  if (!checkShape(call, ndims, global_shape, dim_axes, query_dim, key_dim, d, dv, causal, key, step,
                  rate, &a))
    return;
  call.run(
      [&](Device &dev) {
        return dev.attentionGrad(a, q, k, v, out, lse, dout, grad_q, grad_k, grad_v);
      },
      [&](Context *context) {
        context->check(parallelFor<GradScratch>(
            a.outer, a.outer * a.sq * a.sk * std::max<int64_t>(1, a.d),
            [&] { return GradScratch(a); },
            [&](int64_t o, GradScratch &w) {
              return backwardOuter(a, o, q, k, v, out, lse, dout, grad_q, grad_k, grad_v, w);
            }));
      });
}

} // extern "C"
