"""The safetensors format with nothing but struct, json and NumPy (its specification: an
8-byte little-endian header length, a JSON header naming each tensor's dtype, shape and byte
range in the data section, optional "__metadata__" of strings, then the data): the reader and
writer that stand for PyTorch, JAX or NumPy users in the checkpoint tests."""
import json
import struct

import numpy as np

DTYPES = {"U8": "<u1", "I32": "<i4", "I64": "<i8", "F32": "<f4", "F64": "<f8"}


def read(path):
    """(tensors {name: array}, metadata {str: str}, header length in bytes) of a file."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    meta = header.pop("__metadata__", {})
    data = blob[8 + n:]
    tensors = {}
    for name, e in header.items():
        b, end = e["data_offsets"]
        tensors[name] = np.frombuffer(data[b:end], dtype=DTYPES[e["dtype"]]).reshape(e["shape"])
    return tensors, meta, n


def write(path, tensors, meta=None):
    """Writes {name: array} (and metadata) as another framework would: tensors in the given
    order, the header padded with spaces to a multiple of 8 bytes."""
    names = {np.dtype(v): k for k, v in DTYPES.items()}
    header, chunks, offset = {}, [], 0
    if meta:
        header["__metadata__"] = meta
    for name, arr in tensors.items():
        data = np.ascontiguousarray(arr).tobytes()
        header[name] = {"dtype": names[arr.dtype.newbyteorder("<")], "shape": list(arr.shape),
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))
