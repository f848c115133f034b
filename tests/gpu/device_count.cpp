// device_count.cpp — prints meshrt_device_count(KIND) (default "cuda"): how the GPU scripts
// (gpu_losses.py, e2e bad_input.py) decide whether this machine can run --device cuda.
// Needs no MPI start-up and never fails.
#include "meshrt/meshrt.h"

#include <cstdio>

int main(int argc, char **argv) {
  std::printf("%d\n", meshrt_device_count(argc > 1 ? argv[1] : "cuda"));
  return 0;
}
