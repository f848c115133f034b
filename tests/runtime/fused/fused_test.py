#!/usr/bin/env python3
"""fused_test.py — meshrt_fused_elementwise, meshrt_add_layer_norm and
meshrt_layer_norm_grad_add (the kernels of meshc-fuse-elementwise's ops) against references
written here in NumPy (float64).

Programs use every op of meshrt_fused_op_t; inputs are broadcast (stride 0), transposed (a
non-unit inner stride) and contiguous; sizes are odd and cross the CPU kernel's 256-element
blocks and its threading threshold; one case runs in place (out is an input). The layer norm
with its residual add, and a layer norm's adjoint plus an addend (also in place: the result in
the addend's buffer), are checked on lines along the last dim and along a middle dim. Refusals
(an unknown op, a value read before it is defined, too many inputs) are statuses naming the
problem. One rank (these kernels have no communication).

usage: fused_test.py --lib <libmeshrt.so>   (under mpirun -n 1)
"""
import argparse
import ctypes
import os
import sys

try:
    import numpy as np
except ImportError:
    print("SKIP: this test needs NumPy (python3-numpy)")
    sys.exit(77)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cnn"))
from meshrt_ctypes import (CTX, F32P, I32P, I64P, MESHRT_INVALID_ARGUMENT, Runtime,  # noqa: E402
                           f32, fptr)

failures = []

# meshrt_fused_op_t, in its order: name, operands, NumPy reference (a, b, c).
SQ2PI = np.sqrt(2.0 / np.pi)


def gelu(x):
    return 0.5 * x * (1 + np.tanh(SQ2PI * (x + 0.044715 * x ** 3)))


def gelu_grad(x):
    t = np.tanh(SQ2PI * (x + 0.044715 * x ** 3))
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SQ2PI * (1 + 3 * 0.044715 * x * x)


OPS = [
    ("add", 2, lambda a, b, c: a + b),
    ("sub", 2, lambda a, b, c: a - b),
    ("mul", 2, lambda a, b, c: a * b),
    ("div", 2, lambda a, b, c: a / b),
    ("max", 2, lambda a, b, c: np.maximum(a, b)),
    ("min", 2, lambda a, b, c: np.minimum(a, b)),
    ("relu_grad", 2, lambda a, b, c: np.where(a > 0, b, 0.0)),
    ("scale", 1, lambda a, b, c: c * a),
    ("relu", 1, lambda a, b, c: np.maximum(a, 0.0)),
    ("gelu", 1, lambda a, b, c: gelu(a)),
    ("gelu_grad", 2, lambda a, b, c: gelu_grad(a) * b),
    ("exp", 1, lambda a, b, c: np.exp(a)),
    ("tanh", 1, lambda a, b, c: np.tanh(a)),
    ("sigmoid", 1, lambda a, b, c: 1 / (1 + np.exp(-a))),
    ("log", 1, lambda a, b, c: np.log(a)),
    ("sqrt", 1, lambda a, b, c: np.sqrt(a)),
    ("leaky_relu", 1, lambda a, b, c: np.where(a > 0, a, c * a)),
]
CODE = {name: i for i, (name, _, _) in enumerate(OPS)}


def record(ok, name, detail=""):
    print(("ok   %s" if ok else "FAIL %s " + detail) % name, flush=True)
    if not ok:
        failures.append(name)


def declare(lib):
    lib.meshrt_fused_elementwise.argtypes = [CTX, ctypes.c_int32, I64P, F32P, ctypes.c_int32,
                                             ctypes.POINTER(F32P), I64P, ctypes.c_int32, I32P,
                                             F32P]
    lib.meshrt_add_layer_norm.argtypes = [CTX, ctypes.c_int64, ctypes.c_int64, ctypes.c_int64,
                                          ctypes.c_float] + [F32P] * 4
    lib.meshrt_layer_norm_grad_add.argtypes = [CTX, ctypes.c_int64, ctypes.c_int64,
                                               ctypes.c_int64, ctypes.c_float] + [F32P] * 4


def run_fused(ctx, lib, shape, inputs, program, out=None):
    """inputs: (array, strides in elements over `shape`); program: (name, a, b, constant)."""
    n = len(shape)
    if out is None:
        out = np.full(shape, np.nan, dtype=np.float32)
    ptrs = (F32P * len(inputs))(*[fptr(a) for a, _ in inputs])
    strides = np.ascontiguousarray([s for _, st in inputs for s in st], dtype=np.int64)
    ops = np.ascontiguousarray([v for name, a, b, _ in program for v in (CODE.get(name, name), a, b)],
                               dtype=np.int32)
    consts = f32([c for _, _, _, c in program])
    shp = np.ascontiguousarray(shape, dtype=np.int64)
    lib.meshrt_fused_elementwise(ctx.handle, n, shp.ctypes.data_as(I64P), fptr(out),
                                 len(inputs), ptrs, strides.ctypes.data_as(I64P), len(program),
                                 ops.ctypes.data_as(I32P), fptr(consts))
    return out


