// The latency of a direct TracedModule call, the floor under neuron-serve's latency:
// scripts/bench_serve.sh reports "p99 at concurrency 1 minus this" as the serving overhead.
// Loads a .neuron file with neuron::load, or imports model.onnx and traces it as neuron-serve does
// with dynamic batching off (dynamic_batch at the inputs' batch, 1 here, when dim 0 is symbolic;
// needs neuron::onnx and NEURON_DIRECT_CALL_ONNX), then times CALLS calls of forward() on the
// inputs (.npy files, in the model's input order) after WARMUP untimed ones, and prints one line:
//   {"model": ..., "traced": "dynamic batch", "calls": 200, "threads": 2, "p50_ms": ...,
//    "p99_ms": ..., "mean_ms": ..., "min_ms": ..., "max_ms": ...}
// Usage: serve_direct_call MODEL(.neuron|.onnx) INPUT.npy... [--calls 200] [--warmup 10]
//                          [--threads T] [--gap-us G] [--save OUT.neuron]
// --threads: neuron::set_num_threads (default: neuron's default, all CPUs);
// --gap-us: sleeps G microseconds between calls (untimed), as a server idles between the requests
// of one client at concurrency 1 (default 0: calls back to back);
// --save: writes the traced module (an ONNX model's) as a .neuron file.
#include <neuron/neuron.hpp>
#ifdef NEURON_DIRECT_CALL_ONNX
#include <neuron/onnx.hpp>
#endif

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <thread>
#include <vector>

namespace nr = neuron;

namespace {

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "serve_direct_call: %s\nusage: serve_direct_call MODEL(.neuron|.onnx) INPUT.npy... "
               "[--calls N] [--warmup N] [--threads T] [--gap-us G] [--save OUT.neuron]\n",
               why);
  std::exit(2);
}

// How the module was made: "file" (.neuron), "dynamic batch" or "fixed" (an ONNX model traced at
// the inputs' shapes: it has no symbolic dim 0, or its dynamic-batch trace failed, as bert's
// does; neuron-serve then needs config.json's onnx_input_shapes, and bench_serve.sh sets them).
std::string g_traced = "file";

nr::TracedModule load_model(const std::string& path, const std::vector<nr::Tensor>& inputs) {
  if (ends_with(path, ".onnx")) {
#ifdef NEURON_DIRECT_CALL_ONNX
    nr::onnx::Model m = nr::onnx::load(path);
    m.eval();
    bool batched = !m.inputs().empty();
    for (const nr::onnx::ValueInfo& in : m.inputs())
      if (!in.has_shape || in.shape.empty() || in.shape[0] >= 0) batched = false;
    if (batched) {
      nr::TraceOptions o;
      o.dynamic_batch = true;
      try {
        nr::TracedModule t = nr::trace(m, inputs, o);
        g_traced = "dynamic batch";
        return t;
      } catch (const nr::Error& e) {
        std::fprintf(stderr,
                     "serve_direct_call: the dynamic-batch trace failed (%s); traced at "
                     "the inputs' shapes instead\n",
                     e.what());
      }
    }
    g_traced = "fixed";
    return nr::trace(m, inputs);
#else
    usage("built without neuron::onnx: give a .neuron file");
#endif
  }
  return nr::load(path);
}

// The q-quantile (0..1) of sorted values, nearest rank.
double quantile(const std::vector<double>& sorted, double q) {
  const std::size_t n = sorted.size();
  std::size_t k = static_cast<std::size_t>(std::ceil(q * static_cast<double>(n)));
  k = std::min(n, std::max<std::size_t>(k, 1));
  return sorted[k - 1];
}

}  // namespace

int main(int argc, char** argv) {
  std::string model, save;
  std::vector<std::string> input_files;
  int calls = 200, warmup = 10, threads = 0, gap_us = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(("missing value after " + a).c_str());
      return argv[++i];
    };
    if (a == "--calls")
      calls = std::atoi(value().c_str());
    else if (a == "--warmup")
      warmup = std::atoi(value().c_str());
    else if (a == "--threads")
      threads = std::atoi(value().c_str());
    else if (a == "--gap-us")
      gap_us = std::atoi(value().c_str());
    else if (a == "--save")
      save = value();
    else if (a.rfind("--", 0) == 0)
      usage(("unknown option " + a).c_str());
    else if (model.empty())
      model = a;
    else
      input_files.push_back(a);
  }
  if (model.empty() || input_files.empty()) usage("a model and its inputs are needed");
  if (calls < 1 || warmup < 0) usage("--calls must be >= 1, --warmup >= 0");
  try {
    if (threads > 0) nr::set_num_threads(threads);
    std::vector<nr::Tensor> inputs;
    for (const std::string& f : input_files) inputs.push_back(nr::load_npy(f));
    nr::TracedModule m = load_model(model, inputs);
    if (!save.empty()) m.save(save);
    for (int i = 0; i < warmup; ++i) m.forward(inputs);
    std::vector<double> ms;
    ms.reserve(static_cast<std::size_t>(calls));
    for (int i = 0; i < calls; ++i) {
      if (gap_us > 0) std::this_thread::sleep_for(std::chrono::microseconds(gap_us));
      const auto t0 = std::chrono::steady_clock::now();
      std::vector<nr::Tensor> ys = m.forward(inputs);
      const auto t1 = std::chrono::steady_clock::now();
      ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
    double sum = 0;
    for (double v : ms) sum += v;
    std::sort(ms.begin(), ms.end());
    std::printf(
        "{\"model\": \"%s\", \"traced\": \"%s\", \"calls\": %d, \"threads\": %d, "
        "\"gap_us\": %d, \"p50_ms\": %.4f, \"p99_ms\": %.4f, \"mean_ms\": %.4f, "
        "\"min_ms\": %.4f, \"max_ms\": %.4f}\n",
        model.c_str(), g_traced.c_str(), calls, nr::get_num_threads(), gap_us, quantile(ms, 0.5),
        quantile(ms, 0.99), sum / static_cast<double>(ms.size()), ms.front(), ms.back());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "serve_direct_call: %s\n", e.what());
    return 1;
  }
  return 0;
}
