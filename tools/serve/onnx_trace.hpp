// model.onnx in a repository: imported with neuron::onnx and traced at load. An input whose
// dim 0 is symbolic makes a module with buckets over the batch (1, 2, 4, ... up to
// max_batch_size, or the preferred batch sizes), so that dynamic batches run at the size they
// have; other symbolic dims need config.json's onnx_input_shapes. Only when neuron-serve is built
// with neuron::onnx (NEURON_SERVE_ONNX).
#pragma once

#include <string>
#include <vector>

#include <neuron/runtime/traced_module.hpp>

#include "model_config.hpp"

namespace neuron::serve {

bool onnx_supported();

// The traced module and the ONNX input and output names (the config's names win when given).
struct OnnxModule {
  TracedModule module;
  std::vector<std::string> input_names, output_names;
};

// Throws neuron::Error naming the problem (unsupported ops, shapes it cannot trace, ...).
OnnxModule trace_onnx_file(const std::string& path, const ModelConfig& c);

}  // namespace neuron::serve
