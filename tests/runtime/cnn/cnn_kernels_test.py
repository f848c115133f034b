#!/usr/bin/env python3
"""cnn_kernels_test.py — the CNN family's kernels (convolution forward / backward data /
backward weights, with meshc-fuse-conv's bias (+ relu) and bias-gradient forms, max and average
pooling and their adjoints, batch norm and its gradient)
against references written here in NumPy, independently of the runtime: direct sums over the
windows of an explicitly padded input, in float64.

Cases: 1-D, 2-D and 3-D, odd sizes, strides 1 and 2, dilation 2, same / valid / asymmetric
explicit padding, the Fashion-MNIST CNN's shapes, max-pooling ties, empty sums; each kernel is
called twice per shape (the second call runs the cached primitive), and bad geometries must be
refused with a status naming the problem.

usage: cnn_kernels_test.py --lib <libmeshrt.so>   (under mpirun -n 1)
"""
import argparse
import itertools
import sys

try:
    import numpy as np
except ImportError:
    print("SKIP: this test needs NumPy (python3-numpy)")
    sys.exit(77)

from meshrt_ctypes import MESHRT_INVALID_ARGUMENT, POOL_AVG, POOL_MAX, Runtime

RNG = np.random.default_rng(12)


# ---- references --------------------------------------------------------------------------------
def out_size(s, k, stride, dil, lo, hi):
    return (s + lo + hi - dil * (k - 1) - 1) // stride + 1


def pad(x, lo, hi, value):
    nsp = x.ndim - 2
    return np.pad(x, [(0, 0), (0, 0)] + [(lo[i], hi[i]) for i in range(nsp)],
                  constant_values=value)


def window_slices(j, out, stride, dil):
    """The positions window element j reads for every output position: one strided slice per
    spatial dim of the padded input."""
    return (slice(None), slice(None)) + tuple(
        slice(j[i] * dil[i], j[i] * dil[i] + stride[i] * (out[i] - 1) + 1, stride[i])
        for i in range(len(j)))


def conv_ref(x, w, stride, dil, lo, hi):
    xp = pad(x.astype(np.float64), lo, hi, 0.0)
    k = w.shape[2:]
    out = [out_size(x.shape[2 + i], k[i], stride[i], dil[i], lo[i], hi[i]) for i in range(len(k))]
    y = np.zeros((x.shape[0], w.shape[0]) + tuple(out))
    for j in np.ndindex(*k):
        patch = xp[window_slices(j, out, stride, dil)]
        y += np.einsum("nc...,fc->nf...", patch, w[(slice(None), slice(None)) + j])
    return y


def conv_backward_data_ref(x_shape, w, dy, stride, dil, lo, hi):
    nsp = len(x_shape) - 2
    xp = np.zeros(x_shape[:2] + tuple(x_shape[2 + i] + lo[i] + hi[i] for i in range(nsp)))
    out = dy.shape[2:]
    for j in np.ndindex(*w.shape[2:]):
        xp[window_slices(j, out, stride, dil)] += np.einsum(
            "nf...,fc->nc...", dy, w[(slice(None), slice(None)) + j])
    return xp[(slice(None), slice(None)) +
              tuple(slice(lo[i], lo[i] + x_shape[2 + i]) for i in range(nsp))]


def conv_backward_weights_ref(x, w_shape, dy, stride, dil, lo, hi):
    xp = pad(x.astype(np.float64), lo, hi, 0.0)
    dw = np.zeros(w_shape)
    out = dy.shape[2:]
    for j in np.ndindex(*w_shape[2:]):
        patch = xp[window_slices(j, out, stride, dil)]
        summed = [0] + list(range(2, patch.ndim))  # n and the output positions
        dw[(slice(None), slice(None)) + j] = np.tensordot(dy, patch, axes=(summed, summed))
    return dw


def pool_ref(kind, x, window, stride, lo, hi):
    nsp = x.ndim - 2
    ones = [1] * nsp
    xp = pad(x.astype(np.float64), lo, hi, -np.inf if kind == POOL_MAX else 0.0)
    out = [out_size(x.shape[2 + i], window[i], stride[i], 1, lo[i], hi[i]) for i in range(nsp)]
    patches = np.stack([xp[window_slices(j, out, stride, ones)] for j in np.ndindex(*window)])
    if kind == POOL_MAX:
        return patches.max(axis=0)
    return patches.sum(axis=0) / np.prod(window)


