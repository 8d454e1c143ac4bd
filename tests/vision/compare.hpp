// Logit comparison for the vision model parity programs: every element within
// atol + rtol * |want|, and the worst absolute and relative errors for the parity table.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include <neuron/runtime.hpp>

namespace vision_test {

struct Errors {
  double max_abs = 0, max_rel = 0, max_want = 0;
  bool ok = true;
};

inline Errors compare(const neuron::Tensor& got, const neuron::Tensor& want, double rtol,
                      double atol) {
  Errors e;
  if (got.shape() != want.shape() || got.dtype() != neuron::float32) {
    e.ok = false;
    return e;
  }
  const float* g = got.data<float>();
  const float* w = want.data<float>();
  for (std::int64_t i = 0; i < got.numel(); ++i) {
    const double d = std::fabs(static_cast<double>(g[i]) - w[i]);
    e.max_abs = std::max(e.max_abs, d);
    e.max_want = std::max(e.max_want, std::fabs(static_cast<double>(w[i])));
    e.max_rel = std::max(e.max_rel, d / std::max(std::fabs(static_cast<double>(w[i])), 1e-30));
    if (!(d <= atol + rtol * std::fabs(static_cast<double>(w[i])))) e.ok = false;
  }
  return e;
}

// Prints one parity-table row; returns whether it passed.
inline bool report(const std::string& model, const std::string& mode, const Errors& e) {
  std::printf("| %-12s | %-22s | %.3g | %.3g | %.3g | %s |\n", model.c_str(), mode.c_str(),
              e.max_abs, e.max_rel, e.max_want > 0 ? e.max_abs / e.max_want : 0.0,
              e.ok ? "pass" : "FAIL");
  std::fflush(stdout);
  return e.ok;
}

}  // namespace vision_test
