// evaluate.cpp — see evaluate.h.
#include "train/evaluate.h"

#include "context.h"

#include <mpi.h>

namespace meshrt {
namespace {

// Sum of a metric block's values over the real samples of the batch (global positions below
// `valid`).
double blockSum(const ProgramTensor &t, const std::vector<float> &host, int64_t valid) {
  const Slice &s = t.slice;
  const int64_t rows = s.local[0];
  const int64_t perRow = rows ? s.localCount() / rows : 0;
  double sum = 0.0;
  for (int64_t r = 0; r < rows && s.offset[0] + r < valid; ++r)
    for (int64_t i = 0; i < perRow; ++i)
      sum += host[static_cast<size_t>(r * perRow + i)];
  return sum;
}

} // namespace

EvalResult evaluate(Context &ctx, BatchLoader &data, const ProgramInfo &program, int64_t step) {
  EvalResult result;
  InputSource *training = ctx.inputSource();
  ctx.setInputSource(&data);
  std::vector<const ProgramTensor *> metrics;
  for (const ProgramTensor &t : ctx.tensors())
    if (t.role == MESHRT_ROLE_METRIC)
      metrics.push_back(&t);
  std::vector<double> sums(metrics.size(), 0.0);
  std::vector<float> host;
  double lossSum = 0.0;
  int64_t lossBatches = 0;
  const int64_t batches = data.batchesPerEpoch();
  for (int64_t k = 0; k < batches && ctx.ok(); ++k) {
    if (!ctx.check(data.begin(k, batches)))
      break;
    const float loss = program.eval(wrap(&ctx), step);
    const int64_t valid = data.validSamples(k);
    // The mean batch loss counts full batches only (unless there is no full one).
    if (valid == data.batch() || batches == 1) {
      lossSum += loss;
      ++lossBatches;
    }
    for (size_t m = 0; m < metrics.size() && ctx.ok(); ++m) {
      const ProgramTensor &t = *metrics[m];
      if (!t.writesBlock(ctx))
        continue;
      host.resize(static_cast<size_t>(t.slice.localCount()));
      meshrt_copy_to_host(wrap(&ctx), host.data(), t.buffer, t.localBytes());
      sums[m] += blockSum(t, host, valid);
    }
  }
  ctx.setInputSource(training);
  if (!ctx.ok())
    return result;
  MPI_Allreduce(MPI_IN_PLACE, sums.data(), static_cast<int>(sums.size()), MPI_DOUBLE, MPI_SUM,
                MPI_COMM_WORLD);
  result.samples = data.dataset().samples();
  result.loss = lossBatches ? lossSum / static_cast<double>(lossBatches) : 0.0;
  for (size_t m = 0; m < metrics.size(); ++m) {
    const Slice &s = metrics[m]->slice;
    double perSample = 1.0;
    for (int d = 1; d < s.ndims; ++d)
      perSample *= static_cast<double>(s.global[d]);
    const double mean = sums[m] / (static_cast<double>(result.samples) * perSample);
    if (metrics[m]->name == "loss")
      result.loss = mean;
    else
      result.metrics.push_back({metrics[m]->name, mean});
  }
  return result;
}

std::string formatEval(const EvalResult &r) {
  std::string text = strformat("loss %.6f", r.loss);
  for (const auto &[name, value] : r.metrics)
    text += strformat(" %s %.6f", name.c_str(), value);
  return text;
}

} // namespace meshrt
