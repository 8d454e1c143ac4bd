// torchvision's ResNet-18 and MobileNetV2 (examples/vision_models.hpp) at [1, 3, 224, 224] (the
// first image of the fixture's x.npy), with the weights of bench/make_bench_models.py or
// tests/fixtures/make_vision_model_fixtures.py, on 1 thread and all threads (threads.hpp):
//   neuron/<model>_eager_t<n>     eager model(x)
//   neuron/<model>_lazy_t<n>      lazy device: model(x) + mark_step() + cpu() (a cache hit)
//   neuron/<model>_t<n>           nr::trace(model, x), traced once, calls timed
//   torch/<model>_t<n>            the same model (same weights) traced by torch.jit and frozen,
//                                 run by libtorch (when built with it: NEURON_BENCH_TORCH)
//   neuron/<model>_passes_<p>_t1  traced with only some CNN passes (none, fold = batch norm
//                                 folded, fold_fuse = + epilogues fused; all = the default), to
//                                 show what each pass buys
//   neuron/resnet18_convs_t1      resnet18's 20 convolutions, each a traced nr::conv2d, called
//                                 in turn; GFLOP/s and the fraction of the measured FMA peak
// The ratio table pairs neuron/<case> with torch/<case>, then adds traced tN / t1 per model.
// Fixtures: $NEURON_VISION_FIXTURES, else <build>/bench/vision_fixtures. Run
// scripts/bench_vision.sh (makes the fixtures, builds, runs with --benchmark_repetitions=3) or
// scripts/bench.sh (with bench/make_bench_models.py's fixtures, for BENCHMARKS.md).
#include <neuron/neuron.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "build_context.hpp"
#include "fma_peak.hpp"
#include "ratio_reporter.hpp"
#include "threads.hpp"
#include "torchscript.hpp"
#include "vision_models.hpp"

#ifndef NEURON_VISION_FIXTURES_DEFAULT
#define NEURON_VISION_FIXTURES_DEFAULT "build/bench/vision_fixtures"
#endif

namespace nr = neuron;

