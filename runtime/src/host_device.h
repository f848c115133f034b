// host_device.h — MESHRT_HOST_DEVICE: marks the inline functions that the CPU kernels and the
// CUDA kernels both compile (index arithmetic, hashes), so that a device computes exactly what
// the CPU does; empty outside nvcc.
#ifndef MESHRT_SRC_HOST_DEVICE_H
#define MESHRT_SRC_HOST_DEVICE_H

#ifdef __CUDACC__
#define MESHRT_HOST_DEVICE __host__ __device__
#else
#define MESHRT_HOST_DEVICE
#endif

#endif // MESHRT_SRC_HOST_DEVICE_H
