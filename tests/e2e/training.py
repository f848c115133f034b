#!/usr/bin/python3
"""Training a compiled program on real data, end to end: examples/fashion_mnist (an MLP with
loss and accuracy metrics and a probs output) on Fashion-MNIST, converted by meshc-data.

Cases (each compiles what it needs into WORKDIR/CASE):
  layouts     file-fed training over an epoch boundary and the evaluations give the 1-rank
              losses and metrics on 1x2, 2x1, 2x2 and a classes split; one run reads HDF5
  predict     --predict's probabilities, counted by NumPy, give exactly evaluation's accuracy,
              on another mesh than the one that trained
  resume      a checkpoint of a 2x2 run resumes on the same layout bit for bit, and on other
              meshes and layouts within 1e-4 (parameters and Adam state move between layouts)
  checkpoint  the checkpoint of a 2x2 run, read by a NumPy-only reader, equals the 1-rank run's
  optimizer   AdamW + global-norm clipping + warmup/cosine schedule against NumPy's float64
              training of the same MLP from parameters NumPy wrote (--init-from)
  accuracy    the full dataset, 2 epochs on 2 ranks: test accuracy >= 0.84 (the README's run
              trains 10 epochs on 4 ranks and reaches ~0.88)

usage: training.py --meshc M --generator G --meshc-data D --mpirun R --workdir W CASE
"""
import argparse
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir,
                                "support"))
from meshc_test import (SKIP, RTOL, Failure, parse_losses, relative_error,  # noqa: E402
                        run_case, run_checked)

try:
    import numpy as np
except ImportError:
    print("SKIP: NumPy is not installed (Debian: python3-numpy)")
    sys.exit(SKIP)
import numpy_safetensors  # noqa: E402

DATASET = "/usr/share/datasets/fashion-mnist"
SMALL = ["--batch", "64", "--hidden", "64", "--hidden2", "32"]
LAYOUTS = [(2, "b=2", "batch:b"), (2, "m=2", "hidden:m"), (4, "b=2,m=2", "batch:b,hidden:m"),
           (4, "b=2,m=2", "batch:b,classes:m")]
EVAL = re.compile(r"^eval step (\d+) loss (\S+) accuracy (\S+) \((\d+) samples\)$", re.M)


class Case:
    def __init__(self, args):
        self.args = args
        self.dir = os.path.join(args.workdir, args.case)
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)

    def path(self, *names):
        return os.path.join(self.dir, *names)

    def convert(self, train=1000, test=300):
        """The first `train` / `test` samples of Fashion-MNIST as .npy (all of them: None)."""
        for split, src, n in (("train", "train", train), ("test", "t10k", test)):
            for part, kind in (("x", "images-idx3"), ("y", "labels-idx1")):
                out = self.path("%s_%s.npy" % (split, part))
                run_checked([self.args.meshc_data, "convert",
                             "%s/%s-%s-ubyte.gz" % (DATASET, src, kind), out], 120)
                if n is not None:
                    np.save(out, np.load(out)[:n])

    def data(self, split):
        return "x=%s,y=%s" % (self.path(split + "_x.npy"), self.path(split + "_y.npy"))

    def compile(self, name, mesh, layout, gen_args=SMALL):
        mlir = self.path("model%s.mlir" % "".join(gen_args).replace("-", "_"))
        if not os.path.exists(mlir):
            run_checked([self.args.generator] + gen_args + ["-o", mlir], 60)
        exe = self.path(name)
        run_checked([self.args.meshc, mlir, "--mesh", mesh, "--layout", layout, "-o", exe], 120)
        return exe

    def run(self, ranks, exe, flags, timeout=300):
        cmd = [self.args.mpirun, "--allow-run-as-root", "--oversubscribe", "--bind-to", "none",
               "-n", str(ranks), exe, "--threads", "1", "--log-every", "1"] + flags
        return run_checked(cmd, timeout).stdout


def evals(text):
    return [(int(s), float(l), float(a), int(n)) for s, l, a, n in EVAL.findall(text)]


def same(got, want, what, exact=False):
    for s in want:
        bad = got.get(s) != want[s] if exact else relative_error(got.get(s, float("nan")),
                                                                  want[s]) > RTOL
        if bad:
            raise Failure("%s step %d: %r, reference %r" % (what, s, got.get(s), want[s]))


