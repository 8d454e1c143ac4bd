"""The peer server of scripts/bench_serve.sh: ONNX files served by Triton Inference Server through
PyTriton (nvidia-pytriton from PyPI, which bundles Triton's server binary), each model run by ONNX
Runtime on the CPU, over the KServe v2 / Open Inference Protocol (REST and gRPC). Inputs and
outputs keep the ONNX file's names; dim 0 of the ONNX inputs is the batch.

With --max-batch-size > 1 the model is configured for batching (max_batch_size, shapes without the
batch dim) and Triton's dynamic batcher forms the batches (max_queue_delay_microseconds,
preferred_batch_size), as neuron-serve's config.json does; with 0 or 1 batching is off (PyTriton's
batching=False: max_batch_size 0, shapes with the batch dim, one request per model call).
--instances N binds N callables (Triton model instances) that share one ORT session;
--threads T sets ORT's intra-op threads (inter-op: 1).

  python bench/serve_peer_pytriton.py --model NAME=PATH.onnx [--model ...] --http-port P
      --grpc-port Q [--host 127.0.0.1] [--max-batch-size 16] [--max-queue-delay-us 500]
      [--preferred-batch-sizes 4,8] [--instances 1] [--threads 2] [--port-file F]
Prints "peer: ready" once Triton serves every model; stops on SIGTERM or SIGINT.
Run it with the Python of a venv that has nvidia-pytriton and onnxruntime (scripts/bench_serve.sh
makes one).

  python bench/serve_peer_pytriton.py --direct-call PATH.onnx INPUT.npy... [--calls 1000]
      [--warmup 10] [--threads 2]
times the peer's floor instead: CALLS session.run calls of the same ORT session (same options)
on the inputs (in the model's input order) after WARMUP untimed ones, and prints one line as
bench/serve_direct_call does: {"model": ..., "traced": "onnxruntime", "calls": ..., "p50_ms": ...,
"p99_ms": ..., ...}. Nothing of Triton or PyTriton is imported in this mode.
"""
import argparse
import json
import logging
import os
import signal
import sys
import threading

import math
import time

import numpy as np
import onnxruntime as ort

ORT_TYPES = {"tensor(float)": np.float32, "tensor(double)": np.float64,
             "tensor(int64)": np.int64, "tensor(int32)": np.int32, "tensor(bool)": np.bool_,
             "tensor(uint8)": np.uint8, "tensor(int8)": np.int8, "tensor(float16)": np.float16}


def session_for(path, threads):
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def direct_call(argv):
    """--direct-call PATH.onnx INPUT.npy... [--calls N] [--warmup N] [--threads T]."""
    ap = argparse.ArgumentParser(prog="serve_peer_pytriton.py --direct-call")
    ap.add_argument("model")
    ap.add_argument("inputs", nargs="+")
    ap.add_argument("--calls", type=int, default=1000)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    a = ap.parse_args(argv)
    session = session_for(a.model, a.threads)
    feed = {i.name: np.load(f) for i, f in zip(session.get_inputs(), a.inputs)}
    for _ in range(a.warmup):
        session.run(None, feed)
    ms = []
    for _ in range(a.calls):
        t0 = time.perf_counter()
        session.run(None, feed)
        ms.append((time.perf_counter() - t0) * 1e3)
    ms.sort()

    def q(p):  # nearest rank, as serve_direct_call
        return ms[min(len(ms), max(1, math.ceil(p * len(ms)))) - 1]
    print(json.dumps({"model": a.model, "traced": "onnxruntime", "calls": a.calls,
                      "threads": a.threads, "p50_ms": round(q(0.5), 4),
                      "p99_ms": round(q(0.99), 4), "mean_ms": round(sum(ms) / len(ms), 4),
                      "min_ms": round(ms[0], 4), "max_ms": round(ms[-1], 4)}))


