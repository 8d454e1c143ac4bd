// neuron::onnx: import ONNX models (torch.onnx.export and others) as neuron modules.
//
//   #include <neuron/onnx.hpp>
//   nr::onnx::Model m = nr::onnx::load("model.onnx");        // or load_from_memory(ptr, size)
//   std::vector<nr::Tensor> ys = m.forward({x1, x2});         // eager on CPU, recorded when lazy
//   nr::TracedModule t = nr::trace(m, {x1, x2});              // then t.save("model.neuron")
//   std::cout << nr::onnx::analyze("model.onnx");            // op types: count, supported or why
//   nr::Tensor x = nr::onnx::load_tensor("input_0.pb");       // a TensorProto file
//
// Link the CMake target neuron::onnx (pkg-config: neuron-onnx). The ONNX front-end is a peer of
// nn/: each ONNX node becomes the same ops the DSL records (nr::conv2d, nr::matmul, ...), so an
// imported model runs eagerly, lazily and traced like any nn::Module.
//
// The parser (Protobuf and the ONNX project's schema, libonnx-dev) stays inside the compiled
// library: these headers include neither, so including this one costs what <neuron/neuron.hpp>
// costs. With NEURON_HEADER_ONLY the rest of neuron is header-only, but neuron::onnx stays a
// compiled library (it needs the generated protobuf code).
#pragma once

#include "neuron.hpp"
#include "onnx/model.hpp"
#include "onnx/report.hpp"
#include "onnx/tensor_file.hpp"
