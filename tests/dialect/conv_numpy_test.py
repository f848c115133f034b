#!/usr/bin/python3
"""conv_numpy_test.py --tool meshc-interpret --workdir DIR

The reference interpreter's Conv family (tests/support/InterpreterConv.cpp) against NumPy,
written here independently: windows as gathered patches of the padded input (fancy indexing),
adjoints as scatter-adds (np.add.at), batch norm's backward in its closed form. Each case is a
small global program run by meshc-interpret after meshc-autodiff: its meshc.prediction values
(the forward op) and its parameter gradients of loss = sum(y * r) (the adjoint ops, and for
batch norm the whole composed gradient) are compared with NumPy's. Exit 77 without NumPy.
"""
import argparse
import os
import shutil
import subprocess
import sys

try:
    import numpy as np
except ImportError:
    print("SKIP: NumPy is not installed (python3-numpy)")
    sys.exit(77)

RNG = np.random.default_rng(12)


def tensor(dims):
    return "!meshc.tensor<" + ", ".join(f"{n}={s}" for n, s in dims) + ", f32>"


def strs(names):
    return "[" + ", ".join(f'"{n}"' for n in names) + "]"


def ints(values):
    return "array<i64: " + ", ".join(str(v) for v in values) + ">"


def program(ops, feeds, y_name, y_dims):
    """The function: params/inputs for `feeds` (name -> dims; names starting with 'r' are inputs),
    the ops, y predicted, and loss = sum(y * r) minimized."""
    lines = []
    for name, dims in feeds.items():
        kind = "input" if name == "r" else "param"
        init = "features {classes = 1}" if kind == "input" else "normal {scale = 1.0}"
        lines.append(f'%{name} = meshc.{kind} "{name}" {init} : {tensor(dims)}')
    lines += ops
    t = tensor(y_dims)
    lines += [f'meshc.prediction "y", %{y_name} : {t}',
              f"%yr = meshc.mul %{y_name}, %r : {t}, {t} -> {t}",
              f"%loss = meshc.reduce_sum %yr : {t} -> !meshc.tensor<f32>",
              "meshc.minimize sgd %loss {learning_rate = 0.1} : !meshc.tensor<f32>"]
    return "module {\n  func.func @step() {\n    " + "\n    ".join(lines) + "\n    return\n  }\n}\n"


def interpret(tool, workdir, case, text, values):
    """Runs meshc-interpret on `text` with `values` (name -> array); returns (y, gradients)."""
    d = os.path.join(workdir, case)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    with open(os.path.join(d, "program.mlir"), "w") as f:
        f.write(text)
    for name, value in values.items():
        np.ascontiguousarray(value, dtype="<f8").tofile(os.path.join(d, name + ".f64"))
    run = subprocess.run([tool, os.path.join(d, "program.mlir"), d, "--autodiff"],
                         capture_output=True, text=True, timeout=300)
    if run.returncode != 0:
        raise AssertionError(f"{case}: meshc-interpret failed: {run.stderr.strip()}")

    def read(name, like):
        return np.fromfile(os.path.join(d, name + ".f64"), dtype="<f8").reshape(like.shape)
    return read, d


def window_index(out, k, s, d):
    """Per spatial axis a, the padded-input positions o*s + j*d as an array broadcast over
    [O1..On, K1..Kn] (O_a at axis a, K_a at axis n + a)."""
    n = len(out)
    index = []
    for a in range(n):
        shape = [1] * (2 * n)
        shape[a], shape[n + a] = out[a], k[a]
        pos = np.arange(out[a])[:, None] * s[a] + np.arange(k[a])[None, :] * d[a]
        index.append(pos.reshape(shape))
    return tuple(index)


def patches(x, out, k, s, d, lo, hi, fill):
    """[N, C, O..., K...]: the window taps of x [N, C, S...] padded with `fill`."""
    xp = np.pad(x, [(0, 0), (0, 0)] + list(zip(lo, hi)), constant_values=fill)
    return xp[(slice(None), slice(None)) + window_index(out, k, s, d)]


def scatter(g, in_sizes, out, k, s, d, lo, hi):
    """The adjoint of `patches`: adds g [N, C, O..., K...] onto the taps, crops the padding."""
    n, c = g.shape[:2]
    xp = np.zeros([n, c] + [i + l + h for i, l, h in zip(in_sizes, lo, hi)])
    np.add.at(xp, (slice(None), slice(None)) + window_index(out, k, s, d), g)
    return xp[(slice(None), slice(None)) + tuple(slice(l, l + i) for l, i in zip(lo, in_sizes))]


def out_sizes(in_sizes, k, s, d, lo, hi):
    return [(i + l + h - dd * (kk - 1) - 1) // ss + 1
            for i, kk, ss, dd, l, h in zip(in_sizes, k, s, d, lo, hi)]


def letters(n):
    return "opq"[:n], "jkl"[:n]


