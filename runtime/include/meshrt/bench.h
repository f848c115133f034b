/* bench.h — measurement hooks of libmeshrt for meshc's benchmarks.
 *
 * Kept out of meshrt.h because generated programs never call them: benchmarks use them to
 * measure a reference (the bare kernel) in the same run as the compiled program, so that
 * results are ratios rather than absolute times.
 */
#ifndef MESHRT_BENCH_H
#define MESHRT_BENCH_H

#include <stdint.h>

#include "meshrt/meshrt.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Median wall time in milliseconds of one f32 matmul C (m x n) = op(A) * op(B) through the same
 * kernel meshrt_matmul uses (dnnl_sgemm), over `reps` timed calls after one warm-up call, with
 * the OpenMP thread count currently configured (meshrt_main sets it from --threads). Returns a
 * negative value on invalid arguments or failure. */
double meshrt_bench_matmul_ms(int64_t m, int64_t n, int64_t k, int32_t trans_a, int32_t trans_b,
                              int32_t reps);

/* As meshrt_bench_matmul_ms, through meshrt_matmul on the context's device (cuBLAS on a
 * CUDA context, with the context's matmul precision), timing with the device synchronised. */
double meshrt_bench_matmul_ms_on(meshrt_context_t handle, int64_t m, int64_t n, int64_t k,
                                 int32_t trans_a, int32_t trans_b, int32_t reps);

#ifdef __cplusplus
}
#endif

#endif /* MESHRT_BENCH_H */
