# Compiles through ccache when it is installed and neuron is the top-level project (a parent
# project chooses its own launcher). The consumer tests (tests/consumer) configure neuron again
# with the same flags, so their compilations are cache hits on the test build's own, and CI
# reruns hit the previous run's. NEURON_CCACHE=OFF, or CMAKE_CXX_COMPILER_LAUNCHER set by the
# caller, turns this off. ccache only hashes the working directory with -g, so build trees in
# different directories share entries as long as their sources are at the same absolute path.
option(NEURON_CCACHE "Compile through ccache when it is installed (top-level builds only)" ON)
if(NEURON_CCACHE AND NEURON_IS_TOP_LEVEL AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  find_program(NEURON_CCACHE_PROGRAM ccache)
  if(NEURON_CCACHE_PROGRAM)
    set(CMAKE_CXX_COMPILER_LAUNCHER "${NEURON_CCACHE_PROGRAM}")
    message(STATUS "neuron: compiling through ${NEURON_CCACHE_PROGRAM}")
  endif()
endif()