def check(case, name, got, want, failures):
    if got.shape != want.shape or not np.allclose(got, want, rtol=1e-9, atol=1e-9):
        err = np.max(np.abs(got - want)) if got.shape == want.shape else "shape"
        failures.append(f"{case}: {name} differs from NumPy (max error {err})")


def conv_case(tool, workdir, case, spatial, in_sizes, k, s, d, lo, hi, failures,
              transpose=False):
    n_, c_, f_ = 2, 3, 2
    nsp = len(spatial)
    out = out_sizes(in_sizes, k, s, d, lo, hi)
    osp = ["o" + a for a in spatial]
    ksp = ["k" + a for a in spatial]
    xdims = [("n", n_), ("c", c_)] + list(zip(spatial, in_sizes))
    ydims = [("n", n_), ("f", f_)] + list(zip(osp, out))
    wdims = [("f", f_), ("c", c_)] + list(zip(ksp, k))
    attrs = (f"{{input_spatial = {strs(spatial)}, output_spatial = {strs(osp)}, "
             f"kernel_spatial = {strs(ksp)}, in_channel = \"c\", out_channel = \"f\", "
             f"strides = {ints(s)}, dilations = {ints(d)}, pad_lo = {ints(lo)}, "
             f"pad_hi = {ints(hi)}}}")
    O, K = letters(nsp)
    w = RNG.uniform(-1, 1, [f_, c_] + k)
    if not transpose:
        x = RNG.uniform(-1, 1, [n_, c_] + in_sizes)
        r = RNG.uniform(-1, 1, [n_, f_] + out)
        op = f"%y = meshc.conv %x, %w {attrs} : {tensor(xdims)}, {tensor(wdims)} -> {tensor(ydims)}"
        text = program([op], {"x": xdims, "w": wdims, "r": ydims}, "y", ydims)
        read, _ = interpret(tool, workdir, case, text, {"x": x, "w": w, "r": r})
        p = patches(x, out, k, s, d, lo, hi, 0.0)
        y = np.einsum(f"nc{O}{K},fc{K}->nf{O}", p, w)
        dw = np.einsum(f"nc{O}{K},nf{O}->fc{K}", p, r)
        dx = scatter(np.einsum(f"nf{O},fc{K}->nc{O}{K}", r, w), in_sizes, out, k, s, d, lo, hi)
        check(case, "y", read("prediction.y", y), y, failures)
        check(case, "dx (conv_transpose)", read("grad.x", x), dx, failures)
        check(case, "dw (conv_grad_filter)", read("grad.w", w), dw, failures)
    else:
        # conv_transpose of x [n, f, O...] onto [n, c, S...]; loss = sum(y r), r like y.
        x = RNG.uniform(-1, 1, [n_, f_] + out)
        r = RNG.uniform(-1, 1, [n_, c_] + in_sizes)
        op = (f"%y = meshc.conv_transpose %x, %w {attrs} : {tensor(ydims)}, {tensor(wdims)} -> "
              f"{tensor(xdims)}")
        text = program([op], {"x": ydims, "w": wdims, "r": xdims}, "y", xdims)
        read, _ = interpret(tool, workdir, case, text, {"x": x, "w": w, "r": r})
        y = scatter(np.einsum(f"nf{O},fc{K}->nc{O}{K}", x, w), in_sizes, out, k, s, d, lo, hi)
        p = patches(r, out, k, s, d, lo, hi, 0.0)
        dx = np.einsum(f"nc{O}{K},fc{K}->nf{O}", p, w)
        dw = np.einsum(f"nc{O}{K},nf{O}->fc{K}", p, x)
        check(case, "y", read("prediction.y", y), y, failures)
        check(case, "dx (conv)", read("grad.x", x), dx, failures)
        check(case, "dw (conv_grad_filter)", read("grad.w", w), dw, failures)


