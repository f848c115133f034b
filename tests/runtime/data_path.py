#!/usr/bin/python3
"""The training data, evaluation, prediction and checkpoint paths of meshrt_main, end to end,
on the hand-written fake program (fake_program.cpp: softmax regression x[64, 32] -> 4 classes,
momentum SGD, batch split over mesh axis b; metric "loss" per sample, output "logits").

Data files are written here with NumPy (and h5py); the checks compare with NumPy's own
computation where one exists: the evaluation loss of the saved parameters over every evaluation
sample, the predictions, the checkpoint's tensors read by a NumPy-only safetensors reader.

usage: data_path.py --mpirun MPIRUN --program FAKE --workdir DIR CASE
"""
import argparse
import os
import re
import shutil
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir,
                                "support"))
import numpy_safetensors  # noqa: E402
from meshc_test import (SKIP, RTOL, Failure, parse_losses, relative_error,  # noqa: E402
                        run, run_case, run_checked)

try:
    import numpy as np
except ImportError:
    print("SKIP: NumPy is not installed (Debian: python3-numpy)")
    sys.exit(SKIP)

BATCH, FEATURES, CLASSES = 64, 32, 4
TRAIN, EVAL = 300, 150  # 4 full batches per epoch (44 samples dropped); eval pads 42
MESHES = [(1, "b=1"), (2, "b=2"), (4, "b=4"), (4, "b=2,m=2"), (2, "b=1,m=2")]


def make_data(workdir):
    """Linearly separable-ish classes: x = centroid[y] + noise, labels as int64."""
    rng = np.random.default_rng(7)
    centroids = rng.normal(0, 1, (CLASSES, FEATURES)).astype(np.float32)
    files = {}
    for split, n in (("train", TRAIN), ("eval", EVAL)):
        y = rng.integers(0, CLASSES, n).astype(np.int64)
        x = (centroids[y] + rng.normal(0, 1.5, (n, FEATURES))).astype(np.float32)
        np.save(os.path.join(workdir, split + "_x.npy"), x)
        np.save(os.path.join(workdir, split + "_y.npy"), y)
        files[split] = (x, y)
    return files


def read_safetensors(path):
    tensors, meta, _ = numpy_safetensors.read(path)
    return tensors, meta


def xent(logits, y):
    m = logits.max(axis=1, keepdims=True)
    lse = (m + np.log(np.exp(logits - m).sum(axis=1, keepdims=True)))[:, 0]
    return lse - logits[np.arange(len(y)), y]


class Runner:
    def __init__(self, args):
        self.mpirun, self.program, self.workdir = args.mpirun, args.program, args.workdir

    def path(self, name):
        return os.path.join(self.workdir, name)

    def data(self, split):
        return "x=%s,y=%s" % (self.path(split + "_x.npy"), self.path(split + "_y.npy"))

    def cmd(self, ranks, mesh, flags):
        return [self.mpirun, "--allow-run-as-root", "--oversubscribe", "--bind-to", "none",
                "-n", str(ranks), "-x", "MESHRT_TEST_MESH=" + mesh, self.program,
                "--threads", "1", "--log-every", "1"] + flags

    def run(self, ranks, mesh, flags, check=True, timeout=120):
        res = run_checked(self.cmd(ranks, mesh, flags), timeout, check=check,
                          what="%s on %s" % (os.path.basename(self.program), mesh))
        return res

    def error_run(self, ranks, mesh, flags, want):
        """A run that must fail with exactly one error line matching `want`, and exit non-zero
        without hanging."""
        res = self.run(ranks, mesh, flags, check=False, timeout=60)
        if res.returncode == 0:
            raise Failure("expected a failure, got exit 0:\n" + res.stdout + res.stderr)
        errors = [line for line in res.stderr.splitlines() if line.startswith("error:")]
        if len(errors) != 1 or not re.search(want, errors[0]):
            raise Failure("expected one error line matching %r, got:\n%s" % (want, res.stderr))
        print("ok: %s -> %s" % (" ".join(flags[:2]), errors[0]))


def eval_lines(text):
    """[(step, loss, samples)] of the 'eval step N loss X (S samples)' lines."""
    found = re.findall(r"^eval step (\d+) loss (\S+).*\((\d+) samples\)$", text, re.M)
    return [(int(s), float(l), int(n)) for s, l, n in found]


