// The seed's traced-mode example, as a user writes it: build an MLP, trace it, run, save.
#include <neuron/neuron.hpp>

#include <iostream>
namespace nr = neuron;
namespace nn = neuron::nn;
int main() {
  nn::Sequential model(nn::Linear(784, 120), nn::ReLU(), nn::Linear(120, 10), nn::Softmax(-1));
  model.eval();
  auto traced = nr::trace(model, nr::rand({1, 784}));  // record + compile once
  std::cout << traced(nr::rand({1, 784})) << "\n";
  traced.save("mlp.neuron");
}
