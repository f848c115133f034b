// median.h — the median the benchmarks report: of an odd count the middle value, of an even
// count the mean of the two middle ones.
#ifndef MESHC_BENCH_MEDIAN_H
#define MESHC_BENCH_MEDIAN_H

#include <algorithm>
#include <vector>

namespace bench {

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

} // namespace bench

#endif // MESHC_BENCH_MEDIAN_H
