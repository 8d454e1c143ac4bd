// The measurement harness of the speed issue (issue 13): the models and kernels it sets targets
// for, each against a reference measured in the same run. Weights, inputs, expected outputs, the
// TorchScript files of the torch/ column and the ONNX files of the imported column come from
// bench/make_bench_models.py (its cases.json names each case's folder and files). Case names:
// <column>/<workload>[_mode]_t<n>.
// Workloads (the ONNX Runtime column of the same workloads: bench/time_onnxruntime.py):
//   encoder        nn::TransformerEncoderLayer(256, 4, 1024, dropout 0) on [1, 128, 256]
//   seed_mlp_b{1,64}  the seed MLP (784-120-10, ReLU, softmax) at batch 1 and 64
//   embed          Embedding(30522, 512)-Linear(512, 128)-ReLU-Linear(128, 2)-Softmax on ids
//                  [1, 4] (the seed's lazy_dynamic_shape example)
//   bert           the BERT-style encoder (examples/bert_model.hpp: d_model 256, 4 heads, ff
//                  1024, 4 layers) on ids, types, padding [4, 64] -> {sequence, pooled}
// Columns, each at 1 thread and all threads (threads.hpp: _t1, _t<nproc>):
//   neuron/<w>_eager_t<n>   the module called eagerly
//   neuron/<w>_lazy_t<n>    lazy device: model(x) + mark_step() + cpu(), a cache hit
//   neuron/<w>_t<n>         nr::trace(model, x), traced once per thread count, calls timed
//   neuron/<w>_onnx_t<n>    imported ONNX: nr::onnx::load of the workload's ONNX file (the one
//                           ONNX Runtime runs, on the same inputs), then traced and timed as
//                           neuron/<w>_t<n>; its outputs are checked against the fixture's first
//                           (ONNX Runtime's tolerance), a mismatch is an error. Also for resnet18
//                           and mobilenet_v2 (x [1, 3, 224, 224]), whose DSL cases are
//                           bench_vision's. Needs neuron::onnx (NEURON_ONNX, NEURON_BENCH_ONNX)
//   torch/<w>_t<n>          the same model and weights traced by torch.jit, frozen, run by
//                           libtorch (when built with it: NEURON_BENCH_TORCH)
//   eigen/seed_mlp_b{1,64}_t1  the same MLP hand-written in Eigen (bench_traced's reference)
// Kernels, 1 thread:
//   neuron/gemm_256, neuron/gemm_enc_{qkv,out,ff1,ff2}
//                               one traced nr::linear (with bias): 256x256x256 and the encoder's
//                               GEMMs at M = 128 (256->768, 256->256, 256->1024, 1024->256), with
//                               a GFLOP/s counter; the report divides it by the one-core FMA peak
//                               (torch/gemm_*: the same linear in TorchScript)
//   neuron/fused_16M[_eager]    relu(a * b + 1) over a, b [4096, 4096] (16M floats), traced and
//                               eager, against memcpy/16M (std::memcpy of 64 MiB into a
//                               pre-faulted destination); faults_per_iter = minor page faults;
//                               fused_16M_1in[_eager]: relu(a * 2 + 1), one read as memcpy
//   neuron/attention_heads/*    one traced multihead_attention: its per-head kernel's measurement
//   neuron/gemm_rule/m*_k*_n*   one traced linear at small row counts: the sweep behind the
//                               GEMM kernel rule (run with NEURON_GEMM_KERNEL=eigen / onednn)
// The report ends with one line per target of the issue (the target in the label), one line per
// DSL workload and thread count "imported <w> / DSL traced <w>" (what importing costs) and the
// GEMMs' fraction of the FMA peak; the peak measured at the start is also in the JSON output's
// context (fma_peak_gflops). Fixtures: $NEURON_BENCH_MODELS, else <build>/bench/models_fixtures.
// Run scripts/bench.sh (everything, and BENCHMARKS.md) or scripts/bench_models.sh (this program).
#include <neuron/neuron.hpp>
#if NEURON_BENCH_ONNX
#include <neuron/onnx.hpp>
#endif