namespace {

std::string g_dir;  // the fixture folder
double g_peak = 0;  // one core's FMA peak, GFLOP/s

// The first image of resnet18's x.npy (both fixture scripts write one; make_bench_models.py's is
// also ONNX Runtime's input), the same input for every model and column.
const nr::Tensor& input() {
  static const nr::Tensor x = [] {
    const nr::Tensor all = nr::load_npy(g_dir + "/resnet18/x.npy");
    return nr::slice(all, 0, 0, 1);
  }();
  return x;
}

template <class Model>
std::unique_ptr<Model> load_model(const std::string& name) {
  auto m = std::make_unique<Model>();
  m->load_state_dict(nr::load_safetensors(g_dir + "/" + name + "/weights.safetensors"));
  m->eval();
  return m;
}

// Built on first use, kept for every case and repetition of the model.
template <class Model>
struct ModelCache {
  std::unique_ptr<Model> eager, lazy;
  nr::Tensor x_lazy;
  std::map<int, nr::TracedModule> traced;  // by thread count: oneDNN picks kernels for it
};

template <class Model>
ModelCache<Model>& model_cache(const std::string& name) {
  static ModelCache<Model> c;
  if (!c.eager) c.eager = load_model<Model>(name);
  return c;
}

template <class Model>
void eager(benchmark::State& st, const std::string& name, int threads) {
  nr::set_num_threads(threads);
  Model& m = *model_cache<Model>(name).eager;
  benchmark::DoNotOptimize(m(input()).impl_ptr());  // warm-up
  for (auto _ : st) {
    nr::Tensor y = m(input());
    benchmark::DoNotOptimize(y.impl_ptr());
  }
}

template <class Model>
void lazy(benchmark::State& st, const std::string& name, int threads) {
  nr::set_num_threads(threads);
  ModelCache<Model>& c = model_cache<Model>(name);
  if (!c.lazy) {
    c.lazy = load_model<Model>(name);
    c.lazy->to(nr::lazy_device());
    c.x_lazy = input().to(nr::lazy_device());
  }
  Model& m = *c.lazy;
  auto step = [&] {
    nr::Tensor y = m(c.x_lazy);
    nr::mark_step();
    return y.cpu();
  };
  benchmark::DoNotOptimize(step().impl_ptr());  // warm-up: compiles on a miss
  const std::int64_t compiles = nr::metrics::counter("CompileCount");
  for (auto _ : st) {
    nr::Tensor y = step();
    benchmark::DoNotOptimize(y.impl_ptr());
  }
  // 0: every timed step was a cache hit.
  st.counters["compiles"] = static_cast<double>(nr::metrics::counter("CompileCount") - compiles);
}

template <class Model>
void traced(benchmark::State& st, const std::string& name, int threads) {
  nr::set_num_threads(threads);
  ModelCache<Model>& c = model_cache<Model>(name);
  auto it = c.traced.find(threads);
  if (it == c.traced.end()) it = c.traced.emplace(threads, nr::trace(*c.eager, input())).first;
  nr::TracedModule& tm = it->second;
  benchmark::DoNotOptimize(tm(input()).impl_ptr());  // warm-up
  for (auto _ : st) {
    nr::Tensor y = tm(input());
    benchmark::DoNotOptimize(y.impl_ptr());
  }
}

// Traced with a subset of the CNN passes (CompileOptions), 1 thread.
template <class Model>
void traced_passes(benchmark::State& st, const std::string& name, int passes) {
  nr::set_num_threads(1);
  ModelCache<Model>& c = model_cache<Model>(name);
  nr::TraceOptions o;
  o.compile.fold_batch_norm = passes >= 1;
  o.compile.fuse_conv_epilogues = passes >= 2;
  o.compile.channels_last = passes >= 3;
  nr::TracedModule tm = nr::trace(*c.eager, input(), o);
  benchmark::DoNotOptimize(tm(input()).impl_ptr());  // warm-up
  for (auto _ : st) {
    nr::Tensor y = tm(input());
    benchmark::DoNotOptimize(y.impl_ptr());
  }
  st.counters["steps"] = static_cast<double>(tm.plans()[0].steps.size());
}

#if NEURON_BENCH_TORCH
void torchscript(benchmark::State& st, const std::string& name, int threads) {
  neuron_bench::time_torchscript(st, g_dir + "/" + name + "/" + name + "_b1.pt", {input()},
                                 threads);
}
#endif

// resnet18's convolutions at batch 1 (torchvision's names), in order.
struct ConvShape {
  const char* name;
  std::int64_t in, out, kernel, stride, pad, size;  // size: input height = width
  std::int64_t out_size() const { return (size + 2 * pad - kernel) / stride + 1; }
  double flops() const {  // 2 * multiply-adds
    return 2.0 * static_cast<double>(out * out_size() * out_size() * in * kernel * kernel);
  }
};
constexpr ConvShape kResnet18Convs[] = {
    {"conv1", 3, 64, 7, 2, 3, 224},
    {"layer1.0.conv1", 64, 64, 3, 1, 1, 56},
    {"layer1.0.conv2", 64, 64, 3, 1, 1, 56},
    {"layer1.1.conv1", 64, 64, 3, 1, 1, 56},
    {"layer1.1.conv2", 64, 64, 3, 1, 1, 56},
    {"layer2.0.conv1", 64, 128, 3, 2, 1, 56},
    {"layer2.0.downsample.0", 64, 128, 1, 2, 0, 56},
    {"layer2.0.conv2", 128, 128, 3, 1, 1, 28},
    {"layer2.1.conv1", 128, 128, 3, 1, 1, 28},
    {"layer2.1.conv2", 128, 128, 3, 1, 1, 28},
    {"layer3.0.conv1", 128, 256, 3, 2, 1, 28},
    {"layer3.0.downsample.0", 128, 256, 1, 2, 0, 28},
    {"layer3.0.conv2", 256, 256, 3, 1, 1, 14},
    {"layer3.1.conv1", 256, 256, 3, 1, 1, 14},
    {"layer3.1.conv2", 256, 256, 3, 1, 1, 14},
    {"layer4.0.conv1", 256, 512, 3, 2, 1, 14},
    {"layer4.0.downsample.0", 256, 512, 1, 2, 0, 14},
    {"layer4.0.conv2", 512, 512, 3, 1, 1, 7},
    {"layer4.1.conv1", 512, 512, 3, 1, 1, 7},
    {"layer4.1.conv2", 512, 512, 3, 1, 1, 7},
};

double resnet18_conv_flops() {
  double f = 0;
  for (const ConvShape& s : kResnet18Convs) f += s.flops();
  return f;
}

void resnet18_convs(benchmark::State& st, int threads) {
  nr::set_num_threads(threads);
  struct Conv {
    nr::TracedModule module;
    nr::Tensor x;
  };
  static std::map<int, std::vector<Conv>> cache;  // by thread count
  std::vector<Conv>& convs = cache[threads];
  const double flops = resnet18_conv_flops();
  if (convs.empty()) {
    nr::manual_seed(0);
    for (const ConvShape& s : kResnet18Convs) {
      const nr::Tensor w = nr::randn({s.out, s.in, s.kernel, s.kernel}) * 0.05f;
      nr::Tensor x = nr::randn({1, s.in, s.size, s.size});
      const std::int64_t stride = s.stride, pad = s.pad;
      auto conv = [w, stride, pad](const nr::Tensor& in) {
        return nr::conv2d(in, w, {}, stride, pad);
      };
      convs.push_back({nr::trace(conv, x), x});
    }
  }
  auto run_all = [&] {
    for (Conv& c : convs) {
      nr::Tensor y = c.module(c.x);
      benchmark::DoNotOptimize(y.impl_ptr());
    }
  };
  run_all();  // warm-up
  const auto t0 = std::chrono::steady_clock::now();
  for (auto _ : st) run_all();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double gflops = flops * 1e-9 * static_cast<double>(st.iterations()) / seconds;
  st.counters["GFLOP/s"] = gflops;
}

// The ratio table, then the FMA peak and the convolutions' GFLOP/s (medians with repetitions).
class VisionReporter : public neuron_bench::RatioReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    RatioReporter::ReportRuns(runs);
    for (const Run& r : runs) {
      if (r.error_occurred || r.run_name.function_name != "neuron/resnet18_convs_t1") continue;
      if (r.run_type == Run::RT_Aggregate && r.aggregate_name != "median") continue;
      auto g = r.counters.find("GFLOP/s");
      if (g != r.counters.end()) gflops_ = g->second.value;
    }
  }
  void Finalize() override {
    RatioReporter::Finalize();
    // Noise only ever lowers a measured peak: take the better of the first and last measurement.
    g_peak = std::max(g_peak, neuron_bench::measure_fma_peak_gflops());
    const double fraction_ = g_peak > 0 ? gflops_ / g_peak : 0;
    std::printf(
        "\nFMA peak, one core (fma_peak.hpp, best of the start and the end of the run): "
        "%.1f GFLOP/s\n",
        g_peak);
    if (gflops_ > 0)
      std::printf(
          "resnet18 convolutions, 1 thread (neuron/resnet18_convs_t1, 20 traced conv2d, %.2f "
          "GFLOP per pass): %.1f GFLOP/s = %.1f%% of the one-core FMA peak\n",
          resnet18_conv_flops() * 1e-9, gflops_, 100.0 * fraction_);
  }

 private:
  double gflops_ = 0;
};

