// Generates with the decode step that gpt_generate traced and saved, in a program linked to
// neuron::runtime alone (no compiler, no nn): the same tokens as every other way.
// Usage: deploy_gpt_runtime_only STEP_FILE [PROMPT_TOKEN...]   (default prompt 1..16)
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <neuron/runtime.hpp>

#include "gpt_generate_runtime.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s STEP_FILE [PROMPT_TOKEN...]\n", argv[0]);
    return 2;
  }
  try {
    std::vector<std::int64_t> prompt;
    for (int i = 2; i < argc; ++i) prompt.push_back(std::strtoll(argv[i], nullptr, 10));
    if (prompt.empty())
      for (std::int64_t t = 1; t <= 16; ++t) prompt.push_back(t);
    const neuron::TracedModule step = neuron::load(argv[1]);
    std::printf("runtime-only tokens:");
    for (std::int64_t t : gpt::generate_traced(step, prompt, 32))
      std::printf(" %lld", static_cast<long long>(t));
    std::printf("\n");
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
