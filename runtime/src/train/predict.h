// predict.h — `--predict NAME=FILE --out FILE.npy`: the program's outputs for every sample of
// the bound files, written in sample order.
#ifndef MESHRT_SRC_TRAIN_PREDICT_H
#define MESHRT_SRC_TRAIN_PREDICT_H

#include "data/loader.h"
#include "train/program_info.h"

#include <string>

namespace meshrt {

// Collective. Runs program.predict over every batch of `data` and writes each output as a .npy
// of shape [samples, per-sample dims...] (each rank its block of the real samples, replicas
// once). One output goes to `out`; several go to `out` with ".NAME" before the extension
// (pred.npy -> pred.probs.npy). Returns the status agreed by all ranks; *written lists the files.
Status predictAll(Context &ctx, BatchLoader &data, const ProgramInfo &program,
                  const std::string &out, std::vector<std::string> *written);

} // namespace meshrt

#endif // MESHRT_SRC_TRAIN_PREDICT_H
