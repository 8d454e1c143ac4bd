#!/usr/bin/env python3
"""Checks our KServe v2 gRPC .proto against the descriptors tritonclient was generated from.

protoc compiles PROTO_FILE to a descriptor set (a real parse, no text matching); every message,
field, enum value and RPC that OUR file declares must exist in tritonclient's
inference.GRPCInferenceService descriptors (tritonclient.grpc.service_pb2, or grpc_service_pb2 in
old releases) with the same number, label, type and message/enum type name, and every RPC the same
request/response types and streaming flags. Fields that tritonclient has and we do not declare are
listed, not failed: proto3 parsers skip unknown fields, so the wire stays compatible, but such a
field is silently ignored by our server.

Run it with the Python that has tritonclient (run_tritonclient_test.sh's virtualenv).
Usage: check_proto_against_tritonclient.py PROTO_FILE [--protoc PATH]
Exit codes: 0 compatible, 1 a mismatch, 77 no protoc.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

from google.protobuf import descriptor_pb2

try:  # tritonclient >= 2.2x
    from tritonclient.grpc import service_pb2 as triton_service
except ImportError:  # older releases
    from tritonclient.grpc import grpc_service_pb2 as triton_service

FDP = descriptor_pb2.FieldDescriptorProto
TYPE_NAMES = {v: k for k, v in FDP.Type.items()}


def compile_proto(protoc, path):
    """Our file's FileDescriptorProto, from protoc --descriptor_set_out."""
    path = os.path.abspath(path)
    include, base = os.path.split(path)
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "set.pb")
        subprocess.run([protoc, "-I", include, f"--descriptor_set_out={out}", "--include_imports",
                        base], check=True, timeout=60)
        with open(out, "rb") as f:
            fds = descriptor_pb2.FileDescriptorSet.FromString(f.read())
    return next(fp for fp in fds.file if fp.name == base)


def strip(type_name):
    return type_name.lstrip(".")


def describe(f):
    t = TYPE_NAMES[f.type][len("TYPE_"):].lower()
    if f.type_name:
        t += f" {strip(f.type_name)}"
    label = "repeated " if f.label == FDP.LABEL_REPEATED else ""
    return f"{label}{t} = {f.number}"


class Checker:
    def __init__(self):
        self.pool = triton_service.DESCRIPTOR.pool
        self.errors, self.notes = [], []
        self.counts = {"messages": 0, "fields": 0, "enums": 0, "rpcs": 0}

    def theirs_message(self, full):
        try:
            d = self.pool.FindMessageTypeByName(full)
        except KeyError:
            return None
        p = descriptor_pb2.DescriptorProto()
        d.CopyToProto(p)
        return p

    def message(self, ours, full):
        self.counts["messages"] += 1
        theirs = self.theirs_message(full)
        if theirs is None:
            self.errors.append(f"message {full}: not in tritonclient")
            return
        by_name = {f.name: f for f in theirs.field}
        by_number = {f.number: f for f in theirs.field}
        for f in ours.field:
            self.counts["fields"] += 1
            t = by_name.get(f.name)
            where = f"{full}.{f.name}"
            if t is None:
                clash = by_number.get(f.number)
                extra = f" (tritonclient's field {f.number} is {clash.name})" if clash else ""
                self.errors.append(f"{where}: no such field in tritonclient{extra}")
                continue
            if (f.number, f.label, f.type, strip(f.type_name)) != (
                    t.number, t.label, t.type, strip(t.type_name)):
                self.errors.append(f"{where}: ours '{describe(f)}', tritonclient '{describe(t)}'")
            elif (f.HasField("oneof_index") and not f.proto3_optional) != (
                    t.HasField("oneof_index") and not t.proto3_optional):
                # Same wire format either way; only worth a note.
                self.notes.append(f"{where}: in a oneof on one side only")
        ours_names = {f.name for f in ours.field}
        for t in theirs.field:
            if t.name not in ours_names:
                self.notes.append(f"{full}.{t.name} ({describe(t)}): in tritonclient, not declared by us")
        for n in ours.nested_type:
            self.message(n, f"{full}.{n.name}")
        for e in ours.enum_type:
            self.enum(e, f"{full}.{e.name}")

    def enum(self, ours, full):
        self.counts["enums"] += 1
        try:
            theirs = {v.name: v.number for v in self.pool.FindEnumTypeByName(full).values}
        except KeyError:
            self.errors.append(f"enum {full}: not in tritonclient")
            return
        for v in ours.value:
            if theirs.get(v.name) != v.number:
                self.errors.append(f"enum {full}.{v.name} = {v.number}: tritonclient has "
                                   f"{theirs.get(v.name, 'no such value')}")

    def service(self, ours, full):
        try:
            d = self.pool.FindServiceByName(full)
        except KeyError:
            self.errors.append(f"service {full}: not in tritonclient (package or name differs?)")
            return
        theirs = descriptor_pb2.ServiceDescriptorProto()
        d.CopyToProto(theirs)
        methods = {m.name: m for m in theirs.method}
        for m in ours.method:
            self.counts["rpcs"] += 1
            t = methods.get(m.name)
            if t is None:
                self.errors.append(f"rpc {full}.{m.name}: not in tritonclient")
                continue
            o = (strip(m.input_type), strip(m.output_type), m.client_streaming, m.server_streaming)
            w = (strip(t.input_type), strip(t.output_type), t.client_streaming, t.server_streaming)
            if o != w:
                self.errors.append(f"rpc {full}.{m.name}: ours (in, out, client/server streaming) "
                                   f"{o}, tritonclient {w}")
        declared = {m.name for m in ours.method}
        missing = sorted(set(methods) - declared)
        if missing:
            self.notes.append(f"{full}: {len(missing)} RPCs of tritonclient not declared by us "
                              f"(clients get UNIMPLEMENTED): {', '.join(missing)}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("proto")
    ap.add_argument("--protoc", default=shutil.which("protoc") or "/usr/bin/protoc")
    a = ap.parse_args()
    if not os.access(a.protoc, os.X_OK):
        print(f"check_proto: SKIPPED: no protoc ({a.protoc})", file=sys.stderr)
        sys.exit(77)

    fp = compile_proto(a.protoc, a.proto)
    prefix = f"{fp.package}." if fp.package else ""
    c = Checker()
    for m in fp.message_type:
        c.message(m, prefix + m.name)
    for e in fp.enum_type:
        c.enum(e, prefix + e.name)
    for s in fp.service:
        c.service(s, prefix + s.name)
    if not fp.service:
        c.errors.append(f"{a.proto} declares no service")
    if fp.package != "inference" or "GRPCInferenceService" not in {s.name for s in fp.service}:
        c.errors.append(f"{a.proto} does not declare inference.GRPCInferenceService "
                        f"(package {fp.package!r})")

    for n in c.notes:
        print(f"check_proto: note: {n}")
    counts = ", ".join(f"{v} {k}" for k, v in c.counts.items())
    if c.errors:
        for e in c.errors:
            print(f"check_proto: MISMATCH: {e}", file=sys.stderr)
        print(f"check_proto: {len(c.errors)} mismatches in {counts} of {a.proto} "
              f"(against {triton_service.__name__})", file=sys.stderr)
        sys.exit(1)
    print(f"check_proto: {a.proto} matches {triton_service.__name__}: {counts}")


if __name__ == "__main__":
    main()
