// Unsupported is never wrong: ops, attributes, dtypes, opsets and domains neuron does not support
// are refused at load with one UnsupportedModelError listing every problem; analyze() reports the
// same without throwing.
#include "onnx/onnx_test_util.hpp"

using onnx_test::ModelBuilder;

namespace {
bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}
}  // namespace

TEST_CASE("onnx: a model with several unsupported parts is refused with every problem listed") {
  ModelBuilder b(17);
  auto* ml = b.m.add_opset_import();
  ml->set_domain("com.example");
  ml->set_version(1);
  b.input("x", nr::float32, {1, 3, 8, 8});
  b.input("h", nr::float32, {2});
  b.g().mutable_input(1)->mutable_type()->mutable_tensor_type()->set_elem_type(
      ::onnx::TensorProto::FLOAT16);
  b.node("Relu", {"x"}, {"r"}, "ok_relu");
  b.node("Einsum2", {"r"}, {"e1"}, "mystery1");
  b.node("Einsum2", {"e1"}, {"e2"}, "mystery2");
  auto& rs = b.node("Resize", {"e2", "", "scales"}, {"rs"}, "resize_tf");
  onnx_test::attr_s(rs, "coordinate_transformation_mode", "tf_crop_and_resize");
  b.init("scales", nr::tensor<float>({1, 1, 2, 2}));
  auto& conv = b.node("Conv", {"rs", "w"}, {"c"}, "conv4d");
  onnx_test::attr_ints(conv, "kernel_shape", {3, 3, 3, 3});
  b.init("w", nr::zeros({4, 3, 3, 3, 3, 3}));
  auto& custom = b.node("Frobnicate", {"c"}, {"f"}, "custom");
  custom.set_domain("com.example");
  auto& cast = b.node("Cast", {"f"}, {"y"}, "to_half");
  onnx_test::attr_i(cast, "to", ::onnx::TensorProto::FLOAT16);
  auto& relu2 = b.node("Relu", {"y"}, {"z"}, "relu_attr");
  onnx_test::attr_f(relu2, "alpha", 0.1f);
  b.output("z", nr::float32);

  nr::onnx::Report r = b.analyze();
  CHECK(!r.supported());
  CHECK(r.ir_version == 8);
  REQUIRE(r.ops.size() == 6);
  CHECK(r.ops[0].op_type == "Relu");
  CHECK(r.ops[0].count == 2);
  CHECK(r.ops[0].problems.size() == 1);  // relu_attr only
  CHECK(r.ops[1].op_type == "Einsum2");
  CHECK(r.ops[1].count == 2);
  CHECK(r.ops[1].problems.size() == 2);
  CHECK(r.ops[4].domain == "com.example");
  CHECK(r.model_problems.size() == 1);  // input h
  CHECK(r.unsupported_nodes() == 7);
  const std::string text = r.str();
  INFO(text);
  CHECK(has(text, "Einsum2"));
  CHECK(has(text, "nodes: mystery1, mystery2"));
  CHECK(has(text, "tf_crop_and_resize"));
  CHECK(has(text, "4 spatial dims"));
  CHECK(has(text, "domain 'com.example'"));
  CHECK(has(text, "FLOAT16"));
  CHECK(has(text, "attribute 'alpha' is not supported"));
  std::ostringstream os;
  os << r;
  CHECK(os.str() == text + "\n");

  try {
    b.load();
    FAIL("expected UnsupportedModelError");
  } catch (const nr::onnx::UnsupportedModelError& e) {
    const std::string w = e.what();
    CHECK(has(w, "8 problems"));
    CHECK(
        has(w, "Einsum2 x2: neuron has no mapping for ONNX op Einsum2 (nodes mystery1, mystery2)"));
    CHECK(has(w, "graph input 'h' has dtype FLOAT16"));
    CHECK(has(w, "Cast x1: cast to FLOAT16"));
    CHECK(e.report().problem_count() == 8);
  }
  // It is a ValueError too.
  CHECK_THROWS_AS(b.load(), nr::ValueError);
}

TEST_CASE("onnx: opsets out of range are refused") {
  for (int opset : {0, 18, 99}) {
    ModelBuilder b(opset);
    b.input("x", nr::float32, {2});
    b.node("Relu", {"x"}, {"y"});
    b.output("y", nr::float32);
    nr::onnx::Report r = b.analyze();
    CHECK(!r.supported());
    CHECK_THROWS_AS(b.load(), nr::onnx::UnsupportedModelError);
  }
  // An op newer than the model's opset.
  ModelBuilder b(13);
  b.input("x", nr::float32, {2, 2});
  b.node("LayerNormalization", {"x", "x"}, {"y"});
  b.output("y", nr::float32);
  nr::onnx::Report r = b.analyze();
  REQUIRE(r.ops.size() == 1);
  REQUIRE(r.ops[0].problems.size() == 1);
  CHECK(has(r.ops[0].problems[0].reason, "opsets 17 to 17"));
}

