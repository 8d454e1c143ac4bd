#!/usr/bin/python3
"""Makes the models of bench/bench_models.cpp in PyTorch (Debian's python3-torch 1.13), with fixed
random weights, so that neuron and libtorch run the same models with the same weights:
  encoder/       nn.TransformerEncoderLayer(256, 4, 1024, dropout 0, batch_first), x [1, 128, 256]
  seed_mlp/      Linear(784, 120) - ReLU - Linear(120, 10) - Softmax, x [1, 784] and [64, 784]
  embed/         Embedding(30522, 512) - Linear(512, 128) - ReLU - Linear(128, 2) - Softmax,
                 ids [1, 4]
  gemm_256/      Linear(256, 256) on x [256, 256]
  gemm_enc_qkv/  Linear(256, 768), gemm_enc_out/ Linear(256, 256), gemm_enc_ff1/ Linear(256, 1024),
  gemm_enc_ff2/  Linear(1024, 256), each on x [128, K] (the encoder's GEMMs)
Each folder: weights.safetensors (the state_dict, torch's keys), x.npy (for seed_mlp: x_b1.npy and
x_b64.npy), <model>.pt (for seed_mlp: seed_mlp_b1.pt and seed_mlp_b64.pt; torch.jit.trace under
no_grad, then torch.jit.freeze) and <model>.onnx (opset 17, for an ONNX Runtime column; fixed shapes,
b1 only for seed_mlp).
Prints torch's build configuration (which BLAS) and which path the encoder's TorchScript graph takes.
Usage: /usr/bin/python3 bench/make_bench_models.py OUT_DIR
"""
import os
import sys

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "fixtures"))
from fixture_io import save_safetensors  # noqa: E402

GEMMS = {  # name: (M, K, N)
    "gemm_256": (256, 256, 256),
    "gemm_enc_qkv": (128, 256, 768),
    "gemm_enc_out": (128, 256, 256),
    "gemm_enc_ff1": (128, 256, 1024),
    "gemm_enc_ff2": (128, 1024, 256),
}


def write(out, name, model, inputs, pt_names):
    """inputs: {suffix: tensor}; pt_names: {suffix: file name of the TorchScript module}."""
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    model.eval()
    save_safetensors(os.path.join(d, "weights.safetensors"), model.state_dict())
    first = None
    for suffix, x in inputs.items():
        np.save(os.path.join(d, f"x{suffix}.npy"), x.numpy())
        with torch.no_grad():
            ts = torch.jit.freeze(torch.jit.trace(model, x))
        ts.save(os.path.join(d, pt_names[suffix]))
        if first is None:
            first = (x, ts)
    # Gradients on for the export: under no_grad torch 1.13 runs nn.TransformerEncoderLayer
    # through its fused kernel, which torch.onnx.export does not record.
    torch.onnx.export(model, (first[0],), os.path.join(d, f"{name}.onnx"), opset_version=17,
                      input_names=["x"], output_names=["y"])
    print(f"{name}: weights, {', '.join(pt_names.values())}, {name}.onnx")
    return first[1]


def main():
    out = sys.argv[1]
    torch.manual_seed(0)
    torch.set_num_threads(1)

    enc = nn.TransformerEncoderLayer(256, 4, 1024, 0.0, batch_first=True)
    ts = write(out, "encoder", enc, {"": torch.randn(1, 128, 256)}, {"": "encoder.pt"})
    graph = str(ts.graph)
    path = ("fast path (aten::_transformer_encoder_layer_fwd)"
            if "_transformer_encoder_layer_fwd" in graph else "the layer's ops (no fused kernel)")
    print(f"encoder TorchScript graph: {path}")
    with open(os.path.join(out, "encoder", "torchscript_path.txt"), "w") as f:
        f.write(path + "\n")

    mlp = nn.Sequential(nn.Linear(784, 120), nn.ReLU(), nn.Linear(120, 10), nn.Softmax(-1))
    write(out, "seed_mlp", mlp, {"_b1": torch.rand(1, 784), "_b64": torch.rand(64, 784)},
          {"_b1": "seed_mlp_b1.pt", "_b64": "seed_mlp_b64.pt"})

    embed = nn.Sequential(nn.Embedding(30522, 512), nn.Linear(512, 128), nn.ReLU(),
                          nn.Linear(128, 2), nn.Softmax(-1))
    write(out, "embed", embed, {"": torch.tensor([[1, 28, 748, 0]])}, {"": "embed.pt"})

    for name, (m, k, n) in GEMMS.items():
        write(out, name, nn.Linear(k, n), {"": torch.randn(m, k)}, {"": f"{name}.pt"})

    print("torch", torch.__version__, "build configuration:")
    print(torch.__config__.show())


if __name__ == "__main__":
    main()
