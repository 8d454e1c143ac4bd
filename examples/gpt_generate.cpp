// Greedy generation with a GPT-style model written in the DSL (gpt_model.hpp), four ways:
// eagerly, in lazy mode growing the sequence, in lazy mode with a static KV cache, and with the
// traced decode step, which is saved for deploy_gpt_runtime_only. All four give the same tokens.
// Usage: gpt_generate [STEP_FILE [WEIGHTS.safetensors]]   (random weights without a file)
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <neuron/neuron.hpp>

#include "gpt_generate.hpp"
#include "gpt_generate_runtime.hpp"

namespace nr = neuron;

namespace {

void print(const char* mode, const std::vector<std::int64_t>& tokens, double ms,
           std::int64_t compiles) {
  std::printf("%-22s %7.2f ms/token", mode, ms / static_cast<double>(tokens.size()));
  if (compiles >= 0) std::printf("  %2lld compiles", static_cast<long long>(compiles));
  std::printf("  tokens:");
  for (std::int64_t t : tokens) std::printf(" %lld", static_cast<long long>(t));
  std::printf("\n");
}

template <class F>
std::vector<std::int64_t> timed(const char* mode, F&& generate, bool lazy) {
  nr::metrics::reset();
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::int64_t> tokens = generate();
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  print(mode, tokens, ms, lazy ? nr::metrics::counter("CompileCount") : -1);
  return tokens;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string step_file = argc > 1 ? argv[1] : "gpt_step.neuron";
    gpt::Config cfg;  // vocab 256, d_model 64, 2 layers, 4 heads, max_len 64
    nr::manual_seed(0);
    gpt::TinyGPT model(cfg), lazy_model(cfg);
    if (argc > 2) {
      model.load_state_dict(nr::load_safetensors(argv[2]));
    } else {  // nn.Embedding's N(0, 1) makes an untrained model repeat its last token forever
      nr::Tensor w = model.wte->weight();
      for (std::int64_t i = 0; i < w.numel(); ++i) w.data<float>()[i] *= 0.2f;
    }
    lazy_model.load_state_dict(model.state_dict());
    model.eval();
    lazy_model.eval();
    lazy_model.to(nr::lazy_device());
    const std::vector<std::int64_t> prompt = {1, 2,  3,  4,  5,  6,  7,  8,
                                              9, 10, 11, 12, 13, 14, 15, 16};
    const int n = 32;

    auto eager = timed(
        "eager", [&] { return gpt::generate_greedy(model, prompt, n); }, false);
    auto growing = timed(
        "lazy, growing", [&] { return gpt::generate_lazy_growing(lazy_model, prompt, n); }, true);
    const auto log = nr::metrics::compile_log();
    if (log.size() > 1) std::printf("  (compile 2 because: %s)\n", log[1].reason.c_str());
    auto cached = timed(
        "lazy, static KV cache", [&] { return gpt::generate_lazy_cached(lazy_model, prompt, n); },
        true);

    std::vector<nr::Tensor> example = {nr::tensor<std::int64_t>({{0}}),
                                       nr::tensor<std::int64_t>({0})};
    for (nr::Tensor& c : model.empty_cache(1)) example.push_back(c);
    nr::TracedModule step = nr::trace(model, example);  // model(vector) is the cached step
    step.save(step_file);
    auto traced = timed(
        "traced decode step", [&] { return gpt::generate_traced(step, prompt, n); }, false);
    std::printf("decode step saved to %s\n", step_file.c_str());

    const bool same = eager == growing && eager == cached && eager == traced;
    std::printf("%s\n", same ? "all four ways give the same tokens" : "the ways DISAGREE");
    return same ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
