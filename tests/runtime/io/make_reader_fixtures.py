#!/usr/bin/python3
"""make_reader_fixtures.py OUTDIR: .npy and HDF5 files written by NumPy and h5py, with the
expected result of reading selections of them (computed by NumPy indexing and astype), for
io_reader_test.cpp. Writes OUTDIR/manifest.json:
  {"cases": [{"spec", "rows", "lo", "hi", "target", "expected"}],   # expected: a raw file
   "open_errors": [{"spec", "error"}],  "read_errors": [{"spec", "rows", "lo", "hi", "target",
   "error"}]}  (error: a regular expression the one-line message must match)."""
import json
import os
import re
import sys

import h5py
import numpy as np

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(7)
manifest = {"cases": [], "open_errors": [], "read_errors": []}

arrays = {
    "u8_images": rng.integers(0, 256, size=(100, 6, 5), dtype=np.uint8),
    "i64_labels": rng.integers(-5, 10, size=(100,), dtype=np.int64),
    "i32_table": rng.integers(-1000, 1000, size=(40, 4), dtype=np.int32),
    "f32_cube": rng.standard_normal((30, 3, 4)).astype(np.float32),
    "f64_table": rng.standard_normal((50, 7)),
    "f64_integral": rng.integers(-100, 100, size=(20, 3)).astype(np.float64),
}
h5 = os.path.join(out, "arrays.h5")
with h5py.File(h5, "w") as f:
    grp = f.create_group("group")
    for name, a in arrays.items():
        np.save(os.path.join(out, name + ".npy"), a)
        f.create_dataset(name, data=a)
    grp.create_dataset("nested", data=arrays["f32_cube"])
    # Chunked and compressed: the hyperslab read still selects only the rows' blocks.
    f.create_dataset("chunked", data=arrays["f64_table"], chunks=(8, 7), compression="gzip")
    f.create_dataset("f16", data=np.zeros((4, 2), np.float16))
    f.create_dataset("scalar", data=np.float32(3.0))
    f.create_dataset("i16", data=np.zeros((4, 2), np.int16))

n_case = 0


def add_case(spec, a, rows, blocks, target):
    global n_case
    sel = a[np.array(rows, dtype=np.int64)] if rows else a[:0]
    for d, (lo, hi) in enumerate(blocks):
        sel = sel[(slice(None),) * (d + 1) + (slice(lo, hi),)]
    exp = np.ascontiguousarray(sel).astype({"f32": np.float32, "i32": np.int32}[target])
    name = "case%d.bin" % n_case
    n_case += 1
    exp.tofile(os.path.join(out, name))
    manifest["cases"].append({"spec": spec, "rows": [int(r) for r in rows],
                              "lo": [b[0] for b in blocks], "hi": [b[1] for b in blocks],
                              "target": target, "expected": name})


specs = {}
for name, a in arrays.items():
    specs[name] = [os.path.join(out, name + ".npy"), h5 + ":/" + name]
