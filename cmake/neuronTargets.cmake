# The library targets. neuron_add_libraries(<suffix> <extra private compile options>) makes
# neuron_runtime<suffix> and neuron_neuron<suffix>; the plain ones (empty suffix) are the exported
# neuron::runtime and neuron::neuron, the benchmarks add a copy compiled for this machine's CPU.

function(neuron_stage_sources out)
  set(files)
  foreach(stage IN LISTS ARGN)
    list(APPEND files "${PROJECT_SOURCE_DIR}/src/${stage}/${stage}.cpp")
  endforeach()
  set(${out} ${files} PARENT_SCOPE)
endfunction()

# Usage requirements every target shares: C++17 and the include directory.
function(neuron_common_usage target scope)
  target_compile_features(${target} ${scope} cxx_std_17)
  target_include_directories(${target} ${scope}
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
endfunction()

# neuron's own kernels once more per instruction set (include/neuron/ops/isa_kernels.hpp): an
# object per set, compiled with its -m flags, its weak symbols renamed (neuronIsaObject.cmake),
# linked into the runtime library `rt`, which then picks one at run time.
set(NEURON_ISA_FLAGS_avx2 -mavx2 -mfma)
set(NEURON_ISA_FLAGS_avx512 ${NEURON_ISA_FLAGS_avx2} -mavx512f -mavx512bw -mavx512dq -mavx512vl)
function(neuron_add_isa_objects rt)
  foreach(isa avx2 avx512)
    set(obj ${rt}_isa_${isa})
    add_library(${obj} OBJECT "${PROJECT_SOURCE_DIR}/src/ops/isa/kernels_${isa}.cpp")
    neuron_common_usage(${obj} PRIVATE)
    target_link_libraries(${obj} PRIVATE Eigen3::Eigen xsimd)
    # No contraction: a*b+c stays two roundings, as on the baseline path.
    target_compile_options(${obj} PRIVATE ${NEURON_ISA_FLAGS_${isa}} -ffp-contract=off
      -fvisibility=hidden -fvisibility-inlines-hidden ${NEURON_SANITIZE_FLAGS})
    set_target_properties(${obj} PROPERTIES POSITION_INDEPENDENT_CODE ON)
    set(out "${CMAKE_CURRENT_BINARY_DIR}/${obj}.o")
    add_custom_command(OUTPUT "${out}"
      COMMAND "${CMAKE_COMMAND}" "-DNM=${CMAKE_NM}" "-DOBJCOPY=${CMAKE_OBJCOPY}" "-DREADELF=${CMAKE_READELF}"
              "-DINPUT=$<TARGET_OBJECTS:${obj}>" "-DOUTPUT=${out}" -DSUFFIX=${isa}
              -P "${PROJECT_SOURCE_DIR}/cmake/neuronIsaObject.cmake"
      DEPENDS ${obj} "$<TARGET_OBJECTS:${obj}>" "${PROJECT_SOURCE_DIR}/cmake/neuronIsaObject.cmake"
      COMMENT "Renaming the weak symbols of the ${isa} kernels" VERBATIM)
    set_source_files_properties("${out}" PROPERTIES EXTERNAL_OBJECT TRUE GENERATED TRUE)
    target_sources(${rt} PRIVATE "${out}")
    string(TOUPPER ${isa} upper)
    target_compile_definitions(${rt} PRIVATE NEURON_DISPATCH_${upper})
  endforeach()
endfunction()

function(neuron_add_libraries suffix options)
  set(rt neuron_runtime${suffix})
  set(full neuron_neuron${suffix})
  if(NEURON_HEADER_ONLY)
    # Every header includes its implementation; the dependencies' headers are the users' too.
    add_library(${rt} INTERFACE)
    neuron_common_usage(${rt} INTERFACE)
    target_compile_definitions(${rt} INTERFACE NEURON_HEADER_ONLY)
    target_link_libraries(${rt} INTERFACE
      Eigen3::Eigen xsimd nlohmann_json::nlohmann_json xxHash::xxhash DNNL::dnnl)
    if(NEURON_USE_OPENMP)
      target_link_libraries(${rt} INTERFACE OpenMP::OpenMP_CXX)
    endif()
    add_library(${full} INTERFACE)
    target_link_libraries(${full} INTERFACE ${rt} xtensor)
  else()
    add_library(${rt} ${NEURON_RUNTIME_SOURCES})
    add_library(${full} ${NEURON_FULL_SOURCES})
    foreach(target ${rt} ${full})
      neuron_common_usage(${target} PUBLIC)
      # The heavy dependencies are the library's own business: its headers include none of them.
      # Public headers include xsimd (the DSL's register path) and nlohmann/json_fwd.hpp.
      target_link_libraries(${target} PUBLIC xsimd nlohmann_json::nlohmann_json)
      target_link_libraries(${target} PRIVATE Eigen3::Eigen xxHash::xxhash DNNL::dnnl)
      if(NEURON_USE_OPENMP)
        target_link_libraries(${target} PRIVATE OpenMP::OpenMP_CXX)
      endif()
      target_compile_options(${target} PRIVATE ${options} ${NEURON_SANITIZE_FLAGS})
      if(NEURON_SANITIZE)
        # An instrumented library needs the sanitizer runtimes in every program of this build
        # that links it; the installed package never carries this.
        target_link_options(${target} INTERFACE "$<BUILD_INTERFACE:${NEURON_SANITIZE_FLAGS}>")
      endif()
      set_target_properties(${target} PROPERTIES
        VERSION ${PROJECT_VERSION}
        SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR}
        POSITION_INDEPENDENT_CODE ON
        # No <target>_EXPORTS define in shared builds (no header reads it): shared and static
        # objects then compile with the same flags, and ccache shares them.
        DEFINE_SYMBOL "")
    endforeach()
    # Runtime dispatch unless the library is compiled for one CPU (NEURON_NATIVE, the
    # benchmarks' native copy) or the compiler cannot make x86 objects of each set.
    if(NEURON_DISPATCH AND NOT NEURON_NATIVE AND NOT options MATCHES "-march=")
      neuron_add_isa_objects(${rt})
    endif()
    set_target_properties(${rt} PROPERTIES OUTPUT_NAME neuron-runtime${suffix})
    set_target_properties(${full} PROPERTIES OUTPUT_NAME neuron${suffix})
    target_link_libraries(${full} PUBLIC ${rt})
    # The interop headers (<neuron/interop/eigen.hpp>, <neuron/interop/xtensor.hpp>) are
    # templates over Eigen and xtensor: their include paths come with the full library.
    target_link_libraries(${full} INTERFACE Eigen3::Eigen xtensor)
  endif()
  set_target_properties(${rt} PROPERTIES EXPORT_NAME runtime)
  set_target_properties(${full} PROPERTIES EXPORT_NAME neuron)
  if(suffix STREQUAL "")
    add_library(neuron::runtime ALIAS ${rt})
    add_library(neuron::neuron ALIAS ${full})
  endif()
