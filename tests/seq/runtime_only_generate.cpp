// TinyGPT's traced decode step (saved by neuron_seq_parity) loaded by a program built against
// neuron::runtime alone generates, greedily, the same 32 tokens as PyTorch.
// Usage: neuron_seq_runtime_only FIXTURE_DIR
#include <cstdio>
#include <string>
#include <vector>

#include <neuron/runtime.hpp>

#include "gpt_generate_runtime.hpp"

namespace nr = neuron;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s FIXTURE_DIR\n", argv[0]);
    return 2;
  }
  try {
    const std::string d = std::string(argv[1]) + "/gpt";
    auto ints = [](const nr::Tensor& t) {
      return std::vector<std::int64_t>(t.data<std::int64_t>(), t.data<std::int64_t>() + t.numel());
    };
    const std::vector<std::int64_t> prompt = ints(nr::load_npy(d + "/prompt.npy")),
                                    want = ints(nr::load_npy(d + "/tokens.npy"));
    const std::vector<std::int64_t> got = gpt::generate_traced(
        nr::load(d + "/gpt_step.neuron"), prompt, static_cast<int>(want.size()));
    std::printf("runtime-only program: %s (%zu tokens)\n",
                got == want ? "the same tokens as PyTorch" : "DIFFERENT tokens", got.size());
    return got == want ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
