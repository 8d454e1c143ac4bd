// What both front ends (REST and gRPC) call: health, metadata, inference and the repository,
// in protocol-neutral terms. Inference finds the model version, checks the inputs, queues the
// request on the version's scheduler and waits for its outputs, recording metrics.
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include "infer_types.hpp"
#include "model_repository.hpp"

namespace neuron::serve {

struct ServiceOptions {
  // Longest a request may wait and run when the client sets no deadline.
  std::chrono::milliseconds request_timeout{30000};
};

class InferenceService {
 public:
  InferenceService(ModelRepository& repo, ServerMetrics& metrics, ServiceOptions o = {});

  bool live() const { return true; }
  bool ready() const { return started_ && !stopping_ && repo_.ready(); }
  void set_started() { started_ = true; }
  void set_stopping() { stopping_ = true; }

  static const char* server_name() { return "neuron"; }
  static std::string server_version();
  static std::vector<std::string> extensions();

  // Throws ServeError. The deadline is the earlier of the request's and the default timeout.
  InferResult infer(InferRequest r);

  ModelRepository& repository() { return repo_; }
  ServerMetrics& metrics() { return metrics_; }
  Clock::time_point default_deadline() const { return Clock::now() + opts_.request_timeout; }

 private:
  ModelRepository& repo_;
  ServerMetrics& metrics_;
  ServiceOptions opts_;
  std::atomic<bool> started_{false}, stopping_{false};
};

}  // namespace neuron::serve
