// checkpoint.h — saving and restoring a training run as one safetensors file of global tensors.
//
// DIR/model.safetensors holds every parameter under its DSL name and every optimizer state
// buffer ("w1/adam_m", ...) as the GLOBAL tensor, whatever the mesh and layout that wrote it,
// plus "__metadata__": format "meshc-checkpoint/1", program, mesh, layout, fingerprint (hex),
// step (the number of steps done: a resumed run continues with this step), seed and the data's
// sample count. So a checkpoint loads on any mesh and layout (each rank reads its block), and
// PyTorch, NumPy or JAX read it as they read any safetensors file.
#ifndef MESHRT_SRC_TRAIN_CHECKPOINT_H
#define MESHRT_SRC_TRAIN_CHECKPOINT_H

#include "status.h"
#include "train/program_info.h"

#include <cstdint>
#include <string>

namespace meshrt {

class Context;

// The file a --save/--load/--init-from argument names: DIR/model.safetensors for a directory
// (or a path without ".safetensors"), else the file itself.
std::string checkpointFile(const std::string &arg);

// Collective; the same status on every rank. Creates DIR if needed; the write is atomic (the
// previous checkpoint stays complete until the new one replaces it).
Status saveCheckpoint(Context &ctx, const ProgramInfo &program, const std::string &dir,
                      int64_t step, uint64_t seed, int64_t dataSamples);

// Collective. paramsOnly (--init-from): every parameter must be in the file, optimizer state is
// left at zero and *step at 0. Otherwise (--load) parameters and optimizer state, and *step from
// the metadata. Errors name the tensor and the file.
Status loadCheckpoint(Context &ctx, const std::string &arg, bool paramsOnly, int64_t *step);

} // namespace meshrt

#endif // MESHRT_SRC_TRAIN_CHECKPOINT_H
