#!/usr/bin/env python3
"""Drives a running neuron-serve with NVIDIA's unchanged tritonclient (HTTP and gRPC clients).

The server must serve the repository written by neuron_make_serve_repository OUT (OUT/models) and
--expected is OUT/expected. run_tritonclient_test.sh starts the server and runs this.

Every check runs even when an earlier one failed (except where one needs the state another made);
a transcript line is printed per check, and the exit code is 1 when any failed.

Usage: tritonclient_test.py --http-url 127.0.0.1:P --grpc-url 127.0.0.1:Q --expected DIR
"""
import argparse
import json
import os
import sys
import threading
import time
import traceback
import urllib.error
import urllib.request

import numpy as np
import tritonclient.grpc as grpcclient
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

NET_TIMEOUT = 30.0  # seconds, every client call
MLP_ATOL = 1e-6
# A row computed alone, or merged by the server's batcher with other requests' rows, goes through
# a GEMM of another shape than the [3, 784] reference: float32 sums in another order differ by
# ~1e-6 (numpy's own x[2:3] @ W vs (x @ W)[2] does), so rows get a little more room.
MLP_ROW_ATOL = 1e-5
TAGGER_ATOL = 1e-5


class Failed(AssertionError):
    pass


def require(cond, msg):
    if not cond:
        raise Failed(msg)


def require_close(got, want, atol, what):
    require(got is not None, f"{what}: output missing from the response")
    require(got.dtype == want.dtype, f"{what}: dtype {got.dtype}, expected {want.dtype}")
    require(got.shape == want.shape, f"{what}: shape {list(got.shape)}, expected {list(want.shape)}")
    diff = float(np.max(np.abs(got.astype(np.float64) - want.astype(np.float64)))) if got.size else 0.0
    require(diff <= atol, f"{what}: max |got - expected| = {diff:.3g} > {atol}")
    return diff


def require_raises(fn, what, names=()):
    """fn() must raise InferenceServerException; its message must contain one of names."""
    try:
        fn()
    except InferenceServerException as e:
        msg = str(e)
        if names:
            require(any(n in msg for n in names),
                    f"{what}: error message does not name {' or '.join(names)}: {msg!r}")
        return msg
    raise Failed(f"{what}: no InferenceServerException raised")


class Runner:
    def __init__(self):
        self.failures = []
        self.count = 0

    def check(self, name, fn):
        self.count += 1
        t0 = time.monotonic()
        try:
            note = fn()
        except Exception as e:  # a client exception where none was expected is a failure too
            detail = str(e) if isinstance(e, Failed) else f"{type(e).__name__}: {e}"
            self.failures.append((name, detail))
            print(f"FAIL {name}: {detail}", flush=True)
            if not isinstance(e, (Failed, InferenceServerException)):
                traceback.print_exc(limit=3)
            return False
        ms = (time.monotonic() - t0) * 1e3
        print(f"ok   {name}" + (f" ({note})" if note else "") + f" [{ms:.0f} ms]", flush=True)
        return True


# ---- helpers that hide the two clients' differences ---------------------------------------------

class Http:
    name = "http"
    mod = httpclient

    def __init__(self, url):
        self.url = url
        self.c = httpclient.InferenceServerClient(
            url, connection_timeout=NET_TIMEOUT, network_timeout=NET_TIMEOUT)

    def kw(self):
        return {}

    def metadata(self, model, version=""):
        m = self.c.get_model_metadata(model, model_version=version)
        return (m["name"], list(m.get("versions", [])),
                [(t["name"], t["datatype"], list(t["shape"])) for t in m["inputs"]],
                [(t["name"], t["datatype"], list(t["shape"])) for t in m["outputs"]])

    def server_metadata(self):
        m = self.c.get_server_metadata()
        return m["name"], m["version"], list(m.get("extensions", []))

    def index(self):
        return [(e["name"], str(e.get("version", "")), e.get("state", ""), e.get("reason", ""))
                for e in self.c.get_model_repository_index()]

    def response(self, res):
        r = res.get_response()
        return r.get("id", ""), r.get("model_name", ""), str(r.get("model_version", ""))

    def make_input(self, name, arr, dtype, binary=True):
        i = httpclient.InferInput(name, list(arr.shape), dtype)
        i.set_data_from_numpy(arr, binary_data=binary)
        return i

    def make_output(self, name, binary=True):
        return httpclient.InferRequestedOutput(name, binary_data=binary)


