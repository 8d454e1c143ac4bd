// The seed's dynamic-shape lazy example: an embedding classifier fed token ids of two shapes.
// Each new shape compiles once; the compile log says why.
#include <neuron/neuron.hpp>

#include <iostream>

namespace nr = neuron;
namespace nn = neuron::nn;

int main() {
  auto device = nr::lazy_device();
  nr::manual_seed(0);
  nn::Sequential m2(nn::Embedding(30522, 512), nn::Linear(512, 128), nn::ReLU(), nn::Linear(128, 2),
                    nn::Softmax(-1));
  m2.eval();
  m2.to(device);
  nr::metrics::reset();

  auto r1 = m2(nr::tensor<int64_t>({{1, 28, 748, 0}}).to(device));
  nr::mark_step();  // compiles: [1, 4, 2]
  nr::Tensor ids_2x6 =
      nr::tensor<int64_t>({{101, 7592, 2088, 102, 0, 0}, {101, 2023, 2003, 1037, 3231, 102}});
  auto r2 = m2(ids_2x6.to(device));
  nr::mark_step();  // recompiles: [2, 6, 2]
  auto r3 = m2(nr::tensor<int64_t>({{5, 6, 7, 8}}).to(device));
  nr::mark_step();  // [1, 4] again: a cache hit

  std::cout << "r1 " << r1.shape() << "\n" << r1.cpu() << "\n";
  std::cout << "r2 " << r2.shape() << "\n" << r2.cpu() << "\n\n";
  std::cout << nr::metrics::report();
  for (const auto& c : nr::metrics::compile_log())
    std::cout << "compiled " << c.hash.substr(0, 12) << " because: " << c.reason << "\n";
  return 0;
}