TEST_CASE("onnx: load-time checks of attributes and outputs") {
  ModelBuilder b(13);
  b.input("x", nr::float32, {1, 1, 4, 4});
  auto& mp = b.node("MaxPool", {"x"}, {"y", "idx"}, "pool_with_indices");
  onnx_test::attr_ints(mp, "kernel_shape", {2, 2});
  onnx_test::attr_i(mp, "ceil_mode", 1);  // Indices without ceil_mode are supported
  auto& bn = b.node("BatchNormalization", {"y", "s", "s", "s", "s"}, {"z"}, "bn_train");
  onnx_test::attr_i(bn, "training_mode", 1);
  b.init("s", nr::ones({1}));
  auto& pad = b.node("Pad", {"z", "pads"}, {"p"}, "wrap_pad");
  onnx_test::attr_s(pad, "mode", "wrap");
  b.init("pads", nr::zeros({8}, nr::int64));
  b.output("p", nr::float32);
  b.output("idx", nr::int64);
  nr::onnx::Report r = b.analyze();
  INFO(r.str());
  CHECK(r.problem_count() == 3);
  CHECK(has(r.str(), "output 1 (Indices)"));
  CHECK(has(r.str(), "training_mode"));
  CHECK(has(r.str(), "mode' = wrap"));
}

// Found by the conformance runner: these loaded and then failed when run (node
// test_convtranspose_3d, test_training_dropout*); what a graph input declares decides at load.
TEST_CASE("onnx: graph inputs that make a node unsupported are refused at load") {
  ModelBuilder b(13);
  b.input("x", nr::float32, {1, 1, 3, 4, 5});
  b.input("w", nr::float32, {1, 2, 3, 3, 3});  // a 3-d transposed convolution's weight
  b.input("ratio", nr::float32, {});
  b.input("training", nr::bool_, {});
  b.node("ConvTranspose", {"x", "w"}, {"y"}, "convt3d");
  b.node("Dropout", {"y", "ratio", "training"}, {"z"}, "train_dropout");
  b.output("z", nr::float32);
  nr::onnx::Report r = b.analyze();
  INFO(r.str());
  CHECK(r.problem_count() == 2);
  CHECK(has(r.str(), "a weight of rank 5"));
  CHECK(has(r.str(), "training_mode is a graph input"));
  CHECK_THROWS_AS(b.load(), nr::onnx::UnsupportedModelError);

  // An inference Dropout (no training_mode) and a 2-d weight given as an input still load.
  ModelBuilder ok(13);
  ok.input("x", nr::float32, {1, 1, 3, 4});
  ok.input("w", nr::float32, {1, 2, 3, 3});
  ok.node("ConvTranspose", {"x", "w"}, {"y"});
  ok.node("Dropout", {"y"}, {"z"});
  ok.output("z", nr::float32);
  nr::onnx::Model m = ok.load();
  CHECK(m.forward({nr::ones({1, 1, 3, 4}), nr::ones({1, 2, 3, 3})})[0].shape() ==
        nr::Shape{1, 2, 5, 6});
}

TEST_CASE("onnx: analyze reads a file") {
  const std::string dir = onnx_test::temp_dir("analyze");
  ModelBuilder b;
  b.input("x", nr::float32, {2});
  b.node("Sigmoid", {"x"}, {"y"});
  b.output("y", nr::float32);
  onnx_test::write_file(dir + "/m.onnx", b.bytes());
  nr::onnx::Report r = nr::onnx::analyze(dir + "/m.onnx");
  CHECK(r.supported());
  CHECK(has(r.source, "m.onnx"));
  CHECK(has(r.str(), "all supported"));
  nr::onnx::Model m = nr::onnx::load(dir + "/m.onnx");
  onnx_test::check_close(m(nr::zeros({2})), nr::full({2}, 0.5));
  if (onnx_test::have_testdata()) {
    nr::onnx::Report s = nr::onnx::analyze(
        onnx_test::testdata("simple/test_strnorm_model_monday_empty_output/model.onnx"));
    CHECK(!s.supported());
  }
}
