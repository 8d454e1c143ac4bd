#!/usr/bin/env bash
# Fault tests of the persistent plan cache, from outside (tests/tools/hash_probe.cpp fills it):
#   cache_faults.sh PROBE WORKDIR kill9      a filling process is killed with SIGKILL at random
#                                            moments; the next ones hit, recompile or replace
#                                            whatever it left, and never read a half-written entry
#   cache_faults.sh PROBE WORKDIR full_disk  the directory is a 48 KiB tmpfs (a private mount
#                                            namespace, unshare -m): once it is full, one warning,
#                                            then plans stay in memory; results stay exact.
#                                            Exit 77 (skipped) where mounting is not allowed.
set -uo pipefail
probe="$1" work="$2" mode="$3"
fail() { echo "FAIL: $*" >&2; exit 1; }
pid=""
trap '[[ -n "$pid" ]] && kill -9 "$pid" 2>/dev/null' EXIT  # a failed round leaves no probe behind
rm -rf "$work" && mkdir -p "$work" || fail "cannot make $work"
# has KEY=VALUE: one exact counter of the probe's output line (" CompileCount=80 ", not 800)
has() { [[ " $out " == *" $1 "* ]]; }

case "$mode" in
  kill9)
    dir="$work/cache"
    for round in 1 2 3 4 5; do
      # 3000 graphs take seconds: once it has written entries, the SIGKILL lands at a random
      # moment while it compiles, writes and evicts
      NEURON_CACHE_DIR="$dir" NEURON_CACHE_MAX_BYTES=30000 "$probe" --graphs 3000 >/dev/null 2>&1 &
      pid=$!
      for _ in $(seq 100); do
        compgen -G "$dir/*.neuron" >/dev/null && break
        sleep 0.05
      done
      compgen -G "$dir/*.neuron" >/dev/null || fail "round $round: no entry written in 5 s"
      sleep "0.$((RANDOM % 5))$((RANDOM % 10))"
      kill -9 "$pid" 2>/dev/null
      wait "$pid" 2>/dev/null
      status=$?
      ((status == 137)) || fail "round $round: the filling process was not killed (status $status)"
      out=$(NEURON_CACHE_DIR="$dir" NEURON_CACHE_MAX_BYTES=30000 "$probe" --graphs 40) ||
        fail "round $round: the probe after a SIGKILL failed"
      echo "round $round: $out"
      has exact=1 || fail "round $round: results differ from eager"
      has DiskCacheRejected=0 || fail "round $round: a half-written entry was read"
      has DiskCacheWriteFailed=0 || fail "round $round: a write failed"
    done
    bytes=$(find "$dir" -name '*.neuron' -printf '%s\n' | awk '{s += $1} END {print s + 0}')
    ((bytes <= 30000)) || fail "entries hold $bytes bytes, over the 30000 bound"
    echo "PASS: 5 SIGKILLs; entries hold $bytes bytes (bound 30000)"
    ;;
  full_disk)
    dir="$work/tmpfs"
    mkdir -p "$dir"
    if ! unshare -m true 2>/dev/null; then
      echo "SKIP: no private mount namespace (unshare -m) here"
      exit 77
    fi
    # shellcheck disable=SC2016  # expanded by the inner shell
    unshare -m bash -c '
      mount -t tmpfs -o size=48k tmpfs "$1" 2>/dev/null || exit 77
      NEURON_CACHE_DIR="$1/cache" NEURON_CACHE_MAX_BYTES=0 "$2" --graphs 80 >"$3/out" 2>"$3/err"
    ' _ "$dir" "$probe" "$work"
    rc=$?
    if ((rc == 77)); then
      echo "SKIP: cannot mount a tmpfs here"
      exit 77
    fi
    ((rc == 0)) || fail "the probe exited with $rc: $(cat "$work/err")"
    out=$(cat "$work/out")
    echo "$out"
    has exact=1 || fail "results differ from eager"
    has DiskCacheWriteFailed=1 || fail "expected exactly one failed write"
    has CompileCount=80 || fail "expected 80 compiles"
    warnings=$(grep -c "cannot write the plan cache" "$work/err")
    ((warnings == 1)) || fail "expected one warning, got $warnings: $(cat "$work/err")"
    grep "cannot write the plan cache" "$work/err"
    echo "PASS: a full disk gave one warning; all 80 graphs ran from memory"
    ;;
  *) fail "unknown mode '$mode'" ;;
esac
