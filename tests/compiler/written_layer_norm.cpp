// written_layer_norm_as_layer_norm (compiler/import_passes.hpp): LayerNorm as ONNX opsets < 17
// write it (ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div, Mul, Add; here in the DSL, op for
// op) traces to one layer_norm with the same results; another exponent is left as it was.
#include "test_util.hpp"

#include <map>

namespace {

std::map<std::string, int> step_counts(const nr::TracedModule& t) {
  std::map<std::string, int> c;
  for (const auto& s : t.plans()[0].steps) ++c[s.op->name()];
  return c;
}

// (x - mean(x)) / sqrt(mean((x - mean(x))^p) + eps) * w + b over the last dim, every constant a
// tensor (an initializer), as exported.
nr::Tensor written(const nr::Tensor& x, const nr::Tensor& w, const nr::Tensor& b, float p) {
  const nr::Tensor d(x - nr::mean(x, -1, true));
  const nr::Tensor v = nr::mean(nr::Tensor(nr::pow(d, nr::scalar_tensor(p))), -1, true);
  const nr::Tensor s(nr::sqrt(v + nr::scalar_tensor(1e-5f)));
  return nr::Tensor(d / s * w + b);
}

}  // namespace

TEST_CASE("written_layer_norm_as_layer_norm: the written-out LayerNorm is one layer_norm") {
  nr::manual_seed(32);
  const nr::Tensor w = nr::rand({16}) + 0.5f, b = nr::randn({16});
  const nr::Tensor x = nr::randn({3, 5, 16}) * 3.0f + 1.0f;
  auto f = [&](const nr::Tensor& in) { return written(in, w, b, 2.0f); };
  const nr::TracedModule t = nr::trace(f, x);
  auto c = step_counts(t);
  CHECK(c["layer_norm"] == 1);
  CHECK(c["mean"] == 0);
  CHECK(c["fused"] == 0);
  test::check_close(t(x), f(x), 1e-5, 1e-5, "written out");
  test::check_close(t(x), nr::layer_norm(x, {16}, w, b, 1e-5), 1e-5, 1e-5, "layer_norm");
  // Another power is not a variance: unchanged.
  auto g = [&](const nr::Tensor& in) { return written(in, w, b, 3.0f); };
  const nr::TracedModule tg = nr::trace(g, nr::Tensor(nr::abs(x)));
  c = step_counts(tg);
  CHECK(c["layer_norm"] == 0);
  CHECK(c["mean"] == 2);
  test::check_close(tg(nr::Tensor(nr::abs(x))), g(nr::Tensor(nr::abs(x))), 1e-5, 1e-5, "cube");
}