def pool_backward_ref(kind, x, dy, window, stride, lo, hi):
    nsp = x.ndim - 2
    ones = [1] * nsp
    xp = pad(x.astype(np.float64), lo, hi, -np.inf if kind == POOL_MAX else 0.0)
    dxp = np.zeros(xp.shape)
    out = dy.shape[2:]
    positions = list(np.ndindex(*window))
    if kind == POOL_MAX:
        # np.argmax takes the first maximum: window order, as the ABI promises.
        first = np.stack([xp[window_slices(j, out, stride, ones)] for j in positions]).argmax(0)
    for idx, j in enumerate(positions):
        share = dy * (first == idx) if kind == POOL_MAX else dy / np.prod(window)
        dxp[window_slices(j, out, stride, ones)] += share
    return dxp[(slice(None), slice(None)) +
               tuple(slice(lo[i], lo[i] + x.shape[2 + i]) for i in range(nsp))]


def batch_norm_ref(x, mean, var, scale, shift, eps):
    b = lambda v: v.astype(np.float64)[None, :, None]
    return (x - b(mean)) / np.sqrt(b(var) + eps) * b(scale) + b(shift)


def batch_norm_grad_ref(x, mean, var, scale, dy, eps):
    x, dy = x.astype(np.float64), dy.astype(np.float64)
    rstd = 1.0 / np.sqrt(var.astype(np.float64) + eps)
    xhat = (x - mean[None, :, None]) * rstd[None, :, None]
    y_of = lambda m, v: (x - m[None, :, None]) / np.sqrt(v[None, :, None] + eps)
    dx = dy * (scale * rstd)[None, :, None]
    dscale = (dy * xhat).sum(axis=(0, 2))
    dshift = dy.sum(axis=(0, 2))
    # The statistics' gradients by central differences of sum(dy * y) in float64, so that this
    # reference does not repeat the runtime's closed forms.
    h = 1e-6
    dmean = np.empty_like(dshift)
    dvar = np.empty_like(dshift)
    m64, v64 = mean.astype(np.float64), var.astype(np.float64)
    for c in range(len(mean)):
        e = np.zeros_like(m64)
        e[c] = h
        f = lambda m, v: (dy * y_of(m, v) * scale.astype(np.float64)[None, :, None]).sum()
        dmean[c] = (f(m64 + e, v64) - f(m64 - e, v64)) / (2 * h)
        dvar[c] = (f(m64, v64 + e) - f(m64, v64 - e)) / (2 * h)
    return dx, dmean, dvar, dscale, dshift


# ---- checks ------------------------------------------------------------------------------------
failures = []


def close(name, got, want, rtol=2e-4):
    want = np.asarray(want, dtype=np.float64)
    scale = max(1.0, float(np.abs(want[np.isfinite(want)]).max(initial=0.0)))
    try:
        np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * scale)
    except AssertionError as e:
        failures.append(f"{name}: {e}")
        print(f"FAIL {name}\n{e}", flush=True)
        return
    print(f"ok   {name}", flush=True)


def expect_error(rt, name, call, needle):
    with rt.context("x=1") as ctx:
        call(ctx)
        status, message = ctx.status(), ctx.message()
    if status != MESHRT_INVALID_ARGUMENT or needle not in message:
        failures.append(f"{name}: status {status} message {message!r}, expected {needle!r}")
        print(f"FAIL {name}: status {status} message {message!r}", flush=True)
    else:
        print(f"ok   {name}: {message}", flush=True)


# (name, N, C, F, spatial sizes, kernel, stride, dilation, pad_lo, pad_hi)
CONV_CASES = [
    ("1d same", 2, 3, 4, [11], [3], [1], [1], [1], [1]),
    ("1d stride2 dil2 asym", 3, 2, 5, [10], [4], [2], [2], [2], [1]),
    ("2d valid odd", 3, 2, 5, [9, 7], [2, 3], [1, 2], [1, 1], [0, 0], [0, 0]),
    ("2d stride2 dil2 explicit", 2, 3, 4, [9, 8], [3, 3], [2, 1], [1, 2], [0, 2], [1, 1]),
    ("2d same 3x5", 2, 3, 2, [7, 9], [3, 5], [1, 1], [1, 1], [1, 2], [1, 2]),
    ("2d same stride2 even", 2, 2, 3, [8, 8], [3, 3], [2, 2], [1, 1], [0, 0], [1, 1]),
    ("3d", 2, 2, 3, [5, 6, 7], [3, 2, 3], [1, 2, 2], [1, 1, 2], [1, 0, 2], [1, 1, 1]),
    ("fmnist conv1", 8, 1, 32, [28, 28], [3, 3], [1, 1], [1, 1], [1, 1], [1, 1]),
    ("fmnist conv2", 8, 32, 64, [14, 14], [3, 3], [1, 1], [1, 1], [1, 1], [1, 1]),
    # Channels >= 16 take oneDNN's blocked formats (conv.cpp): odd counts leave partial blocks.
    ("blocked odd channels", 3, 17, 19, [9, 7], [3, 2], [2, 1], [1, 2], [1, 0], [0, 1]),
    ("blocked 3d", 2, 16, 33, [5, 4, 6], [3, 3, 2], [1, 2, 1], [1, 1, 1], [1, 1, 0], [1, 0, 1]),
]

