#!/usr/bin/python3
"""The models of scripts/bench_serve.sh: resnet18 and the BERT-style encoder ("bert") of
bench/make_bench_models.py, with the same construction and the same weights, exported to ONNX
(opset 17) with a DYNAMIC batch axis (dim 0 of every input and output), so that one file is
served by neuron-serve (as model.onnx in its repository) and by the peer server (ONNX Runtime).

The models are those make_bench_models.py builds: its main() runs with its write() replaced by one
that only keeps the models and their inputs, so the random weights come from the same generator
calls in the same order (nothing is copied from that script). With --fixtures DIR (the output
folder of make_bench_models.py) the weights are compared with DIR/<model>/weights.safetensors.

OUT_DIR/<model>/ gets
  model.onnx          dynamic batch; inputs and outputs named as make_bench_models.py names them
                      (resnet18: x -> y0; bert: ids, types, padding -> y0 sequence, y1 pooled)
  weights.safetensors the state_dict (torch's names), as make_bench_models.py writes it: what
                      bench/make_serve_neuron_models.cpp loads into the same models written in
                      neuron's DSL
  <input>.npy         one request's inputs, batch 1 (bert: row 0 of the fixture's [4, 64] inputs,
                      no padding), and <input>_b2.npy, batch 2 (bert: rows 0 and 1)
  <output>.npy        torch's outputs for them (gradients on: the graph the ONNX export records),
                      <output>_b2.npy for the batch-2 inputs
  request.bin         the batch-1 request as tritonclient sends it over REST with the binary
                      tensor data extension: the JSON header, then the inputs' raw little-endian
                      bytes; request.json says the header's length (the value of the
                      Inference-Header-Content-Length HTTP header)
  perf_data.json, perf_data_nobatch.json
                      perf_analyzer --input-data: the batch-1 request without and with the batch
                      dim in "shape" (for a model config with max_batch_size > 0, and 0)
OUT_DIR/models.json lists the models: inputs (name, datatype, shape at batch 1, file) and outputs.

  /usr/bin/python3 bench/make_serve_models.py OUT_DIR [--fixtures DIR]
  /usr/bin/python3 bench/make_serve_models.py --check URL MODEL_NAME OUT_DIR/<model> [--batch1]
The second form sends the batch-1 and batch-2 requests (--batch1: only the first) to a KServe v2
REST server (binary tensor extension, as tritonclient does) and compares the outputs with torch's;
exit 1 on a mismatch or a failed request.
"""
import contextlib
import io
import json
import os
import struct
import sys
import tempfile
import types
import urllib.error
import urllib.request

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DATATYPES = {np.dtype("float32"): "FP32", np.dtype("int64"): "INT64", np.dtype("int32"): "INT32",
             np.dtype("bool"): "BOOL", np.dtype("float64"): "FP64"}
NUMPY_OF = {v: k for k, v in DATATYPES.items()}
MODELS = ("resnet18", "bert")


def capture_bench_models():
    """{name: (model, {input name: tensor})} for MODELS, built by make_bench_models.main()."""
    sys.path.insert(0, HERE)
    import make_bench_models as mbm
    captured = {}

    def keep(out, name, model, cases, onnx=True):
        os.makedirs(os.path.join(out, name), exist_ok=True)
        _, inputs, _ = next(iter(cases.values()))
        captured[name] = (model.eval(), inputs)
        return types.SimpleNamespace(graph="")  # main() reads the encoder's TorchScript graph

    real_write, real_argv = mbm.write, sys.argv
    with tempfile.TemporaryDirectory() as tmp, contextlib.redirect_stdout(io.StringIO()):
        mbm.write, sys.argv = keep, [sys.argv[0], tmp]
        try:
            mbm.main()
        finally:
            mbm.write, sys.argv = real_write, real_argv
    return {name: captured[name] for name in MODELS}


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    dt = {"F32": "<f4", "I64": "<i8"}
    return {k: np.frombuffer(data[v["data_offsets"][0]:v["data_offsets"][1]],
                             dtype=dt[v["dtype"]]).reshape(v["shape"])
            for k, v in header.items() if k != "__metadata__"}


def check_weights(fixtures, name, model):
    path = os.path.join(fixtures, name, "weights.safetensors")
    if not os.path.exists(path):
        print(f"{name}: no {path}, weights not compared")
        return
    saved = read_safetensors(path)
    state = model.state_dict()
    if sorted(saved) != sorted(state) or any(
            not np.array_equal(saved[k], state[k].numpy()) for k in state):
        sys.exit(f"{name}: the weights differ from {path}: make_bench_models.py changed; "
                 "this script follows it, so remake both")
    print(f"{name}: weights equal to {path}")


def request_body(inputs, outputs):
    """(body, header length) of a v2 infer request with binary inputs and binary outputs."""
    header = {"inputs": [{"name": k, "shape": list(v.shape), "datatype": DATATYPES[v.dtype],
                          "parameters": {"binary_data_size": v.nbytes}}
                         for k, v in inputs.items()],
              "outputs": [{"name": k, "parameters": {"binary_data": True}} for k in outputs]}
    h = json.dumps(header, separators=(",", ":")).encode()
    return h + b"".join(np.ascontiguousarray(v).astype(v.dtype.newbyteorder("<")).tobytes()
                        for v in inputs.values()), len(h)


def perf_data(inputs, with_batch):
    entry = {}
    for k, v in inputs.items():
        e = {"content": v.reshape(-1).tolist(), "shape": list(v.shape if with_batch else
                                                                v.shape[1:])}
        entry[k] = e
    return {"data": [entry]}