def case_layouts(c):
    c.convert()
    flags = ["--data", c.data("train"), "--eval-data", c.data("test"), "--epochs", "2",
             "--seed", "4"]
    ref = c.run(1, c.compile("one", "b=1", ""), flags)
    ref_losses, ref_evals = parse_losses(ref, "1 rank"), evals(ref)
    # 1000 samples, batch 64: 15 steps per epoch (40 samples dropped); eval after each epoch
    if sorted(ref_losses) != list(range(30)) or [e[0] for e in ref_evals] != [15, 30]:
        raise Failure("1 rank: steps %s, evals %s" % (sorted(ref_losses), ref_evals))
    runs = [(r, m, l, flags, "") for r, m, l in LAYOUTS]
    import h5py  # one run reads the images from HDF5 (the runtime tests cover the formats)
    with h5py.File(c.path("train.h5"), "w") as f:
        f.create_dataset("images", data=np.load(c.path("train_x.npy")))
    h5flags = ["--data", "x=%s:/images,y=%s" % (c.path("train.h5"), c.path("train_y.npy"))]
    runs.append((4, "b=2,m=2", "batch:b,hidden:m", h5flags + flags[2:] + ["--prefetch", "on"],
                 " from HDF5, read on a thread"))
    for ranks, mesh, layout, f, source in runs:
        out = c.run(ranks, c.compile("exe", mesh, layout), f)
        same(parse_losses(out, mesh), ref_losses, "%s [%s]" % (mesh, layout))
        got = evals(out)
        for g, w in zip(got, ref_evals):
            if g[0] != w[0] or g[3] != 300 or relative_error(g[1], w[1]) > RTOL or g[2] != w[2]:
                raise Failure("%s [%s]: eval %s, 1 rank %s" % (mesh, layout, got, ref_evals))
        print("ok: %s [%s]%s: 30 steps and 2 evaluations equal the 1-rank run (accuracy %s)" % (
            mesh, layout, source, got[-1][2]))


def case_predict(c):
    c.convert(test=250)  # 250 = 3 batches of 64 + 58: the last one padded
    out = c.run(4, c.compile("hybrid", "b=2,m=2", "batch:b,hidden:m"),
                ["--data", c.data("train"), "--eval-data", c.data("test"), "--steps", "20",
                 "--save", c.path("ck")])
    acc = evals(out)[-1][2]
    for ranks, mesh, layout in ((2, "m=2", "hidden:m"), (1, "b=1", ""),
                                (4, "b=2,m=2", "batch:b,classes:m")):
        pred = c.path("probs.npy")
        c.run(ranks, c.compile("exe", mesh, layout),
              ["--predict", "x=" + c.path("test_x.npy"), "--load", c.path("ck"), "--out", pred])
        probs, y = np.load(pred), np.load(c.path("test_y.npy"))
        if probs.shape != (250, 10) or not np.allclose(probs.sum(axis=1), 1, atol=1e-5):
            raise Failure("%s: probabilities of shape %s, row sums %s" % (
                mesh, probs.shape, probs.sum(axis=1)[:5]))
        correct = int((probs.argmax(axis=1) == y).sum())
        if correct != round(acc * 250):
            raise Failure("%s: %d of 250 predictions right, evaluation said accuracy %s" % (
                mesh, correct, acc))
        print("ok: predictions on %s [%s]: %d of 250 right = evaluation's accuracy %s" % (
            mesh, layout, correct, acc))


def case_resume(c):
    c.convert()
    flags = ["--data", c.data("train"), "--seed", "9"]
    hybrid = c.compile("hybrid", "b=2,m=2", "batch:b,hidden:m")
    full = parse_losses(c.run(4, hybrid, flags + ["--epochs", "2"]), "uninterrupted")
    c.run(4, hybrid, flags + ["--epochs", "1", "--save", c.path("ck")])
    cases = [(4, hybrid, "b=2,m=2 [batch:b,hidden:m]", True)]
    for ranks, mesh, layout in ((1, "b=1", ""), (2, "m=2", "hidden:m"), (2, "b=2", "batch:b")):
        cases.append((ranks, c.compile("exe_" + str(len(cases)), mesh, layout),
                      "%s [%s]" % (mesh, layout), False))
    for ranks, exe, what, exact in cases:
        got = parse_losses(c.run(ranks, exe, flags + ["--epochs", "2", "--load", c.path("ck")]),
                           what)
        if sorted(got) != list(range(15, 30)):
            raise Failure("%s: resumed steps %s" % (what, sorted(got)))
        same(got, {s: full[s] for s in got}, "resumed on " + what, exact)
        print("ok: resumed on %s: steps 15-29 %s the uninterrupted run" % (
            what, "bit-identical to" if exact else "within 1e-4 of"))