def case_layouts(r, files):
    """File-fed training over 2 epochs (an epoch boundary at step 4) gives the 1-rank losses on
    every mesh; the final evaluation is exact (NumPy over all 150 samples with the saved
    parameters)."""
    # The reading thread on (auto leaves it off where ranks fill the cores, as here).
    flags = ["--data", r.data("train"), "--epochs", "2", "--eval-data", r.data("eval"),
             "--seed", "3", "--prefetch", "on"]
    ref = None
    for ranks, mesh in MESHES:
        ck = r.path("ck_" + mesh.replace(",", "_").replace("=", ""))
        res = r.run(ranks, mesh, flags + ["--save", ck])
        losses = parse_losses(res.stdout, mesh)
        if sorted(losses) != list(range(8)):
            raise Failure("%s: expected steps 0-7, got %s" % (mesh, sorted(losses)))
        evals = eval_lines(res.stdout)
        # per epoch (after step 4) and at the end (step 8)
        if [e[0] for e in evals] != [4, 8] or any(e[2] != EVAL for e in evals):
            raise Failure("%s: eval lines %s\n%s" % (mesh, evals, res.stdout))
        w = read_safetensors(os.path.join(ck, "model.safetensors"))[0]["w"]
        x, y = files["eval"]
        want = float(xent(x.astype(np.float64) @ w.astype(np.float64), y).mean())
        got = evals[-1][1]
        if relative_error(got, want) > RTOL:
            raise Failure("%s: eval loss %r, NumPy over the %d samples %r" % (mesh, got, EVAL,
                                                                               want))
        if ref is None:
            ref = losses
            if not losses[7] < 0.8 * losses[0]:
                raise Failure("the loss did not fall: %s" % losses)
        else:
            for s in ref:
                if relative_error(losses[s], ref[s]) > RTOL:
                    raise Failure("%s step %d: loss %r, 1 rank %r" % (mesh, s, losses[s], ref[s]))
        print("ok: %s: 8 steps equal the 1-rank run; eval loss %.6f = NumPy %.6f" % (mesh, got,
                                                                                    want))


def case_hdf5(r, files):
    """The same training from an HDF5 file (x) and a .npy file (y) gives the .npy losses."""
    try:
        import h5py
    except ImportError:
        print("SKIP: h5py is not installed (Debian: python3-h5py)")
        sys.exit(SKIP)
    x, _ = files["train"]
    with h5py.File(r.path("train.h5"), "w") as f:
        f.create_dataset("/images/x", data=x.astype(np.float64))
    flags = ["--steps", "6", "--seed", "1"]
    want = parse_losses(r.run(1, "b=1", flags + ["--data", r.data("train")]).stdout, "npy")
    for ranks, mesh in ((1, "b=1"), (2, "b=2"), (4, "b=2,m=2")):
        got = parse_losses(r.run(ranks, mesh, flags + [
            "--data", "x=%s:/images/x,y=%s" % (r.path("train.h5"), r.path("train_y.npy"))]).stdout,
            "h5")
        for s in want:
            if relative_error(got[s], want[s]) > RTOL:
                raise Failure("%s step %d: HDF5 %r, npy %r" % (mesh, s, got[s], want[s]))
        print("ok: %s: HDF5 losses equal the .npy ones" % mesh)


def case_bytes_read(r, files):
    """No rank reads more than its slice of each batch plus the file headers (--stats)."""
    steps = 6
    for ranks, mesh in ((1, "b=1"), (4, "b=4"), (4, "b=2,m=2")):
        res = r.run(ranks, mesh, ["--data", r.data("train"), "--steps", str(steps), "--stats"])
        got = {int(a): int(b) for a, b in
               re.findall(r"^stats: data: rank (\d+) read (\d+) bytes", res.stdout, re.M)}
        b = int(mesh.split(",")[0].split("=")[1])
        rows = BATCH // b * steps
        data = rows * (FEATURES * 4 + 8)  # f32 features, int64 labels
        headers = 2 * 4096
        if sorted(got) != list(range(ranks)):
            raise Failure("%s: stats lines for ranks %s\n%s" % (mesh, sorted(got), res.stdout))
        for rank, n in got.items():
            if not data <= n <= data + headers:
                raise Failure("%s rank %d read %d bytes; its slices are %d bytes (+ headers)" %
                              (mesh, rank, n, data))
        print("ok: %s: each rank read %s bytes (slices %d, whole files %d)" % (
            mesh, sorted(set(got.values())), data, TRAIN * (FEATURES * 4 + 8)))


