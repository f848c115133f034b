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

// One (outer, query block) of the forward. Scratch: s [bq * kKeyBlock], pv [bq * dv].
Status forwardBlock(const AttentionShape &a, int64_t o, int64_t i0, const float *q, const float *k,
                    const float *v, float *out, float *lse, float *s, float *pv) {
  const int64_t bq = std::min(kQueryBlock, a.sq - i0), dv = a.dv;
  const float *qb = q + (o * a.sq + i0) * a.d, *ko = k + o * a.sk * a.d, *vo = v + o * a.sk * dv;
  float *acc = out + (o * a.sq + i0) * dv;
  float m[kQueryBlock], l[kQueryBlock];
  std::fill(m, m + bq, -std::numeric_limits<float>::infinity());
  std::fill(l, l + bq, 0.0f);
  std::fill(acc, acc + bq * dv, 0.0f);
  const int64_t base = a.globalIndex(o) + i0 * a.queryStride();
  const int64_t keyEnd = visibleKeys(a, i0 + bq - 1);
  for (int64_t j0 = 0; j0 < keyEnd; j0 += kKeyBlock) {
    const int64_t bk = std::min(kKeyBlock, keyEnd - j0);
    if (Status st = sgemm(bq, bk, a.d, qb, false, ko + j0 * a.d, true, s); !st.ok())
      return st;
    for (int64_t r = 0; r < bq; ++r) {
      float *row = s + r * bk;
      const int64_t seen = std::clamp<int64_t>(visibleKeys(a, i0 + r) - j0, 0, bk);
      float rowMax = -std::numeric_limits<float>::infinity();
      for (int64_t j = 0; j < seen; ++j)
        rowMax = std::max(rowMax, row[j]);
      const float mNew = std::max(m[r], rowMax);
      // Nothing seen yet (mNew = -inf): the row stays empty and nothing is rescaled.
      const float alpha =
          mNew == -std::numeric_limits<float>::infinity() ? 1.0f : std::exp(m[r] - mNew);
      float sum = 0.0f;
      const int64_t flat = base + r * a.queryStride() + j0 * a.keyStride();
      // Keys the query cannot see weigh 0: no exp, no dropout draw.
      for (int64_t j = 0; j < seen; ++j) {
        const float p = std::exp(row[j] - mNew);
        sum += p;
        row[j] = p * dropoutFactor(a, flat + j * a.keyStride());
      }
      std::fill(row + seen, row + bk, 0.0f);
      l[r] = l[r] * alpha + sum;
      m[r] = mNew;
      if (alpha != 1.0f)
        for (int64_t e = 0; e < dv; ++e)
          acc[r * dv + e] *= alpha;
    }
    if (Status st = sgemm(bq, dv, bk, s, false, vo + j0 * dv, false, pv); !st.ok())
      return st;
    for (int64_t x = 0; x < bq * dv; ++x)
      acc[x] += pv[x];
  }
  for (int64_t r = 0; r < bq; ++r) {
    const float inv = 1.0f / l[r];
    for (int64_t e = 0; e < dv; ++e)
      acc[r * dv + e] *= inv;
    lse[o * a.sq + i0 + r] = m[r] + std::log(l[r]);
  }
  return Status::success();
}

// Scratch of one backward worker.
struct GradScratch {
  std::vector<float> p, dp, tmp, dvBlock, dkBlock;
  explicit GradScratch(const AttentionShape &a)
      : p(kQueryBlock * kKeyBlock), dp(kQueryBlock * kKeyBlock),
        tmp(static_cast<size_t>(kQueryBlock * std::max(a.d, a.dv))),
        dvBlock(static_cast<size_t>(kKeyBlock * a.dv)),
        dkBlock(static_cast<size_t>(kKeyBlock * a.d)) {}
};

// c[i] += t[i] for n elements.
inline void addInto(float *c, const float *t, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    c[i] += t[i];
}