def export(out, fixtures):
    import torch
    sys.path.insert(0, os.path.join(HERE, "..", "tests", "fixtures"))
    from fixture_io import save_safetensors
    torch.set_num_threads(1)
    manifest = []
    for name, (model, example) in capture_bench_models().items():
        if fixtures:
            check_weights(fixtures, name, model)
        d = os.path.join(out, name)
        os.makedirs(d, exist_ok=True)
        save_safetensors(os.path.join(d, "weights.safetensors"), model.state_dict())
        b1 = {k: v[:1].contiguous() for k, v in example.items()}
        b2 = {k: (v[:2] if v.shape[0] >= 2 else torch.cat([v, v.flip(1)])).contiguous()
              for k, v in example.items()}
        outs = {}
        for suffix, inp in (("", b1), ("_b2", b2)):
            ys = model(*inp.values())  # gradients on, as make_bench_models.py
            ys = (ys,) if torch.is_tensor(ys) else ys
            outs[suffix] = [y.detach().numpy() for y in ys]
            for k, v in inp.items():
                np.save(os.path.join(d, f"{k}{suffix}.npy"), v.numpy())
            for i, y in enumerate(outs[suffix]):
                np.save(os.path.join(d, f"y{i}{suffix}.npy"), y)
        out_names = [f"y{i}" for i in range(len(outs[""]))]
        torch.onnx.export(model, tuple(b1.values()), os.path.join(d, "model.onnx"),
                          opset_version=17, input_names=list(b1), output_names=out_names,
                          dynamic_axes={k: {0: "batch"} for k in list(b1) + out_names})
        arrays = {k: v.numpy() for k, v in b1.items()}
        body, hlen = request_body(arrays, out_names)
        with open(os.path.join(d, "request.bin"), "wb") as f:
            f.write(body)
        with open(os.path.join(d, "request.json"), "w") as f:
            json.dump({"header_length": hlen, "body_length": len(body)}, f)
        for fname, with_batch in (("perf_data.json", False), ("perf_data_nobatch.json", True)):
            with open(os.path.join(d, fname), "w") as f:
                json.dump(perf_data(arrays, with_batch), f)
        manifest.append({
            "name": name,
            "inputs": [{"name": k, "datatype": DATATYPES[v.dtype], "shape": list(v.shape),
                        "file": f"{k}.npy"} for k, v in arrays.items()],
            "outputs": [{"name": n, "datatype": "FP32", "shape": list(y.shape), "file": f"{n}.npy"}
                        for n, y in zip(out_names, outs[""])]})
        print(f"{name}: {d}/model.onnx (dynamic batch), inputs " +
              ", ".join(f"{k} {list(v.shape)}" for k, v in arrays.items()))
    with open(os.path.join(out, "models.json"), "w") as f:
        json.dump(manifest, f, indent=1)


def infer(url, model, inputs, out_names):
    body, hlen = request_body(inputs, out_names)
    req = urllib.request.Request(f"{url}/v2/models/{model}/infer", data=body, method="POST",
                                 headers={"Content-Type": "application/octet-stream",
                                          "Inference-Header-Content-Length": str(hlen)})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            data, rh = r.read(), r.headers.get("Inference-Header-Content-Length")
    except urllib.error.HTTPError as e:
        raise RuntimeError(f"HTTP {e.code}: {e.read()[:500]!r}") from None
    n = int(rh) if rh is not None else len(data)
    header, pos, got = json.loads(data[:n]), n, {}
    for o in header["outputs"]:
        dt = NUMPY_OF[o["datatype"]].newbyteorder("<")
        size = (o.get("parameters") or {}).get("binary_data_size")
        if size is not None:
            got[o["name"]] = np.frombuffer(data[pos:pos + size], dtype=dt).reshape(o["shape"])
            pos += size
        else:
            got[o["name"]] = np.array(o["data"], dtype=dt).reshape(o["shape"])
    return got


def check(url, model, d, batch1_only=False):
    entry = next(m for m in json.load(open(os.path.join(d, "..", "models.json")))
                 if m["name"] == os.path.basename(os.path.normpath(d)))
    out_names = [o["name"] for o in entry["outputs"]]
    ok = True
    suffixes = ("",) if batch1_only else ("", "_b2")
    for suffix in suffixes:
        inputs = {i["name"]: np.load(os.path.join(d, f"{i['name']}{suffix}.npy"))
                  for i in entry["inputs"]}
        try:
            got = infer(url, model, inputs, out_names)
        except Exception as e:  # noqa: BLE001 - reported, the caller decides
            print(f"check {model} batch {next(iter(inputs.values())).shape[0]}: {e}")
            ok = False
            continue
        for n in out_names:
            want = np.load(os.path.join(d, f"{n}{suffix}.npy"))
            y = got.get(n)
            tol = 1e-3 * float(np.abs(want).max()) + 1e-4
            if y is None or y.shape != want.shape:
                print(f"check {model}{suffix} {n}: shape {None if y is None else y.shape}, "
                      f"expected {want.shape}")
                ok = False
            elif not np.allclose(y, want, rtol=1e-3, atol=tol):
                print(f"check {model}{suffix} {n}: max |diff| {np.abs(y - want).max():.3g} "
                      f"(tolerance {tol:.3g})")
                ok = False
    print(f"check {model} at {url}: {'outputs match torch' if ok else 'MISMATCH'}"
          f" ({'batch 1' if batch1_only else 'batch 1 and 2'})")
    return ok


def main():
    args = sys.argv[1:]
    if args[:1] == ["--check"] and len(args) in (4, 5) and args[4:] in ([], ["--batch1"]):
        sys.exit(0 if check(args[1].rstrip("/"), args[2], args[3], len(args) == 5) else 1)
    if len(args) == 1 or (len(args) == 3 and args[1] == "--fixtures"):
        export(args[0], args[2] if len(args) == 3 else None)
        return
    sys.exit(__doc__)


if __name__ == "__main__":
    main()
