#!/usr/bin/python3
"""meshc_data_test.py --tool meshc-data --dir DIR [--case fashion_mnist|idx_types|errors]

meshc-data against an independent reader: NumPy's gzip + frombuffer read of the IDX files.
  fashion_mnist  the four Fashion-MNIST files (Debian's dataset-fashion-mnist) converted to .npy
                 and HDF5 equal NumPy's arrays, u8 kept (exit 77 where the dataset is absent)
  idx_types      small IDX files of every IDX type, big-endian, plain and gzip'd
  errors         bad magic, unknown type, truncated data, corrupt gzip, existing dataset, bad
                 output name: one line "meshc-data: error: ...", exit 1
"""
import argparse
import gzip
import os
import re
import shutil
import subprocess
import sys

import h5py
import numpy as np

FASHION = "/usr/share/datasets/fashion-mnist"


def numpy_idx(path):
    """The IDX file as NumPy reads it: header by hand, data with frombuffer (big-endian)."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        blob = f.read()
    code, nd = blob[2], blob[3]
    dims = [int.from_bytes(blob[4 + 4 * i:8 + 4 * i], "big") for i in range(nd)]
    dtype = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}[code]
    return np.frombuffer(blob, dtype=dtype, offset=4 + 4 * nd).reshape(dims)


def run(tool, *args):
    return subprocess.run([tool, *args], capture_output=True, text=True, timeout=300)


def convert_ok(tool, src, out):
    r = run(tool, "convert", src, out)
    if r.returncode != 0:
        raise SystemExit("FAIL: convert %s %s: %s" % (src, out, r.stderr.strip()))


def expect_equal(got, want, what, dtype):
    if got.dtype != np.dtype(dtype) or got.shape != want.shape or not np.array_equal(got, want):
        raise SystemExit("FAIL: %s: %s %s differs from NumPy's %s %s" %
                         (what, got.dtype, got.shape, want.dtype, want.shape))


def case_fashion_mnist(tool, d):
    names = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
             "t10k-labels-idx1-ubyte"]
    srcs = [os.path.join(FASHION, n + ".gz") for n in names]
    if not all(os.path.exists(s) for s in srcs):
        print("SKIP: Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)")
        return 77
    h5 = os.path.join(d, "fashion.h5")
    for name, src in zip(names, srcs):
        want = numpy_idx(src)
        npy = os.path.join(d, name + ".npy")
        convert_ok(tool, src, npy)
        expect_equal(np.load(npy), want, npy, np.uint8)
        convert_ok(tool, src, h5 + ":/" + name.replace("-", "_"))
        with h5py.File(h5, "r") as f:
            expect_equal(f[name.replace("-", "_")][...], want, h5, np.uint8)
        info = run(tool, "info", npy).stdout.strip()
        if info != "%s: NumPy, shape [%s], u8" % (npy, ", ".join(map(str, want.shape))):
            raise SystemExit("FAIL: info: %r" % info)
        print("%s: %s u8 equal in .npy and HDF5" % (name, want.shape))
    return 0


def write_idx(path, arr, code, compress=False, extra=b""):
    header = bytes([0, 0, code, arr.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in arr.shape)
    blob = header + arr.tobytes() + extra
    with (gzip.open if compress else open)(path, "wb") as f:
        f.write(blob)


def case_idx_types(tool, d):
    rng = np.random.default_rng(3)
    cases = [(0x08, ">u1", np.uint8), (0x09, ">i1", np.int32), (0x0B, ">i2", np.int32),
             (0x0C, ">i4", np.int32), (0x0D, ">f4", np.float32), (0x0E, ">f8", np.float64)]
    for code, big, kept in cases:
        if big[1] == "f":
            arr = rng.standard_normal((7, 3, 2)).astype(big)
        else:
            info = np.iinfo(big)
            arr = rng.integers(info.min, info.max, size=(7, 3, 2), endpoint=True).astype(big)
        for compress in (False, True):
            src = os.path.join(d, "t%02x.idx%s" % (code, ".gz" if compress else ""))
            write_idx(src, arr, code, compress)
            want = numpy_idx(src).astype(kept)
            out = src + ".npy"
            convert_ok(tool, src, out)
            expect_equal(np.load(out), want, out, kept)
            convert_ok(tool, src, os.path.join(d, "types.h5") + ":/g/t%02x%d" % (code, compress))
            with h5py.File(os.path.join(d, "types.h5"), "r") as f:
                expect_equal(f["g/t%02x%d" % (code, compress)][...], want, "types.h5", kept)
    print("IDX types 08 09 0B 0C 0D 0E, plain and gzip: equal")
    return 0


def case_errors(tool, d):
    def expect(args, regex):
        r = run(tool, *args)
        lines = r.stderr.strip().splitlines()
        if r.returncode != 1 or len(lines) != 1 or not re.search(regex, lines[0]):
            raise SystemExit("FAIL: %s: rc %d, stderr %r, expected %r" %
                             (" ".join(args), r.returncode, r.stderr, regex))
        print("ok: %s" % lines[0])

    text = os.path.join(d, "text.idx")
    with open(text, "w") as f:
        f.write("hello\n")
    expect(["convert", text, os.path.join(d, "o.npy")],
           r"^meshc-data: error: .*text\.idx: not an IDX file")
    unk = os.path.join(d, "unknown.idx")
    with open(unk, "wb") as f:
        f.write(bytes([0, 0, 0x07, 1, 0, 0, 0, 2, 1, 2]))
    expect(["convert", unk, os.path.join(d, "o.npy")],
           r"unknown\.idx: unknown IDX element type 0x07 ")
    arr = np.arange(100 * 28, dtype=np.uint8).reshape(100, 28)
    trunc = os.path.join(d, "trunc.idx.gz")
    with gzip.open(trunc, "wb") as f:
        f.write(bytes([0, 0, 8, 2, 0, 0, 0, 100, 0, 0, 0, 28]) + arr.tobytes()[:1000])
    expect(["convert", trunc, os.path.join(d, "o.npy")],
           r"trunc\.idx\.gz: truncated: the header's shape \[100, 28\] needs 2800 data bytes, "
           r"the file has 1000$")
    longer = os.path.join(d, "long.idx")
    write_idx(longer, arr, 8, extra=b"xx")
    expect(["convert", longer, os.path.join(d, "o.npy")], r"long\.idx: corrupt: bytes after the data")
    good = os.path.join(d, "good.idx.gz")
    write_idx(good, np.random.default_rng(0).integers(0, 255, (300, 300)).astype(">u1"), 8, True)
    with open(good, "rb") as f:
        blob = f.read()
    cut = os.path.join(d, "cut.idx.gz")
    with open(cut, "wb") as f:
        f.write(blob[: len(blob) // 2])
    expect(["convert", cut, os.path.join(d, "o.npy")], r"cut\.idx\.gz: (corrupt gzip data|truncated)")
    expect(["convert", os.path.join(d, "none.idx"), os.path.join(d, "o.npy")],
           r"none\.idx: cannot open: No such file or directory$")
    expect(["convert", good, os.path.join(d, "o.txt")], r"name a \.npy file or an HDF5 dataset")
    convert_ok(tool, good, os.path.join(d, "e.h5") + ":/x")
    expect(["convert", good, os.path.join(d, "e.h5") + ":/x"], r"e\.h5 already has '/x'")
    expect(["convert", good, os.path.join(d, "nodir", "o.npy")], r"nodir/o\.npy: cannot create")
    expect(["info", os.path.join(d, "e.h5") + ":/y"], r"no dataset '/y'")
    if os.path.exists(os.path.join(d, "o.npy")):
        raise SystemExit("FAIL: a failed conversion left o.npy behind")
    r = run(tool, "bogus")
    if r.returncode != 2 or "see --help" not in r.stderr:
        raise SystemExit("FAIL: usage error: rc %d %r" % (r.returncode, r.stderr))
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--case", required=True, choices=["fashion_mnist", "idx_types", "errors"])
    args = ap.parse_args()
    shutil.rmtree(args.dir, ignore_errors=True)
    os.makedirs(args.dir)
    rc = globals()["case_" + args.case](args.tool, args.dir)
    shutil.rmtree(args.dir, ignore_errors=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
