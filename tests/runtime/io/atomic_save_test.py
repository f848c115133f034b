#!/usr/bin/python3
"""atomic_save_test.py --mpirun MPIRUN --program io_save_loop --dir DIR [--trials N]

kill -9 during checkpoint saves: io_save_loop saves two 16 MiB tensors on 2 ranks in a loop; after
its first save the test waits a random short time and kills every rank with SIGKILL (by the pids
the ranks wrote). The checkpoint must then parse and load completely as one version (meshc's
loader on 2 ranks, and a NumPy-only read), at least as recent as the last save announced."""
import argparse
import glob
import json
import os
import random
import shutil
import signal
import struct
import subprocess
import sys
import time

import numpy as np


def numpy_version(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    v = int(header["__metadata__"]["version"])
    for name, sign in (("a", 1), ("b", -1)):
        b, e = header[name]["data_offsets"]
        arr = np.frombuffer(blob[8 + n + b:8 + n + e], dtype="<f4")
        if arr.size != 1024 * 4096 or not np.all(arr == sign * v):
            raise SystemExit("FAIL: NumPy reads tensor %s of version %d incomplete" % (name, v))
    return v


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mpirun", required=True)
    ap.add_argument("--program", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--trials", type=int, default=4)
    args = ap.parse_args()
    mpirun = [args.mpirun, "--allow-run-as-root", "--oversubscribe", "--bind-to", "none", "-n", "2"]
    shutil.rmtree(args.dir, ignore_errors=True)
    os.makedirs(args.dir)
    ckpt = os.path.join(args.dir, "model.safetensors")
    rng = random.Random(int(os.environ.get("ATOMIC_SEED", time.time_ns())))
    midway = 0
    for trial in range(args.trials):
        piddir = os.path.join(args.dir, "pids%d" % trial)
        os.makedirs(piddir)
        proc = subprocess.Popen(mpirun + [args.program, "save", ckpt, piddir],
                                stdout=subprocess.PIPE, text=True, start_new_session=True)
        first = proc.stdout.readline()
        if not first.startswith("saved "):
            proc.kill()
            raise SystemExit("FAIL: the writer did not save (%r)" % first)
        time.sleep(rng.uniform(0.0, 0.8))
        for pidfile in glob.glob(os.path.join(piddir, "*.pid")):
            with open(pidfile) as f:
                os.kill(int(f.read()), signal.SIGKILL)
        out, _ = proc.communicate(timeout=60)
        announced = [int(l.split()[1]) for l in (first + out).splitlines() if l.startswith("saved ")]
        temps = glob.glob(os.path.join(args.dir, ".model.safetensors.tmp-*"))
        midway += bool(temps)
        for t in temps:
            os.remove(t)
        check = subprocess.run(mpirun + [args.program, "check", ckpt], capture_output=True,
                               text=True, timeout=120)
        if check.returncode != 0:
            raise SystemExit("FAIL: trial %d: the checkpoint does not load: %s" %
                             (trial, check.stderr.strip()))
        loaded = int(check.stdout.split()[1])
        v = numpy_version(ckpt)
        if v != loaded or v < max(announced):
            raise SystemExit("FAIL: trial %d: loaded version %d (NumPy: %d), last announced %d" %
                             (trial, loaded, v, max(announced)))
        print("trial %d: killed after save %d, the file holds version %d complete%s" %
              (trial, max(announced), v, " (killed mid-save)" if temps else ""))
    print("%d of %d kills hit a save in progress" % (midway, args.trials))
    shutil.rmtree(args.dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