def pool_case(tool, workdir, case, kind, spatial, in_sizes, k, s, lo, hi, failures, ties=False):
    n_, c_ = 2, 2
    nsp = len(spatial)
    d = [1] * nsp
    out = out_sizes(in_sizes, k, s, d, lo, hi)
    osp = ["p" + a for a in spatial]
    xdims = [("n", n_), ("c", c_)] + list(zip(spatial, in_sizes))
    ydims = [("n", n_), ("c", c_)] + list(zip(osp, out))
    attrs = (f"{{input_spatial = {strs(spatial)}, output_spatial = {strs(osp)}, "
             f"window = {ints(k)}, strides = {ints(s)}, pad_lo = {ints(lo)}, pad_hi = {ints(hi)}}}")
    # With `ties`, small integers: many windows hold their maximum twice.
    x = (RNG.integers(0, 3, [n_, c_] + in_sizes).astype(float) if ties
         else RNG.uniform(-1, 1, [n_, c_] + in_sizes))
    r = RNG.uniform(-1, 1, [n_, c_] + out)
    op = f"%y = meshc.{kind} %x {attrs} : {tensor(xdims)} -> {tensor(ydims)}"
    text = program([op], {"x": xdims, "r": ydims}, "y", ydims)
    read, _ = interpret(tool, workdir, case, text, {"x": x, "r": r})
    volume = int(np.prod(k))
    if kind == "max_pool":
        p = patches(x, out, k, s, d, lo, hi, -np.inf)
        flat = p.reshape(p.shape[:2 + nsp] + (volume,))
        y = flat.max(axis=-1)
        first = flat.argmax(axis=-1)  # NumPy's argmax: the first maximum in window order
        onehot = (np.arange(volume) == first[..., None]) * r[..., None]
        dx = scatter(onehot.reshape(p.shape), in_sizes, out, k, s, d, lo, hi)
    else:
        p = patches(x, out, k, s, d, lo, hi, 0.0)
        y = p.reshape(p.shape[:2 + nsp] + (volume,)).sum(axis=-1) / volume
        g = np.broadcast_to((r / volume).reshape(r.shape + (1,) * nsp), p.shape)
        dx = scatter(g, in_sizes, out, k, s, d, lo, hi)
    check(case, "y", read("prediction.y", y), y, failures)
    check(case, "dx", read("grad.x", x), dx, failures)


def batch_norm_case(tool, workdir, failures):
    """Training-mode batch norm as the DSL builds it: the whole gradient against the closed form."""
    case = "batch_norm_training"
    xdims, cdims = [("n", 4), ("c", 3), ("h", 5)], [("c", 3)]
    X, C = tensor(xdims), tensor(cdims)
    ops = [f"%mean = meshc.reduce_mean %x : {X} -> {C}",
           f"%xc = meshc.sub %x, %mean : {X}, {C} -> {X}",
           f"%sq = meshc.mul %xc, %xc : {X}, {X} -> {X}",
           f"%var = meshc.reduce_mean %sq : {X} -> {C}",
           f'%y = meshc.batch_norm %x, %mean, %var, %g, %b {{channel = "c", epsilon = 1.0e-3}} : {X}, {C}']
    x = RNG.uniform(-1, 1, [4, 3, 5])
    g, b = RNG.uniform(-1, 1, [3]), RNG.uniform(-1, 1, [3])
    r = RNG.uniform(-1, 1, [4, 3, 5])
    text = program(ops, {"x": xdims, "g": cdims, "b": cdims, "r": xdims}, "y", xdims)
    read, _ = interpret(tool, workdir, case, text, {"x": x, "g": g, "b": b, "r": r})
    axes, count = (0, 2), 4 * 5
    shape = (1, 3, 1)
    mean = x.mean(axis=axes)
    var = x.var(axis=axes)
    rstd = 1 / np.sqrt(var + 1e-3)
    xhat = (x - mean.reshape(shape)) * rstd.reshape(shape)
    y = xhat * g.reshape(shape) + b.reshape(shape)
    db = r.sum(axis=axes)
    dg = (r * xhat).sum(axis=axes)
    dx = (g * rstd).reshape(shape) / count * (
        count * r - db.reshape(shape) - xhat * dg.reshape(shape))
    check(case, "y", read("prediction.y", y), y, failures)
    check(case, "dx", read("grad.x", x), dx, failures)
    check(case, "dscale", read("grad.g", g), dg, failures)
    check(case, "dshift", read("grad.b", b), db, failures)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tool", required=True)
    parser.add_argument("--workdir", required=True)
    args = parser.parse_args()
    failures = []
    t, w = args.tool, args.workdir
    conv_case(t, w, "conv1d_stride2_dilation2", ["h"], [11], [3], [2], [2], [2], [1], failures)
    conv_case(t, w, "conv2d_mixed", ["h", "w"], [7, 6], [3, 2], [2, 1], [1, 2], [1, 0], [1, 1],
              failures)
    conv_case(t, w, "conv3d_same", ["d", "h", "w"], [4, 5, 3], [3, 3, 3], [1, 1, 1], [1, 1, 1],
              [1, 1, 1], [1, 1, 1], failures)
    conv_case(t, w, "conv_transpose2d", ["h", "w"], [7, 5], [3, 2], [2, 2], [1, 1], [1, 0],
              [1, 1], failures, transpose=True)
    pool_case(t, w, "max_pool2d_ties", "max_pool", ["h", "w"], [7, 5], [3, 2], [2, 1], [1, 0],
              [1, 1], failures, ties=True)
    pool_case(t, w, "max_pool1d", "max_pool", ["t"], [9], [3], [2], [2], [0], failures)
    pool_case(t, w, "avg_pool3d", "avg_pool", ["d", "h", "w"], [3, 5, 4], [2, 3, 2], [1, 2, 2],
              [1, 1, 0], [0, 1, 1], failures)
    batch_norm_case(t, w, failures)
    for line in failures:
        print(line)
    print(f"{8 - len(set(f.split(':')[0] for f in failures))} of 8 cases agree with NumPy")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
