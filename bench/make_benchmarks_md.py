#!/usr/bin/python3
"""Writes BENCHMARKS.md and its chart from one run of scripts/bench.sh (Python standard library
only; the chart is drawn by gnuplot). Inputs, all in RUN_DIR:
  bench_models.json, bench_vision.json   Google Benchmark's JSON (--benchmark_out), with
                                         repetitions: the median of the repetitions is the time
                                         of a case, min and max are the repetitions' extremes
  onnxruntime.json                       bench/time_onnxruntime.py
  openblas.json                          bench/openblas_core.py (libtorch's BLAS and kernel)
  loadavg_before, loadavg_after          /proc/loadavg around the timed runs
  other_cpu                              CPU time other processes took during the timed runs
  source                                 the commit measured (clean or dirty) and the run's time
  *.log                                  the programs' console output (a failed program's error)
Every number of the report comes from these files; a missing case is "not measured" with the
reason the run gave. The serving section of the existing --out file (scripts/bench_serve.sh's,
between <!-- serve:begin --> and <!-- serve:end -->) is kept, at the end.
Usage: bench/make_benchmarks_md.py RUN_DIR --out BENCHMARKS.md --chart docs/benchmarks.png
       --command "scripts/bench.sh" [--seconds SECONDS_SO_FAR]
"""
import argparse
import datetime
import json
import math
import os
import re
import statistics
import subprocess
import sys
import time

WORKLOADS = [  # name, description
    ("encoder", "TransformerEncoderLayer(256, 4, 1024) on [1, 128, 256]"),
    ("seed_mlp_b1", "seed MLP 784-120-10, batch 1"),
    ("seed_mlp_b64", "seed MLP 784-120-10, batch 64"),
    ("embed", "seed embedding model, ids [1, 4]"),
    ("bert", "BERT-style encoder (4 layers, d 256), [4, 64]"),
    ("resnet18", "torchvision resnet18, [1, 3, 224, 224]"),
    ("mobilenet_v2", "torchvision mobilenet_v2, [1, 3, 224, 224]"),
]
COLUMNS = [  # key, heading
    ("eager", "neuron eager"),
    ("lazy", "neuron lazy"),
    ("traced", "neuron traced"),
    ("onnx", "neuron imported ONNX"),
    ("torch", "TorchScript"),
    ("eigen", "Eigen (hand-written)"),
    ("ort", "ONNX Runtime"),
]
# The workloads whose DSL cases bench_vision runs (their imported ONNX cases are bench_models').
VISION_WORKLOADS = ("resnet18", "mobilenet_v2")
GEMMS = ["gemm_256", "gemm_enc_qkv", "gemm_enc_out", "gemm_enc_ff1", "gemm_enc_ff2"]
GEMM_SHAPES = {"gemm_256": "256x256x256", "gemm_enc_qkv": "128x256 -> 768",
               "gemm_enc_out": "128x256 -> 256", "gemm_enc_ff1": "128x256 -> 1024",
               "gemm_enc_ff2": "128x1024 -> 256"}
UNIT_S = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}


