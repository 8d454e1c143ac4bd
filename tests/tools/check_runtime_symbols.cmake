# Fails when the runtime library (LIBRARY) defines a symbol of the compiler, the lazy recorder, the
# tracer, the graph IR or nn. The same patterns must match in the full library (FULL_LIBRARY), so
# the check cannot pass by matching nothing.
set(forbidden
  "neuron::lazy::" "neuron::nn::" "neuron::Graph" "neuron::IrNode" "neuron::compile\\("
  "neuron::mark_step" "neuron::detail::trace_" "neuron::PlanCache" "neuron::plan_memory")
function(defined_symbols lib out)
  execute_process(COMMAND nm -C --defined-only "${lib}" RESULT_VARIABLE rc
                  OUTPUT_VARIABLE symbols ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "nm ${lib} failed: ${err}")
  endif()
  set(${out} "${symbols}" PARENT_SCOPE)
endfunction()
defined_symbols("${LIBRARY}" runtime)
defined_symbols("${FULL_LIBRARY}" full)
string(LENGTH "${runtime}" n)
message(STATUS "${LIBRARY}: ${n} bytes of symbol listing")
set(bad "")
foreach(pattern IN LISTS forbidden)
  string(REGEX MATCHALL "[^\n]*${pattern}[^\n]*" hits "${runtime}")
  if(hits)
    list(GET hits 0 first)
    string(APPEND bad "  ${pattern}: e.g. ${first}\n")
  endif()
  if(NOT full MATCHES "${pattern}")
    message(FATAL_ERROR "pattern '${pattern}' matches nothing in ${FULL_LIBRARY}: fix the check")
  endif()
endforeach()
if(bad)
  message(FATAL_ERROR "the runtime library defines compiler/lazy/trace/nn symbols:\n${bad}")
endif()
message(STATUS "no compiler, lazy, trace, graph or nn symbol in the runtime library")
