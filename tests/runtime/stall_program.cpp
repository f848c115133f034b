// stall_program.cpp — a stand-in program whose every step is one allreduce of 2^20 floats over
// all ranks (mesh b=4): on one node that takes the shared-memory allreduce, whose waits are
// MPI barriers between chunks. runtime_faults.py stops a rank of it with SIGSTOP to check that
// the collective watchdog covers that path too (the MLP's collectives are small).
#include "meshrt/meshrt.h"

namespace {

constexpr int64_t kCount = int64_t{1} << 20;
float *buf;

void init(meshrt_context_t ctx) {
  buf = static_cast<float *>(meshrt_alloc(ctx, kCount * 4));
  meshrt_fill(ctx, kCount, buf, 1.0f);
}

float step(meshrt_context_t ctx, int64_t) {
  meshrt_allreduce_sum(ctx, 1, buf, kCount);
  meshrt_unary(ctx, MESHRT_SCALE, kCount, buf, buf, 0.25f); // stays 1: no overflow over steps
  return meshrt_load_f32(ctx, buf);
}

} // namespace

int main(int argc, char **argv) {
  return meshrt_main(argc, argv, "stall", "b=4", "batch:b", 0x57a11, init, step, nullptr, nullptr,
                     nullptr);
}
