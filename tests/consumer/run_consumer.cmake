# Builds and runs tests/consumer against neuron, either installed (MODE=install: cmake --install
# into a scratch prefix, then find_package(neuron CONFIG)) or as a subdirectory (MODE=subdirectory).
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

function(run)
  execute_process(COMMAND ${ARGV} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "command failed (${rc}): ${ARGV}\n${out}\n${err}")
  endif()
  message(STATUS "${out}")
endfunction()

set(consumer_src "${NEURON_SOURCE_DIR}/tests/consumer")
if(MODE STREQUAL "install")
  run("${CMAKE_COMMAND}" --install "${NEURON_BINARY_DIR}" --prefix "${WORK_DIR}/prefix")
  set(extra "-DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix" -DNEURON_CONSUMER_MODE=install)
else()
  set(extra "-DNEURON_SOURCE_DIR=${NEURON_SOURCE_DIR}" -DNEURON_CONSUMER_MODE=subdirectory)
endif()
run("${CMAKE_COMMAND}" -S "${consumer_src}" -B "${WORK_DIR}/build"
    "-DCMAKE_CXX_COMPILER=${CMAKE_CXX_COMPILER}" -DCMAKE_BUILD_TYPE=Release ${extra})
run("${CMAKE_COMMAND}" --build "${WORK_DIR}/build")
run("${WORK_DIR}/build/consumer")