def case_resume(r, files):
    """A run resumed from its step-4 checkpoint repeats the uninterrupted run's losses bit for
    bit on the same layout and within 1e-4 on others; optimizer state and data order included."""
    flags = ["--data", r.data("train"), "--seed", "5"]
    # The uninterrupted run reads on a thread, the resumed ones in the step: the same batches.
    full = parse_losses(r.run(2, "b=2", flags + ["--steps", "10", "--prefetch", "on"]).stdout,
                        "uninterrupted")
    ck = r.path("resume_ck")
    shutil.rmtree(ck, ignore_errors=True)
    r.run(2, "b=2", flags + ["--steps", "4", "--save", ck])
    for ranks, mesh, exact in ((2, "b=2", True), (4, "b=4", False), (1, "b=1", False),
                               (4, "b=2,m=2", False)):
        res = r.run(ranks, mesh, flags + ["--steps", "10", "--load", ck])
        got = parse_losses(res.stdout, "resumed")
        if sorted(got) != list(range(4, 10)):
            raise Failure("%s: resumed steps %s" % (mesh, sorted(got)))
        for s in got:
            bad = (got[s] != full[s]) if exact else relative_error(got[s], full[s]) > RTOL
            if bad:
                raise Failure("%s: resumed step %d loss %r, uninterrupted %r" % (mesh, s, got[s],
                                                                                 full[s]))
        print("ok: resumed on %s: steps 4-9 %s" % (mesh, "bit-identical" if exact else
                                                   "within 1e-4"))
    tensors, meta = read_safetensors(os.path.join(ck, "model.safetensors"))
    if sorted(tensors) != ["w", "w/momentum"] or meta.get("step") != "4" or \
            meta.get("mesh") != "b=2" or tensors["w"].shape != (FEATURES, CLASSES):
        raise Failure("checkpoint contents: %s %s" % (sorted(tensors), meta))


def case_init_from(r, files):
    """Parameters written by NumPy (a safetensors file of another framework) start a run: with
    zero steps trained, the evaluation loss equals NumPy's over the evaluation set."""
    w = np.random.default_rng(1).normal(0, 0.3, (FEATURES, CLASSES)).astype(np.float32)
    numpy_safetensors.write(r.path("numpy_init.safetensors"), {"w": w})
    x, y = files["eval"]
    want = float(xent(x.astype(np.float64) @ w.astype(np.float64), y).mean())
    for ranks, mesh in ((1, "b=1"), (4, "b=2,m=2")):
        res = r.run(ranks, mesh, ["--init-from", r.path("numpy_init.safetensors"), "--data",
                                  r.data("train"), "--steps", "0", "--eval-data",
                                  r.data("eval")])
        got = eval_lines(res.stdout)[-1][1]
        if relative_error(got, want) > RTOL:
            raise Failure("%s: eval loss from NumPy's parameters %r, NumPy %r" % (mesh, got, want))
        print("ok: %s: --init-from NumPy's file, eval loss %.6f = NumPy" % (mesh, got))


def case_predict(r, files):
    """--predict writes the logits of every sample in order: NumPy's x @ w."""
    ck = r.path("predict_ck")
    r.run(2, "b=2", ["--data", r.data("train"), "--steps", "3", "--save", ck])
    w = read_safetensors(os.path.join(ck, "model.safetensors"))[0]["w"].astype(np.float64)
    x, _ = files["eval"]
    for ranks, mesh in ((1, "b=1"), (2, "b=2"), (4, "b=2,m=2")):
        out = r.path("pred_%d.npy" % ranks)
        r.run(ranks, mesh, ["--predict", "x=" + r.path("eval_x.npy"), "--load", ck, "--out", out])
        got = np.load(out)
        want = x.astype(np.float64) @ w
        if got.shape != (EVAL, CLASSES) or not np.allclose(got, want, rtol=1e-4, atol=1e-5):
            raise Failure("%s: predictions differ from NumPy's (shape %s)" % (mesh, got.shape))
        print("ok: %s: %s = NumPy's x @ w" % (mesh, got.shape))


