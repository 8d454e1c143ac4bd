// Importing small models built with the protobuf API: eager results, inputs and outputs, the
// module face (parameters under ONNX names), input checks, bind_input.
#include "onnx/onnx_test_util.hpp"

using onnx_test::check_close;
using onnx_test::ModelBuilder;

TEST_CASE("onnx: a Relu model runs eagerly") {
  ModelBuilder b;
  b.input("x", nr::float32, {2, 3});
  b.node("Relu", {"x"}, {"y"});
  b.output("y", nr::float32);
  nr::onnx::Model m = b.load();
  REQUIRE(m.inputs().size() == 1);
  CHECK(m.inputs()[0].name == "x");
  nr::Tensor x = nr::tensor<float>({{-1, 2, -3}, {4, -5, 6}});
  check_close(m(x), nr::relu(x));
  CHECK(m.forward(std::vector<nr::Tensor>{x}).size() == 1);
  CHECK(m.opset() == 17);
  CHECK(m.producer() == "neuron-tests");
  CHECK(m.node_count() == 1);
}

TEST_CASE("onnx: inputs and outputs describe dtypes and shapes with dim_params") {
  ModelBuilder b;
  b.input("ids", nr::int64, {-1, 8}, {"batch"});
  b.input("scale", nr::float32, {1});
  b.node("Cast", {"ids"}, {"f"});
  onnx_test::attr_i(b.g().mutable_node(0)[0], "to", ::onnx::TensorProto::FLOAT);
  b.node("Mul", {"f", "scale"}, {"y"});
  b.node("Shape", {"ids"}, {"s"});
  b.output("y", nr::float32, {-1, 8}, true);
  b.output("s", nr::int64);
  nr::onnx::Model m = b.load();
  const auto& in = m.inputs();
  REQUIRE(in.size() == 2);
  CHECK(in[0].dtype == nr::int64);
  CHECK(in[0].has_shape);
  CHECK(in[0].shape == std::vector<std::int64_t>{-1, 8});
  CHECK(in[0].dim_params == std::vector<std::string>{"batch", ""});
  CHECK(in[0].str() == "ids: int64 [batch, 8]");
  REQUIRE(m.outputs().size() == 2);
  CHECK(m.outputs()[1].name == "s");
  auto ys = m.forward({nr::tensor<std::int64_t>({{1, 2, 3, 4, 5, 6, 7, 8}}), nr::full({1}, 0.5)});
  REQUIRE(ys.size() == 2);
  CHECK(ys[0].shape() == nr::Shape{1, 8});
  CHECK(onnx_test::values(ys[0]) == std::vector<double>{0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4});
  CHECK(onnx_test::values(ys[1]) == std::vector<double>{1, 8});
  CHECK(ys[1].dtype() == nr::int64);

  // forward(x) is for one input and one output
  CHECK_THROWS_AS(m(nr::zeros({1, 8}, nr::int64)), nr::ValueError);
  // inputs are checked: count, dtype, declared dims
  CHECK_THROWS_AS(m.forward({nr::zeros({1, 8}, nr::int64)}), nr::ValueError);
  CHECK_THROWS_AS(m.forward({nr::zeros({1, 8}), nr::full({1}, 0.5)}), nr::DTypeError);
  try {
    m.forward({nr::zeros({1, 7}, nr::int64), nr::full({1}, 0.5)});
    FAIL("expected a ShapeError");
  } catch (const nr::ShapeError& e) {
    CHECK(std::string(e.what()).find("'ids' must have shape [batch, 8], got [1, 7]") !=
          std::string::npos);
  }
}

TEST_CASE("onnx: initializers are parameters under their ONNX names") {
  ModelBuilder b;
  b.input("x", nr::float32, {-1, 4});
  nr::manual_seed(1);
  nr::Tensor w = nr::randn({3, 4}), bias = nr::randn({3});
  b.init("layer1.0.weight", w).init("layer1.0.bias", bias);
  auto& n = b.node("Gemm", {"x", "layer1.0.weight", "layer1.0.bias"}, {"y"});
  onnx_test::attr_i(n, "transB", 1);
  b.output("y", nr::float32);
  nr::onnx::Model m = b.load();
  auto sd = m.state_dict();
  REQUIRE(sd.size() == 2);
  CHECK(sd.count("layer1.0.weight") == 1);
  CHECK(sd.at("layer1.0.bias").shape() == nr::Shape{3});
  nr::Tensor x = nr::randn({5, 4});
  check_close(m(x), nr::linear(x, w, bias), 1e-5, 1e-6);
  // New weights through the module's state dict change the result.
  nr::StateDict d{{"layer1.0.weight", nr::zeros({3, 4})}, {"layer1.0.bias", nr::ones({3})}};
  m.load_state_dict(d);
  check_close(m(x), nr::ones({5, 3}));
  CHECK(!m.is_training());
}

TEST_CASE("onnx: an input whose values drive a shape is reported, and bind_input fixes it") {
  ModelBuilder b;
  b.input("x", nr::float32, {2, 6});
  b.input("shape", nr::int64, {2});
  b.node("Reshape", {"x", "shape"}, {"y"});
  b.output("y", nr::float32);
  nr::onnx::Model m = b.load();
  REQUIRE(m.inputs().size() == 2);
  CHECK(!m.inputs()[0].value_needed);
  CHECK(m.inputs()[1].value_needed);
  nr::Tensor x = nr::randn({2, 6});
  // Eagerly the values are here.
  auto y = m.forward({x, nr::tensor<std::int64_t>({3, 4})});
  CHECK(y[0].shape() == nr::Shape{3, 4});
  // Recording needs them known: refused with a message that says what to do.
  nr::onnx::Model lazy = m;
  lazy.to(nr::lazy_device());
  try {
    lazy.forward({x.to(nr::lazy_device()), nr::tensor<std::int64_t>({3, 4}).to(nr::lazy_device())});
    FAIL("expected a ValueError");
  } catch (const nr::ValueError& e) {
    std::string w = e.what();
    CHECK(w.find("node 'Reshape_1' (Reshape)") != std::string::npos);
    CHECK(w.find("bind_input") != std::string::npos);
  }
  m.bind_input("shape", nr::tensor<std::int64_t>({4, 3}));
  REQUIRE(m.inputs().size() == 1);
  auto t = nr::trace(m, {x});
  CHECK(t.forward({x})[0].shape() == nr::Shape{4, 3});
  CHECK_THROWS_AS(m.bind_input("nope", x), nr::KeyError);
}

TEST_CASE("onnx: errors inside a node name the node and keep their type") {
  ModelBuilder b;
  b.input("a", nr::float32, {-1, 3});
  b.input("b", nr::float32, {-1, 4});
  b.node("MatMul", {"a", "b"}, {"y"}, "proj");
  b.output("y", nr::float32);
  nr::onnx::Model m = b.load();
  try {
    m.forward({nr::zeros({2, 3}), nr::zeros({5, 4})});
    FAIL("expected a ShapeError");
  } catch (const nr::ShapeError& e) {
    CHECK(std::string(e.what()).rfind("ONNX node 'proj' (MatMul): matmul:", 0) == 0);
  }
}

TEST_CASE("onnx: an empty model and copies") {
  nr::onnx::Model empty;
  CHECK(empty.inputs().empty());
  CHECK(empty.forward({}).empty());
  ModelBuilder b;
  b.input("x", nr::float32, {2});
  b.node("Neg", {"x"}, {"y"});
  b.output("y", nr::float32);
  empty = b.load();
  nr::onnx::Model copy = empty;
  check_close(copy(nr::ones({2})), nr::full({2}, -1.0));
}
