// Compiled against neuron::runtime alone: the deployment header must stand on its own.
#include <neuron/runtime.hpp>

#include <cstdio>

int main() {
  namespace nr = neuron;
  nr::Tensor x = nr::tensor<float>({{1.f, -2.f, 3.f}});
  nr::Tensor y = nr::relu(x * 2.f);
  float s = nr::sum(y).item<float>();
  std::printf("runtime-only sum = %g\n", s);
  return s == 8.f ? 0 : 1;
}
