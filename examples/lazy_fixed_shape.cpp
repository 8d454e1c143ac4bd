// The seed's fixed-shape lazy example: an MLP on the lazy device. The first mark_step compiles,
// later steps with new data of the same shape hit the cache. Prints timings and the metrics report.
#include <neuron/neuron.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>

namespace nr = neuron;
namespace nn = neuron::nn;

int main() {
  auto device = nr::lazy_device();
  nr::manual_seed(0);
  nn::Sequential model(nn::Linear(784, 120), nn::ReLU(), nn::Linear(120, 10), nn::Softmax(-1));
  model.eval();
  model.to(device);

  auto result = model(nr::rand({1, 784}, device));  // recorded, nothing runs
  nr::mark_step();                                  // compile (first time) + run
  std::cout << result.cpu() << "\n";

  using clock = std::chrono::steady_clock;
  const int steps = 1000;
  auto t0 = clock::now();
  for (int i = 0; i < steps; ++i) {
    auto r = model(nr::rand({1, 784}, device));
    nr::mark_step();  // same graph, new data: a cache hit
  }
  double us = std::chrono::duration<double, std::micro>(clock::now() - t0).count() / steps;
  std::printf(
      "\n%d more steps with new inputs: %.1f us per step (record + hash + cache hit + "
      "run, incl. input creation)\n\n",
      steps, us);
  std::cout << nr::metrics::report();
  return 0;
}
