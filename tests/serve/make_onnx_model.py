#!/usr/bin/python3
"""Adds a model.onnx to the serving test repository: a PyTorch MLP (Linear 16-32, ReLU, Linear
32-4) exported by torch.onnx with a dynamic batch axis, named inputs and outputs, so neuron-serve
imports and traces it at load (buckets over the batch). Writes
  REPO/models/onnx_mlp/1/model.onnx, REPO/models/onnx_mlp/config.json,
  REPO/expected/onnx_x.npy [3, 16] and onnx_y.npy (PyTorch's outputs).
Usage: /usr/bin/python3 tests/serve/make_onnx_model.py REPO
"""
import json
import os
import sys

import numpy as np
import torch


def main(repo):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.ReLU(), torch.nn.Linear(32, 4))
    model.eval()
    folder = os.path.join(repo, "models", "onnx_mlp")
    os.makedirs(os.path.join(folder, "1"), exist_ok=True)
    os.makedirs(os.path.join(repo, "expected"), exist_ok=True)
    x = torch.rand(3, 16)
    torch.onnx.export(model, x, os.path.join(folder, "1", "model.onnx"), opset_version=17,
                      input_names=["features"], output_names=["scores"],
                      dynamic_axes={"features": {0: "batch"}, "scores": {0: "batch"}})
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump({"max_batch_size": 4, "max_queue_delay_us": 1000}, f)
    with torch.no_grad():
        y = model(x)
    np.save(os.path.join(repo, "expected", "onnx_x.npy"), x.numpy())
    np.save(os.path.join(repo, "expected", "onnx_y.npy"), y.numpy())
    print("wrote", os.path.join(folder, "1", "model.onnx"))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
