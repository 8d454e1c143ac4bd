// Shared by the exported-model programs (exported_models.cpp, runtime_only_parity.cpp): the
// models and opsets tests/fixtures/export_onnx_models.py writes, their .npy inputs and PyTorch
// outputs, and the comparison that makes one parity-table row. Uses <neuron/runtime.hpp> only.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <neuron/runtime.hpp>

namespace exported_test {

namespace nr = neuron;

inline const std::vector<std::string>& models() {
  static const std::vector<std::string> m = {"resnet18", "mobilenet_v2", "bert", "gpt"};
  return m;
}
inline const std::vector<int>& opsets() {
  static const std::vector<int> o = {14, 17};
  return o;
}

constexpr double kRtol = 1e-4;
// atol = kAtolScale * the largest |value| of the output, i.e. ~84 float32 ulps of it. Float32 sums
// that PyTorch and neuron order differently (oneDNN's convolutions, batch norm folded into them by
// the export, fused attention) differ by ulps of the largest terms they add, not of each result,
// so an element near 0 is compared at the output's scale (rtol alone would demand ~1e-11 there).
// The errors measured here are ~10x below it.
constexpr double kAtolScale = 1e-5;

// in0.npy, in1.npy, ... (or out0.npy, ...) of one model's folder.
inline std::vector<nr::Tensor> arrays(const std::string& dir, const std::string& prefix) {
  std::vector<nr::Tensor> out;
  for (int i = 0;; ++i) {
    const std::string p = dir + "/" + prefix + std::to_string(i) + ".npy";
    if (!std::filesystem::exists(p)) break;
    out.push_back(nr::load_npy(p));
  }
  return out;
}

struct Errors {
  double max_abs = 0;  // over all outputs
  double max_rel = 0;  // |got - want| / |want| over the elements with |want| > atol
  double atol = 0;     // the largest of the outputs' atols
  bool ok = true;
  std::string problem;
};

inline Errors compare(const std::vector<nr::Tensor>& got, const std::vector<nr::Tensor>& want) {
  Errors e;
  if (got.size() != want.size()) {
    e.ok = false;
    e.problem = std::to_string(got.size()) + " outputs, want " + std::to_string(want.size());
    return e;
  }
  for (std::size_t k = 0; k < got.size(); ++k) {
    const nr::Tensor g = got[k].cpu(), w = want[k];
    if (g.shape() != w.shape() || g.dtype() != nr::float32 || w.dtype() != nr::float32) {
      e.ok = false;
      e.problem = "output " + std::to_string(k) + ": shape or dtype differs";
      continue;
    }
    const float* gp = g.data<float>();
    const float* wp = w.data<float>();
    double scale = 0;
    for (std::int64_t i = 0; i < w.numel(); ++i) scale = std::max(scale, std::fabs(double(wp[i])));
    const double atol = kAtolScale * scale;
    e.atol = std::max(e.atol, atol);
    for (std::int64_t i = 0; i < w.numel(); ++i) {
      const double want_abs = std::fabs(double(wp[i]));
      const double d = std::fabs(double(gp[i]) - double(wp[i]));
      e.max_abs = std::max(e.max_abs, d);
      if (want_abs > atol) e.max_rel = std::max(e.max_rel, d / want_abs);
      if (!(d <= atol + kRtol * want_abs)) {
        if (e.ok)
          e.problem = "output " + std::to_string(k) + "[" + std::to_string(i) + "]: got " +
                      std::to_string(gp[i]) + ", want " + std::to_string(wp[i]);
        e.ok = false;
      }
    }
  }
  return e;
}

inline void print_header() {
  std::printf(
      "| model | opset | mode | max abs | max rel | atol | pass "
      "|\n|---|---|---|---|---|---|---|\n");
  std::fflush(stdout);
}

// Prints one parity-table row; returns whether it passed.
inline bool report(const std::string& model, int opset, const std::string& mode, const Errors& e) {
  std::printf("| %s | %d | %s | %.3g | %.3g | %.3g | %s |\n", model.c_str(), opset, mode.c_str(),
              e.max_abs, e.max_rel, e.atol, e.ok ? "pass" : "FAIL");
  if (!e.ok) std::printf("    %s\n", e.problem.c_str());
  std::fflush(stdout);
  return e.ok;
}

inline std::string onnx_path(const std::string& dir, const std::string& model, int opset) {
  return dir + "/" + model + "/model_opset" + std::to_string(opset) + ".onnx";
}
// The traced modules exported_models saves for the runtime-only program: one at the exported
// batch, and one for a second batch size (see second_batch()).
inline std::string neuron_path(const std::string& dir, const std::string& model, int opset,
                               bool second_batch) {
  return dir + "/" + model + "/model_opset" + std::to_string(opset) +
         (second_batch ? "_second_batch" : "") + ".neuron";
}

inline std::vector<nr::Tensor> first_rows(const std::vector<nr::Tensor>& xs, std::int64_t n) {
  std::vector<nr::Tensor> out;
  for (const auto& x : xs) out.push_back(nr::slice(x, 0, 0, n));
  return out;
}

// What the module of the second batch size runs on and must give, and its row's name. Traced
// with dynamic_batch (at one row less than exported), it runs the exported batch in chunks;
// traced at a fixed batch (bert: see exported_models.cpp), it runs the first rows, whose
// PyTorch outputs are the first rows of the exported ones (rows are independent).
struct SecondBatch {
  std::vector<nr::Tensor> inputs, want;
  std::string mode;
};
inline SecondBatch second_batch(const nr::TracedModule& m, const std::vector<nr::Tensor>& x,
                                const std::vector<nr::Tensor>& want) {
  const std::int64_t traced = m.input_specs()[0].shape[0];
  if (m.mode() == nr::TraceMode::dynamic_batch)
    return {x, want,
            "dynamic batch " + std::to_string(traced) + " -> " + std::to_string(x[0].shape()[0])};
  return {first_rows(x, traced), first_rows(want, traced),
          "traced at batch " + std::to_string(traced)};
}

}  // namespace exported_test
