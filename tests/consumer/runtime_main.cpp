// A deployment program: only <neuron/runtime.hpp>, linked to neuron::runtime alone. It has no
// module file to load, so it checks that a missing one is a neuron::IOError and runs an op.
#include <neuron/runtime.hpp>

#include <iostream>

int main() {
  namespace nr = neuron;
  try {
    nr::load("/nonexistent/model.neuron");
    return 1;
  } catch (const nr::IOError& e) {
    std::cout << "runtime-only consumer: " << e.what() << "\n";
  }
  nr::Tensor y = nr::softmax(nr::ones({2, 3}), -1);
  return std::abs(y.data<float>()[0] - 1.0f / 3) < 1e-6f ? 0 : 1;
}
