// pool_kernels_test.cpp — max pooling's backward and forward (meshrt_pool_backward, _forward)
// against naive loops written here:
// odd sizes, 1, 2 and 3 spatial dims, overlapping windows, padding (also windows that lie wholly
// in it), the CNN's 2x2 windows of stride 2 (the CPU's own pass, rows long enough for its
// 8-window steps and their tails, odd sizes and pad_hi that no window reaches), ties, -inf,
// +-FLT_MAX and infinities, and NaN pinned by hand-written cases.
//
// The rule the reference follows (meshrt.h, pool.cpp): each dy goes to the FIRST maximum of its
// window in window order, padding reads -inf, overlapping windows add up in dx; a value counts
// only if it is above -FLT_MAX and a NaN never is a maximum, so a window with no such value sends
// its dy to its first position (dropped if that is padding). The dy values are multiples of
// 1/4 below 2^10, so every sum is exact in any order and the comparisons are exact.
#include "test_util.h"

#include <cfloat>
#include <cmath>
#include <string>

using namespace meshrt_test;

namespace {

struct PoolCase {
  std::vector<int64_t> s, window, stride, lo, hi; // per spatial dim
  int64_t n = 2, c = 3;
};

std::vector<int64_t> outSizes(const PoolCase &p) {
  std::vector<int64_t> o;
  o.reserve(p.s.size());
  for (size_t i = 0; i < p.s.size(); ++i)
    o.push_back((p.s[i] + p.lo[i] + p.hi[i] - p.window[i]) / p.stride[i] + 1);
  return o;
}

std::string describe(const PoolCase &p) {
  auto list = [](const std::vector<int64_t> &v) {
    std::string s;
    for (int64_t e : v)
      s += (s.empty() ? "" : "x") + std::to_string(e);
    return s;
  };
  return "[" + std::to_string(p.n) + ", " + std::to_string(p.c) + ", " + list(p.s) + "] window " +
         list(p.window) + " stride " + list(p.stride) + " pad " + list(p.lo) + "/" + list(p.hi);
}

// The naive loop: every output position, its window in window order (row-major over the window
// dims), padding as -inf.
std::vector<float> reference(const PoolCase &p, const std::vector<float> &x,
                             const std::vector<float> &dy) {
  const int nsp = static_cast<int>(p.s.size());
  const std::vector<int64_t> o = outSizes(p);
  int64_t xPlane = 1, yPlane = 1, windowVolume = 1;
  for (int i = 0; i < nsp; ++i) {
    xPlane *= p.s[i];
    yPlane *= o[i];
    windowVolume *= p.window[i];
  }
  std::vector<float> dx(x.size(), 0.0f);
  for (int64_t plane = 0; plane < p.n * p.c; ++plane)
    for (int64_t oi = 0; oi < yPlane; ++oi) {
      std::vector<int64_t> opos(nsp);
      int64_t r = oi;
      for (int i = nsp - 1; i >= 0; --i) {
        opos[i] = r % o[i];
        r /= o[i];
      }
      float best = -FLT_MAX;
      int64_t at = -1;
      for (int64_t j = 0; j < windowVolume; ++j) {
        int64_t rest = j, flat = 0;
        bool inside = true;
        std::vector<int64_t> pos(nsp);
        for (int i = nsp - 1; i >= 0; --i) {
          pos[i] = opos[i] * p.stride[i] - p.lo[i] + rest % p.window[i];
          rest /= p.window[i];
          inside = inside && pos[i] >= 0 && pos[i] < p.s[i];
        }
        for (int i = 0; i < nsp; ++i)
          flat = flat * p.s[i] + pos[i];
        const float v = inside ? x[plane * xPlane + flat] : -INFINITY;
        if (j == 0)
          at = inside ? flat : -1; // the default: the first position
        if (v > best) {
          best = v;
          at = flat;
        }
      }
      if (at >= 0)
        dx[plane * xPlane + at] += dy[plane * yPlane + oi];
    }
  return dx;
}

// The forward by the same rule: the window's largest value above -FLT_MAX, else -FLT_MAX.
std::vector<float> referenceForward(const PoolCase &p, const std::vector<float> &x) {
  const int nsp = static_cast<int>(p.s.size());
  const std::vector<int64_t> o = outSizes(p);
  int64_t xPlane = 1, yPlane = 1, windowVolume = 1;
  for (int i = 0; i < nsp; ++i) {
    xPlane *= p.s[i];
    yPlane *= o[i];
    windowVolume *= p.window[i];
  }
  std::vector<float> y(static_cast<size_t>(p.n * p.c * yPlane));
  for (int64_t plane = 0; plane < p.n * p.c; ++plane)
    for (int64_t oi = 0; oi < yPlane; ++oi) {
      float best = -FLT_MAX;
      for (int64_t j = 0; j < windowVolume; ++j) {
        int64_t rest = j, ro = oi, flat = 0, scale = 1;
        bool inside = true;
        for (int i = nsp - 1; i >= 0; --i) {
          const int64_t pos = ro % o[i] * p.stride[i] - p.lo[i] + rest % p.window[i];
          ro /= o[i];
          rest /= p.window[i];
          inside = inside && pos >= 0 && pos < p.s[i];
          flat += pos * scale;
          scale *= p.s[i];
        }
        if (inside && x[plane * xPlane + flat] > best)
          best = x[plane * xPlane + flat];
      }
      y[plane * yPlane + oi] = best;
    }
  return y;
}

// meshrt_pool_forward (max), dy's shape from the case.
std::vector<float> runForward(const PoolCase &p, const std::vector<float> &x) {
  const int nsp = static_cast<int>(p.s.size());
  std::vector<int64_t> xShape = {p.n, p.c}, yShape = {p.n, p.c}, geometry;
  int64_t count = p.n * p.c;
  for (int i = 0; i < nsp; ++i) {
    xShape.push_back(p.s[i]);
    yShape.push_back(outSizes(p)[i]);
    count *= outSizes(p)[i];
  }
  for (const auto *v : {&p.window, &p.stride, &p.lo, &p.hi})
    geometry.insert(geometry.end(), v->begin(), v->end());
  ContextPtr ctx = makeContext(meshesForWorld().front());
  std::vector<float> y(static_cast<size_t>(count), 12345.0f);
  meshrt_pool_forward(ctx.get(), MESHRT_POOL_MAX, nsp, xShape.data(), yShape.data(),
                      geometry.data(), x.data(), y.data());
  EXPECT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK) << meshrt_context_message(ctx.get());
  return y;
}

