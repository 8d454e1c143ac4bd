// One loaded model version: its module (from model.neuron, or model.onnx imported and traced at
// load when neuron-serve is built with neuron::onnx), its signature, and its scheduler.
#pragma once

#include <memory>
#include <string>

#include "model_config.hpp"
#include "model_signature.hpp"
#include "scheduler.hpp"
#include "server_metrics.hpp"

namespace neuron::serve {

class ServedModel {
 public:
  // Loads <version_dir>/model.neuron or model.onnx, then runs the warmup calls. Throws
  // neuron::Error (or ServeError) with the reason when the files or the config are wrong.
  static std::shared_ptr<ServedModel> load(const std::string& name, const std::string& version,
                                           const std::string& version_dir, const ModelConfig& c,
                                           ServerMetrics& metrics);

  const std::string& name() const { return name_; }
  const std::string& version() const { return version_; }
  const std::string& platform() const { return platform_; }  // "neuron" or "onnx"
  const Signature& signature() const { return sig_; }
  const TracedModule& module() const { return module_; }
  Scheduler& scheduler() { return *scheduler_; }
  const ModelMetrics& metrics() const { return metrics_; }

 private:
  ServedModel() = default;
  std::string name_, version_, platform_;
  TracedModule module_;
  Signature sig_;
  ModelMetrics metrics_;
  std::unique_ptr<Scheduler> scheduler_;
};

// Calls the module `warmup` times per plan (bucket) on zeros of that plan's input shapes.
void warm_up(const TracedModule& m, int calls);

}  // namespace neuron::serve
