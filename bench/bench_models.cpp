// The measurement harness of the speed issue (issue 13): the models and kernels it sets targets
// for, each against a reference measured in the same run. Every neuron/<case> is a traced module
// (nr::trace, traced once, calls timed) unless its name says otherwise; weights and inputs come
// from bench/make_bench_models.py, which also writes the TorchScript files of the torch/ column.
//   neuron/encoder_t{1,2}       nn::TransformerEncoderLayer(256, 4, 1024, dropout 0) on
//                               [1, 128, 256], on 1 and 2 threads
//   neuron/seed_mlp_b{1,64}     the seed MLP (784-120-10, ReLU, softmax) at batch 1 and 64
//   eigen/seed_mlp_b{1,64}      the same MLP hand-written in Eigen (bench_traced's reference)
//   neuron/seed_mlp_b1_lazy     lazy device: model(x) + mark_step() + cpu(), a cache hit
//   neuron/embed                Embedding(30522, 512)-Linear(512, 128)-ReLU-Linear(128, 2)-Softmax
//                               on ids [1, 4] (the seed's lazy_dynamic_shape example)
//   neuron/gemm_256, neuron/gemm_enc_{qkv,out,ff1,ff2}
//                               one traced nr::linear (with bias): 256x256x256 and the encoder's
//                               GEMMs at M = 128 (256->768, 256->256, 256->1024, 1024->256), with
//                               a GFLOP/s counter; the report divides it by the one-core FMA peak
//   neuron/fused_16M[_eager]    relu(a * b + 1) over a, b [4096, 4096] (16M floats), traced and
//                               eager, against memcpy/16M (std::memcpy of 64 MiB into a
//                               pre-faulted destination); faults_per_iter = minor page faults;
//                               fused_16M_1in[_eager]: relu(a * 2 + 1), one read as memcpy
//   neuron/gemm_rule/m*_k*_n*   one traced linear at small row counts: the sweep behind the
//                               GEMM kernel rule (run with NEURON_GEMM_KERNEL=eigen / onednn)
//   torch/<case>                the same model and weights traced by torch.jit, frozen, run by
//                               libtorch (when built with it: NEURON_BENCH_TORCH)
// All cases but encoder_t2 / torch/encoder_t2 run on 1 thread. The report ends with one line per
// target of the issue (the target in the label) and the GEMMs' fraction of the FMA peak.
// Fixtures: $NEURON_BENCH_MODELS, else <build>/bench/models_fixtures. Run scripts/bench_models.sh.
#include <neuron/neuron.hpp>

#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "eigen_seed_mlp.hpp"
#include "fma_peak.hpp"
#include "page_faults.hpp"
#include "ratio_reporter.hpp"

#if NEURON_BENCH_TORCH
#include <ATen/Parallel.h>
#include <torch/script.h>
constexpr const char* kTorchColumn = "TorchScript (libtorch)";
#else
constexpr const char* kTorchColumn = "not built (libtorch not found at configure time)";
#endif

#ifndef NEURON_BENCH_MODELS_DEFAULT
#define NEURON_BENCH_MODELS_DEFAULT "build/bench/models_fixtures"
#endif

namespace nr = neuron;
namespace nn = neuron::nn;

