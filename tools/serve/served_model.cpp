#include "served_model.hpp"

#include <sys/stat.h>

#include <neuron/core/creation.hpp>
#include <neuron/format/module_file.hpp>

#include "onnx_trace.hpp"

namespace neuron::serve {

namespace {

bool is_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace

void warm_up(const TracedModule& m, int calls) {
  for (const Plan& p : m.plans())
    for (int c = 0; c < calls; ++c) {
      std::vector<Tensor> in;
      for (const TensorSpec& s : p.inputs) in.push_back(zeros(s.shape, s.dtype));
      m.forward(in);
    }
}

std::shared_ptr<ServedModel> ServedModel::load(const std::string& name, const std::string& version,
                                               const std::string& version_dir,
                                               const ModelConfig& config, ServerMetrics& metrics) {
  std::shared_ptr<ServedModel> m(new ServedModel());
  m->name_ = name;
  m->version_ = version;
  ModelConfig c = config;
  const std::string neuron_file = version_dir + "/model.neuron";
  const std::string onnx_file = version_dir + "/model.onnx";
  if (is_file(neuron_file)) {
    m->platform_ = "neuron";
    m->module_ = neuron::load(neuron_file);
  } else if (is_file(onnx_file)) {
    if (!onnx_supported())
      throw_error<ValueError>(onnx_file,
                              ": this neuron-serve was built without neuron::onnx, so it serves "
                              "model.neuron files only");
    m->platform_ = "onnx";
    OnnxModule om = trace_onnx_file(onnx_file, c);
    m->module_ = om.module;
    if (c.input_names.empty()) c.input_names = om.input_names;
    if (c.output_names.empty()) c.output_names = om.output_names;
  } else {
    throw_error<IOError>(version_dir, ": holds neither model.neuron nor model.onnx");
  }
  m->sig_ = make_signature(m->module_, c);
  warm_up(m->module_, c.warmup);
  m->metrics_ = metrics.model(name, version);
  m->scheduler_ = std::make_unique<Scheduler>(
      m->module_, m->sig_, batch_policy(c, m->sig_, m->module_.data()), m->metrics_);
  return m;
}

}  // namespace neuron::serve
