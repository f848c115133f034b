// cpu_clones.h — the function attributes of the CPU kernels' hot loops. The runtime is built
// for the x86-64 baseline (it must load on any such CPU), where loops of float math run 4 wide
// at best; a hot free function marked MESHRT_CPU_CLONES is compiled for AVX-512, AVX2 and the
// baseline, and the loader picks the CPU's best (GCC's target_clones, an ifunc).
// MESHRT_FINITE_MATH lets GCC vectorise a float max (it must ignore NaNs and signed zeros to);
// MESHRT_SIMD_DECL declares a libm function's vector variants (glibc's libmvec), as <math.h>
// does only under -ffast-math. Both are GCC's and empty for other compilers (and clang-tidy).
#ifndef MESHRT_SRC_KERNELS_CPU_CPU_CLONES_H
#define MESHRT_SRC_KERNELS_CPU_CPU_CLONES_H

#define MESHRT_CPU_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

#if defined(__GNUC__) && !defined(__clang__)
#define MESHRT_FINITE_MATH __attribute__((optimize("finite-math-only", "no-signed-zeros")))
#define MESHRT_SIMD_DECL __attribute__((simd("notinbranch")))
#else
#define MESHRT_FINITE_MATH
#define MESHRT_SIMD_DECL
#endif

#endif // MESHRT_SRC_KERNELS_CPU_CPU_CLONES_H