// meshrt_pool_backward (max) on a fresh context, twice (the second call finds what the first
// one cached); dx starts poisoned so that an element left unwritten shows.
std::vector<float> runBackward(const PoolCase &p, const std::vector<float> &x,
                               const std::vector<float> &dy) {
  const int nsp = static_cast<int>(p.s.size());
  std::vector<int64_t> xShape = {p.n, p.c}, yShape = {p.n, p.c}, geometry;
  for (int i = 0; i < nsp; ++i) {
    xShape.push_back(p.s[i]);
    yShape.push_back(outSizes(p)[i]);
  }
  for (const auto *v : {&p.window, &p.stride, &p.lo, &p.hi})
    geometry.insert(geometry.end(), v->begin(), v->end());
  ContextPtr ctx = makeContext(meshesForWorld().front());
  std::vector<float> dx;
  for (int call = 0; call < 2; ++call) {
    std::vector<float> out(x.size(), 12345.0f);
    meshrt_pool_backward(ctx.get(), MESHRT_POOL_MAX, nsp, xShape.data(), yShape.data(),
                         geometry.data(), x.data(), dy.data(), out.data());
    EXPECT_EQ(meshrt_context_status(ctx.get()), MESHRT_OK) << meshrt_context_message(ctx.get());
    if (call == 1)
      EXPECT_EQ(out, dx) << "the second call differs from the first";
    dx = out;
  }
  return dx;
}

