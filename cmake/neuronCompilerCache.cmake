# Compiles neuron's targets through ccache when it is installed, by a launcher script made from
# cmake/ccache_launcher.sh.in in the build directory.
# On by default when neuron is the top-level project; a parent project that adds neuron with
# add_subdirectory may turn it on for neuron's targets alone (-DNEURON_CCACHE=ON). A launcher the
# caller already set (CMAKE_CXX_COMPILER_LAUNCHER) wins.
# The consumer tests (tests/consumer) build neuron again with the same flags, from build
# directories beside the test build's (tests/consumer/run_consumer.cmake), so their compilations
# are cache hits on the test build's own; CI reruns hit the previous run's.
option(NEURON_CCACHE "Compile neuron through ccache when it is installed" ${NEURON_IS_TOP_LEVEL})
if(NEURON_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  find_program(NEURON_CCACHE_PROGRAM ccache)
  if(NEURON_CCACHE_PROGRAM)
    configure_file("${CMAKE_CURRENT_LIST_DIR}/ccache_launcher.sh.in"
                   "${CMAKE_CURRENT_BINARY_DIR}/neuron_ccache_launcher.sh" @ONLY
                   FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                                    WORLD_READ WORLD_EXECUTE)
    set(CMAKE_CXX_COMPILER_LAUNCHER "${CMAKE_CURRENT_BINARY_DIR}/neuron_ccache_launcher.sh")
    message(STATUS "neuron: compiling through ${NEURON_CCACHE_PROGRAM}")
  endif()
endif()
