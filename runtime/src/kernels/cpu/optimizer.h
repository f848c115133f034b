// optimizer.h — the CPU SGD step shared by meshrt_sgd_update and meshrt_sgd_update_matmul's
// all-reduced path.
#ifndef MESHRT_SRC_KERNELS_CPU_OPTIMIZER_H
#define MESHRT_SRC_KERNELS_CPU_OPTIMIZER_H

#include <cstdint>

namespace meshrt::cpu {

// param -= lr * grad (lr already scaled by the schedule), on the rank's threads.
void sgd(int64_t n, float *param, const float *grad, float lr);

} // namespace meshrt::cpu

#endif // MESHRT_SRC_KERNELS_CPU_OPTIMIZER_H
