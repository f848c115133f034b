#!/usr/bin/env python3
"""halo_test.py — meshrt_halo_exchange and meshrt_halo_exchange_grad on every rank of a real
mpirun, against references written here in NumPy on the GLOBAL tensor.

Every rank makes the same global tensor [outer, P * local, inner] (seeded), takes its block along
the split dim, and checks what the runtime gave it against the global tensor padded with
edge_value at the two ends, cut at its own window [r * local, r * local + lo + local + hi). The
gradient's reference is its definition: every rank's window gradient (each rank can make them
all, seeded by rank) added into a padded global buffer at that window's place, padding dropped,
cut at the rank's block. The adjoint property <exchange(a), b> = <a, exchange_grad(b)> is
checked with sums over all ranks (meshrt_allreduce_sum). Meshes: x=P, and on 4 ranks both axes
of a=2,b=2 (the exchange must use the axis's communicator, not the world).

usage: halo_test.py --lib <libmeshrt.so> --ranks P   (under mpirun -n P)
"""
import argparse
import sys

try:
    import numpy as np
except ImportError:
    print("SKIP: this test needs NumPy (python3-numpy)")
    sys.exit(77)

from meshrt_ctypes import MESHRT_INVALID_ARGUMENT, Runtime

failures = []

# (outer, local, inner, lo, hi): lo != hi, one side empty, outer 1 (rows sent in place) and > 1
# (packed), a halo as deep as the block.
CASES = [(3, 5, 4, 2, 1), (1, 6, 3, 1, 2), (2, 4, 1, 0, 3), (4, 3, 2, 3, 0), (1, 1, 5, 1, 1),
         (2, 7, 3, 2, 2), (3, 4, 2, 4, 4)]


def record(ok, name, detail=""):
    if ok:
        print(f"ok   {name}", flush=True)
    else:
        failures.append(name)
        print(f"FAIL {name} {detail}", flush=True)


def global_tensor(seed, outer, p, local, inner):
    return np.random.default_rng(seed).standard_normal((outer, p * local, inner)).astype(
        np.float32)


def window_grad(seed, rank, outer, total, inner):
    return np.random.default_rng([seed, rank]).standard_normal((outer, total, inner)).astype(
        np.float32)


def run_mesh(rt, spec, axis, sizes, group_seed):
    p = sizes[axis]
    with rt.context(spec) as ctx:
        me = ctx.coord(axis)
        # Ranks of other groups along the other axis hold other tensors.
        seed = 1000 + 17 * group_seed(ctx)
        for outer, local, inner, lo, hi in CASES:
            name = f"{spec} axis {axis} [{outer}, {local}, {inner}] lo={lo} hi={hi}"
            total = lo + local + hi
            g = global_tensor(seed, outer, p, local, inner)
            mine = g[:, me * local:(me + 1) * local]
            for edge in (0.0, -np.inf):
                got = ctx.halo_exchange(axis, mine, lo, hi, edge)
                padded = np.concatenate([np.full((outer, lo, inner), edge, np.float32), g,
                                         np.full((outer, hi, inner), edge, np.float32)], axis=1)
                want = padded[:, me * local:me * local + total]
                record(np.array_equal(got, want), f"exchange {name} edge {edge}",
                       f"\ngot {got}\nwant {want}")
            # The gradient, by its definition.
            acc = np.zeros((outer, lo + p * local + hi, inner), np.float64)
            for r in range(p):
                acc[:, r * local:r * local + total] += window_grad(seed, r, outer, total, inner)
            want = acc[:, lo + me * local:lo + (me + 1) * local]
            got = ctx.halo_exchange_grad(axis, window_grad(seed, me, outer, total, inner), lo, hi)
            record(np.allclose(got, want, rtol=1e-6, atol=1e-6), f"exchange grad {name}",
                   f"\ngot {got}\nwant {want}")
            # The adjoint property on random data, summed over the axis's ranks.
            rng = np.random.default_rng([seed, me, 7])
            a = rng.standard_normal((outer, local, inner)).astype(np.float32)
            b = rng.standard_normal((outer, total, inner)).astype(np.float32)
            lhs = float(np.vdot(ctx.halo_exchange(axis, a, lo, hi, 0.0).astype(np.float64), b))
            rhs = float(np.vdot(a.astype(np.float64), ctx.halo_exchange_grad(axis, b, lo, hi)))
            lhs = ctx.allreduce_sum(lhs, 1 << axis)
            rhs = ctx.allreduce_sum(rhs, 1 << axis)
            record(abs(lhs - rhs) <= 1e-4 * max(1.0, abs(lhs)), f"adjoint {name}",
                   f"{lhs} != {rhs}")
        ctx.check()


def rejections(rt, p):
    for name, call, needle in [
        ("lo > local", lambda c: c.halo_exchange(0, np.zeros((1, 2, 3), np.float32), 3, 1, 0.0),
         "halo rows lo=3 and hi=1 must not exceed the local rows 2"),
        ("hi > local (grad)",
         lambda c: c.halo_exchange_grad(0, np.zeros((2, 1 + 2 + 3, 3), np.float32), 1, 3),
         "halo rows lo=1 and hi=3 must not exceed the local rows 2"),
        ("no such axis", lambda c: c.halo_exchange(1, np.zeros((1, 2, 3), np.float32), 1, 1, 0.0),
         "mesh axis 1 does not exist"),
    ]:
        with rt.context(f"x={p}") as ctx:
            call(ctx)
            status, message = ctx.status(), ctx.message()
        record(status == MESHRT_INVALID_ARGUMENT and needle in message,
               f"rejects {name}: {message}", f"status {status}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lib", required=True)
    parser.add_argument("--ranks", type=int, required=True)
    args = parser.parse_args()
    rt = Runtime(args.lib)
    p = args.ranks
    run_mesh(rt, f"x={p}", 0, [p], lambda ctx: 0)
    if p == 4:
        run_mesh(rt, "a=2,b=2", 0, [2, 2], lambda ctx: ctx.coord(1))
        run_mesh(rt, "a=2,b=2", 1, [2, 2], lambda ctx: ctx.coord(0))
    rejections(rt, p)
    rt.finalize()
    if failures:
        print(f"{len(failures)} FAILED", flush=True)
        return 1
    print("PASS", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
