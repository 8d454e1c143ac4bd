# Install rules: headers, the exported targets (neuron::neuron, neuron::runtime), a package config
# that re-finds the dependencies, and the find modules that config needs.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(NEURON_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/neuron")

install(DIRECTORY include/neuron DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
install(TARGETS neuron_runtime neuron_neuron EXPORT neuronTargets)
install(EXPORT neuronTargets NAMESPACE neuron:: DESTINATION "${NEURON_CMAKE_DIR}")

configure_package_config_file(cmake/neuronConfig.cmake.in
  "${CMAKE_CURRENT_BINARY_DIR}/neuronConfig.cmake"
  INSTALL_DESTINATION "${NEURON_CMAKE_DIR}")
write_basic_package_version_file("${CMAKE_CURRENT_BINARY_DIR}/neuronConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion ARCH_INDEPENDENT)
install(FILES
  "${CMAKE_CURRENT_BINARY_DIR}/neuronConfig.cmake"
  "${CMAKE_CURRENT_BINARY_DIR}/neuronConfigVersion.cmake"
  cmake/neuronDependencies.cmake cmake/FindxxHash.cmake cmake/Findxtensor.cmake
  DESTINATION "${NEURON_CMAKE_DIR}")
install(FILES LICENSE README.md DESTINATION "${CMAKE_INSTALL_DATADIR}/doc/neuron")
