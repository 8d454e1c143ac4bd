#!/usr/bin/python3
"""Which BLAS and which kernel libtorch's f32 GEMMs run on, and the OPENBLAS_CORETYPE the
TorchScript column of scripts/bench.sh runs with.
Debian's libtorch calls libblas.so.3, whichever alternative provides it: netlib's reference BLAS
(~3 GFLOP/s) unless OpenBLAS (libopenblas0-pthread) is installed. OpenBLAS picks its kernel at
load time; under some hypervisors it does not recognise the CPU and falls back to "Prescott"
(SSE3, ~30 GFLOP/s) on a CPU with AVX-512. The benchmark runs TorchScript with OPENBLAS_CORETYPE
and OPENBLAS_L2_SIZE unset (the environment may force an old kernel on purpose); only when the
kernel OpenBLAS then detects predates AVX2 on a CPU with avx512f, this script tries the newer
kernels the CPU can run (newest first) and picks the first with which torch's outputs still match
the fixtures' expected outputs (old OpenBLAS builds can compute wrong results on some CPUs).
Each candidate runs in a child process (the kernel is chosen when the library loads): the kernel
OpenBLAS reports (openblas_get_corename), torch.mm's GFLOP/s at 256x256x256 on 1 thread, and every
TorchScript file of the fixtures (cases.json of bench/make_bench_models.py) against its expected
outputs.
Usage: /usr/bin/python3 bench/openblas_core.py FIXTURES_DIR OUT.json
Writes OUT.json; prints the chosen OPENBLAS_CORETYPE (empty: leave it unset) as the last line.
"""
import ctypes
import ctypes.util
import json
import os
import subprocess
import sys
import time

# Kernels that use AVX2 or newer (OpenBLAS's names, as openblas_get_corename reports them).
AVX2_OR_NEWER = {"haswell", "zen", "skylakex", "cooperlake", "sapphirerapids", "excavator"}
# Tried newest first when the detected kernel predates AVX2 on a CPU with avx512f. OpenBLAS falls
# back to an older kernel when the CPU lacks a feature (e.g. COOPERLAKE without avx512_bf16 runs
# SkylakeX); the kernel it reports is the one recorded.
CANDIDATES = ["SAPPHIRERAPIDS", "COOPERLAKE", "SKYLAKEX", "HASWELL"]


def probe(fixtures):
    """In the child: the kernel, the GFLOP/s and the output check, as JSON on stdout."""
    import numpy as np
    import torch
    torch.set_num_threads(1)
    lib = ctypes.CDLL("libblas.so.3")
    core = config = None
    if hasattr(lib, "openblas_get_corename"):
        lib.openblas_get_corename.restype = ctypes.c_char_p
        lib.openblas_get_config.restype = ctypes.c_char_p
        core, config = lib.openblas_get_corename().decode(), lib.openblas_get_config().decode()
        # OpenBLAS runs its own threads: torch.set_num_threads does not reach them.
        lib.openblas_set_num_threads(1)
    a, b = torch.randn(256, 256), torch.randn(256, 256)
    for _ in range(10):
        torch.mm(a, b)
    best = 0.0
    for _ in range(5):
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < 0.05:
            torch.mm(a, b)
            n += 1
        best = max(best, 2 * 256 ** 3 * n / (time.perf_counter() - t0) * 1e-9)
    with open(os.path.join(fixtures, "cases.json")) as f:
        cases = json.load(f)
    checks = {}
    with torch.no_grad():
        for c in cases:
            d = os.path.join(fixtures, c["dir"])
            m = torch.jit.load(os.path.join(d, c["torchscript"]))
            ins = [torch.from_numpy(np.load(os.path.join(d, f))) for f in c["inputs"].values()]
            ys = m(*ins)
            ys = (ys,) if torch.is_tensor(ys) else ys
            diff, ok = 0.0, True
            for y, f in zip(ys, c["outputs"]):
                ref = torch.from_numpy(np.load(os.path.join(d, f)))
                dy = float((y.double() - ref.double()).abs().max())
                diff = max(diff, dy)
                ok = ok and y.shape == ref.shape and dy <= 1e-4 + 1e-3 * float(ref.abs().max())
            checks[c["case"]] = {"ok": ok, "max_abs_diff": diff}
    json.dump({"corename": core, "config": config, "sgemm_256_gflops_1thread": round(best, 1),
               "outputs_match": all(v["ok"] for v in checks.values()), "checks": checks},
              sys.stdout)


def run_probe(fixtures, coretype):
    env = {k: v for k, v in os.environ.items()
           if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    if coretype:
        env["OPENBLAS_CORETYPE"] = coretype
    out = subprocess.run([sys.executable, __file__, "--probe", fixtures], env=env, check=True,
                         capture_output=True, text=True).stdout
    r = json.loads(out)
    r["OPENBLAS_CORETYPE"] = coretype
    return r


def cpu_flags():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    return set()


def main():
    if sys.argv[1] == "--probe":
        probe(sys.argv[2])
        return
    fixtures, out = sys.argv[1], sys.argv[2]
    blas = "/usr/lib/x86_64-linux-gnu/libblas.so.3"
    real = os.path.realpath(blas) if os.path.exists(blas) else None
    package = None
    if real:
        q = subprocess.run(["dpkg", "-S", real], capture_output=True, text=True)
        package = q.stdout.split(":")[0] if q.returncode == 0 else None
    report = {"libblas": blas, "libblas_real": real, "libblas_package": package,
              "avx512f": "avx512f" in cpu_flags()}
    detected = run_probe(fixtures, None)
    report["detected"] = detected
    report["probes"] = []
    chosen = None
    core = (detected["corename"] or "").lower()
    if detected["corename"] is None:
        report["reason"] = "libblas.so.3 is not OpenBLAS (no openblas_get_corename): left as is"
    elif core in AVX2_OR_NEWER or not report["avx512f"]:
        report["reason"] = (f"OpenBLAS detected {detected['corename']}: OPENBLAS_CORETYPE left "
                            "unset")
    else:
        seen = set()
        for cand in CANDIDATES:
            r = run_probe(fixtures, cand)
            report["probes"].append(r)
            if r["corename"] in seen or (r["corename"] or "").lower() not in AVX2_OR_NEWER:
                continue
            seen.add(r["corename"])
            if r["outputs_match"]:
                chosen = r
                break
        if chosen:
            report["reason"] = (f"OpenBLAS detected {detected['corename']} (pre-AVX2) on a CPU "
                                f"with avx512f: OPENBLAS_CORETYPE={chosen['OPENBLAS_CORETYPE']} "
                                f"(runs {chosen['corename']}; torch's outputs match the "
                                "fixtures)")
        else:
            report["reason"] = (f"OpenBLAS detected {detected['corename']}; no newer kernel "
                                "gave matching outputs: OPENBLAS_CORETYPE left unset")
    final = chosen or detected
    report["chosen_coretype"] = chosen["OPENBLAS_CORETYPE"] if chosen else None
    report["torch_kernel"] = final["corename"]
    report["torch_sgemm_256_gflops_1thread"] = final["sgemm_256_gflops_1thread"]
    report["torch_outputs_match"] = final["outputs_match"]
    with open(out, "w") as f:
        json.dump(report, f, indent=1)
    print(report["reason"], file=sys.stderr)
    print(report["chosen_coretype"] or "")


if __name__ == "__main__":
    main()
