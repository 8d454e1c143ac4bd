// Gradient (domain ai.onnx.preview.training): gradients through elementwise nodes, with
// broadcasting, eagerly and traced; anything else it would have to differentiate is refused.
#include "onnx/onnx_test_util.hpp"

using onnx_test::ModelBuilder;

namespace {

void attr_strings(::onnx::NodeProto& n, const std::string& name,
                  const std::vector<std::string>& v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(::onnx::AttributeProto::STRINGS);
  for (const auto& s : v) a->add_strings(s);
}

// d = (a + b) * a - b / a, with b broadcast along a's rows; grads of d with respect to a and b.
ModelBuilder gradient_model(const std::string& op_after = "") {
  ModelBuilder b(12);
  auto* o = b.m.add_opset_import();
  o->set_domain("ai.onnx.preview.training");
  o->set_version(1);
  b.input("a", nr::float32, {2, 3});
  b.input("b", nr::float32, {3});
  b.node("Add", {"a", "b"}, {"c"});
  b.node("Mul", {"c", "a"}, {"m"});
  b.node("Div", {"b", "a"}, {"q"});
  b.node("Sub", {"m", "q"}, {"d"});
  std::string y = "d";
  if (!op_after.empty()) {
    b.node(op_after, {"d"}, {"e"});
    y = "e";
  }
  auto& g = b.node("Gradient", {"a", "b"}, {"da", "db"}, "grad");
  g.set_domain("ai.onnx.preview.training");
  attr_strings(g, "xs", {"a", "b"});
  onnx_test::attr_s(g, "y", y);
  b.output(y, nr::float32);
  b.output("da", nr::float32);
  b.output("db", nr::float32);
  return b;
}

}  // namespace

TEST_CASE("onnx: Gradient of elementwise nodes, broadcast operands summed") {
  nr::onnx::Model m = gradient_model().load();
  nr::Tensor a = nr::tensor<float>({{1, 2, 4}, {-1, 0.5, 2}}), b = nr::tensor<float>({3, -2, 1});
  // d = a^2 + a b - b / a: dd/da = 2a + b + b / a^2, dd/db = sum over rows of (a - 1 / a)
  nr::Tensor da = 2 * a + b + b / (a * a), db = nr::sum(a - 1.0f / a, {0}, false);
  std::vector<nr::Tensor> ys = m.forward({a, b});
  REQUIRE(ys.size() == 3);
  onnx_test::check_close(ys[1], da);
  onnx_test::check_close(ys[2], db);
  nr::TracedModule t = nr::trace(m, {a, b});
  std::vector<nr::Tensor> ts = t.forward({a, b});
  onnx_test::check_close(ts[1], da);
  onnx_test::check_close(ts[2], db);
}

TEST_CASE("onnx: Gradient through an op neuron does not differentiate is refused at load") {
  nr::onnx::Report r = gradient_model("Relu").analyze();
  INFO(r.str());
  CHECK(!r.supported());
  CHECK(r.str().find("neuron differentiates Add, Sub, Mul, Div, Neg and Identity") !=
        std::string::npos);
  CHECK_THROWS_AS(gradient_model("Relu").load(), nr::onnx::UnsupportedModelError);
}
