// A model's optional config.json (models/<name>/config.json), read strictly: an unknown key, a
// wrong type or a value out of range fails the model's load with a message naming the key.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace neuron::serve {

struct ModelConfig {
  // Largest batch (sum of the requests' dim-0 sizes) one dynamic-batched call runs; 0 or 1 turns
  // dynamic batching off. -1: not given (16 for a module that can batch, else 0).
  std::int64_t max_batch_size = -1;
  // How long the first request of a batch waits for more (Triton's default: 0, no wait: a batch
  // is whatever queued while the instances were busy).
  std::int64_t max_queue_delay_us = 0;
  // Batch sizes to dispatch at once when reached, without waiting out the delay.
  std::vector<std::int64_t> preferred_batch_sizes;
  int instances = 1;                 // threads running this model; they share one module
  int warmup = 1;                    // calls per plan (bucket) on zeros before the model is ready
  std::int64_t max_queue_size = 64;  // requests waiting; more: HTTP 429 / RESOURCE_EXHAUSTED
  // Names for the module's inputs and outputs (a .neuron file has none: input_0, output_0, ...).
  std::vector<std::string> input_names;
  std::vector<std::string> output_names;
  // model.onnx only: shapes to trace symbolic dims at (by input name); dim 0 may stay -1: batch.
  std::map<std::string, std::vector<std::int64_t>> onnx_input_shapes;
  // model.onnx only: pad value per input for bucketed batch dims (default 0).
  std::map<std::string, double> onnx_pad_values;
};

// Parses config.json text; `where` names the file in messages. Throws neuron::FormatError.
ModelConfig parse_model_config(const std::string& text, const std::string& where);

// Reads <dir>/config.json if it exists; defaults otherwise.
ModelConfig read_model_config(const std::string& model_dir);

}  // namespace neuron::serve
