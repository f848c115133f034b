// conv_ref.cpp — the convolution-only reference of bench/cnn_step.py: times a list of
// convolutions through the runtime's own kernels (meshrt_conv_forward / _backward_data /
// _backward_weights: oneDNN's primitives on the CPU, made once per shape and cached in the
// context, as a compiled program calls them) on every MPI rank at the same time, so that the
// machine is as busy as in the real SPMD run.
//
//   mpirun -n 2 bench_conv_ref [--reps R] KIND:X:W:Y:GEOMETRY ...
//
// KIND is fwd, bwd_data or bwd_weights; X, W and Y are the canonical shapes [N,C,S...],
// [F,C,K...] and [N,F,O...] as comma-separated sizes (2 + k of them for k = 1..3 spatial dims);
// GEOMETRY holds 4k values: strides, dilations, pad_lo, pad_hi (meshrt.h). Every rank times
// each convolution (median of R calls after a warm-up call, all ranks starting together after
// a barrier); rank 0 prints one line per convolution with the slowest rank's median and a final
// `conv_total_ms X`, their sum. Exits 2 on a malformed argument, 1 when a kernel fails.
#include "timing.h"

#include "meshrt/meshrt.h"

#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

namespace {

enum class Kind { Forward, BackwardData, BackwardWeights };

struct Conv {
  Kind kind = Kind::Forward;
  std::string text;
  std::vector<int64_t> x, w, y, geometry;
};

bool parseSizes(const std::string &text, std::vector<int64_t> *out) {
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    char *end = nullptr;
    long long v = std::strtoll(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0')
      return false;
    out->push_back(v);
  }
  return !out->empty();
}

bool parseConv(const char *arg, Conv *c) {
  std::vector<std::string> parts;
  std::stringstream in(arg);
  std::string part;
  while (std::getline(in, part, ':'))
    parts.push_back(part);
  if (parts.size() != 5)
    return false;
  if (parts[0] == "fwd")
    c->kind = Kind::Forward;
  else if (parts[0] == "bwd_data")
    c->kind = Kind::BackwardData;
  else if (parts[0] == "bwd_weights")
    c->kind = Kind::BackwardWeights;
  else
    return false;
  if (!parseSizes(parts[1], &c->x) || !parseSizes(parts[2], &c->w) ||
      !parseSizes(parts[3], &c->y) || !parseSizes(parts[4], &c->geometry))
    return false;
  const size_t rank = c->x.size();
  c->text = arg;
  // The kernel itself checks sizes and geometry; here only what indexing the arrays needs.
  return rank >= 3 && rank <= 5 && c->w.size() == rank && c->y.size() == rank &&
         c->geometry.size() == 4 * (rank - 2) &&
         std::all_of(c->x.begin(), c->x.end(), [](int64_t v) { return v > 0; }) &&
         std::all_of(c->w.begin(), c->w.end(), [](int64_t v) { return v > 0; }) &&
         std::all_of(c->y.begin(), c->y.end(), [](int64_t v) { return v > 0; });
}

int64_t count(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t v : shape)
    n *= v;
  return n;
}

// Multiply-adds of the convolution (the same for its two adjoints): every output element sums
// C x K... products.
double flops(const Conv &c) {
  return 2.0 * static_cast<double>(count(c.y)) * static_cast<double>(count(c.w) / c.w[0]);
}

// A device buffer of `n` floats (the context's allocator) filled with small non-zero values, so
// that no denormals or zeros make a kernel faster than it is in training.
float *filled(meshrt_context_t ctx, int64_t n, float base) {
  std::vector<float> host(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    host[i] = base + static_cast<float>(i % 13) * 0.01f;
  auto *p = static_cast<float *>(meshrt_alloc(ctx, n * 4));
  if (p)
    meshrt_copy_from_host(ctx, p, host.data(), n * 4);
  return p;
}

// Median ms of `reps` calls after one warm-up call (which makes the oneDNN primitive); negative
// on failure.
double medianMs(meshrt_context_t ctx, const Conv &c, int reps) {
  float *x = filled(ctx, count(c.x), 0.5f), *w = filled(ctx, count(c.w), -0.25f),
        *y = filled(ctx, count(c.y), 0.125f);
  if (!x || !w || !y)
    return -1.0;
  const int32_t nsp = static_cast<int32_t>(c.x.size() - 2);
  auto once = [&] {
    switch (c.kind) {
    case Kind::Forward:
      meshrt_conv_forward(ctx, nsp, c.x.data(), c.w.data(), c.y.data(), c.geometry.data(), x, w, y);
      break;
    case Kind::BackwardData:
      meshrt_conv_backward_data(ctx, nsp, c.x.data(), c.w.data(), c.y.data(), c.geometry.data(), w,
                                y, x);
      break;
    case Kind::BackwardWeights:
      meshrt_conv_backward_weights(ctx, nsp, c.x.data(), c.w.data(), c.y.data(), c.geometry.data(),
                                   x, y, w);
      break;
    }
    return meshrt_context_status(ctx) == MESHRT_OK;
  };
  return bench::medianMs(reps, once);
}

} // namespace

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int reps = 10;
  std::vector<Conv> convs;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--reps") && i + 1 < argc) {
      reps = std::atoi(argv[++i]);
      continue;
    }
    Conv c;
    if (!parseConv(argv[i], &c)) {
      if (rank == 0)
        std::fprintf(stderr,
                     "bench_conv_ref: bad convolution '%s' (want "
                     "fwd|bwd_data|bwd_weights:N,C,S..:F,C,K..:N,F,O..:strides,dilations,"
                     "pad_lo,pad_hi)\n",
                     argv[i]);
      return bench::finish(2);
    }
    convs.push_back(c);
  }
  if (convs.empty() || reps <= 0) {
    if (rank == 0)
      std::fprintf(stderr, "usage: bench_conv_ref [--reps R] KIND:X:W:Y:GEOMETRY ...\n");
    return bench::finish(2);
  }

  meshrt_context_t ctx = meshrt_context_create(("r=" + std::to_string(size)).c_str(), 0);
  if (meshrt_context_status(ctx) != MESHRT_OK) {
    if (rank == 0)
      std::fprintf(stderr, "bench_conv_ref: %s\n", meshrt_context_message(ctx));
    return bench::finish(1, ctx);
  }
  double total = 0.0;
  for (const Conv &c : convs) {
    MPI_Barrier(MPI_COMM_WORLD);
    const double ms = medianMs(ctx, c, reps);
    double worst = 0.0, least = 0.0;
    MPI_Allreduce(&ms, &worst, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    MPI_Allreduce(&ms, &least, 1, MPI_DOUBLE, MPI_MIN, MPI_COMM_WORLD);
    if (least < 0) {
      if (rank == 0)
        std::fprintf(stderr, "bench_conv_ref: %s failed: %s\n", c.text.c_str(),
                     meshrt_context_message(ctx));
      return bench::finish(1, ctx);
    }
    total += worst;
    if (rank == 0)
      std::printf("conv %s ms %.3f gflops %.1f\n", c.text.c_str(), worst, flops(c) / (worst * 1e6));
  }
  if (rank == 0)
    std::printf("conv_total_ms %.3f\n", total);
  return bench::finish(0, ctx);
}
