#!/usr/bin/env python3
"""attention_test.py — meshrt_attention and meshrt_attention_grad (the fused attention) on every
rank of a real mpirun, against references written here in NumPy (float64) on the GLOBAL problem.

Every rank makes the same global q, k, v and dout (seeded), takes its block of the split dim,
runs the fused kernels on it, and checks out, lse, dq, dk and dv against the reference of its own
block: scores q k^T, the causal mask on GLOBAL positions, softmax over the keys, dropout, times v;
the backward by the chain rule (dk and dv summed over this rank's queries only). The dropout mask
is meshrt_dropout's on the probabilities' slice (the mask the unfused program draws; its own
formula is checked by tests/runtime), so fused and unfused programs must agree element by
element. Sizes cross the kernels' query (64) and key (256) blocks and are odd elsewhere. The
probabilities' dim order varies (query dim first in one case), which changes the global indices
of the dropout draws and the order of the flattened `outer` dims.

usage: attention_test.py --lib <libmeshrt.so> --ranks P   (under mpirun -n P)
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


def record(ok, name, detail=""):
    print(("ok   %s" if ok else "FAIL %s " + detail) % name, flush=True)
    if not ok:
        failures.append(name)


def declare(lib):
    head = [CTX, ctypes.c_int32, I64P, I32P, ctypes.c_int32, ctypes.c_int32, ctypes.c_int64,
            ctypes.c_int64, ctypes.c_int32, ctypes.c_uint64, ctypes.c_int64, ctypes.c_float]
    lib.meshrt_attention.argtypes = head + [F32P] * 5
    lib.meshrt_attention_grad.argtypes = head + [F32P] * 9
    lib.meshrt_dropout.argtypes = [CTX, ctypes.c_int32, I64P, I32P, ctypes.c_uint64,
                                   ctypes.c_int64, ctypes.c_float, F32P, F32P]


class Case:
    """The probabilities P: dims (name, global size) in P's order, which are query and key, the
    one split over mesh axis 0 (or None); d, dv, causal, dropout rate."""

    def __init__(self, name, dims, query, key, split, d, dv, causal, rate):
        self.name, self.dims, self.query, self.key, self.split = name, dims, query, key, split
        self.d, self.dv, self.causal, self.rate = d, dv, causal, rate


CASES = [
    Case("causal, heads split", [("batch", 2), ("heads", 4), ("q", 37), ("k", 37)], "q", "k",
         "heads", 5, 7, True, 0.0),
    Case("causal + dropout, heads split", [("batch", 2), ("heads", 4), ("q", 37), ("k", 37)],
         "q", "k", "heads", 5, 7, True, 0.25),
    Case("blocks crossed, query split", [("heads", 2), ("q", 132), ("k", 300)], "q", "k", "q",
         6, 3, False, 0.0),
    Case("causal + dropout, query split", [("batch", 1), ("heads", 2), ("q", 132), ("k", 132)],
         "q", "k", "q", 4, 4, True, 0.1),
    Case("query dim first + dropout, heads split", [("q", 70), ("heads", 4), ("k", 70)], "q",
         "k", "heads", 3, 5, True, 0.3),
    Case("key blocks, batch split", [("batch", 4), ("q", 65), ("k", 513)], "q", "k", "batch",
         8, 8, False, 0.2),
]


def reference(c, q, k, v, dout, mask, q_offset):
    """out, lse, dq, dk, dv (float64) of one rank's block, canonical [outer, sq, .] arrays; mask
    [outer, sq, sk] of dropout factors (0 or 1 / (1 - rate))."""
    q, k, v, dout = (a.astype(np.float64) for a in (q, k, v, dout))
    s = q @ k.transpose(0, 2, 1)
    sq, sk = s.shape[1], s.shape[2]
    visible = np.ones((sq, sk), bool)
    if c.causal:
        visible = np.arange(sk)[None, :] <= (q_offset + np.arange(sq))[:, None]
    s = np.where(visible, s, -np.inf)
    m = s.max(axis=2, keepdims=True)
    e = np.exp(s - m)
    lse = (np.log(e.sum(axis=2, keepdims=True)) + m)[..., 0]
    p = e / e.sum(axis=2, keepdims=True)
    pd = p * mask
    out = pd @ v
    dv = pd.transpose(0, 2, 1) @ dout
    dp = (dout @ v.transpose(0, 2, 1)) * mask
    ds = p * (dp - (p * dp).sum(axis=2, keepdims=True))
    return out, lse, ds @ k, ds.transpose(0, 2, 1) @ q, dv


def close(name, got, want):
    err = np.abs(got.astype(np.float64) - want)
    bound = 2e-5 * max(1.0, float(np.abs(want).max()))
    ok = bool(np.all(np.isfinite(got))) and float(err.max()) <= bound
    record(ok, name, "max |err| %.3g > %.3g" % (float(err.max()), bound))


def run_case(ctx, lib, c, ranks, coord):
    names = [n for n, _ in c.dims]
    sizes = dict(c.dims)
    qd, kd = names.index(c.query), names.index(c.key)
    others = [n for n in names if n not in (c.query, c.key)]
    rng = np.random.default_rng(7)
    gq = rng.standard_normal([sizes[n] for n in others] + [sizes[c.query], c.d])
    gk = rng.standard_normal([sizes[n] for n in others] + [sizes[c.key], c.d])
    gv = rng.standard_normal([sizes[n] for n in others] + [sizes[c.key], c.dv])
    gdo = rng.standard_normal([sizes[n] for n in others] + [sizes[c.query], c.dv])

    # This rank's block of the split dim, in the canonical arrays and in P.
    local = dict(sizes)
    start = 0
    if c.split is not None:
        local[c.split] = sizes[c.split] // ranks
        start = coord * local[c.split]
    def block(a, query_axis_is_split):
        if c.split is None:
            return a
        if c.split == c.query:
            return a.take(range(start, start + local[c.query]), axis=len(others)) \
                if query_axis_is_split else a
        return a.take(range(start, start + local[c.split]), axis=others.index(c.split))
    q, k, v, dout = block(gq, True), block(gk, False), block(gv, False), block(gdo, True)
    outer = int(np.prod([local[n] for n in others])) if others else 1
    sq, sk = local[c.query], local[c.key]
    q, k, v, dout = (f32(a.reshape(outer, a.shape[-2], a.shape[-1])) for a in (q, k, v, dout))

    shape = (ctypes.c_int64 * len(names))(*[sizes[n] for n in names])
    axes = (ctypes.c_int32 * len(names))(*[0 if n == c.split else -1 for n in names])
    key_id, step = 12345, 3
    # The unfused program's dropout mask on P's slice (P order), made canonical.
    ones = np.ones([local[n] for n in names], np.float32)
    mask = np.full(ones.shape, np.nan, np.float32)
    lib.meshrt_dropout(ctx.handle, len(names), shape, axes, key_id, step, c.rate, fptr(ones),
                       fptr(mask))
    perm = [names.index(n) for n in others] + [qd, kd]
    mask = mask.transpose(perm).reshape(outer, sq, sk)

    out = np.full((outer, sq, c.dv), np.nan, np.float32)
    lse = np.full((outer, sq), np.nan, np.float32)
    args = (ctx.handle, len(names), shape, axes, qd, kd, c.d, c.dv, int(c.causal), key_id, step,
            c.rate)
    lib.meshrt_attention(*args, fptr(q), fptr(k), fptr(v), fptr(out), fptr(lse))
    dq, dk, dvv = (np.full(a.shape, np.nan, np.float32) for a in (q, k, v))
    lib.meshrt_attention_grad(*args, fptr(q), fptr(k), fptr(v), fptr(out), fptr(lse),
                              fptr(dout), fptr(dq), fptr(dk), fptr(dvv))
    if ctx.status() != 0:
        record(False, c.name, "runtime error: " + ctx.message())
        return
    q_offset = start if c.split == c.query else 0
    want = reference(c, q, k, v, dout, mask.astype(np.float64), q_offset)
    for what, got, ref in zip(("out", "lse", "dq", "dk", "dv"), (out, lse, dq, dk, dvv), want):
        close("%s: %s (rank %d of %d)" % (c.name, what, coord, ranks), got, ref)
    if c.rate > 0:
        kept = float((mask > 0).mean())
        record(abs(kept - (1 - c.rate)) < 0.1, "%s: dropout keeps ~%.2f (%.3f)" %
               (c.name, 1 - c.rate, kept))


def errors(rt, lib, ranks):
    """Refusals, each a status naming the problem (never a crash)."""
    def attempt(spec, dims, axes_list, qd, kd, d, rate, expect):
        with rt.context(spec) as ctx:
            shape = (ctypes.c_int64 * len(dims))(*dims)
            axes = (ctypes.c_int32 * len(dims))(*axes_list)
            buf = np.zeros(4096, np.float32)
            lib.meshrt_attention(ctx.handle, len(dims), shape, axes, qd, kd, d, 2, 1, 0, 0, rate,
                                 *[fptr(buf)] * 5)
            msg = ctx.message()
            record(ctx.status() == MESHRT_INVALID_ARGUMENT and expect in msg,
                   "error names '%s'" % expect, "got status %d: %s" % (ctx.status(), msg))
    if ranks > 1:
        attempt("x=%d" % ranks, [2, 4, 4], [-1, -1, 0], 1, 2, 2, 0.0, "must be whole")
    attempt("x=%d" % ranks, [2, 4, 4], [-1, -1, -1], 1, 1, 2, 0.0, "two different dims")
    attempt("x=%d" % ranks, [2, 4, 4], [-1, -1, -1], 1, 2, 0, 0.0, "must be positive")
    attempt("x=%d" % ranks, [2, 4, 4], [-1, -1, -1], 1, 2, 2, 1.0, "outside [0, 1)")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--lib", required=True)
    p.add_argument("--ranks", type=int, required=True)
    args = p.parse_args()
    rt = Runtime(args.lib)
    declare(rt.lib)
    with rt.context("x=%d" % args.ranks) as ctx:
        coord = ctx.coord(0)
        for c in CASES:
            if c.split is not None and dict(c.dims)[c.split] % args.ranks:
                continue
            run_case(ctx, rt.lib, c, args.ranks, coord)
    errors(rt, rt.lib, args.ranks)
    rt.finalize()
    if failures:
        print("%d failure(s)" % len(failures))
        sys.exit(1)


if __name__ == "__main__":
    main()
