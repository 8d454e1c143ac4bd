#!/bin/sh
# neuron's compiler launcher (cmake/neuronCompilerCache.cmake): ccache, with the two settings
# neuron's builds need, unless the caller's environment sets them.
# - sloppiness pch_defines,time_macros: without it ccache refuses every compilation that uses a
#   precompiled header (neuron_tests' sources all do).
# - base_dir = the source tree that holds this script: paths under it are hashed relative to the
#   compiler's working directory, so a clone in another directory (a CI checkout) hits the
#   entries of the last one, as long as its build directory sits at the same depth.
here=$(cd "$(dirname "$0")/.." && pwd)
CCACHE_SLOPPINESS="${CCACHE_SLOPPINESS:-pch_defines,time_macros}"
CCACHE_BASEDIR="${CCACHE_BASEDIR:-$here}"
export CCACHE_SLOPPINESS CCACHE_BASEDIR
exec ccache "$@"