// All query blocks of one outer index: dq rows, and dk, dv of its keys.
Status backwardOuter(const AttentionShape &a, int64_t o, const float *q, const float *k,
                     const float *v, const float *out, const float *lse, const float *dout,
                     float *dq, float *dk, float *dv, GradScratch &w) {
  const int64_t d = a.d, nv = a.dv;
  const float *ko = k + o * a.sk * d, *vo = v + o * a.sk * nv;
  float *dko = dk + o * a.sk * d, *dvo = dv + o * a.sk * nv;
  std::fill(dko, dko + a.sk * d, 0.0f);
  std::fill(dvo, dvo + a.sk * nv, 0.0f);
  for (int64_t i0 = 0; i0 < a.sq; i0 += kQueryBlock) {
    const int64_t bq = std::min(kQueryBlock, a.sq - i0), row0 = o * a.sq + i0;
    const float *qb = q + row0 * d, *dob = dout + row0 * nv, *ob = out + row0 * nv;
    float *dqb = dq + row0 * d;
    std::fill(dqb, dqb + bq * d, 0.0f);
    float rowDot[kQueryBlock]; // D = rowsum(dout * out)
    for (int64_t r = 0; r < bq; ++r) {
      float sum = 0.0f;
      for (int64_t e = 0; e < nv; ++e)
        sum += dob[r * nv + e] * ob[r * nv + e];
      rowDot[r] = sum;
    }
    const int64_t base = a.globalIndex(o) + i0 * a.queryStride();
    const int64_t keyEnd = visibleKeys(a, i0 + bq - 1);
    for (int64_t j0 = 0; j0 < keyEnd; j0 += kKeyBlock) {
      const int64_t bk = std::min(kKeyBlock, keyEnd - j0);
      float *p = w.p.data(), *dp = w.dp.data(), *tmp = w.tmp.data();
      if (Status st = sgemm(bq, bk, d, qb, false, ko + j0 * d, true, p); !st.ok())
        return st;
      if (Status st = sgemm(bq, bk, nv, dob, false, vo + j0 * nv, true, dp); !st.ok())
        return st;
      // p <- Pd (what multiplied V), dp <- dS; keep P itself in dS's formula.
      for (int64_t r = 0; r < bq; ++r) {
        const int64_t seen = std::clamp<int64_t>(visibleKeys(a, i0 + r) - j0, 0, bk);
        const float rowLse = lse[row0 + r];
        const int64_t flat = base + r * a.queryStride() + j0 * a.keyStride();
        for (int64_t j = 0; j < seen; ++j) {
          const float prob = std::exp(p[r * bk + j] - rowLse);
          const float keep = dropoutFactor(a, flat + j * a.keyStride());
          p[r * bk + j] = prob * keep;
          dp[r * bk + j] = prob * (dp[r * bk + j] * keep - rowDot[r]);
        }
        std::fill(p + r * bk + seen, p + (r + 1) * bk, 0.0f); // unseen keys: P = 0, dS = 0
        std::fill(dp + r * bk + seen, dp + (r + 1) * bk, 0.0f);
      }
      // dV[j0:] += Pd^T dO; dQ += dS K; dK[j0:] += dS^T Q.
      if (Status st = sgemm(bk, nv, bq, p, true, dob, false, w.dvBlock.data()); !st.ok())
        return st;
      addInto(dvo + j0 * nv, w.dvBlock.data(), bk * nv);
      if (Status st = sgemm(bq, d, bk, dp, false, ko + j0 * d, false, tmp); !st.ok())
        return st;
      addInto(dqb, tmp, bq * d);
      if (Status st = sgemm(bk, d, bq, dp, true, qb, false, w.dkBlock.data()); !st.ok())
        return st;
      addInto(dko + j0 * d, w.dkBlock.data(), bk * d);
    }
  }
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
  std::vector<float> s, pv;
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
                 [&] {
                   return ForwardScratch{
                       std::vector<float>(kQueryBlock * kKeyBlock),
                       std::vector<float>(kQueryBlock * std::max<int64_t>(1, a.dv))};
                 },
                 [&](int64_t i, ForwardScratch &w) {
                   return forwardBlock(a, i / blocks, (i % blocks) * kQueryBlock, q, k, v, out, lse,
                                       w.s.data(), w.pv.data());
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
