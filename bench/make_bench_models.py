#!/usr/bin/python3
"""Makes the models of bench/bench_models.cpp and bench/bench_vision.cpp in PyTorch (Debian's
python3-torch 1.13 and python3-torchvision), with fixed random weights, so that neuron, libtorch
and ONNX Runtime run the same models with the same weights on the same inputs:
  encoder/       nn.TransformerEncoderLayer(256, 4, 1024, dropout 0, batch_first), x [1, 128, 256]
  seed_mlp/      Linear(784, 120) - ReLU - Linear(120, 10) - Softmax, x [1, 784] and [64, 784]
  embed/         Embedding(30522, 512) - Linear(512, 128) - ReLU - Linear(128, 2) - Softmax,
                 ids [1, 4]
  gemm_256/      Linear(256, 256) on x [256, 256]
  gemm_enc_qkv/  Linear(256, 768), gemm_enc_out/ Linear(256, 256), gemm_enc_ff1/ Linear(256, 1024),
  gemm_enc_ff2/  Linear(1024, 256), each on x [128, K] (the encoder's GEMMs)
  bert/          the BERT-style encoder of tests/fixtures/make_seq_model_fixtures.py (TinyBert) at
                 bench_seq's size (vocab 8192, d_model 256, 4 heads, ff 1024, 4 layers, max_len
                 64; examples/bert_model.hpp in neuron) on ids, types, padding [4, 64] (no padding)
  resnet18/, mobilenet_v2/
                 torchvision's models, batch norms randomised as in make_vision_model_fixtures.py,
                 x [1, 3, 224, 224] (bench_vision reads this folder as its fixture folder too)
Each folder: weights.safetensors (the state_dict, torch's keys), the inputs (x<suffix>.npy; bert:
ids.npy, types.npy, padding.npy), the TorchScript file (torch.jit.trace under no_grad, then
torch.jit.freeze), the ONNX file (opset 17, fixed shapes; not for the GEMMs) and the expected
outputs y<suffix>.npy (bert: y_0.npy sequence, y_1.npy pooled), computed with gradients on: the
graph the ONNX export records (under no_grad torch 1.13 runs nn.TransformerEncoderLayer through its
fused kernel, which torch.onnx.export does not record).
OUT_DIR/cases.json lists every case: its files, inputs and expected outputs (for
bench/time_onnxruntime.py and bench/openblas_core.py).
Prints torch's build configuration (which BLAS) and which path the encoder's TorchScript graph takes.
Usage: /usr/bin/python3 bench/make_bench_models.py OUT_DIR
"""
import json
import os
import sys

import numpy as np
import torch
import torchvision
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "fixtures"))
from fixture_io import save_safetensors  # noqa: E402
import make_seq_model_fixtures as seq  # noqa: E402
import make_vision_model_fixtures as vision  # noqa: E402

GEMMS = {  # name: (M, K, N)
    "gemm_256": (256, 256, 256),
    "gemm_enc_qkv": (128, 256, 768),
    "gemm_enc_out": (128, 256, 256),
    "gemm_enc_ff1": (128, 256, 1024),
    "gemm_enc_ff2": (128, 1024, 256),
}
MANIFEST = []  # the cases written, for cases.json


