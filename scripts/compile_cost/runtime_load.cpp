// A deployment program: load a traced module and call it once.
#include <neuron/runtime.hpp>

#include <iostream>
int main(int argc, char** argv) {
  neuron::TracedModule m = neuron::load(argc > 1 ? argv[1] : "mlp.neuron");
  std::cout << m(neuron::rand({1, 784})) << "\n";
}