namespace {

std::string g_dir;  // the fixture folder
double g_peak = 0;  // one core's FMA peak, GFLOP/s

struct Gemm {
  const char* name;
  std::int64_t m, k, n;
  double flops() const { return 2.0 * static_cast<double>(m * k * n); }
};
constexpr Gemm kGemms[] = {
    {"gemm_256", 256, 256, 256},      {"gemm_enc_qkv", 128, 256, 768},
    {"gemm_enc_out", 128, 256, 256},  {"gemm_enc_ff1", 128, 256, 1024},
    {"gemm_enc_ff2", 128, 1024, 256},
};

std::string fixture(const std::string& model, const std::string& file) {
  return g_dir + "/" + model + "/" + file;
}

nr::StateDict weights(const std::string& model) {
  return nr::load_safetensors(fixture(model, "weights.safetensors"));
}

// x<suffix>.npy of a model, loaded once.
const nr::Tensor& input(const std::string& model, const std::string& suffix = "") {
  static std::map<std::string, nr::Tensor> cache;
  auto it = cache.find(model + suffix);
  if (it == cache.end())
    it = cache.emplace(model + suffix, nr::load_npy(fixture(model, "x" + suffix + ".npy"))).first;
  return it->second;
}

template <class M>
std::shared_ptr<M> loaded(std::shared_ptr<M> m, const std::string& model) {
  m->load_state_dict(weights(model));
  m->eval();
  return m;
}

std::shared_ptr<nn::TransformerEncoderLayer> encoder() {
  return loaded(std::make_shared<nn::TransformerEncoderLayer>(
                    nn::TransformerEncoderLayerOptions(256, 4).dim_feedforward(1024).dropout(0.0)),
                "encoder");
}

std::shared_ptr<nn::Sequential> seed_mlp() {
  return loaded(std::make_shared<nn::Sequential>(nn::Linear(784, 120), nn::ReLU(),
                                                 nn::Linear(120, 10), nn::Softmax(-1)),
                "seed_mlp");
}

std::shared_ptr<nn::Sequential> embed() {
  return loaded(std::make_shared<nn::Sequential>(nn::Embedding(30522, 512), nn::Linear(512, 128),
                                                 nn::ReLU(), nn::Linear(128, 2), nn::Softmax(-1)),
                "embed");
}

// Traced modules by case name, traced on first use and kept for every repetition.
nr::TracedModule& traced_module(const std::string& key,
                                const std::function<nr::TracedModule()>& make) {
  static std::map<std::string, nr::TracedModule> cache;
  auto it = cache.find(key);
  if (it == cache.end()) it = cache.emplace(key, make()).first;
  return it->second;
}

// Times calls of a traced module on `in`; returns the seconds of the timed loop.
double time_traced(benchmark::State& st, nr::TracedModule& tm, const std::vector<nr::Tensor>& in) {
  benchmark::DoNotOptimize(tm.forward(in)[0].impl_ptr());  // warm-up
  const std::int64_t faults = neuron_bench::minor_faults();
  const auto t0 = std::chrono::steady_clock::now();
  for (auto _ : st) {
    std::vector<nr::Tensor> y = tm.forward(in);
    benchmark::DoNotOptimize(y[0].impl_ptr());
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  neuron_bench::set_faults_per_iter(st, faults);
  st.counters["steps"] = static_cast<double>(tm.plans()[0].steps.size());  // ops in the plan
  return s;
}

void set_gflops(benchmark::State& st, double flops, double seconds) {
  st.counters["GFLOP/s"] = flops * 1e-9 * static_cast<double>(st.iterations()) / seconds;
}

// ---- neuron cases ----

void traced_encoder(benchmark::State& st, int threads) {
  nr::set_num_threads(threads);
  nr::TracedModule& tm = traced_module("encoder_t" + std::to_string(threads), [] {
    auto m = encoder();
    return nr::trace(*m, input("encoder"));
  });
  time_traced(st, tm, {input("encoder")});
}

void traced_mlp(benchmark::State& st, int batch) {
  nr::set_num_threads(1);
  const std::string suffix = "_b" + std::to_string(batch);
  nr::TracedModule& tm = traced_module("seed_mlp" + suffix, [&] {
    auto m = seed_mlp();
    return nr::trace(*m, input("seed_mlp", suffix));
  });
  time_traced(st, tm, {input("seed_mlp", suffix)});
}

void lazy_mlp_b1(benchmark::State& st) {
  nr::set_num_threads(1);
  auto m = seed_mlp();
  m->to(nr::lazy_device());
  const nr::Tensor x = input("seed_mlp", "_b1").to(nr::lazy_device());
  auto step = [&] {
    nr::Tensor y = (*m)(x);
    nr::mark_step();
    return y.cpu();
  };
  benchmark::DoNotOptimize(step().impl_ptr());  // warm-up: compiles on a miss
  const std::int64_t compiles = nr::metrics::counter("CompileCount");
  const std::int64_t faults = neuron_bench::minor_faults();
  for (auto _ : st) {
    nr::Tensor y = step();
    benchmark::DoNotOptimize(y.impl_ptr());
  }
  neuron_bench::set_faults_per_iter(st, faults);
  // 0: every timed step was a cache hit.
  st.counters["compiles"] = static_cast<double>(nr::metrics::counter("CompileCount") - compiles);
}

void traced_embed(benchmark::State& st) {
  nr::set_num_threads(1);
  nr::TracedModule& tm = traced_module("embed", [] {
    auto m = embed();
    return nr::trace(*m, input("embed"));
  });
  time_traced(st, tm, {input("embed")});
}

void traced_gemm(benchmark::State& st, Gemm g) {
  nr::set_num_threads(1);
  nr::TracedModule& tm = traced_module(g.name, [&] {
    nr::StateDict w = weights(g.name);
    const nr::Tensor weight = w.at("weight"), bias = w.at("bias");
    auto linear = [weight, bias](const nr::Tensor& x) { return nr::linear(x, weight, bias); };
    return nr::trace(linear, input(g.name));
  });
  set_gflops(st, g.flops(), time_traced(st, tm, {input(g.name)}));
}

// The sweep behind the GEMM kernel rule (ops/gemm-inl.hpp, choose_gemm_kernel): one traced
// linear with bias at small row counts, 1 thread. Run it once per kernel and compare:
//   NEURON_GEMM_KERNEL=eigen  bench_models --benchmark_filter=gemm_rule
//   NEURON_GEMM_KERNEL=onednn bench_models --benchmark_filter=gemm_rule
void traced_gemm_rule(benchmark::State& st, Gemm g) {
  nr::set_num_threads(1);
  const std::string key =
      "rule_" + std::to_string(g.m) + "_" + std::to_string(g.k) + "_" + std::to_string(g.n);
  nr::manual_seed(5);
  const nr::Tensor x = nr::randn({g.m, g.k});
  nr::TracedModule& tm = traced_module(key, [&] {
    const nr::Tensor weight = nr::randn({g.n, g.k}), bias = nr::randn({g.n});
    auto linear = [weight, bias](const nr::Tensor& in) { return nr::linear(in, weight, bias); };
    return nr::trace(linear, x);
  });
  set_gflops(st, g.flops(), time_traced(st, tm, {x}));
}

constexpr std::int64_t kFusedSide = 4096;  // [4096, 4096]: 16M floats, 64 MiB per tensor

const std::vector<nr::Tensor>& fused_inputs() {
  static const std::vector<nr::Tensor> ab = [] {
    nr::manual_seed(0);
    return std::vector<nr::Tensor>{nr::rand({kFusedSide, kFusedSide}) - 0.5f,
                                   nr::rand({kFusedSide, kFusedSide})};
  }();
  return ab;
}

std::vector<nr::Tensor> fused_expr(const std::vector<nr::Tensor>& in) {
  return {nr::relu(in[0] * in[1] + 1.0f)};
}

// The 1-input variant: one read and one write per element, as memcpy.
std::vector<nr::Tensor> fused_expr_1in(const std::vector<nr::Tensor>& in) {
  return {nr::relu(in[0] * 2.0f + 1.0f)};
}

using Expr = std::vector<nr::Tensor> (*)(const std::vector<nr::Tensor>&);

// fused_16M on both inputs, fused_16M_1in on the first.
std::vector<nr::Tensor> fused_args(Expr expr) {
  const std::vector<nr::Tensor>& ab = fused_inputs();
  return expr == fused_expr ? ab : std::vector<nr::Tensor>{ab[0]};
}

void traced_fused(benchmark::State& st, Expr expr) {
  nr::set_num_threads(1);
  const std::vector<nr::Tensor> in = fused_args(expr);
  nr::TracedModule& tm = traced_module(expr == fused_expr ? "fused_16M" : "fused_16M_1in",
                                       [&] { return nr::trace(expr, in); });
  time_traced(st, tm, in);
}

void eager_fused(benchmark::State& st, Expr expr) {
  nr::set_num_threads(1);
  const std::vector<nr::Tensor> in = fused_args(expr);
  benchmark::DoNotOptimize(expr(in)[0].impl_ptr());  // warm-up
  const std::int64_t faults = neuron_bench::minor_faults();
  for (auto _ : st) {
    std::vector<nr::Tensor> y = expr(in);  // the expression evaluated into a new tensor
    benchmark::DoNotOptimize(y[0].impl_ptr());
  }
  neuron_bench::set_faults_per_iter(st, faults);
}

void memcpy_16m(benchmark::State& st) {
  const std::size_t n = static_cast<std::size_t>(kFusedSide * kFusedSide);
  std::vector<float> src(n, 1.0f), dst(n, 0.0f);  // both written: every page faulted in
  const std::int64_t faults = neuron_bench::minor_faults();
  for (auto _ : st) {
    std::memcpy(dst.data(), src.data(), n * sizeof(float));
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  neuron_bench::set_faults_per_iter(st, faults);
}

// ---- torch/ column ----

#if NEURON_BENCH_TORCH
at::Tensor to_torch(const nr::Tensor& t) {
  std::vector<std::int64_t> sizes(t.shape().begin(), t.shape().end());
  if (t.dtype() == nr::int64)
    return torch::from_blob(const_cast<std::int64_t*>(t.data<std::int64_t>()), sizes, torch::kLong)
        .clone();
  return torch::from_blob(const_cast<float*>(t.data<float>()), sizes, torch::kFloat).clone();
}

// `file` of `model`'s folder on input x<suffix>.npy; returns the seconds of the timed loop.
double torchscript(benchmark::State& st, const std::string& model, const std::string& file,
                   const std::string& suffix, int threads) {
  at::set_num_threads(threads);
  static std::map<std::string, torch::jit::Module> modules;
  const std::string path = fixture(model, file);
  auto it = modules.find(path);
  if (it == modules.end()) {
    if (!std::filesystem::exists(path)) {
      st.SkipWithError(("missing " + path + " (run bench/make_bench_models.py)").c_str());
      return 1;
    }
    torch::jit::Module m = torch::jit::load(path);
    m.eval();
    it = modules.emplace(path, std::move(m)).first;
  }
  torch::jit::Module& m = it->second;
  torch::NoGradGuard no_grad;
  c10::InferenceMode inference;
  std::vector<torch::jit::IValue> in{to_torch(input(model, suffix))};
  // The profiling executor optimises the graph over the first calls.
  for (int i = 0; i < 3; ++i) benchmark::DoNotOptimize(m.forward(in).toTensor().data_ptr());
  const auto t0 = std::chrono::steady_clock::now();
  for (auto _ : st) {
    at::Tensor y = m.forward(in).toTensor();
    benchmark::DoNotOptimize(y.data_ptr());
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void torch_case(benchmark::State& st, std::string model, std::string file, std::string suffix,
                int threads) {
  torchscript(st, model, file, suffix, threads);
}

void torch_gemm(benchmark::State& st, Gemm g) {
  set_gflops(st, g.flops(), torchscript(st, g.name, std::string(g.name) + ".pt", "", 1));
}
#endif

// ---- report ----

// The ratio table, then each GEMM's GFLOP/s over the one-core FMA peak (medians).
class ModelsReporter : public neuron_bench::RatioReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    RatioReporter::ReportRuns(runs);
    for (const Run& r : runs) {
      if (r.error_occurred) continue;
      if (r.run_type == Run::RT_Aggregate && r.aggregate_name != "median") continue;
      auto g = r.counters.find("GFLOP/s");
      if (g != r.counters.end()) gflops_[r.run_name.function_name] = g->second.value;
    }
  }
  void Finalize() override {
    RatioReporter::Finalize();
    // Noise only ever lowers a measured peak: take the better of the first and last measurement.
    g_peak = std::max(g_peak, neuron_bench::measure_fma_peak_gflops());
    std::printf(
        "\nFMA peak, one core (fma_peak.hpp, best of the start and the end of the run): "
        "%.1f GFLOP/s\n",
        g_peak);
    if (gflops_.empty()) return;
    std::printf("%-40s %10s %8s   target (issue 13): neuron >= 0.85 of peak\n", "GEMM, 1 thread",
                "GFLOP/s", "/ peak");
    for (const auto& [name, gflops] : gflops_)
      std::printf("%-40s %10.1f %8.2f\n", name.c_str(), gflops, g_peak > 0 ? gflops / g_peak : 0);
  }

 private:
  std::map<std::string, double> gflops_;
};

template <class F, class... Args>
benchmark::internal::Benchmark* reg(const std::string& name, F fn, Args... args) {
  return benchmark::RegisterBenchmark(name.c_str(), fn, args...)->Unit(benchmark::kMicrosecond);
}

void register_cases() {
  for (int t : {1, 2}) reg("neuron/encoder_t" + std::to_string(t), traced_encoder, t);
  for (int b : {1, 64}) {
    reg("eigen/seed_mlp_b" + std::to_string(b), neuron_bench::eigen_seed_mlp, b);
    reg("neuron/seed_mlp_b" + std::to_string(b), traced_mlp, b);
  }
  reg("neuron/seed_mlp_b1_lazy", lazy_mlp_b1);
  reg("neuron/embed", traced_embed);
  for (const Gemm& g : kGemms) reg(std::string("neuron/") + g.name, traced_gemm, g);
  for (std::int64_t m : {1, 2, 4, 8, 16, 32, 64})
    for (auto kn : {std::pair<std::int64_t, std::int64_t>{128, 128},
                    {256, 256},
                    {784, 120},
                    {120, 10},
                    {512, 128},
                    {256, 1024},
                    {1024, 256}}) {
      const std::string name = "neuron/gemm_rule/m" + std::to_string(m) + "_k" +
                               std::to_string(kn.first) + "_n" + std::to_string(kn.second);
      reg(name, traced_gemm_rule, Gemm{"rule", m, kn.first, kn.second});
    }
  reg("memcpy/16M", memcpy_16m);
  reg("neuron/fused_16M", traced_fused, fused_expr);
  reg("neuron/fused_16M_eager", eager_fused, fused_expr);
  reg("neuron/fused_16M_1in", traced_fused, fused_expr_1in);
  reg("neuron/fused_16M_1in_eager", eager_fused, fused_expr_1in);
#if NEURON_BENCH_TORCH
  for (int t : {1, 2})
    reg("torch/encoder_t" + std::to_string(t), torch_case, std::string("encoder"),
        std::string("encoder.pt"), std::string(), t);
  for (const char* b : {"_b1", "_b64"})
    reg(std::string("torch/seed_mlp") + b, torch_case, std::string("seed_mlp"),
        std::string("seed_mlp") + b + ".pt", std::string(b), 1);
  reg("torch/embed", torch_case, std::string("embed"), std::string("embed.pt"), std::string(), 1);
  for (const Gemm& g : kGemms) reg(std::string("torch/") + g.name, torch_gemm, g);
#endif
}

void add_target_ratios(ModelsReporter& r) {
  r.add_ratio("encoder t1 traced / torch (issue 13 target)", "neuron/encoder_t1",
              "torch/encoder_t1");
  r.add_ratio("encoder traced t2 / t1 (target <= 0.58)", "neuron/encoder_t2", "neuron/encoder_t1");
  r.add_ratio("encoder torch t2 / t1 (for reference)", "torch/encoder_t2", "torch/encoder_t1");
  r.add_ratio("embed traced / torch (target <= 0.40)", "neuron/embed", "torch/embed");
  r.add_ratio("seed_mlp_b1 traced / torch (target <= 0.40)", "neuron/seed_mlp_b1",
              "torch/seed_mlp_b1");
  r.add_ratio("seed_mlp_b1 traced / Eigen (target <= 1.05)", "neuron/seed_mlp_b1",
              "eigen/seed_mlp_b1");
  r.add_ratio("seed_mlp_b64 traced / Eigen (target <= 0.85)", "neuron/seed_mlp_b64",
              "eigen/seed_mlp_b64");
  r.add_ratio("seed_mlp_b1 lazy / traced (target <= 1.5)", "neuron/seed_mlp_b1_lazy",
              "neuron/seed_mlp_b1");
  r.add_ratio("fused_16M traced / memcpy (target <= 1.5)", "neuron/fused_16M", "memcpy/16M");
  r.add_ratio("fused_16M eager / memcpy (target <= 1.5)", "neuron/fused_16M_eager", "memcpy/16M");
  r.add_ratio("fused_16M_1in traced / memcpy (1 read)", "neuron/fused_16M_1in", "memcpy/16M");
  r.add_ratio("fused_16M_1in eager / memcpy (1 read)", "neuron/fused_16M_1in_eager", "memcpy/16M");
}

}  // namespace

int main(int argc, char** argv) {
  g_dir = NEURON_BENCH_MODELS_DEFAULT;
  if (const char* e = std::getenv("NEURON_BENCH_MODELS"); e && *e) g_dir = e;
  for (const char* model : {"encoder", "seed_mlp", "embed", "gemm_256"}) {
    const std::string w = fixture(model, "weights.safetensors");
    if (!std::filesystem::exists(w)) {
      std::fprintf(stderr,
                   "bench_models: %s is missing. Make the fixtures (from the source tree):\n"
                   "  /usr/bin/python3 bench/make_bench_models.py %s\n"
                   "or run scripts/bench_models.sh; NEURON_BENCH_MODELS names another folder.\n",
                   w.c_str(), g_dir.c_str());
      return 1;
    }
  }
  g_peak = neuron_bench::measure_fma_peak_gflops();
  std::printf("FMA peak, one core: %.1f GFLOP/s (fixtures: %s; torch column: %s)\n", g_peak,
              g_dir.c_str(), kTorchColumn);

  register_cases();
  ModelsReporter reporter;
  add_target_ratios(reporter);

  // Half a second per repetition unless the command line says otherwise (a later flag wins).
  std::vector<char*> args(argv, argv + argc);
  static char min_time[] = "--benchmark_min_time=0.5";
  args.insert(args.begin() + 1, min_time);
  int n = static_cast<int>(args.size());
  args.push_back(nullptr);
  return neuron_bench::run_with_ratios(n, args.data(), reporter);
}