def write(out, name, model, cases, onnx=True):
    """cases: {case name: (suffix, {input name: tensor}, TorchScript file name)}. Returns the
    TorchScript module of the first case and appends the cases to the manifest."""
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    model.eval()
    save_safetensors(os.path.join(d, "weights.safetensors"), model.state_dict())
    first, manifest = None, []
    for case, (suffix, inputs, pt) in cases.items():
        files = {}
        for k, x in inputs.items():
            files[k] = f"{k}{suffix}.npy" if len(inputs) == 1 else f"{k}.npy"
            np.save(os.path.join(d, files[k]), x.numpy())
        args = tuple(inputs.values())
        with torch.no_grad():
            ts = torch.jit.freeze(torch.jit.trace(model, args))
        ts.save(os.path.join(d, pt))
        if first is None:
            first = ts
        ys = model(*args)  # gradients on: the graph the ONNX export records
        ys = (ys,) if torch.is_tensor(ys) else ys
        outputs = [f"y{suffix}.npy"] if len(ys) == 1 else [f"y_{i}.npy" for i in range(len(ys))]
        for f, y in zip(outputs, ys):
            np.save(os.path.join(d, f), y.detach().numpy())
        entry = {"case": case, "dir": name, "torchscript": pt, "inputs": files, "outputs": outputs}
        if onnx:
            entry["onnx"] = f"{case}.onnx"
            torch.onnx.export(model, args, os.path.join(d, entry["onnx"]), opset_version=17,
                              input_names=list(inputs), output_names=[f"y{i}" for i in
                                                                      range(len(ys))])
        manifest.append(entry)
    MANIFEST.extend(manifest)
    print(f"{name}: " + ", ".join(f"{e['case']} ({e['torchscript']}{', ' + e['onnx'] if onnx else ''})"
                                  for e in manifest))
    return first



def main():
    out = sys.argv[1]
    torch.manual_seed(0)
    torch.set_num_threads(1)

    enc = nn.TransformerEncoderLayer(256, 4, 1024, 0.0, batch_first=True)
    ts = write(out, "encoder", enc, {"encoder": ("", {"x": torch.randn(1, 128, 256)},
                                                 "encoder.pt")})
    graph = str(ts.graph)
    path = ("fast path (aten::_transformer_encoder_layer_fwd)"
            if "_transformer_encoder_layer_fwd" in graph else "the layer's ops (no fused kernel)")
    print(f"encoder TorchScript graph: {path}")
    with open(os.path.join(out, "encoder", "torchscript_path.txt"), "w") as f:
        f.write(path + "\n")

    mlp = nn.Sequential(nn.Linear(784, 120), nn.ReLU(), nn.Linear(120, 10), nn.Softmax(-1))
    write(out, "seed_mlp", mlp,
          {"seed_mlp_b1": ("_b1", {"x": torch.rand(1, 784)}, "seed_mlp_b1.pt"),
           "seed_mlp_b64": ("_b64", {"x": torch.rand(64, 784)}, "seed_mlp_b64.pt")})

    embed = nn.Sequential(nn.Embedding(30522, 512), nn.Linear(512, 128), nn.ReLU(),
                          nn.Linear(128, 2), nn.Softmax(-1))
    write(out, "embed", embed, {"embed": ("", {"x": torch.tensor([[1, 28, 748, 0]])}, "embed.pt")})

    for name, (m, k, n) in GEMMS.items():
        write(out, name, nn.Linear(k, n), {name: ("", {"x": torch.randn(m, k)}, f"{name}.pt")},
              onnx=False)

    gen = torch.Generator().manual_seed(3)
    bert = seq.TinyBert(vocab=8192, d=256, heads=4, ff=1024, layers=4, max_len=64)
    seq.randomise_norms(bert, gen)
    ids = torch.randint(1, 8192, (4, 64), generator=gen)
    types = torch.randint(0, 2, (4, 64), generator=gen)
    padding = torch.zeros(4, 64, dtype=torch.bool)
    write(out, "bert", bert,
          {"bert": ("", {"ids": ids, "types": types, "padding": padding}, "bert.pt")})

    for name in ("resnet18", "mobilenet_v2"):
        model = getattr(torchvision.models, name)()
        with torch.no_grad():
            vision.randomise_batch_norms(model, gen)
        write(out, name, model,
              {name: ("", {"x": torch.randn(1, 3, 224, 224, generator=gen)}, f"{name}_b1.pt")})

    with open(os.path.join(out, "cases.json"), "w") as f:
        json.dump(MANIFEST, f, indent=1)
    print("torch", torch.__version__, "build configuration:")
    print(torch.__config__.show())


if __name__ == "__main__":
    main()
