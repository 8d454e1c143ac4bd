// A decoded inference request and its result, whatever protocol carried them (REST or gRPC).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "scheduler.hpp"

namespace neuron::serve {

struct InferRequest {
  std::string model, version, id;
  std::vector<NamedTensor> inputs;
  std::vector<std::string> outputs;  // requested by name; empty: all, in the model's order
  Clock::time_point deadline = Clock::time_point::max();
};

struct InferResult {
  std::string model, version, id;
  std::vector<NamedTensor> outputs;
};

}  // namespace neuron::serve
