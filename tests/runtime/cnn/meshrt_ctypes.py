"""meshrt_ctypes.py — the CNN family of libmeshrt's C ABI (meshrt.h) called from Python through
ctypes, for tests whose references are written in NumPy.

Each process of an mpirun initialises MPI itself (libmpi through ctypes, so no mpi4py), then
makes contexts with meshrt_context_create like generated code's meshrt_main does. Buffers are
NumPy arrays (float32, C-contiguous), passed by address.
"""
import ctypes
import ctypes.util

import numpy as np

I32P = ctypes.POINTER(ctypes.c_int32)
I64P = ctypes.POINTER(ctypes.c_int64)
F32P = ctypes.POINTER(ctypes.c_float)
CTX = ctypes.c_void_p

MESHRT_OK = 0
MESHRT_INVALID_ARGUMENT = 1
POOL_MAX = 0
POOL_AVG = 1


def f32(a):
    """A float32 C-contiguous copy (or a itself when it already is one)."""
    return np.ascontiguousarray(a, dtype=np.float32)


def fptr(a):
    assert a.dtype == np.float32 and a.flags.c_contiguous
    return a.ctypes.data_as(F32P)


def iarr(values):
    """An int64 array that stays alive with its pointer."""
    arr = np.ascontiguousarray(values, dtype=np.int64)
    return arr, arr.ctypes.data_as(I64P)


class Runtime:
    def __init__(self, lib_path):
        mpi_name = ctypes.util.find_library("mpi")
        if not mpi_name:
            raise RuntimeError("libmpi not found")
        self.mpi = ctypes.CDLL(mpi_name, mode=ctypes.RTLD_GLOBAL)
        if self.mpi.MPI_Init(None, None) != 0:
            raise RuntimeError("MPI_Init failed")
        lib = ctypes.CDLL(lib_path)
        self.lib = lib
        lib.meshrt_context_create.restype = CTX
        lib.meshrt_context_create.argtypes = [ctypes.c_char_p, ctypes.c_uint64]
        lib.meshrt_context_destroy.argtypes = [CTX]
        lib.meshrt_context_status.argtypes = [CTX]
        lib.meshrt_context_status.restype = ctypes.c_int
        lib.meshrt_context_message.argtypes = [CTX]
        lib.meshrt_context_message.restype = ctypes.c_char_p
        lib.meshrt_context_rank.argtypes = [CTX]
        lib.meshrt_context_rank.restype = ctypes.c_int32
        lib.meshrt_mesh_coord.argtypes = [CTX, ctypes.c_int32]
        lib.meshrt_mesh_coord.restype = ctypes.c_int64
        lib.meshrt_allreduce_sum.argtypes = [CTX, ctypes.c_int32, F32P, ctypes.c_int64]
        conv = [CTX, ctypes.c_int32, I64P, I64P, I64P, I64P, F32P, F32P, F32P]
        for name in ("meshrt_conv_forward", "meshrt_conv_backward_data",
                     "meshrt_conv_backward_weights"):
            getattr(lib, name).argtypes = conv
        lib.meshrt_conv_bias_act_forward.argtypes = [CTX, ctypes.c_int32, I64P, I64P, I64P, I64P,
                                                     ctypes.c_int32, F32P, F32P, F32P, F32P]
        lib.meshrt_conv_backward_weights_bias.argtypes = [CTX, ctypes.c_int32, I64P, I64P, I64P,
                                                          I64P, F32P, F32P, F32P, F32P]
        lib.meshrt_pool_forward.argtypes = [CTX, ctypes.c_int32, ctypes.c_int32, I64P, I64P, I64P,
                                            F32P, F32P]
        lib.meshrt_pool_backward.argtypes = [CTX, ctypes.c_int32, ctypes.c_int32, I64P, I64P,
                                             I64P, F32P, F32P, F32P]
        i64 = ctypes.c_int64
        lib.meshrt_batch_norm.argtypes = [CTX, i64, i64, i64, ctypes.c_float] + [F32P] * 6
        lib.meshrt_batch_norm_grad.argtypes = [CTX, i64, i64, i64, ctypes.c_float] + [F32P] * 10
        lib.meshrt_halo_exchange.argtypes = [CTX, ctypes.c_int32, F32P, F32P, i64, i64, i64, i64,
                                             i64, ctypes.c_float]
        lib.meshrt_halo_exchange_grad.argtypes = [CTX, ctypes.c_int32, F32P, F32P, i64, i64, i64,
                                                  i64, i64]

    def finalize(self):
        self.mpi.MPI_Finalize()

    def context(self, mesh_spec):
        return Context(self.lib, mesh_spec)