benchmark::internal::Benchmark* timed_ms(benchmark::internal::Benchmark* b) {
  return b->Unit(benchmark::kMillisecond);
}

void register_model(const std::string& name,
                    void (*eager_fn)(benchmark::State&, const std::string&, int),
                    void (*lazy_fn)(benchmark::State&, const std::string&, int),
                    void (*traced_fn)(benchmark::State&, const std::string&, int),
                    void (*passes_fn)(benchmark::State&, const std::string&, int)) {
  const char* passes[] = {"none", "fold", "fold_fuse", "all"};
  for (int p = 0; p < 4; ++p)
    timed_ms(benchmark::RegisterBenchmark(
        ("neuron/" + name + "_passes_" + passes[p] + "_t1").c_str(), passes_fn, name, p));
  for (int t : neuron_bench::thread_counts()) {
    const std::string suffix = neuron_bench::threads_suffix(t);
    timed_ms(benchmark::RegisterBenchmark(("neuron/" + name + "_eager" + suffix).c_str(), eager_fn,
                                          name, t));
    timed_ms(benchmark::RegisterBenchmark(("neuron/" + name + "_lazy" + suffix).c_str(), lazy_fn,
                                          name, t));
    timed_ms(benchmark::RegisterBenchmark(("neuron/" + name + suffix).c_str(), traced_fn, name, t));
#if NEURON_BENCH_TORCH
    timed_ms(
        benchmark::RegisterBenchmark(("torch/" + name + suffix).c_str(), torchscript, name, t));
#endif
  }
}

}  // namespace

