// Sequence models, one thread: tokens per second of a GPT-style model (examples/gpt_model.hpp;
// d_model 256, 4 layers, 4 heads, vocab 8192, random weights) generating 64 tokens greedily from
// a 16-token prompt, four ways (eager, lazy growing, lazy with a static KV cache, traced decode
// step), and the decode step alone in eager, lazy (cache hit) and traced mode.
// The generation benchmarks count compiles per generation (CompileCount of the first
// generation: the lazy cache then holds every graph, so later ones compile nothing), and the
// decode step against reading its weights once (the floor of a step that is a chain of GEMVs).
// Then the BERT-style encoder (examples/bert_model.hpp; d_model 256, 4 heads, ff 1024, 4 layers,
// batch 4) at lengths 16, 24, 32, 48 and 64: one module bucketed over {16, 32, 64} (24 and 48 run
// padded to the next bucket) against one trace per length.
// Usage: bench_seq [--benchmark_repetitions=5 --benchmark_report_aggregates_only=true]
#include <benchmark/benchmark.h>

#include <Eigen/Core>

#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <neuron/neuron.hpp>

#include "bert_model.hpp"
#include "gpt_generate.hpp"
#include "gpt_generate_runtime.hpp"
#include "ratio_reporter.hpp"
#include "tiny_bert_config.hpp"

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

// Times whole generations of kNew tokens. The first generation of each way runs once untimed:
// its compile count is reported (later ones hit the lazy cache and compile nothing).
template <class F>
void generation(benchmark::State& st, const char* way, F&& generate) {
  nr::set_num_threads(1);
  static std::map<std::string, std::int64_t> first_compiles;  // by way
  if (!first_compiles.count(way)) {
    nr::metrics::reset();
    generate();
    first_compiles[way] = nr::metrics::counter("CompileCount");
  }
  for (auto _ : st) {
    auto tokens = generate();
    benchmark::DoNotOptimize(tokens.data());
  }
  st.SetItemsProcessed(st.iterations() * kNew);
  st.counters["compiles_first"] = static_cast<double>(first_compiles[way]);
}

// The floor of a decode step: it reads every weight once (21 MB of float32 here), so it cannot
// beat reading them. Sums each weight tensor with Eigen (vectorised, one pass).
void weights_read(benchmark::State& st) {
  std::vector<nr::Tensor> weights;
  for (auto& [name, t] : models().eager.named_parameters()) weights.push_back(t);
  double bytes = 0;
  for (const nr::Tensor& t : weights) bytes += static_cast<double>(t.nbytes());
  for (auto _ : st) {
    float total = 0;
    for (const nr::Tensor& t : weights)
      total += Eigen::Map<const Eigen::VectorXf>(t.data<float>(), t.numel()).sum();
    benchmark::DoNotOptimize(total);
  }
  st.SetBytesProcessed(static_cast<std::int64_t>(bytes) * st.iterations());
}

void gen_eager(benchmark::State& st) {
  generation(st, "eager",
             [] { return gpt::generate_greedy(models().eager, models().prompt, kNew); });
}
void gen_lazy_growing(benchmark::State& st) {
  generation(st, "lazy growing",
             [] { return gpt::generate_lazy_growing(models().lazy, models().prompt, kNew); });
}
void gen_lazy_cached(benchmark::State& st) {
  generation(st, "lazy cached",
             [] { return gpt::generate_lazy_cached(models().lazy, models().prompt, kNew); });
}
void gen_traced(benchmark::State& st) {
  generation(st, "traced",
             [] { return gpt::generate_traced(models().step, models().prompt, kNew); });
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

std::vector<nr::Tensor> bert_inputs(std::int64_t len) {
  nr::Tensor ids = nr::zeros({4, len}, nr::int64);
  for (std::int64_t i = 0; i < ids.numel(); ++i) ids.data<std::int64_t>()[i] = 1 + 13 * i % 8000;
  return {ids, nr::zeros({4, len}, nr::int64), nr::zeros({4, len}, nr::bool_)};
}

struct Berts {
  bert::TinyBert model{neuron_bench::tiny_bert_config()};
  nr::TracedModule bucketed;
  std::map<std::int64_t, nr::TracedModule> per_length;
  Berts() {
    model.eval();
    nr::BucketOptions o;
    o.pad_values = {0, 0, 1};  // ids 0, token types 0, key padding mask true
    bucketed = nr::trace_buckets(model, {bert_inputs(16), bert_inputs(32), bert_inputs(64)}, o);
    for (std::int64_t len : {16, 24, 32, 48, 64})
      per_length[len] = nr::trace(model, bert_inputs(len));
  }
};

Berts& berts() {
  static Berts* b = new Berts();
  return *b;
}

void bert_bucketed(benchmark::State& st) {
  nr::set_num_threads(1);
  const std::vector<nr::Tensor> in = bert_inputs(st.range(0));
  for (auto _ : st) benchmark::DoNotOptimize(berts().bucketed.forward(in)[1].data<float>());
}
void bert_per_length(benchmark::State& st) {
  nr::set_num_threads(1);
  const std::vector<nr::Tensor> in = bert_inputs(st.range(0));
  const nr::TracedModule& m = berts().per_length.at(st.range(0));
  for (auto _ : st) benchmark::DoNotOptimize(m.forward(in)[1].data<float>());
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
  us(benchmark::RegisterBenchmark("floor/gpt_weights_read", weights_read));

  for (std::int64_t len : {16, 24, 32, 48, 64}) {
    const std::string l = std::to_string(len);
    us(benchmark::RegisterBenchmark(("neuron/bert_L" + l + "_buckets").c_str(), bert_bucketed)
           ->Arg(len));
    us(benchmark::RegisterBenchmark(("neuron/bert_L" + l + "_one_trace").c_str(), bert_per_length)
           ->Arg(len));
  }

  neuron_bench::RatioReporter reporter;
  for (int len : {16, 24, 32, 48, 64}) {
    const std::string l = std::to_string(len);
    reporter.add_ratio("bert L" + l + ": buckets / one trace per length",
                       "neuron/bert_L" + l + "_buckets/" + l,
                       "neuron/bert_L" + l + "_one_trace/" + l);
  }
  reporter.add_ratio("lazy static-cache step / traced step", "neuron/gpt_decode_step_lazy",
                     "neuron/gpt_decode_step_traced");
  reporter.add_ratio("traced step / eager step", "neuron/gpt_decode_step_traced",
                     "neuron/gpt_decode_step_eager");
  reporter.add_ratio("traced step / reading its weights once", "neuron/gpt_decode_step_traced",
                     "floor/gpt_weights_read");
  reporter.add_ratio("generate: lazy static cache / traced",
                     "neuron/gpt_generate_lazy_static_cache", "neuron/gpt_generate_traced");
  reporter.add_ratio("generate: eager / traced", "neuron/gpt_generate_eager",
                     "neuron/gpt_generate_traced");
  return neuron_bench::run_with_ratios(argc, argv, reporter);
}
