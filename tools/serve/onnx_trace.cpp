#include "onnx_trace.hpp"

#include <algorithm>

#ifdef NEURON_SERVE_ONNX
#include <neuron/neuron.hpp>
#include <neuron/onnx.hpp>
#endif

namespace neuron::serve {

#ifndef NEURON_SERVE_ONNX

bool onnx_supported() { return false; }

OnnxModule trace_onnx_file(const std::string& path, const ModelConfig&) {
  throw_error<ValueError>(path, ": neuron-serve was built without neuron::onnx");
}

#else

namespace {

// The batch sizes to trace buckets at: the preferred ones plus the largest, or powers of two.
std::vector<std::int64_t> batch_sizes(const ModelConfig& c) {
  const std::int64_t max = c.max_batch_size >= 0 ? c.max_batch_size : 16;
  std::vector<std::int64_t> out;
  if (!c.preferred_batch_sizes.empty()) {
    out = c.preferred_batch_sizes;
    out.push_back(std::max<std::int64_t>(max, 1));
  } else {
    for (std::int64_t b = 1; b < max; b *= 2) out.push_back(b);
    out.push_back(std::max<std::int64_t>(max, 1));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// Per input: its shape with -1 only where the batch goes (dim 0), from the model and the config.
std::vector<std::vector<std::int64_t> > input_shapes(const onnx::Model& m, const ModelConfig& c,
                                                     const std::string& path, bool& batched) {
  std::vector<std::vector<std::int64_t> > shapes;
  batched = !m.inputs().empty();
  for (const onnx::ValueInfo& in : m.inputs()) {
    auto given = c.onnx_input_shapes.find(in.name);
    std::vector<std::int64_t> s = given != c.onnx_input_shapes.end() ? given->second : in.shape;
    if (given == c.onnx_input_shapes.end() && !in.has_shape)
      throw_error<ValueError>(path, ": input '", in.name,
                              "' has no declared shape; give it in config.json's "
                              "onnx_input_shapes");
    for (std::size_t k = 1; k < s.size(); ++k)
      if (s[k] < 0)
        throw_error<ValueError>(path, ": input '", in.name, "' dim ", k, " is symbolic (",
                                k < in.dim_params.size() ? in.dim_params[k] : "?",
                                "); give its size in config.json's onnx_input_shapes");
    batched = batched && !s.empty() && s[0] < 0;
    shapes.push_back(std::move(s));
  }
  return shapes;
}

std::vector<Tensor> examples_at(const onnx::Model& m,
                                const std::vector<std::vector<std::int64_t> >& shapes,
                                std::int64_t batch) {
  std::vector<Tensor> out;
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    std::vector<std::int64_t> s = shapes[i];
    if (!s.empty() && s[0] < 0) s[0] = batch;
    out.push_back(zeros(Shape(s), m.inputs()[i].dtype));
  }
  return out;
}

}  // namespace

bool onnx_supported() { return true; }

OnnxModule trace_onnx_file(const std::string& path, const ModelConfig& c) {
  onnx::Model m = onnx::load(path);
  m.eval();
  OnnxModule out;
  for (const auto& i : m.inputs()) out.input_names.push_back(i.name);
  for (const auto& o : m.outputs()) out.output_names.push_back(o.name);
  bool batched = false;
  const auto shapes = input_shapes(m, c, path, batched);
  for (std::size_t i = 0; i < shapes.size(); ++i)
    if (!batched && !shapes[i].empty() && shapes[i][0] < 0)
      throw_error<ValueError>(path, ": input '", m.inputs()[i].name,
                              "' has a symbolic batch dim but other inputs do not; give fixed "
                              "shapes in config.json's onnx_input_shapes");
  const std::vector<std::int64_t> sizes = batched ? batch_sizes(c) : std::vector<std::int64_t>{1};
  if (!batched || sizes.size() == 1) {
    TraceOptions o;
    o.dynamic_batch = batched;
    out.module = trace(m, examples_at(m, shapes, sizes[0]), o);
    return out;
  }
  BucketOptions o;
  for (const auto& in : m.inputs()) {
    auto v = c.onnx_pad_values.find(in.name);
    o.pad_values.push_back(v == c.onnx_pad_values.end() ? 0.0 : v->second);
  }
  std::vector<std::vector<Tensor> > sets;
  for (std::int64_t b : sizes) sets.push_back(examples_at(m, shapes, b));
  out.module = trace_buckets(m, sets, o);
  return out;
}

#endif

}  // namespace neuron::serve