#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "bert_model.hpp"
#include "build_context.hpp"
#include "eigen_seed_mlp.hpp"
#include "fma_peak.hpp"
#include "page_faults.hpp"
#include "ratio_reporter.hpp"
#include "threads.hpp"
#include "tiny_bert_config.hpp"
#include "torchscript.hpp"

#ifndef NEURON_BENCH_MODELS_DEFAULT
#define NEURON_BENCH_MODELS_DEFAULT "build/bench/models_fixtures"
#endif

namespace nr = neuron;
namespace nn = neuron::nn;
using neuron_bench::threads_suffix;

namespace {

// The imported ONNX column (neuron/<w>_onnx_t<n>), or why it is missing: the JSON's context says
// which, for bench/make_benchmarks_md.py.
#if NEURON_BENCH_ONNX
constexpr const char* kOnnxColumn = "neuron::onnx";
#else
constexpr const char* kOnnxColumn = "not built (NEURON_ONNX=OFF)";
#endif

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

// A case of cases.json: its folder, TorchScript file, ONNX file ("" when it has none), inputs (in
// the model's order) and expected outputs' files (PyTorch's outputs).
struct Case {
  std::string dir, torchscript, onnx;
  std::vector<nr::Tensor> inputs;
  std::vector<std::string> outputs;
};

const Case& fixture_case(const std::string& name) {
  static const std::map<std::string, Case> cases = [] {
    std::map<std::string, Case> m;
    std::ifstream f(g_dir + "/cases.json");
    for (const auto& c : nlohmann::ordered_json::parse(f)) {
      Case k;
      k.dir = g_dir + "/" + c["dir"].get<std::string>();
      k.torchscript = k.dir + "/" + c["torchscript"].get<std::string>();
      if (c.contains("onnx")) k.onnx = k.dir + "/" + c["onnx"].get<std::string>();
      for (const auto& file : c["outputs"])
        k.outputs.push_back(k.dir + "/" + file.get<std::string>());
      for (const auto& [input, file] : c["inputs"].items())
        k.inputs.push_back(nr::load_npy(k.dir + "/" + file.get<std::string>()));
      m.emplace(c["case"].get<std::string>(), std::move(k));
    }
    return m;
  }();
  return cases.at(name);
}

const std::vector<nr::Tensor>& inputs(const std::string& name) { return fixture_case(name).inputs; }

template <class M>
std::shared_ptr<M> loaded(std::shared_ptr<M> m, const std::string& name) {
  m->load_state_dict(nr::load_safetensors(fixture_case(name).dir + "/weights.safetensors"));
  m->eval();
  return m;
}

// The models, by the workload they run (a Maker builds one with the fixture's weights).
template <class M>
using Maker = std::shared_ptr<M> (*)(const std::string& workload);

std::shared_ptr<nn::TransformerEncoderLayer> encoder(const std::string& w) {
  return loaded(std::make_shared<nn::TransformerEncoderLayer>(
                    nn::TransformerEncoderLayerOptions(256, 4).dim_feedforward(1024).dropout(0.0)),
                w);
}

std::shared_ptr<nn::Sequential> seed_mlp(const std::string& w) {
  return loaded(std::make_shared<nn::Sequential>(nn::Linear(784, 120), nn::ReLU(),
                                                 nn::Linear(120, 10), nn::Softmax(-1)),
                w);
}

std::shared_ptr<nn::Sequential> embed(const std::string& w) {
  return loaded(std::make_shared<nn::Sequential>(nn::Embedding(30522, 512), nn::Linear(512, 128),
                                                 nn::ReLU(), nn::Linear(128, 2), nn::Softmax(-1)),
                w);
}

std::shared_ptr<bert::TinyBert> tiny_bert(const std::string& w) {
  return loaded(std::make_shared<bert::TinyBert>(neuron_bench::tiny_bert_config()), w);
}

// A model's outputs on its inputs: TinyBert takes and returns vectors, the others one tensor.
template <class M>
std::vector<nr::Tensor> call(M& m, const std::vector<nr::Tensor>& in) {
  if constexpr (std::is_same_v<M, bert::TinyBert>)
    return m(in);
  else
    return {m(in.at(0))};
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

// ---- neuron cases: a workload's model eager, lazy and traced ----

template <class M>
void eager_case(benchmark::State& st, Maker<M> make, std::string w, int threads) {
  nr::set_num_threads(threads);
  static std::map<std::string, std::shared_ptr<M>> models;  // by workload, built once
  std::shared_ptr<M>& m = models[w];
  if (!m) m = make(w);
  const std::vector<nr::Tensor>& in = inputs(w);
  benchmark::DoNotOptimize(call(*m, in)[0].impl_ptr());  // warm-up
  const std::int64_t faults = neuron_bench::minor_faults();
  for (auto _ : st) {
    std::vector<nr::Tensor> y = call(*m, in);
    benchmark::DoNotOptimize(y[0].impl_ptr());
  }
  neuron_bench::set_faults_per_iter(st, faults);
}

template <class M>
void lazy_case(benchmark::State& st, Maker<M> make, std::string w, int threads) {
  nr::set_num_threads(threads);
  struct Lazy {
    std::shared_ptr<M> model;
    std::vector<nr::Tensor> in;
  };
  static std::map<std::string, Lazy> models;  // by workload, built once
  Lazy& l = models[w];
  if (!l.model) {
    l.model = make(w);
    l.model->to(nr::lazy_device());
    for (const nr::Tensor& t : inputs(w)) l.in.push_back(t.to(nr::lazy_device()));
  }
  auto step = [&] {
    std::vector<nr::Tensor> y = call(*l.model, l.in);
    nr::mark_step();
    for (nr::Tensor& t : y) t = t.cpu();
    return y;
  };
  benchmark::DoNotOptimize(step()[0].impl_ptr());  // warm-up: compiles on a miss
  const std::int64_t compiles = nr::metrics::counter("CompileCount");
  const std::int64_t faults = neuron_bench::minor_faults();
  for (auto _ : st) {
    std::vector<nr::Tensor> y = step();
    benchmark::DoNotOptimize(y[0].impl_ptr());
  }
  neuron_bench::set_faults_per_iter(st, faults);
  // 0: every timed step was a cache hit.
  st.counters["compiles"] = static_cast<double>(nr::metrics::counter("CompileCount") - compiles);
}

template <class M>
void traced_case(benchmark::State& st, Maker<M> make, std::string w, int threads) {
  nr::set_num_threads(threads);
  nr::TracedModule& tm = traced_module(w + threads_suffix(threads), [&] {
    std::shared_ptr<M> m = make(w);
    return nr::trace(*m, inputs(w));
  });
  time_traced(st, tm, inputs(w));
}

// ---- neuron imported ONNX: the workload's ONNX file, the one ONNX Runtime runs ----

#if NEURON_BENCH_ONNX
// The workloads with a DSL model here, and those whose DSL model is bench_vision's; every one has
// an ONNX file in cases.json (ONNX Runtime's), imported by the neuron/<w>_onnx_t<n> cases.
constexpr const char* kDslWorkloads[] = {"encoder", "seed_mlp_b1", "seed_mlp_b64", "embed", "bert"};
constexpr const char* kVisionWorkloads[] = {"resnet18", "mobilenet_v2"};

// Why `got` differs from the fixture's expected outputs, or "" when it matches. The tolerance is
// the one bench/time_onnxruntime.py holds ONNX Runtime to (1e-4 + 1e-3 of the reference's largest
// magnitude), so both columns of a workload time models that compute the same thing.
std::string output_mismatch(const std::vector<nr::Tensor>& got, const Case& c) {
  if (got.size() != c.outputs.size())
    return std::to_string(got.size()) + " outputs, the fixture has " +
           std::to_string(c.outputs.size());
  for (std::size_t k = 0; k < got.size(); ++k) {
    const nr::Tensor g = got[k].cpu(), want = nr::load_npy(c.outputs[k]);
    if (g.shape() != want.shape() || g.dtype() != nr::float32 || want.dtype() != nr::float32)
      return "output " + std::to_string(k) + ": shape or dtype differs from " + c.outputs[k];
    const float* gp = g.data<float>();
    const float* wp = want.data<float>();
    double scale = 0, worst = 0;
    for (std::int64_t i = 0; i < want.numel(); ++i)
      scale = std::max(scale, std::fabs(double(wp[i])));
    bool ok = true;
    for (std::int64_t i = 0; i < want.numel(); ++i) {
      const double d = std::fabs(double(gp[i]) - double(wp[i]));
      ok = ok && d <= 1e-4 + 1e-3 * scale;  // false on NaN too
      worst = std::max(worst, d);
    }
    if (!ok)
      return "output " + std::to_string(k) + " differs from " + c.outputs[k] + " (max abs diff " +
             std::to_string(worst) + ")";
  }
  return "";
}

// onnx::load + trace at the workload's inputs, as a user who brings the ONNX file does.
nr::TracedModule import_and_trace(const Case& c) {
  nr::onnx::Model m = nr::onnx::load(c.onnx);
  m.eval();
  return nr::trace(m, c.inputs);
}

// The imported model traced by key (workload and thread count), made on first use.
nr::TracedModule& imported_module(const std::string& key, const Case& c) {
  return traced_module(key, [&] { return import_and_trace(c); });
}

// Why the imported model cannot be timed ("" when it can): its import or trace failed, or its
// outputs differ from the fixture's.
std::string import_problem(const std::string& key, const Case& c) {
  if (c.onnx.empty()) return "cases.json has no ONNX file for this case: remake the fixtures";
  try {
    return output_mismatch(imported_module(key, c).forward(c.inputs), c);
  } catch (const std::exception& e) {
    return c.onnx + ": import or trace failed: " + e.what();
  }
}

// The imported model traced once per thread count (as traced_case) and checked once against the
// fixture's outputs before any timing: a case that fails either is an error, not a time.
void onnx_case(benchmark::State& st, std::string w, int threads) {
  nr::set_num_threads(threads);
  const Case& c = fixture_case(w);
  const std::string key = w + "_onnx" + threads_suffix(threads);
  static std::map<std::string, std::string> problems;  // by key, once checked: "" or why
  if (!problems.count(key)) problems[key] = import_problem(key, c);
  if (!problems[key].empty()) {
    st.SkipWithError(("imported " + w + ": " + problems[key]).c_str());
    return;
  }
  time_traced(st, imported_module(key, c), c.inputs);
}
#endif

void traced_gemm(benchmark::State& st, Gemm g) {
  nr::set_num_threads(1);
  nr::TracedModule& tm = traced_module(g.name, [&] {
    nr::StateDict w = nr::load_safetensors(fixture_case(g.name).dir + "/weights.safetensors");
    const nr::Tensor weight = w.at("weight"), bias = w.at("bias");
    auto linear = [weight, bias](const nr::Tensor& x) { return nr::linear(x, weight, bias); };
    return nr::trace(linear, inputs(g.name));
  });
  set_gflops(st, g.flops(), time_traced(st, tm, inputs(g.name)));
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

// One multihead_attention op on the encoder's q, k, v ([1, 128, 256], 4 heads), traced, 1 thread:
// the measurement behind the per-head kernel (ops/attention-inl.hpp, head_gemm). Compare
//   NEURON_GEMM_KERNEL=eigen bench_models --benchmark_filter=attention_heads
//   bench_models --benchmark_filter=attention_heads
void traced_attention_heads(benchmark::State& st) {
  nr::set_num_threads(1);
  nr::manual_seed(6);
  static const std::vector<nr::Tensor> qkv{nr::randn({1, 128, 256}), nr::randn({1, 128, 256}),
                                           nr::randn({1, 128, 256})};
  nr::TracedModule& tm = traced_module("attention_heads", [&] {
    auto attend = [](const std::vector<nr::Tensor>& in) {
      return std::vector<nr::Tensor>{nr::multihead_attention(in[0], in[1], in[2], 4)};
    };
    return nr::trace(attend, qkv);
  });
  // two GEMMs per head, 2 * 128 * 128 * 64 flops each, 4 heads
  set_gflops(st, 4.0 * 128 * 128 * 256, time_traced(st, tm, qkv));
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
void torch_case(benchmark::State& st, std::string name, int threads) {
  const Case& c = fixture_case(name);
  neuron_bench::time_torchscript(st, c.torchscript, c.inputs, threads);
}

void torch_gemm(benchmark::State& st, Gemm g) {
  const Case& c = fixture_case(g.name);
  set_gflops(st, g.flops(), neuron_bench::time_torchscript(st, c.torchscript, c.inputs, 1));
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

// neuron eager / lazy / traced and torch/ of a workload, at each thread count.
template <class M>
void reg_workload(const std::string& w, Maker<M> make) {
  for (int t : neuron_bench::thread_counts()) {
    const std::string suffix = threads_suffix(t);
    reg("neuron/" + w + "_eager" + suffix, eager_case<M>, make, w, t);
    reg("neuron/" + w + "_lazy" + suffix, lazy_case<M>, make, w, t);
    reg("neuron/" + w + suffix, traced_case<M>, make, w, t);
#if NEURON_BENCH_ONNX
    reg("neuron/" + w + "_onnx" + suffix, onnx_case, w, t);
#endif
#if NEURON_BENCH_TORCH
    reg("torch/" + w + suffix, torch_case, w, t);
#endif
  }
}

void register_cases() {
  reg_workload("encoder", encoder);
  for (int b : {1, 64}) {
    const std::string w = "seed_mlp_b" + std::to_string(b);
    reg("eigen/" + w + "_t1", neuron_bench::eigen_seed_mlp, b);
    reg_workload(w, seed_mlp);
  }
  reg_workload("embed", embed);
  reg_workload("bert", tiny_bert);
#if NEURON_BENCH_ONNX
  // The vision models' DSL cases are bench_vision's; their imported ONNX cases are here, where
  // cases.json (the ONNX files and inputs ONNX Runtime runs) is read.
  for (const std::string w : kVisionWorkloads)
    for (int t : neuron_bench::thread_counts())
      reg("neuron/" + w + "_onnx" + threads_suffix(t), onnx_case, w, t);
#endif
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
  reg("neuron/attention_heads/l128_e256_h4", traced_attention_heads);
  reg("memcpy/16M", memcpy_16m);
  reg("neuron/fused_16M", traced_fused, fused_expr);
  reg("neuron/fused_16M_eager", eager_fused, fused_expr);
  reg("neuron/fused_16M_1in", traced_fused, fused_expr_1in);
  reg("neuron/fused_16M_1in_eager", eager_fused, fused_expr_1in);
#if NEURON_BENCH_TORCH
  for (const Gemm& g : kGemms) reg(std::string("torch/") + g.name, torch_gemm, g);
#endif
}

// Imported ONNX against the DSL model traced, per workload and thread count: what importing costs
// (the vision models' DSL cases run in bench_vision, so their lines are not here).
void add_imported_ratios(ModelsReporter& r) {
#if NEURON_BENCH_ONNX
  for (const std::string w : kDslWorkloads)
    for (int t : neuron_bench::thread_counts()) {
      const std::string suffix = threads_suffix(t);
      r.add_ratio("imported " + w + " / DSL traced " + w + ", " + suffix.substr(1),
                  "neuron/" + w + "_onnx" + suffix, "neuron/" + w + suffix);
    }
#else
  (void)r;
#endif
}

void add_target_ratios(ModelsReporter& r) {
  const std::string tn = threads_suffix(neuron_bench::all_threads());
  r.add_ratio("encoder t1 traced / torch (target <= 0.65)", "neuron/encoder_t1",
              "torch/encoder_t1");
  r.add_ratio("encoder traced " + tn.substr(1) + " / t1 (target <= 0.58)", "neuron/encoder" + tn,
              "neuron/encoder_t1");
  r.add_ratio("encoder torch " + tn.substr(1) + " / t1 (for reference)", "torch/encoder" + tn,
              "torch/encoder_t1");
  r.add_ratio("embed traced / torch (target <= 0.40)", "neuron/embed_t1", "torch/embed_t1");
  r.add_ratio("seed_mlp_b1 traced / torch (target <= 0.40)", "neuron/seed_mlp_b1_t1",
              "torch/seed_mlp_b1_t1");
  r.add_ratio("seed_mlp_b1 traced / Eigen (target <= 1.05)", "neuron/seed_mlp_b1_t1",
              "eigen/seed_mlp_b1_t1");
  r.add_ratio("seed_mlp_b64 traced / Eigen (target <= 0.85)", "neuron/seed_mlp_b64_t1",
              "eigen/seed_mlp_b64_t1");
  r.add_ratio("seed_mlp_b1 lazy / traced (target <= 1.5)", "neuron/seed_mlp_b1_lazy_t1",
              "neuron/seed_mlp_b1_t1");
  r.add_ratio("fused_16M traced / memcpy (target <= 1.5)", "neuron/fused_16M", "memcpy/16M");
  r.add_ratio("fused_16M eager / memcpy (target <= 1.5)", "neuron/fused_16M_eager", "memcpy/16M");
  r.add_ratio("fused_16M_1in traced / memcpy (1 read)", "neuron/fused_16M_1in", "memcpy/16M");
  r.add_ratio("fused_16M_1in eager / memcpy (1 read)", "neuron/fused_16M_1in_eager", "memcpy/16M");
  add_imported_ratios(r);
}

}  // namespace

int main(int argc, char** argv) {
  g_dir = NEURON_BENCH_MODELS_DEFAULT;
  if (const char* e = std::getenv("NEURON_BENCH_MODELS"); e && *e) g_dir = e;
  if (!std::filesystem::exists(g_dir + "/cases.json")) {
    std::fprintf(stderr,
                 "bench_models: %s/cases.json is missing. Make the fixtures (from the source "
                 "tree):\n  /usr/bin/python3 bench/make_bench_models.py %s\n"
                 "or run scripts/bench.sh; NEURON_BENCH_MODELS names another folder.\n",
                 g_dir.c_str(), g_dir.c_str());
    return 1;
  }
  g_peak = neuron_bench::measure_fma_peak_gflops();
  std::printf(
      "FMA peak, one core: %.1f GFLOP/s (fixtures: %s; torch column: %s; imported ONNX column: "
      "%s)\n",
      g_peak, g_dir.c_str(), neuron_bench::kTorchColumn, kOnnxColumn);
  benchmark::AddCustomContext("fma_peak_gflops", std::to_string(g_peak));
  benchmark::AddCustomContext("torch_column", neuron_bench::kTorchColumn);
  benchmark::AddCustomContext("onnx_column", kOnnxColumn);
  benchmark::AddCustomContext("threads_all", std::to_string(neuron_bench::all_threads()));
  neuron_bench::add_build_context();

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