def reference(values, program):
    vals = list(values)
    for name, a, b, c in program:
        f = OPS[CODE[name]][2]
        vals.append(f(vals[a], vals[b] if b >= 0 else None, np.float64(np.float32(c))))
    return vals[-1]


def close(got, want, name, rtol=2e-5, atol=2e-6):
    ok = got.shape == want.shape and np.allclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
    err = np.nanmax(np.abs(got - want)) if got.shape == want.shape else "shape"
    record(ok, name, "max abs error %s" % err)


def fused_cases(ctx, lib, rng):
    # [n, s, d] with d odd and crossing a 256 block; x contiguous, bias [d] broadcast, yT a
    # transposed [d, s, n] buffer read through strides, h contiguous.
    for (n, s, d) in [(3, 5, 7), (2, 3, 601), (5, 41, 397)]:
        shape = (n, s, d)
        x = f32(rng.standard_normal(shape))
        bias = f32(rng.standard_normal(d))
        yt = f32(rng.standard_normal((d, s, n)))  # holds y[i, j, k] at yt[k, j, i]
        pos = f32(rng.uniform(0.5, 2.0, shape))  # for log, sqrt, div
        inputs = [(x, (s * d, d, 1)), (bias, (0, 0, 1)), (yt, (1, n, s * n)), (pos, (s * d, d, 1))]
        values = [x.astype(np.float64), np.broadcast_to(bias.astype(np.float64), shape),
                  np.transpose(yt, (2, 1, 0)).astype(np.float64), pos.astype(np.float64)]
        # Every op once, chained so that each value is used: 4 inputs are values 0..3.
        program = [
            ("add", 0, 1, 0.0),         # 4 = x + bias
            ("gelu", 4, -1, 0.0),       # 5
            ("gelu_grad", 4, 2, 0.0),   # 6
            ("sub", 5, 6, 0.0),         # 7
            ("mul", 7, 2, 0.0),         # 8
            ("div", 8, 3, 0.0),         # 9
            ("max", 9, 0, 0.0),         # 10
            ("min", 10, 2, 0.0),        # 11
            ("relu_grad", 0, 11, 0.0),  # 12
            ("scale", 12, -1, 0.75),    # 13
            ("relu", 2, -1, 0.0),       # 14
            ("add", 13, 14, 0.0),       # 15
            ("tanh", 15, -1, 0.0),      # 16
            ("sigmoid", 16, -1, 0.0),   # 17
            ("exp", 17, -1, 0.0),       # 18
            ("log", 3, -1, 0.0),        # 19
            ("sqrt", 3, -1, 0.0),       # 20
            ("add", 19, 20, 0.0),       # 21
            ("leaky_relu", 2, -1, 0.1),  # 22
            ("mul", 22, 21, 0.0),       # 23
            ("add", 23, 18, 0.0),       # 24
        ]
        got = run_fused(ctx, lib, shape, inputs, program)
        ctx.check()
        close(got, reference(values, program), "every op on %s" % (shape,))
    # A long flat program over many elements (threads), a scalar input broadcast everywhere.
    shape = (7, 10007)
    a = f32(rng.standard_normal(shape))
    k = f32([1.5])
    program = [("mul", 0, 1, 0.0), ("relu", 2, -1, 0.0), ("add", 3, 0, 0.0)]
    got = run_fused(ctx, lib, shape, [(a, (10007, 1)), (k, (0, 0))], program)
    ctx.check()
    close(got, reference([a.astype(np.float64), np.full(shape, 1.5)], program),
          "threads and a scalar broadcast on %s" % (shape,))
    # In place: out is input 0's buffer (what the buffer plan does when input 0 dies here).
    shape = (9, 263)
    a = f32(rng.standard_normal(shape))
    b = f32(rng.standard_normal(shape))
    want = reference([a.astype(np.float64), b.astype(np.float64)],
                     [("add", 0, 1, 0.0), ("scale", 2, -1, -2.0), ("sub", 3, 0, 0.0)])
    run_fused(ctx, lib, shape, [(a, (263, 1)), (b, (263, 1))],
              [("add", 0, 1, 0.0), ("scale", 2, -1, -2.0), ("sub", 3, 0, 0.0)], out=a)
    ctx.check()
    close(a, want, "in place on %s" % (shape,))
    # A 0-d result.
    s = f32(3.0)
    got = run_fused(ctx, lib, (), [(s.reshape(()), ())], [("scale", 0, -1, 2.0), ("exp", 1, -1, 0.0)])
    ctx.check()
    close(np.asarray(got), np.asarray(np.exp(6.0)), "a scalar")


