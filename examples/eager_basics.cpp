// The eager basics: tensors, a fused elementwise expression, matmul + softmax, integer tensors.
// Later modes (lazy, traced) run the same ops; here everything executes immediately on the CPU.
#include <neuron/neuron.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>

namespace nr = neuron;

int main() {
  nr::manual_seed(0);
  nr::Tensor a = nr::rand({64, 128}), b = nr::randn({64, 128}), c = nr::rand({128});
  auto e = nr::relu(a * b + c - 0.5f);  // an expression template: nothing computed yet
  nr::Tensor y = e;                     // one fused pass, one output allocation
  nr::Tensor z = nr::softmax(nr::matmul(y, nr::transpose(a, 0, 1)), -1);
  std::cout << z.shape() << "\n" << z << "\n";
  nr::Tensor ids = nr::tensor<int64_t>({{1, 28, 748, 0}});
  std::cout << ids << "\n";

  // Rough timing of the fused expression against the same math written as four separate passes.
  using clock = std::chrono::steady_clock;
  nr::Tensor big_a = nr::rand({1024, 1024}), big_b = nr::randn({1024, 1024}),
             big_c = nr::rand({1024});
  auto time = [](auto&& fn) {
    double best = 1e30;
    for (int r = 0; r < 5; ++r) {
      auto t0 = clock::now();
      fn();
      best = std::min(best, std::chrono::duration<double, std::milli>(clock::now() - t0).count());
    }
    return best;
  };
  double fused = time([&] { nr::Tensor r = nr::relu(big_a * big_b + big_c - 0.5f); });
  double unfused = time([&] {
    nr::Tensor t1 = big_a * big_b;
    nr::Tensor t2 = t1 + big_c;
    nr::Tensor t3 = t2 - 0.5f;
    nr::Tensor r = nr::relu(t3);
  });
  std::printf("\n%-44s %10s\n", "relu(a * b + c - 0.5) on [1024, 1024]", "best of 5");
  std::printf("%-44s %8.3f ms\n", "one fused expression", fused);
  std::printf("%-44s %8.3f ms\n", "four separate tensors", unfused);
  return 0;
}
