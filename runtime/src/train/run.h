// run.h — what a compiled program does after start-up: resume or initialise from a checkpoint,
// then either predict, or train (the step loop over synthetic or file data, with evaluation,
// checkpoints and progress lines).
#ifndef MESHRT_SRC_TRAIN_RUN_H
#define MESHRT_SRC_TRAIN_RUN_H

#include "options.h"
#include "train/program_info.h"

#include <cstdint>
#include <vector>

namespace meshrt {

class Context;

struct RunResult {
  int exitCode = 0;
  std::vector<double> stepMs; // every step's time, in order
  int64_t lastStep = 0;       // one past the last step run
  int64_t driverAllocsAfterFirstStep = 0;
  double dataWaitMs = 0.0;   // time the steps waited for their batches
  int64_t dataBytesRead = 0; // this rank, training data
};

// Collective. Errors that are the user's (bad files, flags that do not fit the program) print
// one line on rank 0 and give exit code 1 on every rank; a failing step ends the job.
RunResult runProgram(Context &ctx, const Options &opts, const ProgramInfo &program);

} // namespace meshrt

#endif // MESHRT_SRC_TRAIN_RUN_H
