// denormals_program.cpp — a stand-in program whose step reports the share of its threads (the
// step thread and OpenMP's workers, as kernels run them) in which a product of two normal
// floats that is a denormal (1e-30 * 1e-10 = 1e-40) comes out as 0: 1 under --denormals flush
// (the default), 0 under --denormals keep. Used by runtime.main.denormals_*.
#include "meshrt/meshrt.h"

#include <omp.h>

namespace {

float step(meshrt_context_t, int64_t) {
  int flushed = 0, threads = 0;
#pragma omp parallel reduction(+ : flushed, threads)
  {
    volatile float a = 1e-30f, b = 1e-10f;
    const float c = a * b;
    flushed += c == 0.0f;
    threads += 1;
  }
  return static_cast<float>(flushed) / static_cast<float>(threads);
}

} // namespace

int main(int argc, char **argv) {
  return meshrt_main(argc, argv, "denormals", "b=1", "", 0xde, nullptr, step, nullptr, nullptr,
                     nullptr);
}
