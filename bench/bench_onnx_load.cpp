// Load time of an imported ONNX model against the .neuron file of the same model:
//   load/onnx_resnet18     nr::onnx::load of torchvision's resnet18 exported by torch.onnx.export
//                          (45 MB: protobuf parse, validation, initializers into tensors, the
//                          graph's op mappings resolved)
//   load/neuron_resnet18   nr::load of that model imported, traced at [1, 3, 224, 224] and saved
//                          (mmap, checksum, validation, weights reordered for oneDNN)
// and their ratio (target: onnx / neuron <= 2).
// The ONNX file comes from tests/fixtures/export_onnx_models.py (ctest's make_onnx_exports writes
// it to the build dir); NEURON_ONNX_RESNET18 overrides the path. The .neuron file is made next to
// it on the first run. Run:
//   build/bench/bench_onnx_load --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <neuron/neuron.hpp>
#include <neuron/onnx.hpp>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "ratio_reporter.hpp"

namespace nr = neuron;

namespace {

std::string onnx_path() {
  const char* env = std::getenv("NEURON_ONNX_RESNET18");
  return env && *env ? env : NEURON_ONNX_RESNET18_DEFAULT;
}

// The same model as a traced module, saved once beside the ONNX file.
std::string neuron_path() {
  const std::string onnx = onnx_path();
  const std::string path = onnx.substr(0, onnx.rfind('.')) + "_bench.neuron";
  if (!std::filesystem::exists(path) ||
      std::filesystem::last_write_time(path) < std::filesystem::last_write_time(onnx)) {
    nr::onnx::Model m = nr::onnx::load(onnx);
    nr::trace(m, {nr::rand({1, 3, 224, 224})}).save(path);
  }
  return path;
}

bool have_model(benchmark::State& st) {
  if (std::filesystem::exists(onnx_path())) return true;
  st.SkipWithError(("no " + onnx_path() +
                    ": run tests/fixtures/export_onnx_models.py or set NEURON_ONNX_RESNET18")
                       .c_str());
  return false;
}

void onnx_load(benchmark::State& st) {
  if (!have_model(st)) return;
  const std::string path = onnx_path();
  for (auto _ : st) {
    nr::onnx::Model m = nr::onnx::load(path);
    benchmark::DoNotOptimize(m.node_count());
  }
  st.counters["file_MB"] = static_cast<double>(std::filesystem::file_size(path)) / 1e6;
}

void neuron_load(benchmark::State& st) {
  if (!have_model(st)) return;
  const std::string path = neuron_path();
  for (auto _ : st) {
    nr::TracedModule m = nr::load(path);
    benchmark::DoNotOptimize(m.weights().data());
  }
  st.counters["file_MB"] = static_cast<double>(std::filesystem::file_size(path)) / 1e6;
}

}  // namespace

BENCHMARK(neuron_load)->Name("load/neuron_resnet18")->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(onnx_load)->Name("load/onnx_resnet18")->Unit(benchmark::kMillisecond)->MinTime(2.0);

int main(int argc, char** argv) {
  neuron_bench::RatioReporter reporter;
  reporter.add_ratio("onnx load / neuron load (target <= 2)", "load/onnx_resnet18",
                     "load/neuron_resnet18");
  return neuron_bench::run_with_ratios(argc, argv, reporter);
}