class Grpc:
    name = "grpc"
    mod = grpcclient

    def __init__(self, url):
        self.url = url
        self.c = grpcclient.InferenceServerClient(url)

    def kw(self):
        return {"client_timeout": NET_TIMEOUT}

    def metadata(self, model, version=""):
        m = self.c.get_model_metadata(model, model_version=version, client_timeout=NET_TIMEOUT)
        return (m.name, list(m.versions),
                [(t.name, t.datatype, list(t.shape)) for t in m.inputs],
                [(t.name, t.datatype, list(t.shape)) for t in m.outputs])

    def server_metadata(self):
        m = self.c.get_server_metadata(client_timeout=NET_TIMEOUT)
        return m.name, m.version, list(m.extensions)

    def index(self):
        r = self.c.get_model_repository_index(client_timeout=NET_TIMEOUT)
        return [(e.name, e.version, e.state, e.reason) for e in r.models]

    def response(self, res):
        r = res.get_response()
        return r.id, r.model_name, r.model_version

    def make_input(self, name, arr, dtype, binary=True):
        # The gRPC client always sends raw_input_contents; binary is for the HTTP one only.
        i = grpcclient.InferInput(name, list(arr.shape), dtype)
        i.set_data_from_numpy(arr)
        return i

    def make_output(self, name, binary=True):
        return grpcclient.InferRequestedOutput(name)


def infer(cl, model, inputs, **kw):
    return cl.c.infer(model, inputs, **kw, **cl.kw())


# ---- the checks -------------------------------------------------------------------------------------

def load_expected(d):
    e = {n: np.load(os.path.join(d, n + ".npy"))
         for n in ("mlp_x", "mlp_v1_y", "mlp_v2_y", "tagger_ids", "tagger_y")}
    assert e["mlp_x"].dtype == np.float32 and e["mlp_x"].shape == (3, 784), e["mlp_x"].shape
    assert e["tagger_ids"].dtype == np.int64, e["tagger_ids"].dtype
    # The two versions must differ, or the version checks below would prove nothing.
    assert np.max(np.abs(e["mlp_v1_y"] - e["mlp_v2_y"])) > 1e-3, "mlp v1 and v2 give the same outputs"
    return e


def basic_checks(r, cl, e):
    p = cl.name
    r.check(f"{p}: is_server_live", lambda: require(cl.c.is_server_live(**cl.kw()) is True, "not live"))
    r.check(f"{p}: is_server_ready", lambda: require(cl.c.is_server_ready(**cl.kw()) is True, "not ready"))

    def server_md():
        name, version, ext = cl.server_metadata()
        require(name, "empty server name")
        require(version, "empty server version")
        return f"name={name} version={version} extensions={ext}"
    r.check(f"{p}: get_server_metadata", server_md)

    def ready():
        got = {m_v: cl.c.is_model_ready(m_v[0], m_v[1], **cl.kw())
               for m_v in [("mlp", ""), ("mlp", "1"), ("mlp", "2"), ("tagger", ""), ("tagger", "1")]}
        require(all(v is True for v in got.values()), f"not all ready: {got}")
        require(cl.c.is_model_ready("broken", **cl.kw()) is False, "broken model reports ready")
        require(cl.c.is_model_ready("mlp", "3", **cl.kw()) is False, "mlp version 3 reports ready")
        require(cl.c.is_model_ready("no_such_model", **cl.kw()) is False, "unknown model reports ready")
        return "mlp, mlp/1, mlp/2, tagger ready; broken, mlp/3, no_such_model not"
    r.check(f"{p}: is_model_ready", ready)

    def md_mlp():
        for version in ("", "1", "2"):
            name, versions, ins, outs = cl.metadata("mlp", version)
            require(name == "mlp", f"name {name!r}")
            require("1" in versions and "2" in versions, f"versions {versions} lack '1' and '2'")
            require(ins == [("input_0", "FP32", [-1, 784])], f"inputs {ins}")
            require(outs == [("output_0", "FP32", [-1, 10])], f"outputs {outs}")
        return f"versions={versions} inputs={ins} outputs={outs}"
    r.check(f"{p}: get_model_metadata mlp", md_mlp)

    def md_tagger():
        name, versions, ins, outs = cl.metadata("tagger")
        require(name == "tagger", f"name {name!r}")
        require("1" in versions, f"versions {versions}")
        require(ins == [("input_ids", "INT64", [-1, -1])], f"inputs {ins}")
        require(outs == [("log_probs", "FP32", [-1, -1, 5])], f"outputs {outs}")
        return f"inputs={ins} outputs={outs}"
    r.check(f"{p}: get_model_metadata tagger", md_tagger)

    r.check(f"{p}: get_model_metadata unknown model raises",
            lambda: require_raises(lambda: cl.metadata("no_such_model"), "metadata"))


