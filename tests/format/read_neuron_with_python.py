#!/usr/bin/env python3
"""Reads a .neuron file's weights the way a safetensors reader does, with only the Python standard
library and torch (the `safetensors` package is not in Debian 12): 8-byte little-endian header
length, UTF-8 JSON starting with '{', offsets tiling the data section exactly. Compares every
weight with the model's state_dict saved separately, and checks the neuron metadata.

usage: read_neuron_with_python.py module.neuron state.safetensors
"""
import json
import struct
import sys

try:
    import torch
except ImportError:
    print("torch is not installed (python3-torch); skipping")
    sys.exit(77)

DTYPES = {"F32": torch.float32, "F64": torch.float64, "I32": torch.int32, "I64": torch.int64,
          "BOOL": torch.bool}


def read(path):
    with open(path, "rb") as f:
        data = f.read()
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
        t = torch.frombuffer(bytearray(body[begin:end]), dtype=DTYPES[e["dtype"]]) if end > begin \
            else torch.empty(0, dtype=DTYPES[e["dtype"]])
        tensors[name] = t.reshape(e["shape"])
        at = end
    assert at == len(body), "trailing bytes"
    return tensors, meta, 8 + n


def main():
    module, meta, data_start = read(sys.argv[1])
    state, _, _ = read(sys.argv[2])
    assert meta["neuron.format"] == "neuron.module", meta.get("neuron.format")
    assert meta["neuron.format_version"].startswith("1."), meta["neuron.format_version"]
    assert data_start % 64 == 0, "weights must start on a 64-byte boundary"
    graph = json.loads(meta["neuron.graph"])
    assert set(graph["weights"]) == set(module), "graph weights vs file tensors"
    for name, t in state.items():
        assert name in module, f"{name} missing from the module"
        assert torch.equal(module[name], t), f"{name} differs"
    print(f"python read {len(module)} weights from {sys.argv[1]}: all equal to the state_dict")


if __name__ == "__main__":
    main()
