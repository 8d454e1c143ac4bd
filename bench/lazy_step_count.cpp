// Instruction counts of a lazy step and a traced call of the seed MLP (784-120-10, batch 1), for
// callgrind, which counts instructions whatever else the machine is doing. Not a timing program:
//   ONEDNN_MAX_CPU_ISA=AVX2 valgrind --tool=callgrind build/bench/lazy_step_count lazy 1000
// then with 2000. The difference of the two "Collected" totals / 1000 is one step (model(x) +
// mark_step() + cpu(), a cache hit); `traced` instead of `lazy` gives one call of the traced
// module. It is built without -march=native and ONEDNN_MAX_CPU_ISA keeps oneDNN's generated code
// to AVX2: valgrind cannot run AVX-512 instructions. The GEMV then runs Eigen's SSE code, so the
// total depends on the build; the lazy - traced difference is the overhead.
#include <neuron/neuron.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace nr = neuron;
namespace nn = neuron::nn;

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  const int steps = argc > 2 ? std::atoi(argv[2]) : 0;
  if ((mode != "lazy" && mode != "traced") || steps <= 0) {
    std::fprintf(stderr, "usage: %s lazy|traced STEPS\n", argv[0]);
    return 2;
  }
  nr::manual_seed(0);
  nn::Sequential m(nn::Linear(784, 120), nn::ReLU(), nn::Linear(120, 10), nn::Softmax(-1));
  m.eval();
  if (mode == "traced") {
    const nr::Tensor x = nr::rand({1, 784});
    const nr::TracedModule tm = nr::trace(m, x);
    for (int i = 0; i < steps; ++i)
      if (!tm(x).defined()) return 1;
    return 0;
  }
  m.to(nr::lazy_device());
  const nr::Tensor x = nr::rand({1, 784}, nr::lazy_device());
  for (int i = 0; i < steps; ++i) {
    nr::Tensor y = m(x);
    nr::mark_step();
    if (!y.cpu().defined()) return 1;
  }
  return 0;
}