class Run:
    """The cases of one run: name -> {median, min, max (seconds), reps, counters} or error."""

    def __init__(self):
        self.cases, self.errors, self.context, self.missing = {}, {}, {}, {}

    def load_gbench(self, path, program):
        if not os.path.exists(path):
            self.missing[program] = f"{program} did not run or wrote no JSON ({last_error(path)})"
            return
        with open(path) as f:
            j = json.load(f)
        self.context[program] = j.get("context", {})
        reps = {}
        for b in j["benchmarks"]:
            name = b.get("run_name", b["name"])
            if b.get("error_occurred"):
                self.errors[name] = b.get("error_message", "error")
                continue
            s = b["real_time"] * UNIT_S[b["time_unit"]]
            if b.get("run_type") == "aggregate":
                if b["aggregate_name"] == "median":
                    self.cases.setdefault(name, {})["median"] = s
                    self.cases[name]["counters"] = counters(b)
            else:
                reps.setdefault(name, []).append((s, counters(b)))
        for name, rs in reps.items():
            c = self.cases.setdefault(name, {})
            times = [t for t, _ in rs]
            c.setdefault("median", statistics.median(times))
            c.setdefault("counters", rs[0][1] if len(rs) == 1 else median_counters(rs))
            c.update(min=min(times), max=max(times), reps=len(times))

    def load_ort(self, path):
        if not os.path.exists(path):
            self.missing["onnxruntime"] = ("bench/time_onnxruntime.py did not run or wrote no "
                                           f"JSON ({last_error(path)})")
            return None
        with open(path) as f:
            j = json.load(f)
        for r in j["results"]:
            if "error" in r:
                self.errors[r["name"]] = r["error"]
            else:
                self.cases[r["name"]] = {"median": r["median_s"], "min": r["min_s"],
                                         "max": r["max_s"], "reps": r["repetitions"],
                                         "counters": {}}
        return j

    def time(self, name):
        c = self.cases.get(name)
        return c["median"] if c else None


def counters(b):
    skip = {"name", "run_name", "run_type", "repetitions", "repetition_index", "threads",
            "iterations", "real_time", "cpu_time", "time_unit", "family_index",
            "per_family_instance_index", "aggregate_name", "aggregate_unit"}
    return {k: v for k, v in b.items() if k not in skip and isinstance(v, (int, float))}


def median_counters(rs):
    keys = set().union(*(c.keys() for _, c in rs))
    return {k: statistics.median(c[k] for _, c in rs if k in c) for k in keys}


def last_error(json_path):
    log = os.path.splitext(json_path)[0] + ".log"
    if not os.path.exists(log):
        return "no log"
    with open(log, errors="replace") as f:
        lines = [ln.strip() for ln in f if ln.strip()]
    return lines[-1][:200] if lines else "empty log"


def case_name(column, workload, threads):
    t = f"_t{threads}"
    return {"eager": f"neuron/{workload}_eager{t}", "lazy": f"neuron/{workload}_lazy{t}",
            "traced": f"neuron/{workload}{t}", "onnx": f"neuron/{workload}_onnx{t}",
            "torch": f"torch/{workload}{t}",
            "eigen": f"eigen/{workload}{t}", "ort": f"ort/{workload}{t}"}[column]


def applicable(column, workload, threads):
    if column == "eigen":  # the hand-written Eigen MLP is single-threaded
        return workload.startswith("seed_mlp") and threads == 1
    return True


def fmt_time(s):
    if s is None:
        return "not measured"
    if s < 1e-3:
        return f"{s * 1e6:.1f} us"
    if s < 1:
        return f"{s * 1e3:.2f} ms"
    return f"{s:.2f} s"


def program_of(name):
    """The program that runs a case: ort/ cases are time_onnxruntime.py's; the vision models' DSL
    cases bench_vision's; the rest, the imported ONNX cases of every workload included,
    bench_models'."""
    column, case = name.split("/", 1)
    if column == "ort":
        return "onnxruntime"
    imported = re.search(r"_onnx_t\d+$", case) is not None
    if not imported and any(case.startswith(w + "_") for w in VISION_WORKLOADS):
        return "bench_vision"
    return "bench_models"


def imported_column_absent(run):
    """Whether the run has no imported ONNX case at all (bench_models built without neuron::onnx,
    or a run from before the column): its cells are "-", with one note under the table."""
    return not any(re.search(r"_onnx_t\d+$", n) for n in list(run.cases) + list(run.errors))


def imported_column_note(run):
    """Why the run has no imported ONNX case, for the note under the table."""
    built = run.context.get("bench_models", {}).get("onnx_column")
    if "bench_models" in run.missing:
        return run.missing["bench_models"]
    if built and built != "neuron::onnx":
        return f"bench_models: {built}"
    return "no neuron/<workload>_onnx_t<n> case in the run (bench_models from before the column?)"


