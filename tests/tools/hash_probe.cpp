// Records a fixed model on the lazy device and prints the hash of the graph mark_step compiles.
#include <neuron/neuron.hpp>

#include <iostream>

int main() {
  namespace nr = neuron;
  namespace nn = neuron::nn;
  nr::manual_seed(7);
  nn::Sequential m(nn::Linear(8, 4), nn::GELU(), nn::LayerNorm(4), nn::Softmax(-1));
  m.eval();
  m.to(nr::lazy_device());
  nr::Tensor y = m(nr::relu(nr::rand({2, 8}, nr::lazy_device()) * 3.0f - 1.0f));
  nr::mark_step();
  for (const auto& r : nr::metrics::compile_log()) std::cout << r.hash << "\n";
  return 0;
}