// Exact comparisons, element by element, of the backward and the forward (NaN never appears in
// dx or y: dy is finite and a NaN is never a maximum).
void expectMatches(const PoolCase &p, const std::vector<float> &x, const std::vector<float> &dy) {
  SCOPED_TRACE(describe(p));
  for (const char *what : {"dx", "y"}) {
    const bool dx = what[0] == 'd';
    const std::vector<float> got = dx ? runBackward(p, x, dy) : runForward(p, x);
    const std::vector<float> want = dx ? reference(p, x, dy) : referenceForward(p, x);
    ASSERT_EQ(got.size(), want.size());
    int shown = 0;
    for (size_t i = 0; i < got.size(); ++i)
      if (got[i] != want[i] && shown++ < 5)
        ADD_FAILURE() << what << "[" << i << "] = " << got[i] << ", want " << want[i];
  }
}

int64_t volume(const PoolCase &p, bool output) {
  int64_t v = p.n * p.c;
  for (int64_t e : output ? outSizes(p) : p.s)
    v *= e;
  return v;
}

// dy: k / 4 for k in 1..4000 (exact sums), from a hash of the index.
std::vector<float> quarterSteps(int64_t count, int salt) {
  std::vector<float> v(count);
  for (int64_t i = 0; i < count; ++i)
    v[i] = static_cast<float>((i * 7919 + salt * 104729) % 4000 + 1) * 0.25f;
  return v;
}

// x drawn from `values` by a hash of the index.
std::vector<float> drawn(int64_t count, const std::vector<float> &values, int salt) {
  std::vector<float> v(count);
  for (int64_t i = 0; i < count; ++i)
    v[i] = values[static_cast<size_t>((i * 2654435761u + salt * 40503u) >> 7) % values.size()];
  return v;
}

const std::vector<PoolCase> &cases() {
  static const std::vector<PoolCase> all = {
      // The CPU's 2x2 / stride 2 pass: rows of 8 windows and more (its AVX2 step), tails, odd
      // sizes (the last row and column belong to no window), pad_hi no window reaches.
      {{32, 32}, {2, 2}, {2, 2}, {0, 0}, {0, 0}, 2, 4},
      {{16, 16}, {2, 2}, {2, 2}, {0, 0}, {0, 0}, 3, 2},
      {{7, 41}, {2, 2}, {2, 2}, {0, 0}, {0, 0}},
      {{9, 35}, {2, 2}, {2, 2}, {0, 0}, {1, 1}},
      {{2, 2}, {2, 2}, {2, 2}, {0, 0}, {0, 0}, 1, 1},
      {{5, 3}, {2, 2}, {2, 2}, {0, 0}, {0, 0}},
      // Large enough to be split between the 2 threads (tests/runtime/main.cpp), 15 planes.
      {{48, 49}, {2, 2}, {2, 2}, {0, 0}, {0, 0}, 3, 5},
      // oneDNN: 2x2 / 2 whose last windows read the padding, 1-D and 3-D, overlapping windows.
      {{7, 9}, {2, 2}, {2, 2}, {0, 0}, {1, 1}},
      {{8, 8}, {2, 2}, {2, 2}, {1, 1}, {1, 1}},
      {{9}, {2}, {2}, {0}, {1}},
      {{11}, {3}, {2}, {1}, {1}},
      {{13}, {3}, {1}, {0}, {0}},
      {{9, 7}, {3, 3}, {2, 2}, {1, 1}, {1, 1}},
      {{7, 7}, {3, 3}, {1, 1}, {1, 1}, {1, 1}},
      {{6, 9}, {3, 2}, {1, 3}, {0, 1}, {2, 0}},
      {{5, 6, 7}, {2, 3, 2}, {2, 1, 2}, {0, 1, 1}, {1, 1, 0}},
      {{3, 5, 4}, {2, 2, 2}, {2, 2, 2}, {0, 0, 0}, {1, 1, 0}},
      // Padding as large as the window: some windows lie wholly in it.
      {{3, 4}, {2, 2}, {1, 1}, {2, 2}, {2, 2}, 1, 2},
      {{2}, {2}, {1}, {2}, {2}, 1, 1},
  };
  return all;
}

} // namespace

