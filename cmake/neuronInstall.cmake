# Install rules: headers, the libraries (neuron::runtime, neuron::neuron, neuron::onnx), a package
# config that re-finds the dependencies (and the find modules it needs), and pkg-config files
# neuron.pc, neuron-runtime.pc and neuron-onnx.pc.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(NEURON_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/neuron")

install(DIRECTORY include/neuron DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
set(NEURON_INSTALL_TARGETS neuron_runtime neuron_neuron)
if(NEURON_ONNX)
  list(APPEND NEURON_INSTALL_TARGETS neuron_onnx)
endif()
install(TARGETS ${NEURON_INSTALL_TARGETS} EXPORT neuronTargets
  ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}"
  LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}" NAMELINK_COMPONENT Development
  RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
install(EXPORT neuronTargets NAMESPACE neuron:: DESTINATION "${NEURON_CMAKE_DIR}")

configure_package_config_file(cmake/neuronConfig.cmake.in
  "${CMAKE_CURRENT_BINARY_DIR}/neuronConfig.cmake"
  INSTALL_DESTINATION "${NEURON_CMAKE_DIR}")
write_basic_package_version_file("${CMAKE_CURRENT_BINARY_DIR}/neuronConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES
  "${CMAKE_CURRENT_BINARY_DIR}/neuronConfig.cmake"
  "${CMAKE_CURRENT_BINARY_DIR}/neuronConfigVersion.cmake"
  cmake/neuronDependencies.cmake cmake/FindxxHash.cmake cmake/Findxtensor.cmake
  DESTINATION "${NEURON_CMAKE_DIR}")
install(FILES LICENSE README.md DESTINATION "${CMAKE_INSTALL_DATADIR}/doc/neuron")

# pkg-config. A static library needs its own dependencies on the link line (Libs); a shared one
# links them itself (Libs.private). Header-only: the define, the dependencies' include paths.
get_target_property(_neuron_eigen_inc Eigen3::Eigen INTERFACE_INCLUDE_DIRECTORIES)
get_target_property(_neuron_xxh_lib xxHash::xxhash IMPORTED_LOCATION)
set(NEURON_PC_DEPS "${_neuron_xxh_lib} -ldnnl")  # Debian's libdnnl-dev has no .pc file
if(NEURON_USE_OPENMP)
  string(APPEND NEURON_PC_DEPS " -fopenmp")
endif()
set(NEURON_PC_CFLAGS "")
set(NEURON_PC_RUNTIME_LIBS "")
set(NEURON_PC_FULL_LIBS "")
set(NEURON_PC_PRIVATE "")
if(NEURON_HEADER_ONLY)
  set(NEURON_PC_CFLAGS "-DNEURON_HEADER_ONLY")
  if(NEURON_USE_OPENMP)
    string(APPEND NEURON_PC_CFLAGS " -fopenmp")
  endif()
  set(NEURON_PC_RUNTIME_LIBS "${NEURON_PC_DEPS}")
else()
  set(NEURON_PC_RUNTIME_LIBS "-L\${libdir} -lneuron-runtime")
  set(NEURON_PC_FULL_LIBS "-L\${libdir} -lneuron")
  if(BUILD_SHARED_LIBS)
    set(NEURON_PC_PRIVATE "${NEURON_PC_DEPS}")
  else()
    string(APPEND NEURON_PC_RUNTIME_LIBS " ${NEURON_PC_DEPS}")
  endif()
endif()
foreach(_inc IN LISTS _neuron_eigen_inc)
  string(APPEND NEURON_PC_INCLUDES " -I${_inc}")
endforeach()
if(NEURON_HEADER_ONLY)
  string(APPEND NEURON_PC_CFLAGS "${NEURON_PC_INCLUDES}")
endif()
# Relocatable: the prefix is found from the .pc file's own folder, so `cmake --install --prefix`
# anywhere gives working files.
file(RELATIVE_PATH NEURON_PC_PREFIX_FROM_PCDIR "/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/")
string(REGEX REPLACE "/$" "" NEURON_PC_PREFIX_FROM_PCDIR "${NEURON_PC_PREFIX_FROM_PCDIR}")
# neuron-onnx.pc: always a compiled library; a static one needs ONNX's and Protobuf's libraries.
set(NEURON_PC_ONNX_LIBS "-L\${libdir} -lneuron-onnx")
set(NEURON_PC_ONNX_PRIVATE "")
if(NEURON_ONNX)
  get_target_property(_neuron_onnx_proto onnx_proto IMPORTED_LOCATION_RELEASE)
  set(_neuron_onnx_deps "${_neuron_onnx_proto} -lprotobuf")
  if(BUILD_SHARED_LIBS)
    set(NEURON_PC_ONNX_PRIVATE "${_neuron_onnx_deps}")
  else()
    string(APPEND NEURON_PC_ONNX_LIBS " ${_neuron_onnx_deps}")
  endif()
endif()
set(NEURON_PC_FILES neuron neuron-runtime)
if(NEURON_ONNX)
  list(APPEND NEURON_PC_FILES neuron-onnx)
endif()
foreach(pc ${NEURON_PC_FILES})
  configure_file("cmake/${pc}.pc.in" "${CMAKE_CURRENT_BINARY_DIR}/${pc}.pc" @ONLY)
  install(FILES "${CMAKE_CURRENT_BINARY_DIR}/${pc}.pc"
    DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
endforeach()
