#!/usr/bin/env python3
"""Reads a .neuron file's weights the way a safetensors reader does, with the Python standard
library only (the `safetensors` package is not in Debian 12, and this test must not skip):
8-byte little-endian header length, UTF-8 JSON starting with '{', dtypes and shapes matching the
byte ranges, offsets tiling the data section exactly. Compares every weight with the model's
state_dict saved separately as a plain safetensors file, and checks the neuron metadata.
When python3-torch is installed, the weights are also rebuilt with torch.frombuffer.

usage: read_neuron_with_python.py module.neuron state.safetensors
"""
import array
import json
import math
import struct
import sys

# safetensors dtype -> (array typecode, element size)
DTYPES = {"F32": ("f", 4), "F64": ("d", 8), "I32": ("i", 4), "I64": ("q", 8), "BOOL": ("B", 1)}


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    assert len(data) >= 8, "shorter than the 8-byte header length"
    (n,) = struct.unpack("<Q", data[:8])
    assert n <= 100_000_000 and 8 + n <= len(data), "header length"
    text = data[8:8 + n].decode("utf-8")
    assert text.startswith("{"), "header must start with {"
    header = json.loads(text)
    meta = header.pop("__metadata__", {})
    body = data[8 + n:]
    entries = sorted(header.items(), key=lambda kv: kv[1]["data_offsets"])
    at = 0
    tensors = {}
    for name, e in entries:
        begin, end = e["data_offsets"]
        assert begin == at, f"{name}: gap or overlap"
        code, size = DTYPES[e["dtype"]]
        assert end - begin == math.prod(e["shape"]) * size, f"{name}: byte range vs shape"
        values = array.array(code)
        assert values.itemsize == size
        values.frombytes(body[begin:end])
        if sys.byteorder != "little":
            values.byteswap()
        tensors[name] = (e["dtype"], e["shape"], values)
        at = end
    assert at == len(body), "trailing bytes"
    return tensors, meta, 8 + n


def check_with_torch(module):
    try:
        import torch
    except ImportError:
        return "torch not installed: stdlib reader only"
    kinds = {"F32": torch.float32, "F64": torch.float64, "I32": torch.int32, "I64": torch.int64,
             "BOOL": torch.bool}
    for name, (dtype, shape, values) in module.items():
        t = torch.frombuffer(bytearray(values.tobytes()), dtype=kinds[dtype]).reshape(shape)
        assert t.flatten().tolist() == [bool(v) if dtype == "BOOL" else v for v in values], name
    return "torch.frombuffer agrees"


def main():
    module, meta, data_start = read(sys.argv[1])
    state, _, _ = read(sys.argv[2])
    assert meta["neuron.format"] == "neuron.module", meta.get("neuron.format")
    assert meta["neuron.format_version"].startswith("1."), meta["neuron.format_version"]
    assert meta["neuron.checksum"].startswith("xxh3-128:"), meta["neuron.checksum"]
    assert data_start % 64 == 0, "weights must start on a 64-byte boundary"
    graph = json.loads(meta["neuron.graph"])
    assert set(graph["weights"]) == set(module), "graph weights vs file tensors"
    for name, (dtype, shape, values) in state.items():
        assert name in module, f"{name} missing from the module"
        assert module[name][:2] == (dtype, shape), f"{name}: dtype/shape differ"
        assert module[name][2] == values, f"{name} differs"
    note = check_with_torch(module)
    print(f"python read {len(module)} weights from {sys.argv[1]}: all equal to the state_dict "
          f"({note})")


if __name__ == "__main__":
    main()