TEST(PoolKernels, MaxBackwardDistinctValues) {
  for (const PoolCase &p : cases()) {
    std::vector<float> x(volume(p, false));
    for (size_t i = 0; i < x.size(); ++i) // distinct: a permutation of 0..n-1, minus n/2
      x[i] = static_cast<float>((i * 7919) % x.size()) - static_cast<float>(x.size() / 2);
    expectMatches(p, x, quarterSteps(volume(p, true), 1));
  }
}

TEST(PoolKernels, MaxBackwardTiesGoToTheFirst) {
  for (const PoolCase &p : cases())
    for (int salt = 0; salt < 3; ++salt)
      expectMatches(p, drawn(volume(p, false), {0.0f, 1.0f, 2.0f}, salt),
                    quarterSteps(volume(p, true), salt));
}

TEST(PoolKernels, MaxBackwardInfinitiesAndExtremes) {
  const std::vector<float> extremes = {-INFINITY, -FLT_MAX, -1e38f,  -1.0f,
                                       0.0f,      1e38f,    FLT_MAX, INFINITY};
  for (const PoolCase &p : cases())
    for (int salt = 0; salt < 4; ++salt) {
      // Mostly the negative end, so that windows of only -inf and -FLT_MAX occur.
      expectMatches(p, drawn(volume(p, false), {-INFINITY, -INFINITY, -FLT_MAX, -1e38f}, salt),
                    quarterSteps(volume(p, true), salt));
      expectMatches(p, drawn(volume(p, false), extremes, salt),
                    quarterSteps(volume(p, true), salt + 7));
    }
}

// NaN, by hand: one 2x4 plane, two 2x2 windows of stride 2 (the CPU's own pass), then the
// same values as a 1-D row through oneDNN. A NaN is never the maximum; a window of NaNs only
// sends its dy to its first position.
TEST(PoolKernels, MaxBackwardNaNIsNeverTheMaximum) {
  const float nan = NAN;
  {
    PoolCase p{{2, 4}, {2, 2}, {2, 2}, {0, 0}, {0, 0}, 1, 1};
    // Window 0: NaN 1 / 2 NaN -> 2 (position 1, 0); window 1: all NaN -> its first position.
    const std::vector<float> x = {nan, 1.0f, nan, nan, 2.0f, nan, nan, nan};
    const std::vector<float> got = runBackward(p, x, {3.0f, 5.0f});
    EXPECT_EQ(got, (std::vector<float>{0, 0, 5, 0, 3, 0, 0, 0}));
    EXPECT_EQ(runForward(p, x), (std::vector<float>{2.0f, -FLT_MAX}));
  }
  {
    // Window 0 (NaN, -inf, -inf, NaN) has no value above -FLT_MAX: its first position; so has
    // window 1 (-inf, -FLT_MAX, -FLT_MAX, -inf), although -FLT_MAX is its maximum.
    PoolCase p{{2, 4}, {2, 2}, {2, 2}, {0, 0}, {0, 0}, 1, 1};
    const std::vector<float> x = {nan,       -INFINITY, -INFINITY, -FLT_MAX,
                                  -INFINITY, nan,       -FLT_MAX,  -INFINITY};
    EXPECT_EQ(runBackward(p, x, {3.0f, 5.0f}), (std::vector<float>{3, 0, 5, 0, 0, 0, 0, 0}));
    EXPECT_EQ(runForward(p, x), (std::vector<float>{-FLT_MAX, -FLT_MAX}));
  }
  {
    // 1-D, window 3, stride 1, padding 1: windows (pad NaN NaN) (NaN NaN 1) (NaN 1 NaN)
    // (1 NaN NaN) (NaN NaN pad) -> dropped, 1, 1, 1, x[3].
    PoolCase p{{5}, {3}, {1}, {1}, {1}, 1, 1};
    const std::vector<float> x = {nan, nan, 1.0f, nan, nan};
    EXPECT_EQ(runBackward(p, x, {1.0f, 2.0f, 4.0f, 8.0f, 16.0f}),
              (std::vector<float>{0, 0, 14, 16, 0}));
    EXPECT_EQ(runForward(p, x), (std::vector<float>{-FLT_MAX, 1, 1, 1, -FLT_MAX}));
  }
}
