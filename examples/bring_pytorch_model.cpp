// Bring a PyTorch model: import what torch.onnx.export wrote, run it eagerly, trace it once with
// the exported batch axis left free (dynamic_batch), save the traced module to one .neuron file.
// A program linked to neuron::runtime alone then deploys it (deploy_runtime_only.cpp); see the
// README's "Bring a PyTorch model" for the export command.
//
// Usage: bring_pytorch_model MODEL.onnx [OUT.neuron]
// The example inputs are random (floats) or zeros (ints, bools), with every dim the export left
// dynamic set to 1; a real program passes real data of the shapes it will serve.
#include <neuron/neuron.hpp>
#include <neuron/onnx.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace nr = neuron;

static nr::Tensor example_input(const nr::onnx::ValueInfo& in, std::int64_t batch) {
  if (!in.has_shape)
    throw nr::ValueError("input " + in.name + " has no declared shape: pass real inputs");
  std::vector<std::int64_t> dims = in.shape;
  for (std::size_t i = 0; i < dims.size(); ++i)
    if (dims[i] < 0) dims[i] = i == 0 ? batch : 1;
  nr::Shape shape(dims);
  return nr::is_floating(in.dtype) ? nr::rand(shape, in.dtype) : nr::zeros(shape, in.dtype);
}

static double max_diff(const std::vector<nr::Tensor>& a, const std::vector<nr::Tensor>& b) {
  double d = 0;
  for (std::size_t k = 0; k < a.size(); ++k) {
    nr::Tensor x = nr::cast(a[k], nr::float64), y = nr::cast(b[k], nr::float64);
    for (std::int64_t i = 0; i < x.numel(); ++i)
      d = std::max(d, std::fabs(x.data<double>()[i] - y.data<double>()[i]));
  }
  return d;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s MODEL.onnx [OUT.neuron]\n", argv[0]);
    return 2;
  }
  const std::string path = argv[1], out = argc > 2 ? argv[2] : "model.neuron";
  try {
    // 1. Import: every op is checked at load (UnsupportedModelError lists what is missing).
    nr::onnx::Model m = nr::onnx::load(path);
    std::printf("%s: %zu nodes, opset %lld, from %s\n", path.c_str(), m.node_count(),
                static_cast<long long>(m.opset()), m.producer().c_str());
    for (const auto& in : m.inputs()) std::printf("  input  %s\n", in.str().c_str());
    for (const auto& o : m.outputs()) std::printf("  output %s\n", o.str().c_str());

    // 2. Eager: ONNX nodes run as neuron's ops on CPU tensors.
    nr::manual_seed(0);
    std::vector<nr::Tensor> x;
    for (const auto& in : m.inputs()) x.push_back(example_input(in, 1));
    const std::vector<nr::Tensor> eager = m.forward(x);
    std::printf("eager: output 0 %s\n", eager[0].shape().str().c_str());

    // 3. Trace once: batch free, shapes otherwise fixed by the examples.
    nr::TraceOptions o;
    o.dynamic_batch = true;
    nr::TracedModule traced = nr::trace(m, x, o);
    std::printf("traced: max |traced - eager| = %.3g; %s\n", max_diff(traced.forward(x), eager),
                traced.memory_plan().str().c_str());

    // 4. Save: one file that nr::load (neuron::runtime) reads without the importer or compiler.
    traced.save(out);
    nr::TracedModule loaded = nr::load(out);
    std::vector<nr::Tensor> x3;
    for (const auto& in : m.inputs()) x3.push_back(example_input(in, 3));
    const std::vector<nr::Tensor> y3 = loaded.forward(x3);
    std::printf("saved %s; loaded back, a batch of 3 gives output 0 %s (eager: max diff %.3g)\n",
                out.c_str(), y3[0].shape().str().c_str(), max_diff(y3, m.forward(x3)));
    return 0;
  } catch (const nr::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