def why_missing(run, name):
    if name in run.errors:
        return f"not measured ({run.errors[name]})"
    program = program_of(name)
    if program in run.missing:
        return f"not measured ({run.missing[program]})"
    if name.startswith("torch/"):
        return "not measured (no torch/ case in the run: libtorch not found at configure time?)"
    return "not measured (no such case in the run)"


def sh(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def machine():
    lscpu = {}
    for line in sh(["lscpu"]).splitlines():
        k, _, v = line.partition(":")
        lscpu[k.strip()] = v.strip()
    flags = set(lscpu.get("Flags", "").split())
    return {"model": lscpu.get("Model name", "unknown"), "nproc": sh(["nproc"]),
            "threads_per_core": lscpu.get("Thread(s) per core", "?"),
            "hypervisor": lscpu.get("Hypervisor vendor", ""),
            "avx512f": "avx512f" in flags, "avx2": "avx2" in flags,
            "family": lscpu.get("CPU family", "?"), "model_number": lscpu.get("Model", "?"),
            "kernel": sh(["uname", "-r"])}


MACHINE_BEGIN, MACHINE_END = "<!-- machine:{}:begin -->", "<!-- machine:{}:end -->"


def machine_key(m):
    """One BENCHMARKS.md section per CPU: its model name, family, model and widest vector ISA."""
    isa = "avx512" if m["avx512f"] else "avx2" if m["avx2"] else "baseline"
    name = re.sub(r"[^a-z0-9]+", "-", m["model"].lower()).strip("-")
    return f"{name}-f{m['family']}-m{m['model_number']}-{isa}"


def machine_sections(path):
    """{key: text} of the per-machine sections (markers included) in the existing file."""
    text = read(path, "")
    out = {}
    for mo in re.finditer(r"<!-- machine:([^:]+):begin -->", text):
        key = mo.group(1)
        end = MACHINE_END.format(key)
        e = text.find(end, mo.start())
        if e > 0:
            out[key] = text[mo.start():e + len(end)]
    return out


def git():
    sha = sh(["git", "rev-parse", "HEAD"])
    dirty = bool(sh(["git", "status", "--porcelain", "--untracked-files=no"]))
    return sha, sh(["git", "rev-parse", "--abbrev-ref", "HEAD"]), dirty


def read(path, default="not recorded"):
    if not os.path.exists(path):
        return default
    with open(path) as f:
        return f.read().strip()


def ratio(run, num, den):
    a, b = run.time(num), run.time(den)
    return a / b if a is not None and b else None


def target_rows(run, peak, tn):
    """(what, measured, target text, met) for each target of issue 13."""
    rows = []

    def add(what, value, op, target, missing=""):
        if value is None:
            rows.append((what, f"not measured{missing}", f"{op} {target}", "-"))
        else:
            met = value <= target if op == "<=" else value >= target
            shown = f"{value:.2f}"
            if float(shown) == target and not met:  # 0.847 against >= 0.85: not a tie
                shown = f"{value:.3f}"
            rows.append((what, shown, f"{op} {target}", "met" if met else "not met"))

    t = f"_t{tn}"
    add("traced / TorchScript, encoder [1,128,256], 1 thread",
        ratio(run, "neuron/encoder_t1", "torch/encoder_t1"), "<=", 0.65)
    add(f"traced, {tn} threads / 1 thread, encoder",
        ratio(run, f"neuron/encoder{t}", "neuron/encoder_t1") if tn > 1 else None, "<=", 0.58,
        "" if tn > 1 else " (one CPU)")
    add("traced / TorchScript, seed embedding model [1,4]",
        ratio(run, "neuron/embed_t1", "torch/embed_t1"), "<=", 0.40)
    add("traced / TorchScript, seed MLP batch 1",
        ratio(run, "neuron/seed_mlp_b1_t1", "torch/seed_mlp_b1_t1"), "<=", 0.40)
    add("traced / hand-written Eigen, seed MLP batch 1",
        ratio(run, "neuron/seed_mlp_b1_t1", "eigen/seed_mlp_b1_t1"), "<=", 1.05)
    add("traced / hand-written Eigen, seed MLP batch 64",
        ratio(run, "neuron/seed_mlp_b64_t1", "eigen/seed_mlp_b64_t1"), "<=", 0.85)
    for g in GEMMS:
        c = run.cases.get(f"neuron/{g}")
        gf = c["counters"].get("GFLOP/s") if c else None
        add(f"GEMM {GEMM_SHAPES[g]} ({g}), GFLOP/s / measured FMA peak",
            gf / peak if gf is not None and peak else None, ">=", 0.85)
    add("lazy (cache hit) / traced, seed MLP batch 1",
        ratio(run, "neuron/seed_mlp_b1_lazy_t1", "neuron/seed_mlp_b1_t1"), "<=", 1.5)
    add("fused relu(a*b+1) over 16M floats, traced / memcpy of the output bytes",
        ratio(run, "neuron/fused_16M", "memcpy/16M"), "<=", 1.5)
    add("fused relu(a*b+1) over 16M floats, eager / memcpy",
        ratio(run, "neuron/fused_16M_eager", "memcpy/16M"), "<=", 1.5)
    for w in ("encoder", "resnet18"):
        for n in sorted({1, tn}):
            add(f"traced / ONNX Runtime, {w}, {n} thread{'s' if n > 1 else ''}",
                ratio(run, f"neuron/{w}_t{n}", f"ort/{w}_t{n}"), "<=", 1.0)
    return rows


def chart(run, tn, path, work_dir):
    """Grouped bars per workload: time / neuron traced at the same thread count, drawn from 1 on a
    log scale, one panel per thread count; gnuplot draws it from work_dir/chart.{dat,gp}. Returns
    an error text, or None."""
    panels = sorted({1, tn})
    base = os.path.join(work_dir, "chart")
    dat, width = base + ".dat", 1.0 / (len(COLUMNS) + 1)
    values = {n: [1.0] for n in panels}  # per panel: its y range
    with open(dat, "w") as f:  # one block per panel and column: x, ratio
        for n in panels:
            for k, (c, _) in enumerate(COLUMNS):
                f.write(f"# {n} thread(s), {c}\n-1 NaN\n")  # NaN: an empty block still counts
                for i, (w, _) in enumerate(WORKLOADS):
                    r = ratio(run, case_name(c, w, n), case_name("traced", w, n))
                    if r is not None:
                        f.write(f"{i + (k - (len(COLUMNS) - 1) / 2) * width:.4f} {r:.5g}\n")
                        values[n].append(r)
                f.write("\n\n")
    def y_range(v):
        lo = min(-2, math.floor(math.log2(min(v))))
        hi = max(2, math.ceil(math.log2(max(v))))
        tics = ", ".join(f"'{2 ** e}' {2.0 ** e:g}" if e >= 0 else f"'1/{2 ** -e}' {2.0 ** e:g}"
                         for e in range(lo, hi + 1))
        return f"set yrange [{2.0 ** lo:g}:{2.0 ** hi:g}]", f"set ytics ({tics})"

    xtics = ", ".join(f"'{w}' {i}" for i, (w, _) in enumerate(WORKLOADS))
    colors = ["#8e44ad", "#16a085", "#5dade2", "#1f618d", "#e67e22", "#f1c40f", "#2c3e50"]
    gp = [
        f"set terminal pngcairo size 1400,{430 * len(panels)} font 'sans,10'",
        f"set output '{path}'",
        "set style fill solid 0.9 border -1",
        "set logscale y 2",
        f"set xrange [-0.6:{len(WORKLOADS) - 0.4}]",
        f"set xtics ({xtics}) noenhanced",
        "set grid ytics",
        "set key outside right top vertical noenhanced",
        "set ylabel 'median time / neuron traced (log scale; lower is faster)'",
        f"set multiplot layout {len(panels)},1",
    ]
    for p, n in enumerate(panels):
        gp += list(y_range(values[n]))
        gp.append(f"set title '{n} thread{'s' if n > 1 else ''}: time per call relative to neuron "
                  "traced (bars from 1; below 1 is faster than neuron traced)'")
        plots = []
        for k, (c, title) in enumerate(COLUMNS):
            block = p * len(COLUMNS) + k
            plots.append(f"'{dat}' index {block} using 1:2:($1-{width / 2:.4f}):($1+"
                         f"{width / 2:.4f}):(1):2 with boxxyerror lc rgb '{colors[k]}' "
                         f"title '{title}'")
        gp.append("plot " + ", ".join(plots))
    gp.append("unset multiplot")
    with open(base + ".gp", "w") as f:
        f.write("\n".join(gp) + "\n")
    try:
        r = subprocess.run(["gnuplot", base + ".gp"], capture_output=True, text=True)
    except OSError as e:
        return f"gnuplot did not run: {e}"
    return None if r.returncode == 0 else f"gnuplot failed: {r.stderr.strip()[:300]}"


SERVE_BEGIN, SERVE_END = "<!-- serve:begin -->", "<!-- serve:end -->"


def serving_section(path):
    """The text from SERVE_BEGIN to SERVE_END (markers included, then a newline) in the existing
    file at path, or "" when it has none."""
    text = read(path, "")
    b, e = text.find(SERVE_BEGIN), text.find(SERVE_END)
    return text[b:e + len(SERVE_END)] + "\n" if b >= 0 and e > b else ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("run_dir")
    ap.add_argument("--out", required=True)
    ap.add_argument("--chart", required=True)
    ap.add_argument("--command", required=True)
    ap.add_argument("--seconds", type=float, help="how long bench.sh took up to the report")
    a = ap.parse_args()
    d = a.run_dir
    run = Run()
    run.load_gbench(os.path.join(d, "bench_models.json"), "bench_models")
    run.load_gbench(os.path.join(d, "bench_vision.json"), "bench_vision")
    ort = run.load_ort(os.path.join(d, "onnxruntime.json"))
    ob = json.loads(read(os.path.join(d, "openblas.json"), "{}"))
    m = machine()
    # One chart per CPU, as one section: docs/benchmarks.png -> docs/benchmarks-<key>.png
    a.chart = re.sub(r"(\.png)?$", f"-{machine_key(m)}.png", a.chart, count=1)
    sha, branch, dirty = git()
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    source = read(os.path.join(d, "source"), "").split(maxsplit=2)
    if len(source) == 3:  # the commit and time of the run (bench.sh), not of this report
        sha, dirty, now = source[0], source[1] == "dirty", source[2]
    ctx = run.context.get("bench_models") or run.context.get("bench_vision") or {}
    peak = float(ctx["fma_peak_gflops"]) if "fma_peak_gflops" in ctx else None
    tn = int(ctx.get("threads_all") or m["nproc"] or 1)
    threads = sorted({1, tn})
    reps = sorted({c["reps"] for c in run.cases.values() if "reps" in c})

    chart_dir = os.path.dirname(os.path.abspath(a.out))
    chart_rel = os.path.relpath(os.path.abspath(a.chart), chart_dir)
    chart_error = chart(run, tn, a.chart, d)

    L = []
    L += ["# Benchmarks", "",
          f"Generated by `{a.command}` on {now} from commit `{sha[:12]}` ({branch}"
          f"{', with uncommitted changes' if dirty else ''}). Every number below was measured "
          "in that one run; nothing is copied from elsewhere. Times are medians of "
          f"{'/'.join(map(str, reps)) or '?'} repetitions (a repetition: at least 0.5 s of calls, "
          "its mean time per call). Lower is better.", ""]

    L += ["## Machine", "", "| | |", "|---|---|",
          f"| CPU (lscpu) | {m['model']}{' (' + m['hypervisor'] + ' guest)' if m['hypervisor'] else ''} |",
          f"| CPUs (nproc) / threads per core | {m['nproc']} / {m['threads_per_core']} |",
          f"| avx512f / avx2 | {'yes' if m['avx512f'] else 'no'} / {'yes' if m['avx2'] else 'no'} |",
          f"| FMA peak, one core, measured (bench/fma_peak.hpp) | "
          f"{f'{peak:.1f} GFLOP/s' if peak else 'not measured'} |",
          f"| Linux | {m['kernel']} |",
          f"| load average before the timed runs | {read(os.path.join(d, 'loadavg_before'))} |",
          f"| load average after | {read(os.path.join(d, 'loadavg_after'))} |"]
    if ob:
        det = ob.get("detected", {})
        blas = (f"{ob.get('libblas')} -> {ob.get('libblas_real')} "
                f"({ob.get('libblas_package') or 'package unknown'})")
        kernel = (f"{ob.get('torch_kernel')}"
                  + (f" (OPENBLAS_CORETYPE={ob['chosen_coretype']} for the benchmark command; "
                     f"autodetected: {det.get('corename')}, "
                     f"{det.get('sgemm_256_gflops_1thread')} GFLOP/s)" if ob.get("chosen_coretype")
                     else " (autodetected; OPENBLAS_CORETYPE unset)"))
        L += [f"| libtorch's f32 GEMM BLAS | {blas} |",
              f"| its kernel | {kernel}; torch.mm 256x256x256 on 1 thread: "
              f"{ob.get('torch_sgemm_256_gflops_1thread')} GFLOP/s; TorchScript outputs match "
              f"the fixtures' expected outputs: {'yes' if ob.get('torch_outputs_match') else 'NO'} |",
              f"| why | {ob.get('reason')} |"]
    else:
        L.append("| libtorch's BLAS | not recorded (bench/openblas_core.py did not run) |")
    if ort:
        L.append(f"| ONNX Runtime | {ort['onnxruntime_version']} (PyPI, in a virtualenv; Python "
                 f"{ort['python']}, numpy {ort['numpy_version']}), CPUExecutionProvider, "
                 "intra-op threads 1 and all, inter-op 1, sequential, ORT_ENABLE_ALL; outputs "
                 "checked against PyTorch's before timing |")
    else:
        L.append(f"| ONNX Runtime | {run.missing.get('onnxruntime', 'not run')} |")
    other = read(os.path.join(d, "other_cpu"), "").split()
    other_share = None
    if len(other) == 3 and int(other[1]) > 0:
        other_share = max(0, int(other[0])) / int(other[1])
        seconds = int(other[1]) / int(other[2]) / max(1, int(m["nproc"] or 1))
        L.append(f"| CPU time other processes used during the timed runs | "
                 f"{100 * other_share:.1f}% of all CPUs' time over the {seconds / 60:.1f} minutes "
                 "of the runs |")
    native = ctx.get("neuron_build") == "native"
    L += ["| neuron build | Release; the benchmark programs -O3 -march=native; the library they "
          "link " + ("built with -O3 -march=native (NEURON_BENCH_NATIVE)" if native else
                     "as users build it (the default build: kernels picked at run time)") + " |",
          f"| neuron's own kernels (cpu_isa.hpp) | {ctx.get('neuron_isa', 'not recorded')} path |",
          f"| oneDNN's ISA (GEMM, convolution) | {ctx.get('onednn_isa', 'not recorded')} |",
          f"| convolution activations in traced plans (conv_channel_block) | "
          f"{ctx.get('conv_layout', 'not recorded (NHWC before it was recorded)')} |", ""]

    if other_share is not None and other_share > 0.05:
        L += [f"**The machine was not idle**: other processes used {100 * other_share:.0f}% of "
              "the CPUs' time while the benchmarks ran, so times are inflated, the "
              "multi-threaded ones most (a thread waits for one that is descheduled). Compare "
              "ratios within one row with care, and rerun on a quiet machine.", ""]
    L += ["## Median time per call", "",
          "neuron eager: the module called directly; lazy: on the lazy device, model(x) + "
          "mark_step() + cpu(), a cache hit; traced: `nr::trace` once, then calls. neuron "
          "imported ONNX: the ONNX file ONNX Runtime runs, imported by `nr::onnx::load` and "
          "traced by `nr::trace` once, then calls, as a user who brings an ONNX file runs it (its "
          "outputs checked against PyTorch's before timing). TorchScript: "
          "the same weights traced by torch.jit and frozen, run from C++ by Debian's libtorch "
          "1.13. ONNX Runtime: the same weights exported to ONNX (opset 17) by torch.onnx, run "
          "from Python. All on the same inputs (the fixtures' .npy files). "
          "\"-\": not applicable (the hand-written Eigen MLP is single-threaded and exists for "
          "the MLP only).", ""]
    head = "| workload | threads | " + " | ".join(h for _, h in COLUMNS) + " |"
    L += [head, "|---|---:|" + "---:|" * len(COLUMNS)]
    no_imported = imported_column_absent(run)
    for w, desc in WORKLOADS:
        for n in threads:
            cells = []
            for c, _ in COLUMNS:
                if not applicable(c, w, n) or (c == "onnx" and no_imported):
                    cells.append("-")
                    continue
                name = case_name(c, w, n)
                t = run.time(name)
                cells.append(fmt_time(t) if t is not None else why_missing(run, name))
            L.append(f"| {w}: {desc} | {n} | " + " | ".join(cells) + " |")
    L.append("")
    if no_imported:
        L += [f"neuron imported ONNX: not measured ({imported_column_note(run)}).", ""]

    L += ["### Ratios per workload (medians; < 1: the neuron case is faster)", "",
          "traced: the model written in the C++ DSL; imported: its ONNX file (the one ONNX "
          "Runtime runs) imported and traced.", "",
          "| workload | threads | traced / TorchScript | traced / ONNX Runtime "
          "| imported / ONNX Runtime | imported / traced | lazy / traced | eager / traced |",
          "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for w, _ in WORKLOADS:
        for n in threads:
            tr, im, rt = (case_name(c, w, n) for c in ("traced", "onnx", "ort"))
            vals = [ratio(run, tr, case_name("torch", w, n)), ratio(run, tr, rt),
                    ratio(run, im, rt), ratio(run, im, tr),
                    ratio(run, case_name("lazy", w, n), tr), ratio(run, case_name("eager", w, n), tr)]
            L.append(f"| {w} | {n} | " + " | ".join("-" if v is None else f"{v:.2f}"
                                                    for v in vals) + " |")
    L.append("")

    L += ["## Issue 13 targets", "",
          "Median ratios of this run (the targets of issue 13: lower is better except GEMM / "
          "peak).", "", "| what | measured | target | |", "|---|---:|---:|---|"]
    for what, val, tgt, met in target_rows(run, peak, tn):
        L.append(f"| {what} | {val} | {tgt} | {met} |")
    L.append("")

    L += ["## Kernels (1 thread)", "", "| case | median | GFLOP/s | / FMA peak | TorchScript "
          "GFLOP/s |", "|---|---:|---:|---:|---:|"]
    for g in GEMMS:
        c, tc = run.cases.get(f"neuron/{g}"), run.cases.get(f"torch/{g}")
        gf = c["counters"].get("GFLOP/s") if c else None
        tgf = tc["counters"].get("GFLOP/s") if tc else None
        L.append(f"| linear {GEMM_SHAPES[g]} ({g}) | {fmt_time(run.time('neuron/' + g))} | "
                 f"{'-' if gf is None else f'{gf:.1f}'} | "
                 f"{'-' if gf is None or not peak else f'{gf / peak:.2f}'} | "
                 f"{'-' if tgf is None else f'{tgf:.1f}'} |")
    L += ["", "| case | median | minor page faults per call |", "|---|---:|---:|"]
    for name in ("memcpy/16M", "neuron/fused_16M", "neuron/fused_16M_eager",
                 "neuron/fused_16M_1in", "neuron/fused_16M_1in_eager"):
        c = run.cases.get(name)
        f = c["counters"].get("faults_per_iter") if c else None
        L.append(f"| {name} | {fmt_time(run.time(name)) if c else why_missing(run, name)} | "
                 f"{'-' if f is None else f'{f:.0f}'} |")
    L.append("")

    L += ["## Chart", ""]
    if chart_error:
        L += [f"Not drawn: {chart_error}", ""]
    else:
        L += [f"![median time per call relative to neuron traced]({chart_rel})", "",
              "Bars: median time / neuron traced at the same thread count (log scale); a "
              "missing bar is a case not measured (see the table).", ""]

    L += ["## All cases", "", "Median, min and max over the repetitions.", "",
          "| case | median | min | max | repetitions |", "|---|---:|---:|---:|---:|"]
    for name in sorted(run.cases):
        if "/gemm_rule/" in name:
            continue
        c = run.cases[name]
        L.append(f"| {name} | {fmt_time(c['median'])} | {fmt_time(c.get('min'))} | "
                 f"{fmt_time(c.get('max'))} | {c.get('reps', '-')} |")
    for name in sorted(run.errors):
        L.append(f"| {name} | not measured ({run.errors[name]}) | | | |")
    for program, msg in sorted(run.missing.items()):
        L.append(f"| {program} (all its cases) | not measured ({msg}) | | | |")
    L.append("")

    L += ["## How this was made", "", "```sh", a.command, "```", "",
          "`scripts/bench.sh` installs what it needs (scripts/install_deps.sh --tests --bench: "
          "libtorch-dev, python3-torch, gnuplot-nox, python3-venv, libopenblas0-pthread), makes "
          "the fixtures (bench/make_bench_models.py: weights, inputs, expected outputs, "
          "TorchScript and ONNX files), builds bench_models and bench_vision against the default library, finds "
          "libtorch's BLAS kernel (bench/openblas_core.py), makes a virtualenv with onnxruntime "
          "from PyPI, runs bench_models (with the imported ONNX cases of every workload), "
          "bench_vision (resnet18 and mobilenet_v2 cases) and "
          "bench/time_onnxruntime.py with the same repetitions, then this report "
          "(bench/make_benchmarks_md.py). The TorchScript cases run with OPENBLAS_CORETYPE and "
          "OPENBLAS_L2_SIZE unset, except for the kernel choice recorded above; neuron does not "
          "use BLAS. ONNX Runtime and the C++ programs run one after the other, never at once."]
    if a.seconds:
        L += ["", f"The whole script took {a.seconds / 60:.1f} minutes "
              "(install checks, fixtures, build, runs, report)."]
    L.append("")
    # The "Serving" section (scripts/bench_serve.sh's, between its markers) is not this run's:
    # kept as it is, at the end.
    serving = serving_section(a.out)
    # This run is the section of its CPU; the other CPUs' sections (earlier runs on other machines
    # of the class) are kept as they are.
    key = machine_key(m)
    title = (f"## {m['model']}, CPU family {m['family']} model {m['model_number']}, "
             f"{'AVX-512' if m['avx512f'] else 'AVX2' if m['avx2'] else 'no AVX2'}")
    body = [title] + ["#" + line if line.startswith("## ") else line for line in L[1:]]
    sections = machine_sections(a.out)
    sections[key] = "\n".join([MACHINE_BEGIN.format(key)] + body + [MACHINE_END.format(key)])
    out = ["# Benchmarks", "",
           "One section per CPU `scripts/bench.sh` ran on (the machines of this class change from "
           "session to session); each section is one run on that CPU, and its ratios compare "
           "numbers measured in that run only. Sections: " +
           ", ".join(f"`{k}`" for k in sorted(sections)) + ".", ""]
    for k in sorted(sections):
        out += [sections[k], ""]
    if serving:
        out += [serving]
    with open(a.out, "w") as f:
        f.write("\n".join(out))
    print(f"wrote {a.out} and {a.chart}" + (f" ({chart_error})" if chart_error else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
