#!/usr/bin/python3
"""safetensors_np.py: the safetensors format with nothing but struct, json and NumPy, the other
side of the checkpoint tests (standard_tensors.h has the same tensors and value formula).

  safetensors_np.py check FILE [--mesh M]   read FILE, compare every tensor with the formula
  safetensors_np.py write FILE              write the standard tensors (as a NumPy user would)
  safetensors_np.py check-npy FILE ROWS COLS  a .npy of f32 a[i, j] = i * 100 + j * 0.5
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir,
                                "support"))
import numpy_safetensors  # noqa: E402
from numpy_safetensors import DTYPES  # noqa: E402

STANDARD = [("w_split0", "F32", (8, 6)), ("w_split1", "F32", (3, 8)), ("b_repl", "F64", (5,)),
            ("step", "I64", ()), ("counts", "I32", (4, 2)), ("pix", "U8", (4, 4))]


def value(k, dtype, shape):
    i = np.arange(int(np.prod(shape, dtype=np.int64)), dtype=np.int64)
    if dtype == "U8":
        v = (k + i * 7) % 256
    elif dtype in ("I32", "I64"):
        v = (k * 1000 + i) * np.where(i % 2 == 1, -1, 1)
    else:
        v = k * 1000 + i * 0.25
    return v.astype(DTYPES[dtype]).reshape(shape)


def write(path):
    numpy_safetensors.write(path, {name: value(k, dtype, shape)
                                   for k, (name, dtype, shape) in enumerate(STANDARD)},
                            {"written_by": "numpy"})


def main():
    cmd, path = sys.argv[1], sys.argv[2]
    if cmd == "write":
        write(path)
        return 0
    if cmd == "check-npy":
        rows, cols = int(sys.argv[3]), int(sys.argv[4])
        a = np.load(path)
        want = (np.arange(rows)[:, None] * 100 + np.arange(cols)[None, :] * 0.5).astype("<f4")
        if a.dtype != np.float32 or a.shape != want.shape or not np.array_equal(a, want):
            print("%s: differs from the formula (dtype %s shape %s)" % (path, a.dtype, a.shape))
            return 1
        print("%s: %s equal" % (path, a.shape))
        return 0
    tensors, meta, n = numpy_safetensors.read(path)
    if n % 8 != 0:
        print("%s: header length %d is not a multiple of 8" % (path, n))
        return 1
    bad = 0
    for k, (name, dtype, shape) in enumerate(STANDARD):
        want = value(k, dtype, shape)
        got = tensors.get(name)
        if got is None or got.dtype != want.dtype or got.shape != want.shape or not np.array_equal(got, want):
            print("%s: tensor %s differs from the formula" % (path, name))
            bad += 1
    if len(sys.argv) > 4 and sys.argv[3] == "--mesh" and meta.get("mesh") != sys.argv[4]:
        print("%s: metadata %r lacks mesh=%s" % (path, meta, sys.argv[4]))
        bad += 1
    if bad == 0:
        print("%s: %d tensors equal, metadata %s" % (path, len(STANDARD), json.dumps(meta, sort_keys=True)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