def case_bad_input(r, files):
    """Bad files and bindings: one error line, a non-zero exit, no hang."""
    bad = r.path("bad")
    os.makedirs(bad, exist_ok=True)
    np.save(os.path.join(bad, "x_wide.npy"), np.zeros((100, 33), np.float32))
    np.save(os.path.join(bad, "y_float.npy"), np.zeros((300,), np.float32))
    np.save(os.path.join(bad, "y_short.npy"), np.zeros((200,), np.int32))
    with open(r.path("train_x.npy"), "rb") as f:
        blob = f.read()
    with open(os.path.join(bad, "x_truncated.npy"), "wb") as f:
        f.write(blob[:len(blob) // 2])
    with open(os.path.join(bad, "not_npy.npy"), "wb") as f:
        f.write(b"hello, world\n" * 20)
    tx, ty = r.path("train_x.npy"), r.path("train_y.npy")
    for ranks, mesh in ((1, "b=1"), (4, "b=2,m=2")):
        r.error_run(ranks, mesh, ["--data", "z=%s,y=%s" % (tx, ty)],
                    r"--data: the program has no input 'z' \(its inputs: x, y\)")
        r.error_run(ranks, mesh, ["--data", "x=" + tx],
                    r"--data: input 'y' has no file")
        r.error_run(ranks, mesh, ["--data", "x=%s,y=%s" % (os.path.join(bad, "x_wide.npy"), ty)],
                    r"x_wide.npy has samples of shape \[33\] but input 'x' takes \[32\]")
        r.error_run(ranks, mesh, ["--data", "x=%s,y=%s" % (tx, os.path.join(bad, "y_float.npy"))],
                    r"y_float.npy holds f32 but input 'y' takes integers")
        r.error_run(ranks, mesh, ["--data", "x=%s,y=%s" % (tx, os.path.join(bad, "y_short.npy"))],
                    r"y_short.npy has 200 samples but .*train_x.npy has 300")
        r.error_run(ranks, mesh, ["--data", "x=%s,y=%s" % (os.path.join(bad, "x_truncated.npy"),
                                                           ty)], r"x_truncated.npy")
        r.error_run(ranks, mesh, ["--data", "x=%s,y=%s" % (os.path.join(bad, "not_npy.npy"), ty)],
                    r"not_npy.npy")
        r.error_run(ranks, mesh, ["--data", "x=%s,y=%s" % (os.path.join(bad, "missing.npy"), ty)],
                    r"missing.npy")
        r.error_run(ranks, mesh, ["--load", os.path.join(bad, "no_checkpoint")],
                    r"--load: .*no_checkpoint/model.safetensors")
        r.error_run(ranks, mesh, ["--data", r.data("train"), "--steps", "1", "--save",
                                  os.path.join(bad, "x_wide.npy")],
                    r"--save: .*x_wide.npy exists and is not a directory")
    # A checkpoint without the optimizer state, one with a wrong shape, a corrupt one.
    w = np.zeros((FEATURES, CLASSES), np.float32)
    numpy_safetensors.write(os.path.join(bad, "no_state.safetensors"), {"w": w}, {"step": "3"})
    numpy_safetensors.write(os.path.join(bad, "wrong_shape.safetensors"),
                      {"w": np.zeros((FEATURES, CLASSES + 1), np.float32)})
    with open(os.path.join(bad, "corrupt.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", 40) + b"{not json" + b" " * 40)
    for ranks, mesh in ((1, "b=1"), (4, "b=2,m=2")):
        r.error_run(ranks, mesh, ["--load", os.path.join(bad, "no_state.safetensors")],
                    r"'w/momentum'.*no_state.safetensors|no_state.safetensors.*'w/momentum'")
        r.error_run(ranks, mesh, ["--init-from", os.path.join(bad, "wrong_shape.safetensors")],
                    r"'w'.*\[32, 5\]|\[32, 5\].*'w'")
        r.error_run(ranks, mesh, ["--init-from", os.path.join(bad, "corrupt.safetensors")],
                    r"corrupt.safetensors")


def case_kill_during_save(r, files):
    """kill -9 in the middle of saves leaves the previous checkpoint loadable: a run saving
    every step is killed at random moments; each time the file must load and resume."""
    ck = r.path("kill_ck")
    shutil.rmtree(ck, ignore_errors=True)
    flags = ["--data", r.data("train"), "--seed", "2"]
    r.run(2, "b=2", flags + ["--steps", "2", "--save", ck])
    rng = np.random.default_rng(11)
    for attempt in range(4):
        cmd = r.cmd(2, "b=2", flags + ["--steps", "100000", "--save", ck, "--save-every", "1",
                                       "--log-every", "1000"])
        delay = float(rng.uniform(0.5, 2.0))
        res = run(cmd, delay)  # killed (SIGKILL to the whole session) after `delay` seconds
        tensors, meta = read_safetensors(os.path.join(ck, "model.safetensors"))
        if sorted(tensors) != ["w", "w/momentum"]:
            raise Failure("after the kill: checkpoint holds %s" % sorted(tensors))
        step = int(meta["step"])
        res = r.run(2, "b=2", flags + ["--steps", str(step + 1), "--load", ck])
        if "resumed from" not in res.stdout:
            raise Failure("no resume after the kill:\n" + res.stdout)
        leftovers = [f for f in os.listdir(ck) if f != "model.safetensors"]
        print("ok: killed after %.1f s: checkpoint at step %d loads and resumes%s" % (
            delay, step, " (temporary files left: %s)" % leftovers if leftovers else ""))


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mpirun", required=True)
    ap.add_argument("--program", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("case", choices=sorted(CASES))
    args = ap.parse_args()
    args.workdir = os.path.join(args.workdir, args.case)
    shutil.rmtree(args.workdir, ignore_errors=True)
    os.makedirs(args.workdir)
    os.environ.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    files = make_data(args.workdir)
    return run_case(lambda: CASES[args.case](Runner(args), files))


if __name__ == "__main__":
    sys.exit(main())