def infer_checks(r, cl, e):
    p = cl.name
    x = e["mlp_x"]
    want = {"1": e["mlp_v1_y"], "2": e["mlp_v2_y"], "": e["mlp_v2_y"]}  # "" = highest = 2
    encodings = [("binary", True), ("json", False)] if p == "http" else [("raw", True)]

    for enc, binary in encodings:
        for version in ("1", "2", ""):
            label = f"{p}: infer mlp {enc} version {version or '(none: highest)'}"

            def run(version=version, binary=binary, enc=enc):
                rid = f"req-{p}-{enc}-v{version or 'none'}"
                res = infer(cl, "mlp", [cl.make_input("input_0", x, "FP32", binary)],
                            model_version=version, request_id=rid,
                            outputs=[cl.make_output("output_0", binary)])
                got_id, model_name, model_version = cl.response(res)
                require(got_id == rid, f"request id {got_id!r}, expected {rid!r}")
                require(model_name == "mlp", f"model_name {model_name!r}")
                require(model_version == (version or "2"),
                        f"model_version {model_version!r}, expected {version or '2'!r}")
                d = require_close(res.as_numpy("output_0"), want[version], MLP_ATOL, "output_0")
                return f"id echoed, max diff {d:.1e}"
            r.check(label, run)

    if p == "http":
        # No outputs named: tritonclient asks for all of them with binary_data_output=true.
        def all_outputs():
            res = infer(cl, "mlp", [cl.make_input("input_0", x, "FP32")])
            require_close(res.as_numpy("output_0"), e["mlp_v2_y"], MLP_ATOL, "output_0")
        r.check("http: infer mlp, no outputs named (binary_data_output)", all_outputs)
    else:
        # Typed contents (fp32_contents) instead of raw_input_contents, as other KServe clients
        # send: the InferInput's protobuf is filled directly and no raw content is set.
        def typed():
            i = grpcclient.InferInput("input_0", list(x.shape), "FP32")
            i._get_tensor().contents.fp32_contents.extend(x.ravel().tolist())
            res = infer(cl, "mlp", [i], model_version="1")
            require_close(res.as_numpy("output_0"), e["mlp_v1_y"], MLP_ATOL, "output_0")
        r.check("grpc: infer mlp with typed fp32_contents", typed)

    def rows():
        res = infer(cl, "mlp", [cl.make_input("input_0", x, "FP32")], model_version="2")
        d = require_close(res.as_numpy("output_0"), e["mlp_v2_y"], MLP_ATOL, "batch of 3")
        for k in range(3):
            res = infer(cl, "mlp", [cl.make_input("input_0", x[k:k + 1], "FP32")], model_version="2")
            d = max(d, require_close(res.as_numpy("output_0"), e["mlp_v2_y"][k:k + 1], MLP_ROW_ATOL,
                                     f"row {k}"))
        return f"batch 3, then rows 0..2 alone, max diff {d:.1e}"
    r.check(f"{p}: infer mlp batch 3 then single rows", rows)

    for enc, binary in encodings:
        def tagger(binary=binary):
            ids = e["tagger_ids"]
            res = infer(cl, "tagger", [cl.make_input("input_ids", ids, "INT64", binary)],
                        outputs=[cl.make_output("log_probs", binary)])
            d = require_close(res.as_numpy("log_probs"), e["tagger_y"], TAGGER_ATOL, "log_probs")
            return f"ids {list(ids.shape)}, max diff {d:.1e}"
        r.check(f"{p}: infer tagger {enc}", tagger)


def error_checks(r, cl, e):
    p = cl.name
    x = e["mlp_x"]
    r.check(f"{p}: wrong input name raises", lambda: require_raises(
        lambda: infer(cl, "mlp", [cl.make_input("input_x", x, "FP32")]), "wrong name",
        ("input_x", "input_0")))
    r.check(f"{p}: wrong datatype (FP64) raises", lambda: require_raises(
        lambda: infer(cl, "mlp", [cl.make_input("input_0", x.astype(np.float64), "FP64")]),
        "FP64", ("input_0",)))
    r.check(f"{p}: wrong shape [3, 783] raises", lambda: require_raises(
        lambda: infer(cl, "mlp", [cl.make_input("input_0", x[:, :783].copy(), "FP32")]),
        "shape", ("input_0",)))
    r.check(f"{p}: infer unknown model raises", lambda: require_raises(
        lambda: infer(cl, "no_such_model", [cl.make_input("input_0", x, "FP32")]), "unknown model"))
    r.check(f"{p}: infer mlp version 3 raises", lambda: require_raises(
        lambda: infer(cl, "mlp", [cl.make_input("input_0", x, "FP32")], model_version="3"),
        "version 3"))
    r.check(f"{p}: infer broken model raises", lambda: require_raises(
        lambda: infer(cl, "broken", [cl.make_input("input_0", x, "FP32")]), "broken model"))