def dims(shape, batching):
    """The ONNX shape as a Triton shape: symbolic dims are -1; dim 0 dropped when batching."""
    d = tuple(s if isinstance(s, int) and s > 0 else -1 for s in shape)
    return d[1:] if batching else d


def make_infer(session, out_names):
    from pytriton.decorators import batch

    @batch
    def infer(**inputs):
        ys = session.run(out_names, inputs)
        return dict(zip(out_names, ys))
    return infer


def main():
    if sys.argv[1:2] == ["--direct-call"]:
        direct_call(sys.argv[2:])
        return
    from pytriton.model_config import DynamicBatcher, ModelConfig, Tensor
    from pytriton.triton import Triton, TritonConfig, TritonSecurityConfig
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", action="append", required=True, help="NAME=PATH.onnx")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--http-port", type=int, required=True)
    ap.add_argument("--grpc-port", type=int, required=True)
    ap.add_argument("--max-batch-size", type=int, default=16)
    ap.add_argument("--max-queue-delay-us", type=int, default=0)
    ap.add_argument("--preferred-batch-sizes", default="")
    ap.add_argument("--instances", type=int, default=1)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--port-file")
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args()
    logging.basicConfig(level=logging.INFO if a.verbose else logging.WARNING)

    batching = a.max_batch_size > 1
    preferred = [int(s) for s in a.preferred_batch_sizes.split(",") if s]
    config = TritonConfig(http_address=a.host, http_port=a.http_port, grpc_address=a.host,
                          grpc_port=a.grpc_port, allow_metrics=False, allow_gpu_metrics=False,
                          allow_cpu_metrics=False, exit_on_error=True,
                          log_verbose=1 if a.verbose else 0)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    # PyTriton 0.7 guards statistics (which perf_analyzer reads), shared-memory, model-repository,
    # trace and logging with a random access token; the server listens on loopback only here.
    with Triton(config=config, security_config=TritonSecurityConfig(restricted_endpoints=[])) \
            as triton:
        for spec in a.model:
            name, path = spec.split("=", 1)
            session = session_for(path, a.threads)
            ins = [Tensor(name=i.name, dtype=ORT_TYPES[i.type], shape=dims(i.shape, batching))
                   for i in session.get_inputs()]
            out_names = [o.name for o in session.get_outputs()]
            outs = [Tensor(name=o.name, dtype=ORT_TYPES[o.type], shape=dims(o.shape, batching))
                    for o in session.get_outputs()]
            if batching:
                mc = ModelConfig(batching=True, max_batch_size=a.max_batch_size,
                                 batcher=DynamicBatcher(
                                     max_queue_delay_microseconds=a.max_queue_delay_us,
                                     preferred_batch_size=preferred or None))
            else:
                mc = ModelConfig(batching=False)
            funcs = [make_infer(session, out_names) for _ in range(a.instances)]
            triton.bind(model_name=name, infer_func=funcs if a.instances > 1 else funcs[0],
                        inputs=ins, outputs=outs, config=mc, strict=False)
            print(f"peer: {name}: {path} ({', '.join(f'{t.name} {t.shape}' for t in ins)} -> "
                  f"{', '.join(out_names)}; batching "
                  f"{'on, max ' + str(a.max_batch_size) if batching else 'off'})", flush=True)
        triton.run()
        if a.port_file:
            tmp = a.port_file + ".tmp"
            with open(tmp, "w") as f:
                json.dump({"http": a.http_port, "grpc": a.grpc_port}, f)
            os.replace(tmp, a.port_file)
        print(f"peer: ready (Triton through PyTriton, http {a.host}:{a.http_port}, grpc "
              f"{a.host}:{a.grpc_port})", flush=True)
        while not stop.wait(1.0):
            if not triton.is_alive():
                print("peer: Triton stopped", file=sys.stderr, flush=True)
                sys.exit(1)
    print("peer: stopped", flush=True)


if __name__ == "__main__":
    main()