def case_checkpoint(c):
    c.convert()
    flags = ["--data", c.data("train"), "--steps", "12"]
    c.run(1, c.compile("one", "b=1", ""), flags + ["--save", c.path("ck_one")])
    c.run(4, c.compile("hybrid", "b=2,m=2", "batch:b,hidden:m"), flags + ["--save", c.path("ck_hy")])
    one, meta1, _ = numpy_safetensors.read(c.path("ck_one", "model.safetensors"))
    hy, meta4, _ = numpy_safetensors.read(c.path("ck_hy", "model.safetensors"))
    want = {p for w in ("w", "b") for i in "123" for p in (w + i, w + i + "/adam_m",
                                                          w + i + "/adam_v")}
    if set(one) != want or set(hy) != want:
        raise Failure("tensor names %s / %s, want %s" % (sorted(one), sorted(hy), sorted(want)))
    for name in sorted(want):
        a, b = one[name], hy[name]
        if a.shape != b.shape or not np.allclose(b, a, rtol=1e-3, atol=1e-5):
            raise Failure("%s differs: max |diff| %g" % (name, np.abs(a - b).max()))
    if (meta4.get("mesh"), meta4.get("layout"), meta4.get("step")) != ("b=2,m=2",
                                                                      "batch:b,hidden:m", "12"):
        raise Failure("metadata %s" % meta4)
    print("ok: the 2x2 checkpoint's %d tensors equal the 1-rank run's (NumPy reader); metadata "
          "%s" % (len(want), {k: meta4[k] for k in ("mesh", "layout", "step")}))


def numpy_training(params, x, y, steps, lr, wd, clip, warmup, min_factor):
    """The example's MLP trained by NumPy in float64, as the issue specifies it: AdamW
    (decoupled weight decay) on gradients clipped to a global norm, the learning rate times a
    linear warmup then cosine decay to min_factor at the last step. Returns (losses,
    parameters)."""
    p = {k: v.astype(np.float64) for k, v in params.items()}
    m = {k: np.zeros_like(v) for k, v in p.items()}
    v2 = {k: np.zeros_like(v) for k, v in p.items()}
    xf = x.reshape(len(x), -1).astype(np.float64) / 255.0
    n, losses = len(x), []
    b1, b2, eps = 0.9, 0.999, 1e-8
    for t in range(steps):
        z1 = xf @ p["w1"] + p["b1"]
        h1 = np.maximum(z1, 0)
        z2 = h1 @ p["w2"] + p["b2"]
        h2 = np.maximum(z2, 0)
        logits = h2 @ p["w3"] + p["b3"]
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        prob = e / e.sum(axis=1, keepdims=True)
        losses.append(float(-np.log(prob[np.arange(n), y]).mean()))
        d = prob.copy()
        d[np.arange(n), y] -= 1
        d /= n
        g = {"w3": h2.T @ d, "b3": d.sum(0)}
        d = (d @ p["w3"].T) * (z2 > 0)
        g.update(w2=h1.T @ d, b2=d.sum(0))
        d = (d @ p["w2"].T) * (z1 > 0)
        g.update(w1=xf.T @ d, b1=d.sum(0))
        norm = np.sqrt(sum((gi ** 2).sum() for gi in g.values()))
        scale = min(1.0, clip / (norm + 1e-6))
        if t < warmup:
            factor = (t + 1) / warmup
        else:
            progress = (t - warmup) / (steps - 1 - warmup)
            factor = min_factor + (1 - min_factor) * 0.5 * (1 + np.cos(np.pi * progress))
        for k in p:
            gk = g[k] * scale
            m[k] = b1 * m[k] + (1 - b1) * gk
            v2[k] = b2 * v2[k] + (1 - b2) * gk * gk
            mh, vh = m[k] / (1 - b1 ** (t + 1)), v2[k] / (1 - b2 ** (t + 1))
            p[k] = p[k] - lr * factor * (mh / (np.sqrt(vh) + eps) + wd * p[k])
    return losses, p