class Context:
    """One meshrt context (collective to create and destroy)."""

    def __init__(self, lib, mesh_spec):
        self.lib = lib
        self.handle = lib.meshrt_context_create(mesh_spec.encode(), 0)

    def close(self):
        self.lib.meshrt_context_destroy(self.handle)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def status(self):
        return self.lib.meshrt_context_status(self.handle)

    def message(self):
        return self.lib.meshrt_context_message(self.handle).decode()

    def check(self):
        if self.status() != MESHRT_OK:
            raise AssertionError("runtime error: " + self.message())

    def coord(self, axis):
        return self.lib.meshrt_mesh_coord(self.handle, axis)

    def allreduce_sum(self, value, axes_mask):
        buf = f32([value])
        self.lib.meshrt_allreduce_sum(self.handle, axes_mask, fptr(buf), 1)
        return float(buf[0])

    # ---- the CNN family; outputs are allocated here (filled with NaN first, so that an output
    # the kernel leaves unwritten fails the comparison).
    def _conv(self, name, nsp, x_shape, w_shape, y_shape, geometry, a, b, out_shape):
        keep = [iarr(s) for s in (x_shape, w_shape, y_shape, geometry)]
        a, b = f32(a), f32(b)
        out = np.full(out_shape, np.nan, dtype=np.float32)
        getattr(self.lib, name)(self.handle, nsp, *[k[1] for k in keep], fptr(a), fptr(b),
                                fptr(out))
        return out

    def conv_forward(self, x, w, y_shape, geometry):
        nsp = x.ndim - 2
        return self._conv("meshrt_conv_forward", nsp, x.shape, w.shape, y_shape, geometry, x, w,
                          y_shape)

    def conv_backward_data(self, x_shape, w, dy, geometry):
        nsp = w.ndim - 2
        return self._conv("meshrt_conv_backward_data", nsp, x_shape, w.shape, dy.shape, geometry,
                          w, dy, x_shape)

    def conv_backward_weights(self, x, w_shape, dy, geometry):
        nsp = x.ndim - 2
        return self._conv("meshrt_conv_backward_weights", nsp, x.shape, w_shape, dy.shape,
                          geometry, x, dy, w_shape)

    def conv_bias_act_forward(self, x, w, b, relu, y_shape, geometry):
        keep = [iarr(s) for s in (x.shape, w.shape, y_shape, geometry)]
        x, w, b = f32(x), f32(w), f32(b)
        y = np.full(y_shape, np.nan, dtype=np.float32)
        self.lib.meshrt_conv_bias_act_forward(self.handle, x.ndim - 2, *[k[1] for k in keep], relu,
                                              fptr(x), fptr(w), fptr(b), fptr(y))
        return y

    def conv_backward_weights_bias(self, x, w_shape, dy, geometry):
        keep = [iarr(s) for s in (x.shape, w_shape, dy.shape, geometry)]
        x, dy = f32(x), f32(dy)
        dw = np.full(w_shape, np.nan, dtype=np.float32)
        db = np.full((w_shape[0],), np.nan, dtype=np.float32)
        self.lib.meshrt_conv_backward_weights_bias(self.handle, x.ndim - 2, *[k[1] for k in keep],
                                                   fptr(x), fptr(dy), fptr(dw), fptr(db))
        return dw, db

    def pool_forward(self, kind, x, y_shape, geometry):
        keep = [iarr(s) for s in (x.shape, y_shape, geometry)]
        x = f32(x)
        y = np.full(y_shape, np.nan, dtype=np.float32)
        self.lib.meshrt_pool_forward(self.handle, kind, x.ndim - 2, *[k[1] for k in keep],
                                     fptr(x), fptr(y))
        return y

    def pool_backward(self, kind, x, dy, geometry):
        keep = [iarr(s) for s in (x.shape, dy.shape, geometry)]
        x, dy = f32(x), f32(dy)
        dx = np.full(x.shape, np.nan, dtype=np.float32)
        self.lib.meshrt_pool_backward(self.handle, kind, x.ndim - 2, *[k[1] for k in keep],
                                      fptr(x), fptr(dy), fptr(dx))
        return dx

    def batch_norm(self, x, mean, var, scale, shift, epsilon):
        n, c, s = x.shape
        args = [f32(v) for v in (x, mean, var, scale, shift)]
        y = np.full(x.shape, np.nan, dtype=np.float32)
        self.lib.meshrt_batch_norm(self.handle, n, c, s, epsilon, *[fptr(a) for a in args],
                                   fptr(y))
        return y

    def batch_norm_grad(self, x, mean, var, scale, dy, epsilon):
        n, c, s = x.shape
        args = [f32(v) for v in (x, mean, var, scale, dy)]
        dx = np.full(x.shape, np.nan, dtype=np.float32)
        per_channel = [np.full((c,), np.nan, dtype=np.float32) for _ in range(4)]
        self.lib.meshrt_batch_norm_grad(self.handle, n, c, s, epsilon, *[fptr(a) for a in args],
                                        fptr(dx), *[fptr(p) for p in per_channel])
        return (dx, *per_channel)

    def halo_exchange(self, axis, a, lo, hi, edge_value):
        outer, local, inner = a.shape
        a = f32(a)
        out = np.full((outer, lo + local + hi, inner), np.nan, dtype=np.float32)
        self.lib.meshrt_halo_exchange(self.handle, axis, fptr(a), fptr(out), outer, local, inner,
                                      lo, hi, edge_value)
        return out

    def halo_exchange_grad(self, axis, b, lo, hi):
        outer, total, inner = b.shape
        local = total - lo - hi
        b = f32(b)
        out = np.full((outer, max(local, 0), inner), np.nan, dtype=np.float32)
        self.lib.meshrt_halo_exchange_grad(self.handle, axis, fptr(b), fptr(out), outer, local,
                                           inner, lo, hi)
        return out
