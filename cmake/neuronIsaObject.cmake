# Makes one instruction-set object of neuron's kernels (src/ops/isa/, include/neuron/ops/isa_kernels.hpp)
# safe to link beside the baseline code:
#   cmake -DNM=nm -DOBJCOPY=objcopy -DREADELF=readelf -DINPUT=in.o -DOUTPUT=out.o -DSUFFIX=avx2 -P neuronIsaObject.cmake
# Inline functions and template instances are weak (COMDAT) symbols: the linker keeps one copy of
# each name, so an AVX2 copy of, say, std::copy<float> could replace the baseline one (and crash on
# a CPU without AVX2), or the other way round. Every weak symbol this object defines is renamed
# with the suffix, so its copies stay its own. Function-local statics of inline functions would be
# duplicated by that: an object that defines any (a guard variable) is refused.
foreach(v NM OBJCOPY READELF INPUT OUTPUT SUFFIX)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "neuronIsaObject.cmake: -D${v}=... is required")
  endif()
endforeach()
execute_process(COMMAND "${NM}" --defined-only -P "${INPUT}" OUTPUT_VARIABLE symbols
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${NM} failed on ${INPUT}")
endif()
string(REPLACE "\n" ";" lines "${symbols}")
set(map "")
set(guards "")
foreach(line IN LISTS lines)
  if(line MATCHES "^([^ ]+) ([WVu]) ")
    set(name "${CMAKE_MATCH_1}")
    string(APPEND map "${name} ${name}.neuron_${SUFFIX}\n")
    if(name MATCHES "^_ZGV")
      list(APPEND guards "${name}")
    endif()
  endif()
endforeach()
# COMDAT groups are deduplicated by their signature name, which for constructors and destructors
# (C5/D5) is a local symbol that nm does not list as weak: rename those too, or the linker would
# keep the baseline group and drop this object's copies that its code calls.
execute_process(COMMAND "${READELF}" -gW "${INPUT}" OUTPUT_VARIABLE groups RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${READELF} failed on ${INPUT}")
endif()
string(REPLACE "\n" ";" group_lines "${groups}")
foreach(line IN LISTS group_lines)
  if(line MATCHES "`\\.group' \\[([^ ]+)\\] contains")
    set(name "${CMAKE_MATCH_1}")
    string(FIND "${map}" "${name} " seen)
    if(seen EQUAL -1)
      string(APPEND map "${name} ${name}.neuron_${SUFFIX}\n")
    endif()
  endif()
endforeach()
if(guards)
  message(FATAL_ERROR "${INPUT} defines function-local statics of inline functions (${guards}): "
                      "an instruction-set object must hold kernels only (isa_kernels.hpp)")
endif()
file(WRITE "${OUTPUT}.symbols" "${map}")
execute_process(COMMAND "${OBJCOPY}" "--redefine-syms=${OUTPUT}.symbols" "${INPUT}" "${OUTPUT}"
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${OBJCOPY} failed on ${INPUT}")
endif()
