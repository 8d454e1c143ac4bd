#!/usr/bin/env python3
"""Static checks of neuron-serve's deployment files (no Docker engine or Kubernetes needed).

  python3 deploy/test_manifests.py [PATH/TO/neuron-serve]

Parses deploy/kserve/serving-runtime.yaml and deploy/kserve/inference-service.yaml (PyYAML, Debian's
python3-yaml) and asserts the fields KServe needs; parses deploy/Dockerfile (instructions, line
continuations, comments) and asserts its stages, user, ports, entrypoint and health check. With the
path of a neuron-serve binary, also asserts that every neuron-serve flag used by the manifests,
the Dockerfile and deploy/replica_kill_test.sh is one that `neuron-serve --help` lists.
Exit status 0 when all checks pass, 1 otherwise (unittest); 77 (skip) without PyYAML.
"""

import json
import os
import re
import subprocess
import sys
import unittest

try:
    import yaml
except ImportError:  # Debian: apt-get install python3-yaml
    print("SKIP: PyYAML is not installed (Debian: python3-yaml)")
    sys.exit(77)

HERE = os.path.dirname(os.path.abspath(__file__))
RUNTIME_YAML = os.path.join(HERE, "kserve", "serving-runtime.yaml")
ISVC_YAML = os.path.join(HERE, "kserve", "inference-service.yaml")
DOCKERFILE = os.path.join(HERE, "Dockerfile")
KILL_TEST = os.path.join(HERE, "replica_kill_test.sh")

SERVE_BINARY = None  # set from argv[1]

KSERVE_RUNTIME_API = "serving.kserve.io/v1alpha1"
KSERVE_ISVC_API = "serving.kserve.io/v1beta1"
KNOWN_PROTOCOLS = {"v1", "v2", "grpc-v1", "grpc-v2"}
KNATIVE_PORT_NAMES = {"", "http1", "h2c"}  # Knative: a port name must be empty, http1 or h2c
HEALTH_READY = "/v2/health/ready"
DEBIAN_IMAGES = {"debian:bookworm", "debian:bookworm-slim"}
FLAG_RE = re.compile(r"^--[A-Za-z][A-Za-z0-9-]*")