# (name, kind, N, C, spatial sizes, window, stride, pad_lo, pad_hi)
POOL_CASES = [
    ("1d max 2/2", POOL_MAX, 2, 3, [9], [2], [2], [0], [1]),
    ("1d avg 3/1 pad", POOL_AVG, 2, 3, [9], [3], [1], [1], [1]),
    ("2d max 2/2", POOL_MAX, 3, 4, [8, 6], [2, 2], [2, 2], [0, 0], [0, 0]),
    ("2d max 3/2 pad", POOL_MAX, 2, 3, [9, 7], [3, 3], [2, 2], [1, 1], [1, 1]),
    ("2d avg 3/2 asym", POOL_AVG, 2, 3, [9, 8], [3, 2], [2, 1], [1, 0], [0, 1]),
    ("2d avg 2/2", POOL_AVG, 3, 2, [6, 10], [2, 2], [2, 2], [0, 0], [0, 0]),
    ("3d max", POOL_MAX, 2, 2, [5, 6, 7], [2, 3, 2], [2, 1, 2], [0, 1, 1], [1, 1, 0]),
    ("3d avg", POOL_AVG, 2, 2, [5, 6, 7], [3, 2, 2], [1, 2, 2], [1, 0, 0], [1, 0, 1]),
    ("fmnist pool", POOL_MAX, 8, 32, [28, 28], [2, 2], [2, 2], [0, 0], [0, 0]),
]


def conv_tests(rt):
    for name, n, c, f, s, k, stride, dil, lo, hi in CONV_CASES:
        nsp = len(s)
        x = RNG.standard_normal([n, c] + s).astype(np.float32)
        w = RNG.standard_normal([f, c] + k).astype(np.float32)
        o = [out_size(s[i], k[i], stride[i], dil[i], lo[i], hi[i]) for i in range(nsp)]
        dy = RNG.standard_normal([n, f] + o).astype(np.float32)
        geometry = stride + dil + lo + hi
        with rt.context("x=1") as ctx:
            for attempt in ("", " (cached)"):
                close(f"conv forward {name}{attempt}", ctx.conv_forward(x, w, dy.shape, geometry),
                      conv_ref(x, w, stride, dil, lo, hi))
                close(f"conv backward data {name}{attempt}",
                      ctx.conv_backward_data(x.shape, w, dy, geometry),
                      conv_backward_data_ref(x.shape, w, dy, stride, dil, lo, hi))
                close(f"conv backward weights {name}{attempt}",
                      ctx.conv_backward_weights(x, w.shape, dy, geometry),
                      conv_backward_weights_ref(x, w.shape, dy, stride, dil, lo, hi))
            ctx.check()
    # No input channels: every sum is empty, the outputs are zeros (not left unwritten).
    with rt.context("x=1") as ctx:
        x = np.zeros((2, 0, 5), np.float32)
        w = np.zeros((3, 0, 3), np.float32)
        close("conv forward no input channels", ctx.conv_forward(x, w, (2, 3, 5), [1, 1, 1, 1]),
              np.zeros((2, 3, 5)))
        dy = RNG.standard_normal((2, 0, 5)).astype(np.float32)
        close("conv backward data no output channels",
              ctx.conv_backward_data((2, 4, 5), np.zeros((0, 4, 3), np.float32), dy,
                                     [1, 1, 1, 1]), np.zeros((2, 4, 5)))
        ctx.check()


