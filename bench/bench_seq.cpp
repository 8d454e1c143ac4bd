// Sequence models, one thread: tokens per second of a GPT-style model (examples/gpt_model.hpp;
// d_model 256, 4 layers, 4 heads, vocab 8192, random weights) generating 64 tokens greedily from
// a 16-token prompt, four ways (eager, lazy growing, lazy with a static KV cache, traced decode
// step), and the decode step alone in eager, lazy (cache hit) and traced mode.
// The generation benchmarks count compiles per generation (CompileCount of the first
// generation: the lazy cache then holds every graph, so later ones compile nothing).
// Usage: bench_seq [--benchmark_repetitions=5 --benchmark_report_aggregates_only=true]
#include <benchmark/benchmark.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <neuron/neuron.hpp>

#include "gpt_generate.hpp"
#include "gpt_generate_runtime.hpp"
#include "ratio_reporter.hpp"

namespace nr = neuron;

namespace {

constexpr int kPrompt = 16, kNew = 64;

gpt::Config bench_config() {
  gpt::Config c;
  c.vocab = 8192;
  c.d_model = 256;
  c.n_layer = 4;
  c.n_head = 4;
  c.max_len = 128;
  return c;
}

// Eager and lazy models with the same random weights (token embedding scaled as in
// gpt_generate.cpp, so that greedy decoding does not repeat one token).
gpt::TinyGPT seeded_model() {
  nr::manual_seed(0);
  return gpt::TinyGPT(bench_config());
}

struct Models {
  gpt::TinyGPT eager{seeded_model()}, lazy{bench_config()};
  std::vector<std::int64_t> prompt;
  nr::TracedModule step;
  Models() {
    nr::Tensor w = eager.wte->weight();
    for (std::int64_t i = 0; i < w.numel(); ++i) w.data<float>()[i] *= 0.2f;
    lazy.load_state_dict(eager.state_dict());
    eager.eval();
    lazy.eval();
    lazy.to(nr::lazy_device());
    for (int i = 0; i < kPrompt; ++i) prompt.push_back(1 + 37 * i % 8000);
    step = nr::trace(eager, step_inputs(nr::cpu()));
  }
  // Decode-step inputs at position kPrompt: one token, its position, zeroed caches.
  std::vector<nr::Tensor> step_inputs(nr::Device device) const {
    std::vector<nr::Tensor> in = {nr::tensor<std::int64_t>({{5}}).to(device),
                                  nr::tensor<std::int64_t>({kPrompt}).to(device)};
    for (nr::Tensor& c : eager.empty_cache(1, device)) in.push_back(c);
    return in;
  }
};

Models& models() {
  static Models* m = new Models();
  return *m;
}

template <class F>
void generation(benchmark::State& st, F&& generate) {
  nr::set_num_threads(1);
  nr::metrics::reset();
  std::int64_t first_compiles = -1;
  for (auto _ : st) {
    auto tokens = generate();
    benchmark::DoNotOptimize(tokens.data());
    if (first_compiles < 0) first_compiles = nr::metrics::counter("CompileCount");
  }
  st.SetItemsProcessed(st.iterations() * kNew);
  st.counters["compiles_first"] = static_cast<double>(first_compiles);
}

void gen_eager(benchmark::State& st) {
  generation(st, [] { return gpt::generate_greedy(models().eager, models().prompt, kNew); });
}
void gen_lazy_growing(benchmark::State& st) {
  generation(st, [] { return gpt::generate_lazy_growing(models().lazy, models().prompt, kNew); });
}
void gen_lazy_cached(benchmark::State& st) {
  generation(st, [] { return gpt::generate_lazy_cached(models().lazy, models().prompt, kNew); });
}
void gen_traced(benchmark::State& st) {
  generation(st, [] { return gpt::generate_traced(models().step, models().prompt, kNew); });
}

void step_eager(benchmark::State& st) {
  nr::set_num_threads(1);
  const std::vector<nr::Tensor> in = models().step_inputs(nr::cpu());
  for (auto _ : st) benchmark::DoNotOptimize(models().eager.step(in)[0].data<float>());
}
void step_lazy(benchmark::State& st) {
  nr::set_num_threads(1);
  const std::vector<nr::Tensor> in = models().step_inputs(nr::lazy_device());
  for (auto _ : st) {
    std::vector<nr::Tensor> r = models().lazy.step(in);
    nr::mark_step();
    benchmark::DoNotOptimize(r[0].cpu().data<float>());
  }
}
void step_traced(benchmark::State& st) {
  nr::set_num_threads(1);
  const std::vector<nr::Tensor> in = models().step_inputs(nr::cpu());
  for (auto _ : st) benchmark::DoNotOptimize(models().step.forward(in)[0].data<float>());
}

}  // namespace

int main(int argc, char** argv) {
  auto us = [](benchmark::internal::Benchmark* b) { b->Unit(benchmark::kMicrosecond); };
  us(benchmark::RegisterBenchmark("neuron/gpt_generate_eager", gen_eager));
  us(benchmark::RegisterBenchmark("neuron/gpt_generate_lazy_growing", gen_lazy_growing));
  us(benchmark::RegisterBenchmark("neuron/gpt_generate_lazy_static_cache", gen_lazy_cached));
  us(benchmark::RegisterBenchmark("neuron/gpt_generate_traced", gen_traced));
  us(benchmark::RegisterBenchmark("neuron/gpt_decode_step_eager", step_eager));
  us(benchmark::RegisterBenchmark("neuron/gpt_decode_step_lazy", step_lazy));
  us(benchmark::RegisterBenchmark("neuron/gpt_decode_step_traced", step_traced));

  neuron_bench::RatioReporter reporter;
  reporter.add_ratio("lazy static-cache step / traced step", "neuron/gpt_decode_step_lazy",
                     "neuron/gpt_decode_step_traced");
  reporter.add_ratio("traced step / eager step", "neuron/gpt_decode_step_traced",
                     "neuron/gpt_decode_step_eager");
  reporter.add_ratio("generate: lazy static cache / traced",
                     "neuron/gpt_generate_lazy_static_cache", "neuron/gpt_generate_traced");
  reporter.add_ratio("generate: eager / traced", "neuron/gpt_generate_eager",
                     "neuron/gpt_generate_traced");
  return neuron_bench::run_with_ratios(argc, argv, reporter);
}
