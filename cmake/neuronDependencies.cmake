# The dependencies of neuron's targets, all from the system (Debian packages). Shared by the build
# and by the installed neuronConfig.cmake, so a consumer resolves exactly what the build used.
include(GNUInstallDirs)
if(NOT COMMAND neuron_find)
  if(NEURON_FIND_AS_DEPENDENCY)
    include(CMakeFindDependencyMacro)
    macro(neuron_find)
      find_dependency(${ARGV})
    endmacro()
  else()
    macro(neuron_find)
      find_package(${ARGV} REQUIRED)
    endmacro()
  endif()
endif()

neuron_find(Eigen3 3.3 CONFIG)
neuron_find(xtl CONFIG)
neuron_find(xsimd 8 CONFIG)
neuron_find(nlohmann_json 3.9 CONFIG)
neuron_find(xxHash 0.8)    # cmake/FindxxHash.cmake: Debian ships no CMake config
neuron_find(xtensor 0.23)  # cmake/Findxtensor.cmake: Debian ships no CMake config
neuron_find(dnnl 2.6 CONFIG)  # oneDNN (libdnnl-dev): convolution, pooling
if(NEURON_USE_OPENMP)
  neuron_find(OpenMP COMPONENTS CXX)
endif()
if(NEURON_ONNX)
  # neuron::onnx parses with the ONNX project's protobuf schema (libonnx-dev: target onnx_proto,
  # which links protobuf::libprotobuf from CMake's FindProtobuf).
  neuron_find(Protobuf)
  neuron_find(ONNX CONFIG)
endif()