int main(int argc, char** argv) {
  g_dir = NEURON_VISION_FIXTURES_DEFAULT;
  if (const char* e = std::getenv("NEURON_VISION_FIXTURES"); e && *e) g_dir = e;
  for (const char* model : {"resnet18", "mobilenet_v2"}) {
    const std::string w = g_dir + "/" + model + "/weights.safetensors";
    if (!std::filesystem::exists(w)) {
      std::fprintf(stderr,
                   "bench_vision: %s is missing. Make the fixtures (from the source tree):\n"
                   "  /usr/bin/python3 tests/fixtures/make_vision_model_fixtures.py %s "
                   "--torchscript\n"
                   "or run scripts/bench_vision.sh; NEURON_VISION_FIXTURES names another folder.\n",
                   w.c_str(), g_dir.c_str());
      return 1;
    }
  }

  g_peak = neuron_bench::measure_fma_peak_gflops();
  std::printf("FMA peak, one core: %.1f GFLOP/s (fixtures: %s; torch column: %s)\n", g_peak,
              g_dir.c_str(), neuron_bench::kTorchColumn);
  benchmark::AddCustomContext("fma_peak_gflops", std::to_string(g_peak));
  benchmark::AddCustomContext("threads_all", std::to_string(neuron_bench::all_threads()));
  neuron_bench::add_build_context();

  register_model("resnet18", eager<vision::ResNet18>, lazy<vision::ResNet18>,
                 traced<vision::ResNet18>, traced_passes<vision::ResNet18>);
  register_model("mobilenet_v2", eager<vision::MobileNetV2>, lazy<vision::MobileNetV2>,
                 traced<vision::MobileNetV2>, traced_passes<vision::MobileNetV2>);
  timed_ms(benchmark::RegisterBenchmark("neuron/resnet18_convs_t1", resnet18_convs, 1));

  VisionReporter reporter;
  const std::string tn = neuron_bench::threads_suffix(neuron_bench::all_threads());
  for (const char* model : {"resnet18", "mobilenet_v2"}) {
    const std::string m = model;
    reporter.add_ratio(m + " traced " + tn.substr(1) + " / t1", "neuron/" + m + tn,
                       "neuron/" + m + "_t1");
    reporter.add_ratio(m + " torch " + tn.substr(1) + " / t1", "torch/" + m + tn,
                       "torch/" + m + "_t1");
  }

  // Half a second per repetition unless the command line says otherwise (a later flag wins):
  // the whole run stays under 3 minutes with --benchmark_repetitions=3.
  std::vector<char*> args(argv, argv + argc);
  static char min_time[] = "--benchmark_min_time=0.5";
  args.insert(args.begin() + 1, min_time);
  int n = static_cast<int>(args.size());
  args.push_back(nullptr);
  return neuron_bench::run_with_ratios(n, args.data(), reporter);
}
