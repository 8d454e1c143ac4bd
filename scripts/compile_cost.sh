#!/usr/bin/env bash
# What including neuron costs a user: installs neuron twice (compiled core, and header-only) into
# scratch prefixes, then compiles three translation units against each with g++ -O2 and prints
# the seconds and peak memory (/usr/bin/time -f "%e %M") of each, the median of RUNS runs:
#   trace_example  <neuron/neuron.hpp> + the seed's 10-line trace example
#   runtime_load   <neuron/runtime.hpp> + load + one call
#   empty_main     <neuron/neuron.hpp> with an empty main
# Flags come from the installed pkg-config files (neuron.pc / neuron-runtime.pc).
# Usage: scripts/compile_cost.sh     (RUNS=3 by default; work dir build-compile-cost/)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
work="${WORK_DIR:-build-compile-cost}"
runs="${RUNS:-3}"
mkdir -p "$work"

install_mode() {  # <name> <cmake options...>
  local name=$1
  shift
  cmake -S . -B "$work/build-$name" -DCMAKE_BUILD_TYPE=Release -DNEURON_BUILD_TESTS=OFF \
    -DNEURON_BUILD_EXAMPLES=OFF -DNEURON_BUILD_BENCH=OFF -DNEURON_INSTALL=ON "$@" >/dev/null
  cmake --build "$work/build-$name" -j "${JOBS:-$(nproc)}" >/dev/null
  rm -rf "$work/prefix-$name"
  cmake --install "$work/build-$name" --prefix "$work/prefix-$name" >/dev/null
}

# Prints "<seconds> <peak MB>" of compiling $2 with the flags of pkg-config package $3, median of
# $runs runs (by time).
measure() {  # <prefix> <source> <pc>
  local prefix=$1 src=$2 pc=$3 flags
  flags=$(PKG_CONFIG_PATH="$(echo "$prefix"/lib*/pkgconfig)" pkg-config --cflags "$pc")
  for _ in $(seq "$runs"); do
    # shellcheck disable=SC2086
    if ! /usr/bin/time -o "$work/time.txt" -f "%e %M" g++ -O2 $flags -c "$src" -o /dev/null \
      >"$work/compile.log" 2>&1; then
      cat "$work/compile.log" >&2
      echo "compile_cost: $src does not compile against $prefix" >&2
      exit 1
    fi
    tail -1 "$work/time.txt"
  done | sort -n | awk -v n="$runs" 'NR == int((n + 1) / 2) { printf "%s s %d MB\n", $1, $2 / 1024 }'
}

install_mode compiled
install_mode header-only -DNEURON_HEADER_ONLY=ON

echo
echo "compile cost, g++ $(g++ -dumpfullversion) -O2, median of $runs run(s), $(nproc) cores:"
echo
echo "| translation unit | compiled core | header-only |"
echo "|---|---|---|"
for tu in trace_example:neuron runtime_load:neuron-runtime empty_main:neuron; do
  src="scripts/compile_cost/${tu%%:*}.cpp"
  pc="${tu##*:}"
  compiled=$(measure "$work/prefix-compiled" "$src" "$pc")
  header_only=$(measure "$work/prefix-header-only" "$src" "$pc")
  echo "| ${tu%%:*} | $compiled | $header_only |"
done
echo
echo "installed libraries (compiled core, static):"
ls -l "$work"/prefix-compiled/lib*/libneuron*.a | awk '{ printf "  %s %.1f MB\n", $NF, $5 / 1048576 }'