def conv_fusion_tests(rt):
    """meshc-fuse-conv's kernels: the forward with a bias (and relu), against conv_ref plus the
    bias broadcast along N and the spatial dims; backward weights with the bias gradient, against
    conv_backward_weights_ref and dy summed over all but F. Every case of CONV_CASES (plain and
    blocked formats), twice (the cached primitive), then empty sums."""
    for name, n, c, f, s, k, stride, dil, lo, hi in CONV_CASES:
        nsp = len(s)
        x = RNG.standard_normal([n, c] + s).astype(np.float32)
        w = RNG.standard_normal([f, c] + k).astype(np.float32)
        b = RNG.standard_normal([f]).astype(np.float32)
        o = [out_size(s[i], k[i], stride[i], dil[i], lo[i], hi[i]) for i in range(nsp)]
        dy = RNG.standard_normal([n, f] + o).astype(np.float32)
        geometry = stride + dil + lo + hi
        biased = conv_ref(x, w, stride, dil, lo, hi) + b.reshape([1, f] + [1] * nsp)
        with rt.context("x=1") as ctx:
            for attempt in ("", " (cached)"):
                close(f"conv + bias {name}{attempt}",
                      ctx.conv_bias_act_forward(x, w, b, 0, dy.shape, geometry), biased)
                close(f"conv + bias + relu {name}{attempt}",
                      ctx.conv_bias_act_forward(x, w, b, 1, dy.shape, geometry),
                      np.maximum(biased, 0.0))
                dw, db = ctx.conv_backward_weights_bias(x, w.shape, dy, geometry)
                close(f"conv backward weights with bias: dw {name}{attempt}", dw,
                      conv_backward_weights_ref(x, w.shape, dy, stride, dil, lo, hi))
                close(f"conv backward weights with bias: db {name}{attempt}", db,
                      dy.astype(np.float64).sum(axis=tuple(i for i in range(dy.ndim) if i != 1)))
            ctx.check()
    # No input channels: the sums are empty, so y is the bias (relu'd) and dw zero; db still
    # sums dy.
    with rt.context("x=1") as ctx:
        x = np.zeros((2, 0, 5), np.float32)
        w = np.zeros((3, 0, 3), np.float32)
        b = np.array([0.5, -1.0, 2.0], np.float32)
        close("conv + bias + relu no input channels",
              ctx.conv_bias_act_forward(x, w, b, 1, (2, 3, 5), [1, 1, 1, 1]),
              np.broadcast_to(np.maximum(b, 0).reshape(1, 3, 1), (2, 3, 5)))
        dy = RNG.standard_normal((2, 3, 5)).astype(np.float32)
        dw, db = ctx.conv_backward_weights_bias(x, (3, 0, 3), dy, [1, 1, 1, 1])
        close("conv backward weights with bias no input channels: db", db,
              dy.astype(np.float64).sum(axis=(0, 2)))
        ctx.check()
    x = np.zeros((2, 3, 9, 9), np.float32)
    w = np.zeros((4, 3, 3, 3), np.float32)
    expect_error(rt, "conv + bias: relu flag not 0 or 1",
                 lambda ctx: ctx.conv_bias_act_forward(x, w, np.zeros(4, np.float32), 2,
                                                       (2, 4, 9, 9), [1, 1, 1, 1, 1, 1, 1, 1]),
                 "relu must be 0 or 1, not 2")
    expect_error(rt, "conv backward weights with bias: wrong output size",
                 lambda ctx: ctx.conv_backward_weights_bias(
                     x, w.shape, np.zeros((2, 4, 8, 9), np.float32), [1, 1, 1, 1, 1, 1, 1, 1]),
                 "output size 8 along spatial dim 0 should be 9")


def pool_tests(rt):
    for name, kind, n, c, s, window, stride, lo, hi in POOL_CASES:
        nsp = len(s)
        x = RNG.standard_normal([n, c] + s).astype(np.float32)
        o = [out_size(s[i], window[i], stride[i], 1, lo[i], hi[i]) for i in range(nsp)]
        dy = RNG.standard_normal([n, c] + o).astype(np.float32)
        geometry = window + stride + lo + hi
        with rt.context("x=1") as ctx:
            for attempt in ("", " (cached)"):
                close(f"pool forward {name}{attempt}",
                      ctx.pool_forward(kind, x, dy.shape, geometry),
                      pool_ref(kind, x, window, stride, lo, hi))
                close(f"pool backward {name}{attempt}",
                      ctx.pool_backward(kind, x, dy, geometry),
                      pool_backward_ref(kind, x, dy, window, stride, lo, hi))
            ctx.check()
    # Ties: values from {0, 1, 2} make most windows hold their maximum more than once (and
    # overlapping windows share them); the gradient goes to the first one in window order.
    for name, s, window, stride, lo, hi in [("2d ties 2/2", [6, 8], [2, 2], [2, 2], [0, 0], [0, 0]),
                                            ("2d ties 3/1", [7, 7], [3, 3], [1, 1], [1, 1], [1, 1]),
                                            ("1d ties 3/2", [11], [3], [2], [0], [0])]:
        nsp = len(s)
        x = RNG.integers(0, 3, [2, 3] + s).astype(np.float32)
        o = [out_size(s[i], window[i], stride[i], 1, lo[i], hi[i]) for i in range(nsp)]
        dy = RNG.standard_normal([2, 3] + o).astype(np.float32)
        geometry = window + stride + lo + hi
        with rt.context("x=1") as ctx:
            close(f"pool backward max {name}", ctx.pool_backward(POOL_MAX, x, dy, geometry),
                  pool_backward_ref(POOL_MAX, x, dy, window, stride, lo, hi))
            ctx.check()


