# Builds and runs tests/consumer against neuron in one of the ways a user gets it:
#   install        the test build's own install (static libraries), find_package(neuron CONFIG)
#   shared         neuron configured with BUILD_SHARED_LIBS=ON, installed, find_package
#   header_only    neuron configured with NEURON_HEADER_ONLY=ON, installed, find_package
#   subdirectory   add_subdirectory(<neuron source>)
#   pkgconfig      the test build's install, compiled by hand with `pkg-config --cflags --libs`
# The consumer also links a runtime-only program against neuron::runtime / neuron-runtime.pc, and
# (install, shared, pkgconfig) an ONNX program against neuron::onnx / neuron-onnx.pc.
# neuron itself is built beside the test build (NEURON_BINARY_DIR-<mode>): its compiler then runs
# at the same depth below the source tree as the test build's, so ccache, which hashes paths
# relative to the working directory (cmake/ccache_launcher.sh.in), hands it the test build's objects.
set(neuron_build "${NEURON_BINARY_DIR}-consumer-${MODE}")
file(REMOVE_RECURSE "${WORK_DIR}" "${neuron_build}")
file(MAKE_DIRECTORY "${WORK_DIR}")

function(run)
  execute_process(COMMAND ${ARGV} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "command failed (${rc}): ${ARGV}\n${out}\n${err}")
  endif()
  message(STATUS "${out}")
endfunction()

# The test build's compiler launcher (ccache, cmake/neuronCompilerCache.cmake), or none.
if(COMPILER_LAUNCHER)
  set(launcher "-DCMAKE_CXX_COMPILER_LAUNCHER=${COMPILER_LAUNCHER}" -DNEURON_CCACHE=ON)
else()
  set(launcher -DNEURON_CCACHE=OFF)
endif()

# Configures, builds and installs neuron from source with extra options into WORK_DIR/prefix.
function(install_neuron_with)
  run("${CMAKE_COMMAND}" -S "${NEURON_SOURCE_DIR}" -B "${neuron_build}"
      "-DCMAKE_CXX_COMPILER=${CMAKE_CXX_COMPILER}" -DCMAKE_BUILD_TYPE=Release
      -DNEURON_BUILD_TESTS=OFF -DNEURON_BUILD_EXAMPLES=OFF -DNEURON_BUILD_BENCH=OFF
      -DNEURON_BUILD_SERVER=OFF
      -DNEURON_INSTALL=ON ${launcher} ${ARGV})
  run("${CMAKE_COMMAND}" --build "${neuron_build}" -j 2)
  run("${CMAKE_COMMAND}" --install "${neuron_build}" --prefix "${WORK_DIR}/prefix")
endfunction()

set(consumer_src "${NEURON_SOURCE_DIR}/tests/consumer")
set(expect_onnx ON)
if(MODE STREQUAL "install" OR MODE STREQUAL "pkgconfig")
  run("${CMAKE_COMMAND}" --install "${NEURON_BINARY_DIR}" --prefix "${WORK_DIR}/prefix")
  set(extra "-DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix" -DNEURON_CONSUMER_MODE=install)
elseif(MODE STREQUAL "shared")
  install_neuron_with(-DBUILD_SHARED_LIBS=ON)
  file(GLOB sonames "${WORK_DIR}/prefix/lib*/libneuron*.so.*")
  message(STATUS "shared libraries: ${sonames}")
  if(NOT sonames MATCHES "libneuron\\.so\\.0\\.1" OR NOT sonames MATCHES "libneuron-runtime\\.so\\.0\\.1")
    message(FATAL_ERROR "expected versioned sonames libneuron.so.0.1 and libneuron-runtime.so.0.1")
  endif()
  set(extra "-DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix" -DNEURON_CONSUMER_MODE=install)
elseif(MODE STREQUAL "header_only")
  # The ONNX importer is a compiled library in every mode, and the other consumers cover it;
  # building it here would compile all of neuron once more inside it (~10 minutes on two cores).
  install_neuron_with(-DNEURON_HEADER_ONLY=ON -DNEURON_ONNX=OFF)
  set(expect_onnx OFF)
  file(GLOB libs "${WORK_DIR}/prefix/lib*/libneuron*")
  if(libs)
    message(FATAL_ERROR "header-only install holds libraries: ${libs}")
  endif()
  set(extra "-DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix" -DNEURON_CONSUMER_MODE=install)
else()
  # Without the ONNX importer: the test build itself already uses neuron::onnx as a subproject
  # target (tests/onnx links it), so building it here again would add minutes and no coverage.
  set(extra "-DNEURON_SOURCE_DIR=${NEURON_SOURCE_DIR}" -DNEURON_CONSUMER_MODE=subdirectory
      -DNEURON_ONNX=OFF "-DNEURON_SUBDIRECTORY_BINARY_DIR=${neuron_build}")
  set(expect_onnx OFF)
endif()

if(MODE STREQUAL "pkgconfig")
  file(GLOB pcdir "${WORK_DIR}/prefix/lib*/pkgconfig")
  set(ENV{PKG_CONFIG_PATH} "${pcdir}")
  foreach(pair "neuron;main.cpp;consumer" "neuron-runtime;runtime_main.cpp;consumer_runtime"
               "neuron-onnx;onnx_main.cpp;consumer_onnx")
    list(GET pair 0 pc)
    list(GET pair 1 src)
    list(GET pair 2 exe)
    execute_process(COMMAND pkg-config --cflags --libs ${pc} RESULT_VARIABLE rc
                    OUTPUT_VARIABLE flags ERROR_VARIABLE err OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "pkg-config ${pc} failed: ${err}")
    endif()
    message(STATUS "pkg-config --cflags --libs ${pc}: ${flags}")
    separate_arguments(flags UNIX_COMMAND "${flags}")
    run(${COMPILER_LAUNCHER} "${CMAKE_CXX_COMPILER}" -O2 "${consumer_src}/${src}" -o "${WORK_DIR}/${exe}"
        ${flags})
    run("${WORK_DIR}/${exe}")
  endforeach()
  return()
endif()

# The consumer's own programs (and neuron's, through add_subdirectory) with the same launcher.
if(COMPILER_LAUNCHER)
  list(APPEND extra "${launcher}")
endif()
run("${CMAKE_COMMAND}" -S "${consumer_src}" -B "${WORK_DIR}/build"
    "-DCMAKE_CXX_COMPILER=${CMAKE_CXX_COMPILER}" -DCMAKE_BUILD_TYPE=Release ${extra})
run("${CMAKE_COMMAND}" --build "${WORK_DIR}/build" -j 2)
run("${WORK_DIR}/build/consumer")
run("${WORK_DIR}/build/consumer_runtime")
if(expect_onnx)
  if(NOT EXISTS "${WORK_DIR}/build/consumer_onnx")
    message(FATAL_ERROR "neuron::onnx was not found by the consumer")
  endif()
  run("${WORK_DIR}/build/consumer_onnx")
elseif(EXISTS "${WORK_DIR}/build/consumer_onnx")
  message(FATAL_ERROR "neuron::onnx was found although neuron was built without it")
endif()
