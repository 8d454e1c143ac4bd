// A consumer of neuron::onnx: imports a tiny model (y = relu(x) + b, dynamic batch) from memory,
// runs it eagerly and traced.
#include <iostream>
#include <neuron/onnx.hpp>

int main() {
  namespace nr = neuron;
  static const char model[] =
      "\x08\x07\x12\x08\x63\x6f\x6e\x73\x75\x6d\x65\x72\x3a\x60\x0a\x0c\x0a\x01\x78\x12\x01\x72\x22"
      "\x04\x52\x65\x6c\x75\x0a\x0e\x0a\x01\x72\x0a\x01\x62\x12\x01\x79\x22\x03\x41\x64\x64\x12\x01"
      "\x67\x2a\x11\x08\x02\x10\x01\x42\x01\x62\x4a\x08\x00\x00\x00\x3f\x00\x00\x80\x3f\x5a\x14\x0a"
      "\x01\x78\x12\x0f\x0a\x0d\x08\x01\x12\x09\x0a\x03\x12\x01\x4e\x0a\x02\x08\x02\x62\x14\x0a\x01"
      "\x79\x12\x0f\x0a\x0d\x08\x01\x12\x09\x0a\x03\x12\x01\x4e\x0a\x02\x08\x02\x42\x04\x0a\x00\x10"
      "\x0d";
  nr::onnx::Model m = nr::onnx::load_from_memory(model, sizeof(model) - 1);
  nr::Tensor x = nr::tensor<float>({{-1.0f, 2.0f}});
  float eager = nr::sum(m(x)).item<float>();
  nr::TracedModule t = nr::trace(m, {x});
  float traced = nr::sum(t(x)).item<float>();
  std::cout << "consumer of neuron::onnx: " << m.inputs()[0].str() << ", sums " << eager << " "
            << traced << "\n";
  return eager == 3.5f && traced == 3.5f ? 0 : 1;
}