def add_layer_norm_cases(ctx, lib, rng):
    for (outer, n, inner) in [(6, 1, 1), (5, 37, 1), (3, 17, 5), (40, 301, 1)]:
        shape = (outer, n, inner)
        a = f32(rng.standard_normal(shape))
        b = f32(rng.standard_normal(shape) * 3 + 1)
        total = np.full(shape, np.nan, dtype=np.float32)
        y = np.full(shape, np.nan, dtype=np.float32)
        eps = 1e-5
        lib.meshrt_add_layer_norm(ctx.handle, outer, n, inner, eps, fptr(a), fptr(b), fptr(total),
                                  fptr(y))
        ctx.check()
        s = a.astype(np.float64) + b.astype(np.float64)
        mean = s.mean(axis=1, keepdims=True)
        var = ((s - mean) ** 2).mean(axis=1, keepdims=True)
        close(total, s, "add_layer_norm sum on %s" % (shape,))
        close(y, (s - mean) / np.sqrt(var + eps), "add_layer_norm on %s" % (shape,), rtol=1e-4,
              atol=1e-4)


def layer_norm_grad_add_cases(ctx, lib, rng):
    for (outer, n, inner) in [(6, 1, 1), (5, 37, 1), (3, 17, 5), (40, 301, 1), (2, 1024, 1)]:
        shape = (outer, n, inner)
        x = f32(rng.standard_normal(shape) * 2 - 1)
        dy = f32(rng.standard_normal(shape))
        r = f32(rng.standard_normal(shape) * 5)
        eps = 1e-5
        x64, dy64 = x.astype(np.float64), dy.astype(np.float64)
        mean = x64.mean(axis=1, keepdims=True)
        sigma = np.sqrt(((x64 - mean) ** 2).mean(axis=1, keepdims=True) + eps)
        y = (x64 - mean) / sigma
        want = (dy64 - dy64.mean(axis=1, keepdims=True) -
                y * (dy64 * y).mean(axis=1, keepdims=True)) / sigma + r.astype(np.float64)
        got = np.full(shape, np.nan, dtype=np.float32)
        lib.meshrt_layer_norm_grad_add(ctx.handle, outer, n, inner, eps, fptr(x), fptr(dy),
                                       fptr(r), fptr(got))
        ctx.check()
        close(got, want, "layer_norm_grad_add on %s" % (shape,), rtol=1e-4, atol=1e-4)
        inplace = r.copy()
        lib.meshrt_layer_norm_grad_add(ctx.handle, outer, n, inner, eps, fptr(x), fptr(dy),
                                       fptr(inplace), fptr(inplace))
        ctx.check()
        record(np.array_equal(inplace, got), "layer_norm_grad_add in place on %s" % (shape,),
               "differs from the out-of-place result")


def errors(rt, lib):
    """Refusals, each a status naming the problem (never a crash)."""
    x = f32(np.ones(8))

    def attempt(inputs, program, expect):
        with rt.context("x=1") as ctx:
            run_fused(ctx, lib, (8,), inputs, program)
            msg = ctx.message()
            record(ctx.status() == MESHRT_INVALID_ARGUMENT and expect in msg,
                   "error names '%s'" % expect, "got status %d: %s" % (ctx.status(), msg))

    attempt([(x, (1,))], [(99, 0, -1, 0.0)], "unknown kind 99")
    attempt([(x, (1,))], [("add", 0, 1, 0.0)], "reads value 1, not defined before it")
    attempt([(x, (1,))], [("relu", 0, 0, 0.0)], "takes one operand but names a second")
    attempt([(x, (1,))] * 17, [("relu", 0, -1, 0.0)], "n_inputs must be in [1, 16]")
    with rt.context("x=1") as ctx:
        lib.meshrt_add_layer_norm(ctx.handle, 2, 0, 1, 1e-5, *[fptr(x)] * 4)
        record(ctx.status() == MESHRT_INVALID_ARGUMENT and "n must be positive" in ctx.message(),
               "error names 'n must be positive'", ctx.message())
    with rt.context("x=1") as ctx:
        lib.meshrt_layer_norm_grad_add(ctx.handle, -1, 4, 1, 1e-5, *[fptr(x)] * 4)
        record(ctx.status() == MESHRT_INVALID_ARGUMENT, "layer_norm_grad_add refuses outer -1",
               ctx.message())


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--lib", required=True)
    args = p.parse_args()
    rt = Runtime(args.lib)
    declare(rt.lib)
    rng = np.random.default_rng(13)
    with rt.context("x=1") as ctx:
        fused_cases(ctx, rt.lib, rng)
        add_layer_norm_cases(ctx, rt.lib, rng)
        layer_norm_grad_add_cases(ctx, rt.lib, rng)
    errors(rt, rt.lib)
    rt.finalize()
    if failures:
        print("%d failure(s)" % len(failures))
        sys.exit(1)


if __name__ == "__main__":
    main()