endfunction()

# neuron_onnx<suffix> (neuron::onnx for the empty suffix): the ONNX importer over
# neuron_neuron<suffix>, with extra private compile options (the benchmarks' native copy).
# Protobuf and ONNX stay private: its public headers include neither. Compiled in every mode,
# header-only included (the generated protobuf code needs a library anyway).
function(neuron_add_onnx_library suffix options)
  set(lib neuron_onnx${suffix})
  add_library(${lib} ${NEURON_ONNX_SOURCES})
  neuron_common_usage(${lib} PUBLIC)
  target_link_libraries(${lib} PUBLIC neuron_neuron${suffix})
  target_link_libraries(${lib} PRIVATE onnx_proto protobuf::libprotobuf)
  target_compile_options(${lib} PRIVATE ${options} ${NEURON_SANITIZE_FLAGS})
  if(NEURON_SANITIZE)
    target_link_options(${lib} INTERFACE "$<BUILD_INTERFACE:${NEURON_SANITIZE_FLAGS}>")
  endif()
  set_target_properties(${lib} PROPERTIES
    OUTPUT_NAME neuron-onnx${suffix}
    EXPORT_NAME onnx
    VERSION ${PROJECT_VERSION}
    SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR}
    POSITION_INDEPENDENT_CODE ON
    DEFINE_SYMBOL "")  # as neuron_add_libraries: shared objects compile as the static ones
  if(NEURON_HEADER_ONLY)
    # Every source then compiles all of neuron: one unity translation unit compiles it once.
    set_target_properties(${lib} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE 0)
  endif()
  if(suffix STREQUAL "")
    add_library(neuron::onnx ALIAS ${lib})
  endif()
endfunction()