def load_all(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def parse_flags(args):
    """['--a=1', '--b', '2', '--c'] -> {'--a': '1', '--b': '2', '--c': None} (argv style)."""
    flags = {}
    i = 0
    while i < len(args):
        a = str(args[i])
        m = FLAG_RE.match(a)
        if m:
            name = m.group(0)
            if "=" in a:
                flags[name] = a.split("=", 1)[1]
            elif i + 1 < len(args) and not str(args[i + 1]).startswith("--"):
                flags[name] = str(args[i + 1])
                i += 1
            else:
                flags[name] = None
        i += 1
    return flags


def cpu_millis(q):
    q = str(q)
    return int(q[:-1]) if q.endswith("m") else int(float(q) * 1000)


def mem_bytes(q):
    q = str(q)
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40,
             "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}
    for u in sorted(units, key=len, reverse=True):
        if q.endswith(u):
            return int(float(q[: -len(u)]) * units[u])
    return int(q)


def kserve_container(runtime):
    named = [c for c in runtime["spec"]["containers"] if c.get("name") == "kserve-container"]
    return named[0] if len(named) == 1 else None


# ------------------------------------------------------------------------------------------------
# Dockerfile parsing: directives, comments, line continuations, JSON (exec) or shell forms.

def parse_dockerfile(path):
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    escape = "\\"
    # Parser directives (# escape=`) may only appear before anything else.
    for line in lines:
        m = re.match(r"^#\s*([A-Za-z]+)\s*=\s*(\S+)\s*$", line)
        if not m:
            break
        if m.group(1).lower() == "escape":
            escape = m.group(2)
    instructions = []  # (keyword, argument text, first line number)
    buf, start = None, 0
    for no, raw in enumerate(lines, 1):
        stripped = raw.strip()
        if stripped.startswith("#"):
            continue  # comment lines are dropped, even inside a continuation
        if buf is None:
            if not stripped:
                continue
            buf, start = "", no
        elif not stripped:
            continue  # empty continuation line (Docker accepts it, with a warning)
        text = raw.rstrip()
        if text.endswith(escape):
            buf += text[: -len(escape)] + " "
            continue
        buf += text
        keyword, _, rest = buf.strip().partition(" ")
        instructions.append((keyword.upper(), rest.strip(), start))
        buf = None
    if buf is not None:
        raise ValueError(f"{path}:{start}: line continuation runs off the end of the file")
    return instructions


def split_stages(instructions):
    stages = []
    for kw, arg, no in instructions:
        if kw == "FROM":
            words = [w for w in arg.split() if not w.startswith("--")]
            image = words[0]
            name = words[2] if len(words) >= 3 and words[1].lower() == "as" else None
            stages.append({"image": image, "name": name, "line": no, "body": []})
        elif kw in ("ARG",) and not stages:
            continue
        else:
            if not stages:
                raise ValueError(f"line {no}: {kw} before the first FROM")
            stages[-1]["body"].append((kw, arg, no))
    return stages


def exec_form(arg):
    """JSON array form of CMD / ENTRYPOINT / HEALTHCHECK CMD, or None for the shell form."""
    arg = arg.strip()
    if not arg.startswith("["):
        return None
    value = json.loads(arg)
    if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        raise ValueError(f"not a JSON array of strings: {arg}")
    return value


def dockerfile_serve_flags():
    stages = split_stages(parse_dockerfile(DOCKERFILE))
    cmd = [exec_form(a) for k, a, _ in stages[-1]["body"] if k == "CMD"]
    return parse_flags(cmd[-1]) if cmd and cmd[-1] else {}


def kill_test_serve_flags():
    """The flags deploy/replica_kill_test.sh passes to neuron-serve (its start_replica function)."""
    if not os.path.exists(KILL_TEST):
        return set()
    with open(KILL_TEST, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"^start_replica\(\)\s*\{\n(.*?)^\}", text, re.S | re.M)
    if not m:
        return set()
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", m.group(1)))


# ------------------------------------------------------------------------------------------------

class KServeManifests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.runtime_docs = load_all(RUNTIME_YAML)
        cls.isvc_docs = load_all(ISVC_YAML)
        cls.runtimes = {d["metadata"]["name"]: d for d in cls.runtime_docs}

    def test_runtime_kinds_and_api(self):
        self.assertTrue(self.runtime_docs, "no document in serving-runtime.yaml")
        for d in self.runtime_docs:
            self.assertIn(d.get("kind"), ("ServingRuntime", "ClusterServingRuntime"))
            self.assertEqual(d.get("apiVersion"), KSERVE_RUNTIME_API)
            self.assertTrue(d.get("metadata", {}).get("name"))
        self.assertEqual(len(self.runtimes), len(self.runtime_docs), "duplicate runtime names")

    def test_runtime_model_formats_and_protocols(self):
        for name, d in self.runtimes.items():
            spec = d["spec"]
            formats = spec.get("supportedModelFormats") or []
            self.assertTrue(formats, f"{name}: no supportedModelFormats")
            for f in formats:
                self.assertEqual(f.get("name"), "neuron", name)
                # The version is a string ("1", the major version) as KServe's docs recommend.
                self.assertIsInstance(f.get("version"), str, f"{name}: version must be quoted")
                self.assertEqual(f["version"], "1", name)
                self.assertIsInstance(f.get("autoSelect", False), bool, name)
            protocols = spec.get("protocolVersions") or []
            self.assertTrue(protocols, f"{name}: no protocolVersions")
            self.assertTrue(set(protocols) <= KNOWN_PROTOCOLS, f"{name}: {protocols}")
        all_protocols = {p for d in self.runtime_docs for p in d["spec"]["protocolVersions"]}
        self.assertIn("v2", all_protocols)
        self.assertIn("grpc-v2", all_protocols)
        # At most one auto-selectable runtime per (format, version, protocol): KServe's docs warn
        # that otherwise which one is chosen is not defined.
        seen = {}
        for name, d in self.runtimes.items():
            for f in d["spec"]["supportedModelFormats"]:
                if f.get("autoSelect"):
                    for p in d["spec"]["protocolVersions"]:
                        key = (f["name"], f["version"], p)
                        self.assertNotIn(key, seen, f"{name} and {seen.get(key)} both auto-select {key}")
                        seen[key] = name
        self.assertIn(("neuron", "1", "v2"), seen, "no runtime auto-selects neuron v2 (REST)")

    def test_runtime_container(self):
        for name, d in self.runtimes.items():
            c = kserve_container(d)
            self.assertIsNotNone(c, f"{name}: exactly one container must be named kserve-container")
            self.assertTrue(c.get("image"), f"{name}: no image")
            args = c.get("args") or []
            self.assertTrue(all(isinstance(a, str) for a in args), f"{name}: args must be strings")
            self.assertNotIn("{{", " ".join(args), f"{name}: plain args, no KServe templating")
            flags = parse_flags(args)
            self.assertEqual(flags.get("--model-repository"), "/mnt/models", name)
            self.assertEqual(flags.get("--http-port"), "8080", name)
            self.assertEqual(flags.get("--grpc-port"), "9000", name)
            self.assertEqual(flags.get("--host"), "0.0.0.0", name)
            res = c.get("resources") or {}
            for kind in ("requests", "limits"):
                for r in ("cpu", "memory"):
                    self.assertIn(r, res.get(kind, {}), f"{name}: resources.{kind}.{r}")
            self.assertLessEqual(cpu_millis(res["requests"]["cpu"]), cpu_millis(res["limits"]["cpu"]))
            self.assertLessEqual(mem_bytes(res["requests"]["memory"]),
                                 mem_bytes(res["limits"]["memory"]))
            sc = c.get("securityContext") or {}
            self.assertIs(sc.get("runAsNonRoot"), True, f"{name}: runAsNonRoot")
            if "runAsUser" in sc:
                self.assertNotEqual(sc["runAsUser"], 0, name)
            self.assertIsNot(sc.get("allowPrivilegeEscalation"), True, name)

    def test_runtime_ports(self):
        first = self.runtime_docs[0]
        for name, d in self.runtimes.items():
            c = kserve_container(d)
            flags = parse_flags(c["args"])
            ports = c.get("ports") or []
            # Knative (KServe's Serverless mode) rejects more than one port per service.
            self.assertEqual(len(ports), 1, f"{name}: Knative allows exactly one container port")
            port = ports[0]
            self.assertIn(port.get("name", ""), KNATIVE_PORT_NAMES, name)
            if port.get("name") == "h2c":
                self.assertEqual(str(port["containerPort"]), flags["--grpc-port"], name)
                self.assertEqual(d["spec"]["protocolVersions"], ["grpc-v2"],
                                 f"{name}: an h2c-only runtime serves gRPC only")
            else:
                self.assertEqual(str(port["containerPort"]), flags["--http-port"], name)
                self.assertIn("v2", d["spec"]["protocolVersions"], name)
                self.assertNotIn("grpc-v2", d["spec"]["protocolVersions"],
                                 f"{name}: gRPC needs an h2c port")
        # The first runtime, and its first port, is the HTTP one.
        p0 = kserve_container(first)["ports"][0]
        self.assertEqual(p0["containerPort"], 8080)
        self.assertIn(p0.get("name", ""), ("", "http1"))

    def test_runtime_probes(self):
        for name, d in self.runtimes.items():
            c = kserve_container(d)
            http_port = parse_flags(c["args"])["--http-port"]
            probe = c.get("readinessProbe")
            self.assertIsNotNone(probe, f"{name}: no readinessProbe")
            self.assertEqual(probe["httpGet"]["path"], HEALTH_READY, name)
            self.assertEqual(str(probe["httpGet"]["port"]), http_port, name)
            for extra in ("livenessProbe", "startupProbe"):
                if extra in c:
                    self.assertTrue(c[extra]["httpGet"]["path"].startswith("/v2/health/"), name)

    def test_inference_services(self):
        self.assertTrue(self.isvc_docs, "no document in inference-service.yaml")
        protocols_seen = set()
        for d in self.isvc_docs:
            name = d.get("metadata", {}).get("name")
            self.assertTrue(name)
            self.assertEqual(d.get("kind"), "InferenceService", name)
            self.assertEqual(d.get("apiVersion"), KSERVE_ISVC_API, name)
            pred = d["spec"]["predictor"]
            model = pred["model"]
            rt_name = model.get("runtime")
            self.assertIn(rt_name, self.runtimes, f"{name}: runtime {rt_name} is not defined")
            rt = self.runtimes[rt_name]["spec"]
            fmt = model["modelFormat"]
            matches = [f for f in rt["supportedModelFormats"]
                       if f["name"] == fmt["name"]
                       and ("version" not in fmt or str(fmt["version"]) == f["version"])]
            self.assertTrue(matches, f"{name}: modelFormat {fmt} not supported by {rt_name}")
            proto = model.get("protocolVersion")
            self.assertIn(proto, rt["protocolVersions"], f"{name}: {proto} not in {rt_name}")
            protocols_seen.add(proto)
            self.assertRegex(model.get("storageUri", ""), r"^(pvc|s3|gs|https?|hdfs|webhdfs|oci)://\S+")
            self.assertGreaterEqual(pred.get("minReplicas", 1), 2, f"{name}: minReplicas >= 2")
            self.assertGreaterEqual(pred.get("maxReplicas", 0), pred["minReplicas"], name)
            if "scaleMetric" in pred:
                self.assertIn(pred["scaleMetric"], ("concurrency", "rps", "cpu", "memory"))
                self.assertIsInstance(pred.get("scaleTarget"), int, name)
            # A port override would be merged into (added to) the runtime's one: see the notes
            # at the top of serving-runtime.yaml.
            self.assertNotIn("ports", model, f"{name}: ports come from the runtime")
        self.assertIn("v2", protocols_seen)


class Dockerfile(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.instructions = parse_dockerfile(DOCKERFILE)
        cls.stages = split_stages(cls.instructions)
        cls.final = cls.stages[-1]

    def body(self, kw, stage=None):
        return [a for k, a, _ in (stage or self.final)["body"] if k == kw]

    def test_stages(self):
        self.assertGreaterEqual(len(self.stages), 2, "multi-stage: build and runtime")
        names = {s["name"] for s in self.stages if s["name"]}
        for s in self.stages:
            self.assertTrue(s["image"] in DEBIAN_IMAGES or s["image"] in names,
                            f"line {s['line']}: FROM {s['image']}")
        self.assertIn(self.final["image"], DEBIAN_IMAGES)
        copied = [a for a in self.body("COPY") if a.startswith("--from=")]
        self.assertTrue(copied, "the final stage copies nothing from the build stage")

    def test_build_stage(self):
        build = self.stages[0]
        runs = " ".join(self.body("RUN", build))
        self.assertIn("install_deps.sh", runs)
        for pkg in ("libcpp-httplib-dev", "libgrpc++-dev", "protobuf-compiler-grpc",
                    "libcli11-dev", "prometheus-cpp-dev"):
            self.assertIn(pkg, runs)
        for opt in ("-DNEURON_BUILD_TESTS=OFF", "-DNEURON_BUILD_BENCH=OFF",
                    "-DNEURON_BUILD_EXAMPLES=OFF", "-DNEURON_BUILD_SERVER=ON"):
            self.assertIn(opt, runs)
        self.assertIn("cmake --install", runs)

    def test_non_root_user(self):
        users = self.body("USER")
        self.assertTrue(users, "no USER in the final stage")
        user = users[-1].split(":")[0]
        self.assertNotIn(user, ("root", "0"))
        # Kubernetes' runAsNonRoot can only verify a numeric user.
        self.assertTrue(user.isdigit(), f"USER {users[-1]}: use a numeric uid")
        rt = load_all(RUNTIME_YAML)
        for d in rt:
            sc = kserve_container(d).get("securityContext", {})
            if "runAsUser" in sc:
                self.assertEqual(str(sc["runAsUser"]), user)

    def test_expose(self):
        ports = {p.split("/")[0] for a in self.body("EXPOSE") for p in a.split()}
        self.assertTrue({"8000", "8001"} <= ports, ports)

    def test_entrypoint_and_cmd(self):
        ep = self.body("ENTRYPOINT")
        self.assertTrue(ep, "no ENTRYPOINT")
        ep = exec_form(ep[-1])
        self.assertIsNotNone(ep, "ENTRYPOINT must be in exec (JSON) form, so signals reach it")
        self.assertEqual(os.path.basename(ep[0]), "neuron-serve")
        cmd = self.body("CMD")
        self.assertTrue(cmd, "no CMD")
        flags = parse_flags(exec_form(cmd[-1]))
        self.assertEqual(flags.get("--model-repository"), "/models")
        self.assertEqual(flags.get("--host"), "0.0.0.0")
        self.assertEqual(flags.get("--http-port"), "8000")
        self.assertEqual(flags.get("--grpc-port"), "8001")

    def test_healthcheck(self):
        hc = self.body("HEALTHCHECK")
        self.assertTrue(hc, "no HEALTHCHECK")
        text = hc[-1]
        self.assertIn("CMD", text)
        self.assertIn(HEALTH_READY, text)
        self.assertIn("8000", text)
        self.assertIsNotNone(exec_form(text[text.index("CMD") + 3:]), "HEALTHCHECK CMD: exec form")
        if re.search(r"\bcurl\b", text):
            installs = " ".join(self.body("RUN"))
            self.assertRegex(installs, r"apt-get install[^&]*\bcurl\b", "curl used but not installed")

    def test_continuations_parsed(self):
        # Every instruction keyword is a real one: a broken continuation would yield junk.
        known = {"FROM", "RUN", "CMD", "LABEL", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT",
                 "VOLUME", "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK",
                 "SHELL", "MAINTAINER"}
        for kw, _, no in self.instructions:
            self.assertIn(kw, known, f"line {no}")


class FlagsExist(unittest.TestCase):
    def test_flags_in_help(self):
        binary = SERVE_BINARY or os.environ.get("NEURON_SERVE_BINARY")
        if not binary:
            self.skipTest("no neuron-serve binary given (argv[1])")
        proc = subprocess.run([binary, "--help"], capture_output=True, text=True, timeout=60)
        help_text = proc.stdout + proc.stderr
        self.assertEqual(proc.returncode, 0, f"{binary} --help exited {proc.returncode}:\n{help_text}")
        used = {}
        for d in load_all(RUNTIME_YAML):
            for f in parse_flags(kserve_container(d)["args"]):
                used.setdefault(f, set()).add("serving-runtime.yaml")
        for f in dockerfile_serve_flags():
            used.setdefault(f, set()).add("Dockerfile")
        for f in kill_test_serve_flags():
            used.setdefault(f, set()).add("replica_kill_test.sh")
        self.assertIn("--model-repository", used)
        missing = {f: sorted(w) for f, w in used.items()
                   if not re.search(r"(?<![\w-])" + re.escape(f) + r"(?![\w-])", help_text)}
        self.assertFalse(missing, f"flags not in `neuron-serve --help`: {missing}\n{help_text}")


if __name__ == "__main__":
    argv = sys.argv[:1]
    for a in sys.argv[1:]:
        if not a.startswith("-") and SERVE_BINARY is None:
            SERVE_BINARY = a
        else:
            argv.append(a)
    unittest.main(argv=argv, verbosity=2)
