// The traced resnet18 and mobilenet_v2 modules (saved by neuron_vision_parity) loaded by a program
// built against neuron::runtime alone, matching PyTorch's logits (rtol 1e-4, atol 1e-4).
// Usage: neuron_vision_runtime_only FIXTURE_DIR
#include <cstdio>
#include <string>

#include <neuron/runtime.hpp>

#include "compare.hpp"

namespace nr = neuron;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s FIXTURE_DIR\n", argv[0]);
    return 2;
  }
  try {
    bool ok = true;
    for (const std::string name : {"resnet18", "mobilenet_v2"}) {
      const std::string d = std::string(argv[1]) + "/" + name;
      nr::TracedModule m = nr::load(d + "/" + name + ".neuron");
      const nr::Tensor x = nr::load_npy(d + "/x.npy"), want = nr::load_npy(d + "/y.npy");
      ok &= vision_test::report(name, "runtime-only program",
                                vision_test::compare(m(x), want, 1e-4, 1e-4));
    }
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
