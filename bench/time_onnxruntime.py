"""Times ONNX Runtime on the ONNX files of bench/make_bench_models.py (the ort/ column of
BENCHMARKS.md), on the same inputs the C++ benchmarks read, as bench_models times neuron: per case
and thread count, warm-up calls, then REPS repetitions of at least MIN_TIME seconds each; the time
of a repetition is its mean time per call, and the report keeps the median, min and max of the
repetitions. Sessions: intra_op_num_threads = 1 and = THREADS, inter_op_num_threads = 1,
ORT_SEQUENTIAL, graph optimizations ORT_ENABLE_ALL, CPUExecutionProvider. Every session's outputs
are checked against the fixture's expected outputs (PyTorch's) before timing: a case whose outputs
differ is reported with its error and not timed.
Run by scripts/bench.sh in its virtualenv (onnxruntime from PyPI; numpy comes with it).
Usage: python bench/time_onnxruntime.py FIXTURES_DIR OUT.json [--threads N] [--reps 5]
       [--min-time 0.5] [--cases encoder,bert,...]
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import onnxruntime as ort


def session(path, threads):
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def check(outputs, expected):
    """Max absolute difference per output, and whether all are within tolerance: 1e-4 plus 1e-3
    of the reference's largest magnitude (float32 kernels summing in other orders)."""
    diffs, ok = [], True
    for y, ref in zip(outputs, expected):
        d = float(np.max(np.abs(y.astype(np.float64) - ref.astype(np.float64))))
        diffs.append(d)
        ok = ok and y.shape == ref.shape and d <= 1e-4 + 1e-3 * float(np.max(np.abs(ref)))
    return ok, diffs


def time_case(sess, feeds, reps, min_time):
    for _ in range(3):  # warm-up: allocations, first-call setup
        sess.run(None, feeds)
    # Calls per repetition: enough for min_time, from a short probe.
    t0 = time.perf_counter()
    n = 0
    while time.perf_counter() - t0 < 0.05 or n < 3:
        sess.run(None, feeds)
        n += 1
    per_call = (time.perf_counter() - t0) / n
    calls = max(1, int(min_time / per_call))
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(calls):
            sess.run(None, feeds)
        times.append((time.perf_counter() - t0) / calls)
    return times, calls


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("fixtures")
    ap.add_argument("out")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--min-time", type=float, default=0.5)
    ap.add_argument("--cases", default="", help="comma-separated case names (default: all)")
    a = ap.parse_args()
    with open(os.path.join(a.fixtures, "cases.json")) as f:
        manifest = [c for c in json.load(f) if "onnx" in c]
    if a.cases:
        wanted = a.cases.split(",")
        manifest = [c for c in manifest if c["case"] in wanted]

    results = []
    for c in manifest:
        d = os.path.join(a.fixtures, c["dir"])
        feeds = {k: np.load(os.path.join(d, f)) for k, f in c["inputs"].items()}
        expected = [np.load(os.path.join(d, f)) for f in c["outputs"]]
        for threads in sorted({1, a.threads}):
            name = f"ort/{c['case']}_t{threads}"
            sess = session(os.path.join(d, c["onnx"]), threads)
            ok, diffs = check(sess.run(None, feeds), expected)
            r = {"name": name, "case": c["case"], "threads": threads, "max_abs_diff": diffs}
            if not ok:
                r["error"] = f"outputs differ from the fixture's (max abs diff {diffs})"
            else:
                times, calls = time_case(sess, feeds, a.reps, a.min_time)
                r.update(median_s=statistics.median(times), min_s=min(times), max_s=max(times),
                         repetitions=a.reps, calls_per_repetition=calls)
            results.append(r)
            msg = r.get("error") or (f"median {r['median_s'] * 1e6:10.1f} us  (min "
                                     f"{r['min_s'] * 1e6:.1f}, max {r['max_s'] * 1e6:.1f}; "
                                     f"max abs diff {max(diffs):.2e})")
            print(f"{name:28s} {msg}", flush=True)
    with open(a.out, "w") as f:
        json.dump({"onnxruntime_version": ort.__version__, "numpy_version": np.__version__,
                   "python": sys.version.split()[0], "threads": a.threads,
                   "providers": ["CPUExecutionProvider"], "results": results}, f, indent=1)
    return 1 if any("error" in r for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
