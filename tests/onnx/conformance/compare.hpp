// Output comparison of the ONNX conformance runner, as numpy's assert_allclose that ONNX's backend
// tests use: |got - want| <= atol + rtol * |want| for floating dtypes (NaN matches NaN, an
// infinity matches the same infinity), exact for integers and bools; dtypes and shapes must match.
#pragma once

#include <cmath>
#include <cstddef>
#include <sstream>
#include <string>
#include <vector>

#include <neuron/neuron.hpp>

namespace conformance {

namespace nr = ::neuron;

// "" when `got` matches `want`; else what differs (for float mismatches: how many elements, the
// worst one by its error relative to the tolerance, with its index, both values and the error).
inline std::string compare_tensor(const nr::Tensor& got_any, const nr::Tensor& want, double rtol,
                                  double atol) {
  const nr::Tensor got = got_any.cpu();
  if (got.dtype() != want.dtype())
    return "dtype " + std::string(nr::dtype_name(got.dtype())) + ", expected " +
           std::string(nr::dtype_name(want.dtype()));
  if (got.shape() != want.shape())
    return "shape " + got.shape().str() + ", expected " + want.shape().str();
  const bool exact = !(want.dtype() == nr::float32 || want.dtype() == nr::float64);
  const nr::Tensor g = got.to(nr::float64), w = want.to(nr::float64);
  const double* a = g.numel() ? g.data<double>() : nullptr;
  const double* b = w.numel() ? w.data<double>() : nullptr;
  std::int64_t bad = 0, worst = -1;
  double worst_ratio = 0;
  for (std::int64_t i = 0; i < g.numel(); ++i) {
    if (a[i] == b[i] || (std::isnan(a[i]) && std::isnan(b[i]))) continue;
    const double err = std::abs(a[i] - b[i]);
    const double tol = exact ? 0.0 : atol + rtol * std::abs(b[i]);
    if (!exact && err <= tol) continue;
    ++bad;
    // NaN against a number, or infinities: the worst possible error.
    const double ratio = std::isfinite(err) && tol > 0 ? err / tol : HUGE_VAL;
    if (worst < 0 || ratio > worst_ratio) worst = i, worst_ratio = ratio;
  }
  if (bad == 0) return "";
  std::ostringstream os;
  os.precision(9);
  os << bad << " of " << g.numel() << " values differ; worst at flat index " << worst << ": got "
     << a[worst] << ", expected " << b[worst] << " (|error| " << std::abs(a[worst] - b[worst])
     << ")";
  return os.str();
}

inline std::string compare_outputs(const std::vector<nr::Tensor>& got,
                                   const std::vector<nr::Tensor>& want, double rtol = 1e-3,
                                   double atol = 1e-7) {
  if (got.size() != want.size())
    return std::to_string(got.size()) + " outputs, expected " + std::to_string(want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    std::string d = compare_tensor(got[i], want[i], rtol, atol);
    if (!d.empty()) return "output " + std::to_string(i) + ": " + d;
  }
  return "";
}

}  // namespace conformance
