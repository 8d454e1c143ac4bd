// Deployment: a program built against <neuron/runtime.hpp> (target neuron::runtime) alone loads a
// module that trace_mlp saved and runs it. No compiler, no lazy recorder, no nn layers.
#include <neuron/runtime.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>

namespace nr = neuron;

int main(int argc, char** argv) {
  const char* path = argc > 1 ? argv[1] : "mlp.neuron";
  auto t0 = std::chrono::steady_clock::now();
  nr::TracedModule m = nr::load(path);  // memory-map, verify everything, no compiler passes
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::printf("loaded %s in %.3f ms: %zu steps, %s\n", path, ms, m.plans()[0].steps.size(),
              m.memory_plan().str().c_str());
  nr::manual_seed(1);
  nr::Tensor y = m(nr::rand(m.input_specs()[0].shape));
  std::cout << "output: " << y << "\n";
  return 0;
}
