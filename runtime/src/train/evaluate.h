// evaluate.h — a forward-only pass over the whole evaluation set, with exact metrics.
//
// Every metric the program registers is a per-sample value (dim 0 the sample). Each rank sums
// the values of its block over the real samples of each batch (the padding of the last batch
// left out), once per distinct block (replicas do not add), and one all-reduce over the world
// gives the sums over every sample: the mean is exact, whatever the mesh and layout.
#ifndef MESHRT_SRC_TRAIN_EVALUATE_H
#define MESHRT_SRC_TRAIN_EVALUATE_H

#include "data/loader.h"
#include "train/program_info.h"

#include <string>
#include <utility>
#include <vector>

namespace meshrt {

struct EvalResult {
  double loss = 0.0; // the "loss" metric if the program has one, else the mean batch loss
  std::vector<std::pair<std::string, double>> metrics; // in registration order
  int64_t samples = 0;
};

// Collective. Runs program.eval over every batch of `data` (made the input source meanwhile).
// Errors are in ctx's status (the caller aborts as after a failed step).
EvalResult evaluate(Context &ctx, BatchLoader &data, const ProgramInfo &program, int64_t step);

// "loss 0.412345 accuracy 0.871200": the line rank 0 prints after "eval step N ".
std::string formatEval(const EvalResult &r);

} // namespace meshrt

#endif // MESHRT_SRC_TRAIN_EVALUATE_H