def index_check(r, cl):
    def run():
        idx = cl.index()
        by = {}
        for name, version, state, reason in idx:
            by.setdefault(name, []).append((version, state, reason))
        require({"mlp", "tagger", "broken"} <= by.keys(), f"index lacks a model: {idx}")
        require(all(s == "READY" for _, s, _ in by["mlp"] + by["tagger"]), f"not READY: {idx}")
        require(all(s == "UNAVAILABLE" and rs for _, s, rs in by["broken"]),
                f"broken is not UNAVAILABLE with a reason: {by['broken']}")
        return f"broken: {by['broken'][0][1]}, reason {by['broken'][0][2]!r}"
    r.check(f"{cl.name}: get_model_repository_index", run)


def unload_load_checks(r, cl, others, e):
    """Unload mlp through cl; every client must see it not ready and fail to infer; load it back."""
    p = cl.name
    x = e["mlp_x"]

    def unload():
        cl.c.unload_model("mlp", **cl.kw())
        for o in others:
            require(o.c.is_model_ready("mlp", **o.kw()) is False, f"{o.name} still sees mlp ready")
            require(o.c.is_model_ready("mlp", "1", **o.kw()) is False, f"{o.name} sees mlp/1 ready")
            require_raises(lambda o=o: infer(o, "mlp", [o.make_input("input_0", x, "FP32")]),
                           f"{o.name} infer after unload")
        states = {s for n, _, s, _ in cl.index() if n == "mlp"}
        require(states and "READY" not in states, f"index states for mlp after unload: {states}")
        # The other models are untouched.
        require(cl.c.is_model_ready("tagger", **cl.kw()) is True, "tagger not ready after unloading mlp")
        return f"not ready and infer fails on {', '.join(o.name for o in others)}; index: {sorted(states)}"
    if not r.check(f"{p}: unload_model mlp", unload):
        return

    def load():
        cl.c.load_model("mlp", **cl.kw())
        for o in others:
            for v in ("", "1", "2"):
                require(o.c.is_model_ready("mlp", v, **o.kw()) is True, f"{o.name}: mlp/{v} not ready")
        for v, want in (("1", e["mlp_v1_y"]), ("", e["mlp_v2_y"])):
            res = infer(cl, "mlp", [cl.make_input("input_0", x, "FP32")], model_version=v)
            require_close(res.as_numpy("output_0"), want, MLP_ATOL, f"after reload, version {v or '(none)'}")
        return "ready again (versions 1 and 2), outputs right"
    r.check(f"{p}: load_model mlp", load)


def concurrency_check(r, http_url, grpc_client, e):
    x, want = e["mlp_x"], e["mlp_v2_y"]

    def worker(k, errors, make, n):
        # tritonclient.http's client is not thread-safe (its documentation says so): one per thread.
        # The gRPC client is, and is shared.
        try:
            cl = make()
            for j in range(n):
                if (k + j) % 2:
                    res = infer(cl, "mlp", [cl.make_input("input_0", x, "FP32", binary=j % 3 != 0)],
                                outputs=[cl.make_output("output_0", binary=j % 3 != 0)])
                    require_close(res.as_numpy("output_0"), want, MLP_ROW_ATOL, f"t{k} r{j} batch 3")
                else:
                    row = (k + j) % 3
                    res = infer(cl, "mlp", [cl.make_input("input_0", x[row:row + 1], "FP32")],
                                request_id=f"t{k}-r{j}")
                    require(cl.response(res)[0] == f"t{k}-r{j}", f"t{k} r{j}: id not echoed")
                    require_close(res.as_numpy("output_0"), want[row:row + 1], MLP_ROW_ATOL,
                                  f"t{k} r{j} row")
        except Exception as ex:
            errors.append(f"thread {k}: {type(ex).__name__}: {ex}")

    def run(make, threads, n):
        errors = []
        ts = [threading.Thread(target=worker, args=(k, errors, make, n)) for k in range(threads)]
        t0 = time.monotonic()
        for t in ts:
            t.start()
        for t in ts:
            t.join(timeout=120)
        require(not any(t.is_alive() for t in ts), "threads still running after 120 s")
        require(not errors, f"{len(errors)} threads failed; first: {errors[0] if errors else ''}")
        dt = time.monotonic() - t0
        return f"{threads * n} requests in {dt:.2f} s, all outputs right"

    r.check("http: concurrent 8 threads x 20 requests (mlp batch 1 and 3)",
            lambda: run(lambda: Http(http_url), 8, 20))
    r.check("grpc: concurrent 4 threads x 20 requests, one shared client",
            lambda: run(lambda: grpc_client, 4, 20))


