// torch.onnx's GELU, x * (erf(x / sqrt(2)) + 1) * 0.5 with constant initializers, after a MatMul +
// Add (nn.Linear as exported) traces to one fused_linear with the gelu epilogue, as the DSL's
// nn::Linear + nn::GELU do; other constants stay the expression they are.
#include <cmath>
#include <map>

#include "onnx/onnx_test_util.hpp"

namespace {
using onnx_test::ModelBuilder;

// MatMul(x, W) + b, then the exported GELU with constants sqrt2, one, half.
nr::onnx::Model linear_gelu(float sqrt2, float one, float half) {
  nr::manual_seed(5);
  ModelBuilder b;
  b.input("x", nr::float32, {4, 16});
  b.init("W", nr::randn({16, 32})).init("B", nr::randn({32}));
  b.init("sqrt2", nr::scalar_tensor(sqrt2)).init("one", nr::scalar_tensor(one));
  b.init("half", nr::scalar_tensor(half));
  b.node("MatMul", {"x", "W"}, {"mm"});
  b.node("Add", {"mm", "B"}, {"h"});
  b.node("Div", {"h", "sqrt2"}, {"d"});
  b.node("Erf", {"d"}, {"e"});
  b.node("Add", {"e", "one"}, {"a"});
  b.node("Mul", {"h", "a"}, {"m"});
  b.node("Mul", {"m", "half"}, {"y"});
  b.output("y", nr::float32);
  return b.load();
}

std::map<std::string, int> step_counts(const nr::TracedModule& t) {
  std::map<std::string, int> c;
  for (const auto& s : t.plans()[0].steps) ++c[s.op->name()];
  return c;
}
}  // namespace

TEST_CASE("onnx: the exported erf GELU after a linear is the linear's gelu epilogue") {
  nr::onnx::Model m = linear_gelu(std::sqrt(2.0f), 1.0f, 0.5f);
  const nr::Tensor x = nr::randn({4, 16});
  nr::TracedModule t = nr::trace(m, {x});
  CHECK(step_counts(t) == std::map<std::string, int>{{"fused_linear", 1}});
  onnx_test::check_close(t(x), m(x), 1e-5, 1e-6);
  const nr::Tensor h =
      nr::linear(x, nr::transpose(m.state_dict().at("W"), 0, 1), m.state_dict().at("B"));
  onnx_test::check_close(t(x), nr::Tensor(nr::gelu(h)), 1e-5, 1e-6);
}

TEST_CASE("onnx: an erf expression with other constants is not taken for GELU") {
  nr::onnx::Model m = linear_gelu(2.0f, 1.0f, 0.5f);
  const nr::Tensor x = nr::randn({4, 16});
  nr::TracedModule t = nr::trace(m, {x});
  CHECK(step_counts(t) == std::map<std::string, int>{{"linear", 1}, {"fused", 1}});
  onnx_test::check_close(t(x), m(x), 1e-5, 1e-6);
}
