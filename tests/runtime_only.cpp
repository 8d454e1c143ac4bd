// Compiled against neuron::runtime alone: the deployment header must stand on its own.
#include <neuron/runtime.hpp>

#include <cstdio>

int main() {
  namespace nr = neuron;
  nr::Tensor x = nr::tensor<float>({{1.f, -2.f, 3.f}});
  nr::Tensor y = nr::relu(x * 2.f);
  float s = nr::sum(y).item<float>();
  std::printf("runtime-only sum = %g\n", s);
  // The lazy stage is not part of this program: moving there is refused, clearly.
  try {
    (void)x.to(nr::Device(nr::Device::Kind::lazy));
    return 1;
  } catch (const nr::DeviceError& e) {
    std::printf("without lazy mode: %s\n", e.what());
  }
  return s == 8.f ? 0 : 1;
}