def raw_http_checks(r, http_url):
    """What tritonclient does not look at: the error body shape and /metrics."""
    base = f"http://{http_url}"

    def error_body():
        try:
            urllib.request.urlopen(f"{base}/v2/models/no_such_model", timeout=NET_TIMEOUT)
        except urllib.error.HTTPError as ex:
            require(ex.code in (400, 404), f"status {ex.code}, expected 400 or 404")
            body = json.loads(ex.read())
            require(isinstance(body.get("error"), str) and body["error"], f"body {body}")
            return f"{ex.code} {body}"
        raise Failed("GET /v2/models/no_such_model succeeded")
    r.check("http raw: GET /v2/models/no_such_model -> error body", error_body)

    def metrics():
        with urllib.request.urlopen(f"{base}/metrics", timeout=NET_TIMEOUT) as resp:
            require(resp.status == 200, f"status {resp.status}")
            text = resp.read().decode()
        types = [ln for ln in text.splitlines() if ln.startswith("# TYPE")]
        require(types, "no '# TYPE' line in /metrics")
        return f"{len(types)} metric families"
    r.check("http raw: GET /metrics", metrics)


def latency_check(r, http_url, e):
    """Requests on one kept-alive connection must not stall ~40 ms each: that is Nagle's algorithm
    holding a response's second write until the client's delayed ACK (a server writing headers
    and body separately without TCP_NODELAY). A small MLP on loopback answers in ~1 ms, so a
    25 ms median is far from noise. Linux acks the first segments of a connection at once, which
    is why the first few requests are skipped."""
    def run():
        cl = Http(http_url)
        x = e["mlp_x"][:1]
        times = []
        for k in range(25):
            t0 = time.monotonic()
            infer(cl, "mlp", [cl.make_input("input_0", x, "FP32")])
            if k >= 5:
                times.append((time.monotonic() - t0) * 1e3)
        cl.c.close()
        med = float(np.median(times))
        require(med < 25.0, f"median {med:.1f} ms per request on one connection "
                            f"(~40 ms = Nagle/delayed-ACK stall: TCP_NODELAY not set on the server?)")
        return f"median {med:.1f} ms, max {max(times):.1f} ms over 20 requests"
    r.check("http: keep-alive latency (20 sequential infers on one connection)", run)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--http-url", required=True)
    ap.add_argument("--grpc-url", required=True)
    ap.add_argument("--expected", required=True)
    a = ap.parse_args()
    for url in (a.http_url, a.grpc_url):  # loopback only
        host = url.rsplit(":", 1)[0].strip("[]")
        if not (host.startswith("127.") or host in ("localhost", "::1")):
            sys.exit(f"tritonclient_test: {url} is not a loopback address")

    from importlib.metadata import version
    print(f"tritonclient_test: tritonclient {version('tritonclient')}, "
          f"numpy {np.__version__}, http {a.http_url}, grpc {a.grpc_url}", flush=True)
    e = load_expected(a.expected)
    r = Runner()
    http, grpc = Http(a.http_url), Grpc(a.grpc_url)
    clients = [http, grpc]
    for cl in clients:
        basic_checks(r, cl, e)
        infer_checks(r, cl, e)
        error_checks(r, cl, e)
        index_check(r, cl)
    raw_http_checks(r, a.http_url)
    latency_check(r, a.http_url, e)
    concurrency_check(r, a.http_url, grpc, e)
    for cl in clients:
        unload_load_checks(r, cl, clients, e)

    http.c.close()
    grpc.c.close()
    passed = r.count - len(r.failures)
    print(f"tritonclient_test: {passed} passed, {len(r.failures)} failed")
    if r.failures:
        for name, detail in r.failures:
            print(f"  FAILED {name}: {detail}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