def case_optimizer(c):
    """AdamW, global-norm clipping and the warmup + cosine schedule against NumPy: one batch of
    64 real images is the whole dataset (so every step sees the same samples), parameters
    written by NumPy start the run (--init-from), 6 steps on 1 rank and on 2x2; the losses and
    the saved parameters must equal NumPy's float64 training."""
    c.convert(train=64, test=64)
    x, y = np.load(c.path("train_x.npy")), np.load(c.path("train_y.npy")).astype(np.int64)
    rng = np.random.default_rng(3)
    shapes = {"w1": (784, 64), "b1": (64,), "w2": (64, 32), "b2": (32,), "w3": (32, 10),
              "b3": (10,)}
    params = {k: rng.normal(0, 0.1, s).astype(np.float32) for k, s in shapes.items()}
    numpy_safetensors.write(c.path("init.safetensors"), params)
    lr, wd, clip, steps = 0.01, 0.05, 0.5, 6
    want_losses, want = numpy_training(params, x, y, steps, lr, wd, clip, 2, 0.1)
    gen = SMALL + ["--lr", str(lr), "--weight-decay", str(wd), "--clip-norm", str(clip)]
    flags = ["--data", c.data("train"), "--init-from", c.path("init.safetensors"), "--steps",
             str(steps), "--lr-warmup", "2", "--lr-decay", "cosine", "--lr-min-factor", "0.1"]
    for ranks, mesh, layout in ((1, "b=1", ""), (4, "b=2,m=2", "batch:b,hidden:m")):
        exe = c.compile("exe_" + str(ranks), mesh, layout, gen_args=gen)
        ck = c.path("ck_%d" % ranks)
        losses = parse_losses(c.run(ranks, exe, flags + ["--save", ck]), mesh)
        same(losses, dict(enumerate(want_losses)), "%s vs NumPy" % mesh)
        got = numpy_safetensors.read(os.path.join(ck, "model.safetensors"))[0]
        for k in shapes:
            # float32 against float64: Adam's m / sqrt(v) is ill-conditioned for the few
            # weights of pixels that are almost always 0 (gradients ~1e-10 against epsilon
            # 1e-8), so a handful of elements may move by up to 1% of one step's lr.
            diff = np.abs(got[k] - want[k])
            if diff.max() > 1e-4 or (diff > 1e-6).sum() > max(1, diff.size // 10000):
                raise Failure("%s: parameter %s after %d steps differs from NumPy's by up to %g "
                              "(%d of %d elements beyond 1e-6)" % (
                                  mesh, k, steps, diff.max(), (diff > 1e-6).sum(), diff.size))
        print("ok: %s [%s]: 6 losses and the parameters equal NumPy's AdamW + clipping + "
              "schedule (losses %.4f -> %.4f)" % (mesh, layout, want_losses[0], want_losses[-1]))


def case_accuracy(c):
    c.convert(train=None, test=None)
    exe = c.compile("dp", "b=2", "batch:b", gen_args=[])
    out = c.run(2, exe, ["--data", c.data("train"), "--eval-data", c.data("test"), "--epochs",
                         "2", "--log-every", "100"], timeout=600)
    e = evals(out)
    if len(e) != 2 or e[-1][3] != 10000 or not e[-1][2] >= 0.84:
        raise Failure("test accuracy after 2 epochs: %s (want >= 0.84)\n%s" % (e, out))
    print("ok: Fashion-MNIST test accuracy %.4f after 2 epochs on 2 ranks" % e[-1][2])


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}


def main():
    ap = argparse.ArgumentParser()
    for flag in ("--meshc", "--generator", "--meshc-data", "--mpirun", "--workdir"):
        ap.add_argument(flag, required=True)
    ap.add_argument("case", choices=sorted(CASES))
    args = ap.parse_args()
    if not os.path.isdir(DATASET):
        print("SKIP: %s is missing (Debian package dataset-fashion-mnist)" % DATASET)
        return SKIP
    os.environ.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    return run_case(lambda: CASES[args.case](Case(args)))


if __name__ == "__main__":
    sys.exit(main())