specs["f32_cube"].append(h5 + ":/group/nested")
specs["f64_table"].append(h5 + ":/chunked")
for name, a in arrays.items():
    integral = a.dtype.kind in "iu" or name == "f64_integral"
    for spec in specs[name]:
        n = a.shape[0]
        whole = [(0, d) for d in a.shape[1:]]
        # Unsorted rows with repeats, a run of consecutive rows, the last row, none.
        picks = [list(rng.integers(0, n, size=12)), list(range(3, 9)), [n - 1, 0, n - 1], []]
        for rows in picks:
            add_case(spec, a, rows, whole, "f32")
        # A block of every further dim (as a split feature dim gives).
        blocks = [(d // 3, d // 3 + max(1, d // 2)) for d in a.shape[1:]]
        add_case(spec, a, list(rng.integers(0, n, size=9)), blocks, "f32")
        if integral:
            add_case(spec, a, list(rng.integers(0, n, size=9)), blocks, "i32")

# Files a strict reader refuses, each with the message it must give.
def raw_npy(name, header, data=b""):
    h = header.encode()
    pad = (64 - (10 + len(h) + 1) % 64) % 64
    body = b"\x93NUMPY\x01\x00" + (len(h) + pad + 1).to_bytes(2, "little") + h + b" " * pad + b"\n"
    path = os.path.join(out, name)
    with open(path, "wb") as f:
        f.write(body + data)
    return path

def open_error(spec, regex):
    manifest["open_errors"].append({"spec": spec, "error": regex})

p = os.path.join(out, "fortran.npy")
np.save(p, np.asfortranarray(np.zeros((3, 4), np.float32)))
open_error(p, r"^.*fortran\.npy: Fortran-order array")
p = os.path.join(out, "big_endian.npy")
np.save(p, np.zeros((3, 4), ">f4"))
open_error(p, r"big_endian\.npy: big-endian element type '>f4'")
p = os.path.join(out, "f16.npy")
np.save(p, np.zeros((3, 4), np.float16))
open_error(p, r"f16\.npy: unsupported element type '<f2'")
p = os.path.join(out, "structured.npy")
np.save(p, np.zeros(3, dtype=[("a", "<f4"), ("b", "<i4")]))
open_error(p, r"structured\.npy: unsupported element type \(a structured dtype\)")
p = os.path.join(out, "scalar.npy")
np.save(p, np.float32(2.0))
open_error(p, r"scalar\.npy: a 0-d array \(no sample dim")
p = os.path.join(out, "truncated.npy")
np.save(p, np.zeros((10, 4), np.float32))
with open(p, "r+b") as f:
    f.truncate(os.path.getsize(p) - 5)
open_error(p, r"truncated\.npy: truncated: the header's shape \[10, 4\] of f32 needs 160 data "
              r"bytes, the file has 155$")
p = os.path.join(out, "not_npy.npy")
with open(p, "wb") as f:
    f.write(b"hello, world, this is text\n")
open_error(p, r"not_npy\.npy: not a NumPy \.npy file")
p = os.path.join(out, "header_cut.npy")
with open(p, "wb") as f:
    f.write(b"\x93NUMPY\x01\x00\x76\x00{'descr': '<f4',")
open_error(p, r"header_cut\.npy: truncated \.npy header")
open_error(raw_npy("unknown_key.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1, }", b"\0" * 4),
           r"unknown_key\.npy: unexpected key 'x'")
open_error(raw_npy("no_shape.npy", "{'descr': '<f4', 'fortran_order': False, }"),
           r"no_shape\.npy: header lacks 'shape'")
open_error(raw_npy("bad_tuple.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (3), }", b"\0" * 12),
           r"bad_tuple\.npy: corrupt header: a one-dimension shape needs a trailing ','")
open_error(raw_npy("garbage_after.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), } x", b"\0" * 4),
           r"garbage_after\.npy: corrupt header: unexpected text after the header dict")
p = raw_npy("too_long.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", b"\0" * 12)
open_error(p, r"too_long\.npy: corrupt: the header's shape \[2\] of f32 needs 8 data bytes, the file has 12")
open_error(os.path.join(out, "missing.npy"), r"missing\.npy: cannot open: No such file or directory$")
open_error(h5 + ":/nothing", r"arrays\.h5:/nothing: no dataset '/nothing' in .*arrays\.h5$")
open_error(h5 + ":/group/nothing/deeper", r"no dataset '/group/nothing/deeper'")
open_error(h5 + ":/group", r"arrays\.h5:/group: '/group' in .*arrays\.h5 is not a dataset$")
open_error(h5 + ":/f16", r"arrays\.h5:/f16: unsupported element type \(float of 2 bytes")
open_error(h5 + ":/i16", r"arrays\.h5:/i16: unsupported element type \(signed integer of 2 bytes")
open_error(h5 + ":/scalar", r"arrays\.h5:/scalar: a scalar dataset \(no sample dim")
open_error(os.path.join(out, "u8_images.npy") + ":/images",
           r"u8_images\.npy:/images: .*u8_images\.npy is not an HDF5 file$")
open_error(h5, r"arrays\.h5: an HDF5 file; name its dataset: .*arrays\.h5:/DATASET$")
# A truncated HDF5 file: HDF5's own check of the end of file.
with open(h5, "rb") as f:
    data = f.read()
p = os.path.join(out, "truncated.h5")
with open(p, "wb") as f:
    f.write(data[: len(data) // 2])
open_error(p + ":/u8_images", r"truncated\.h5:/u8_images: cannot open .*truncated\.h5: .+")

for spec in [os.path.join(out, "f64_table.npy"), h5 + ":/f64_table"]:
    manifest["read_errors"].append({"spec": spec, "rows": [1, 50], "lo": [0], "hi": [7],
                                    "target": "f32",
                                    "error": r"(f64_table\.npy|arrays\.h5:/f64_table): row 50 is out of "
                                             r"range \(the array has 50 rows\)$"})
    manifest["read_errors"].append({"spec": spec, "rows": [1], "lo": [3], "hi": [8],
                                    "target": "f32",
                                    "error": r": block \[3, 8\) of dim 1 is out of range \(the array is \[50, 7\]\)$"})
    bad = arrays["f64_table"][4, 2]
    manifest["read_errors"].append({"spec": spec, "rows": [4], "lo": [2], "hi": [5],
                                    "target": "i32",
                                    "error": r": element 0 of row 4 \(selected block\) is %s[0-9]*, "
                                             r"not a value i32 holds$" % re.escape(repr(float(bad))[:6])})

# For the byte counts: a[i, j] = i * 512 + j (exact in f32), 4 MiB.
big = np.arange(2048 * 512, dtype=np.float32).reshape(2048, 512)
np.save(os.path.join(out, "big.npy"), big)
with h5py.File(os.path.join(out, "big.h5"), "w") as f:
    f.create_dataset("big", data=big)

with open(os.path.join(out, "manifest.json"), "w") as f:
    json.dump(manifest, f, indent=1)

# A checkpoint as a NumPy user writes one (struct + json + NumPy), for the load test.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_np  # noqa: E402

safetensors_np.write(os.path.join(out, "numpy_written.safetensors"))