def batch_norm_tests(rt):
    for n, c, s, eps in [(3, 5, 7, 1e-5), (4, 3, 1, 1e-3), (1, 6, 13, 0.1), (8, 32, 196, 1e-5)]:
        x = (RNG.standard_normal((n, c, s)) * 2 + 0.5).astype(np.float32)
        mean = RNG.standard_normal(c).astype(np.float32)
        var = RNG.uniform(0.2, 3.0, c).astype(np.float32)
        scale = RNG.standard_normal(c).astype(np.float32)
        shift = RNG.standard_normal(c).astype(np.float32)
        dy = RNG.standard_normal((n, c, s)).astype(np.float32)
        name = f"[{n}, {c}, {s}] eps {eps}"
        with rt.context("x=1") as ctx:
            for attempt in ("", " (cached)"):
                close(f"batch norm {name}{attempt}",
                      ctx.batch_norm(x, mean, var, scale, shift, eps),
                      batch_norm_ref(x, mean, var, scale, shift, eps))
                got = ctx.batch_norm_grad(x, mean, var, scale, dy, eps)
                want = batch_norm_grad_ref(x, mean, var, scale, dy, eps)
                for label, g, w in zip(("dx", "dmean", "dvar", "dscale", "dshift"), got, want):
                    close(f"batch norm grad {label} {name}{attempt}", g, w, rtol=1e-3)
            ctx.check()


def error_tests(rt):
    x = np.zeros((2, 3, 9, 9), np.float32)
    w = np.zeros((4, 3, 3, 3), np.float32)
    expect_error(rt, "conv wrong output size",
                 lambda ctx: ctx.conv_forward(x, w, (2, 4, 8, 9), [1, 1, 1, 1, 1, 1, 1, 1]),
                 "output size 8 along spatial dim 0 should be 9")
    expect_error(rt, "conv channel mismatch",
                 lambda ctx: ctx.conv_forward(x, np.zeros((4, 2, 3, 3), np.float32),
                                              (2, 4, 9, 9), [1, 1, 1, 1, 1, 1, 1, 1]),
                 "differ in the input channels")
    expect_error(rt, "conv stride 0",
                 lambda ctx: ctx.conv_forward(x, w, (2, 4, 9, 9), [0, 1, 1, 1, 1, 1, 1, 1]),
                 "stride 0 along spatial dim 0 must be at least 1")
    expect_error(rt, "conv dilation 0 (0 is not oneDNN's 'none' here)",
                 lambda ctx: ctx.conv_forward(x, w, (2, 4, 9, 9), [1, 1, 0, 1, 1, 1, 1, 1]),
                 "dilation 0 along spatial dim 0 must be at least 1")
    expect_error(rt, "conv window larger than the input",
                 lambda ctx: ctx.conv_forward(np.zeros((1, 1, 2), np.float32),
                                              np.zeros((1, 1, 5), np.float32), (1, 1, 1),
                                              [1, 1, 0, 0]),
                 "is larger than input size 2")
    expect_error(rt, "pool bad kind",
                 lambda ctx: ctx.pool_forward(7, x, (2, 3, 4, 4), [2, 2, 2, 2, 0, 0, 0, 0]),
                 "kind 7 is not a meshrt_pool_kind")
    expect_error(rt, "pool channels differ",
                 lambda ctx: ctx.pool_forward(POOL_MAX, x, (2, 4, 4, 4), [2, 2, 2, 2, 0, 0, 0, 0]),
                 "differ in the channels")
    expect_error(rt, "batch norm negative epsilon",
                 lambda ctx: ctx.batch_norm(*(np.zeros((2, 3, 4), np.float32),) +
                                            tuple(np.ones(3, np.float32) for _ in range(4)), -1.0),
                 "epsilon -1 must be finite and not negative")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lib", required=True)
    args = parser.parse_args()
    rt = Runtime(args.lib)
    conv_tests(rt)
    conv_fusion_tests(rt)
    pool_tests(rt)
    batch_norm_tests(rt)
    error_tests(rt)
    rt.finalize()
    if failures:
        print(f"{len(failures)} FAILED", flush=True)
        return 1
    print("PASS", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
