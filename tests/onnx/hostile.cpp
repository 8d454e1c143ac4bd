// Hostile files: each is a neuron::FormatError with a useful message, never a crash (these tests
// run under ASan / UBSan in scripts/test_sanitized.sh).
#include <sys/stat.h>

#include "onnx/onnx_test_util.hpp"

using onnx_test::ModelBuilder;

namespace {

// Expects load_from_memory(bytes) and analyze_from_memory(bytes) to throw a FormatError whose
// message holds `part`.
void expect_format_error(const std::string& bytes, const std::string& part,
                         const nr::onnx::LoadOptions& o = {}) {
  INFO("expected a FormatError mentioning: " << part);
  try {
    nr::onnx::load_from_memory(bytes.data(), bytes.size(), o);
    FAIL("load_from_memory accepted the file");
  } catch (const nr::FormatError& e) {
    INFO(e.what());
    CHECK(std::string(e.what()).find(part) != std::string::npos);
  }
  if (o.max_bytes == nr::onnx::LoadOptions{}.max_bytes && o.external_data_dir.empty())
    CHECK_THROWS_AS(nr::onnx::analyze_from_memory(bytes.data(), bytes.size()), nr::FormatError);
}

ModelBuilder relu_model() {
  ModelBuilder b;
  b.input("x", nr::float32, {2, 2});
  b.node("Relu", {"x"}, {"y"});
  b.output("y", nr::float32);
  return b;
}

}  // namespace

TEST_CASE("onnx hostile: malformed protobuf, truncation, random bytes, empty input") {
  const std::string good = relu_model().bytes();
  expect_format_error(good.substr(0, good.size() / 2), "not a valid ONNX model");
  expect_format_error(std::string("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11),
                      "not a valid ONNX model");
  expect_format_error("", "no graph");
  expect_format_error("hello, this is not protobuf at all", "");
  std::string junk(4096, '\0');
  for (std::size_t i = 0; i < junk.size(); ++i)
    junk[i] = static_cast<char>((i * 2654435761u) >> 13);
  expect_format_error(junk, "");
  // Every truncation and single-byte flip of a small model: a FormatError or a valid model, never
  // a crash.
  for (std::size_t n = 0; n < good.size(); ++n) {
    std::string t = good.substr(0, n);
    try {
      nr::onnx::load_from_memory(t.data(), t.size());
    } catch (const nr::Error&) {
    }
    std::string f = good;
    f[n] = static_cast<char>(f[n] ^ 0x5a);
    try {
      nr::onnx::Model m = nr::onnx::load_from_memory(f.data(), f.size());
      (void)m;
    } catch (const nr::Error&) {
    }
  }
}

TEST_CASE("onnx hostile: subgraphs nested past protobuf's recursion limit") {
  ModelBuilder b = relu_model();
  ::onnx::GraphProto* g = b.g().add_node()->add_attribute()->mutable_g();
  for (int depth = 0; depth < 200; ++depth) {
    auto* n = g->add_node();
    n->set_op_type("If");
    auto* a = n->add_attribute();
    a->set_name("then_branch");
    a->set_type(::onnx::AttributeProto::GRAPH);
    g = a->mutable_g();
  }
  expect_format_error(b.bytes(), "not a valid ONNX model");
}

TEST_CASE("onnx hostile: no ir_version, undefined, duplicate and cyclic names") {
  {
    ModelBuilder b = relu_model();
    b.m.clear_ir_version();
    expect_format_error(b.bytes(), "no ir_version");
  }
  {
    ModelBuilder b = relu_model();
    b.node("Add", {"y", "ghost"}, {"z"}, "adder");
    expect_format_error(b.bytes(), "node 'adder' (Add) input 1 'ghost' is not defined");
  }
  {
    ModelBuilder b = relu_model();
    b.node("Neg", {"x"}, {"y"}, "again");
    expect_format_error(b.bytes(), "value 'y' is defined twice");
  }
  {
    ModelBuilder b = relu_model();
    b.init("x", nr::zeros({2, 2}));
    b.init("x", nr::zeros({2, 2}));
    expect_format_error(b.bytes(), "defined twice");
  }
  {
    ModelBuilder b = relu_model();
    b.output("nowhere", nr::float32);
    expect_format_error(b.bytes(), "graph output 'nowhere' is not defined");
  }
  {
    ModelBuilder b;
    b.input("x", nr::float32, {2});
    b.node("Add", {"x", "b"}, {"a"}, "first");
    b.node("Neg", {"a"}, {"b"}, "second");
    b.output("a", nr::float32);
    expect_format_error(b.bytes(), "the graph has a cycle");
  }
  {
    ModelBuilder b;
    b.input("x", nr::float32, {2});
    b.node("Add", {"x", "self"}, {"self"}, "loop");
    b.output("self", nr::float32);
    expect_format_error(b.bytes(), "cycle");
  }
  {
    ModelBuilder b = relu_model();
    b.g().mutable_node(0)->clear_op_type();
    expect_format_error(b.bytes(), "has no op_type");
  }
  {
    ModelBuilder b = relu_model();
    onnx_test::attr_i(*b.g().mutable_node(0), "a", 1);
    onnx_test::attr_i(*b.g().mutable_node(0), "a", 2);
    expect_format_error(b.bytes(), "attribute 'a' twice");
  }
}

TEST_CASE("onnx hostile: negative and huge dims, data that does not match the dims") {
  {
    ModelBuilder b = relu_model();
    b.g()
        .mutable_input(0)
        ->mutable_type()
        ->mutable_tensor_type()
        ->mutable_shape()
        ->mutable_dim(0)
        ->set_dim_value(-3);
    expect_format_error(b.bytes(), "dim 0 is negative (-3)");
  }
  {
    ModelBuilder b = relu_model();
    ::onnx::TensorProto t = onnx_test::to_proto(nr::zeros({2}), "w");
    t.set_dims(0, -2);
    *b.g().add_initializer() = t;
    expect_format_error(b.bytes(), "initializer 'w': dim 0 is negative (-2)");
  }
  {
    ModelBuilder b = relu_model();
    ::onnx::TensorProto t = onnx_test::to_proto(nr::zeros({2}), "w");
    t.clear_dims();
    for (int i = 0; i < 4; ++i) t.add_dims(std::int64_t{1} << 20);  // 2^80 elements
    *b.g().add_initializer() = t;
    expect_format_error(b.bytes(), "too many elements");
  }
  {
    ModelBuilder b = relu_model();
    ::onnx::TensorProto t = onnx_test::to_proto(nr::zeros({2, 3}), "w");
    t.set_dims(1, 4);  // 8 floats declared, 6 given
    *b.g().add_initializer() = t;
    expect_format_error(b.bytes(), "raw_data holds 24 bytes but its dims and dtype need 32");
  }
  {
    ModelBuilder b = relu_model();
    ::onnx::TensorProto t;
    t.set_name("w");
    t.set_data_type(::onnx::TensorProto::FLOAT);
    t.add_dims(1000000000);  // a billion floats announced, three given: nothing is allocated
    t.add_float_data(1);
    t.add_float_data(2);
    t.add_float_data(3);
    *b.g().add_initializer() = t;
    expect_format_error(b.bytes(), "float_data holds 3 values but its dims hold 1000000000");
  }
  {
    ModelBuilder b = relu_model();
    ::onnx::TensorProto t = onnx_test::to_proto(nr::zeros({2}), "w");
    t.clear_data_type();
    *b.g().add_initializer() = t;
    expect_format_error(b.bytes(), "no data type");
  }
  {
    ModelBuilder b = relu_model();
    auto& c = b.node("Constant", {}, {"k"}, "bad_constant");
    ::onnx::TensorProto t = onnx_test::to_proto(nr::zeros({4}, nr::int64));
    t.set_dims(0, 5);
    auto* a = c.add_attribute();
    a->set_name("value");
    a->set_type(::onnx::AttributeProto::TENSOR);
    *a->mutable_t() = t;
    expect_format_error(b.bytes(), "raw_data holds 32 bytes");
  }
  {  // load_tensor too
    ::onnx::TensorProto t = onnx_test::to_proto(nr::zeros({3}), "t");
    t.set_dims(0, 4);
    std::string bytes = t.SerializeAsString();
    CHECK_THROWS_AS(nr::onnx::load_tensor_from_memory(bytes.data(), bytes.size()), nr::FormatError);
    CHECK_THROWS_AS(nr::onnx::load_tensor_from_memory("\xff\xff", 2), nr::FormatError);
  }
}

TEST_CASE("onnx hostile: external data must stay inside the model's folder") {
  const std::string root = onnx_test::temp_dir("external");
  const std::string dir = root + "/model";
  std::filesystem::create_directories(dir + "/weights");
  nr::Tensor w = nr::tensor<float>({1, 2, 3, 4});
  const std::string data(static_cast<const char*>(w.raw_data()), w.nbytes());
  onnx_test::write_file(dir + "/weights/w.bin", std::string(8, '\0') + data);
  onnx_test::write_file(root + "/secret.bin", data);
  std::filesystem::create_symlink(root + "/secret.bin", dir + "/link.bin");

  auto model_with = [&](const std::string& location, const std::string& offset,
                        const std::string& length) {
    ModelBuilder b;
    b.input("x", nr::float32, {4});
    ::onnx::TensorProto t;
    t.set_name("w");
    t.set_data_type(::onnx::TensorProto::FLOAT);
    t.add_dims(4);
    t.set_data_location(::onnx::TensorProto::EXTERNAL);
    auto add = [&](const char* k, const std::string& v) {
      auto* e = t.add_external_data();
      e->set_key(k);
      e->set_value(v);
    };
    add("location", location);
    if (!offset.empty()) add("offset", offset);
    if (!length.empty()) add("length", length);
    *b.g().add_initializer() = t;
    b.node("Add", {"x", "w"}, {"y"});
    b.output("y", nr::float32);
    return b.bytes();
  };
  auto load_file = [&](const std::string& bytes) {
    onnx_test::write_file(dir + "/m.onnx", bytes);
    return nr::onnx::load(dir + "/m.onnx");
  };
  auto expect_file_error = [&](const std::string& bytes, const std::string& part) {
    INFO("expected: " << part);
    try {
      load_file(bytes);
      FAIL("accepted");
    } catch (const nr::FormatError& e) {
      INFO(e.what());
      CHECK(std::string(e.what()).find(part) != std::string::npos);
    }
    CHECK_THROWS_AS(nr::onnx::analyze(dir + "/m.onnx"), nr::FormatError);
  };

  // The good case: a relative path inside the folder, with an offset and a length.
  nr::onnx::Model m = load_file(model_with("weights/w.bin", "8", "16"));
  onnx_test::check_close(m(nr::zeros({4})), w);
  nr::onnx::Model m2 = load_file(model_with("./weights/../weights/w.bin", "8", ""));
  onnx_test::check_close(m2(nr::zeros({4})), w);

  expect_file_error(model_with(root + "/secret.bin", "", ""), "is an absolute path");
  expect_file_error(model_with("../secret.bin", "", ""), "outside the model's folder");
  expect_file_error(model_with("weights/../../secret.bin", "", ""), "outside the model's folder");
  expect_file_error(model_with("link.bin", "", ""), "outside the model's folder");
  expect_file_error(model_with("missing.bin", "", ""), "does not exist");
  expect_file_error(model_with("weights", "", ""), "not a regular file");
  expect_file_error(model_with("weights/w.bin", "20", ""), "holds 4 bytes");
  expect_file_error(model_with("weights/w.bin", "8", "12"), "holds 12 bytes");
  expect_file_error(model_with("weights/w.bin", "100", "16"), "past the end");
  expect_file_error(model_with("weights/w.bin", "18446744073709551615", "16"), "past the end");
  expect_file_error(model_with("weights/w.bin", "-1", "16"), "not a non-negative decimal");
  expect_file_error(model_with("weights/w.bin", "8", "1e3"), "not a non-negative decimal");
  expect_file_error(model_with("", "", ""), "without a location");
  expect_file_error(model_with("weights\\w.bin", "", ""), "backslash");
  // From memory there is no folder unless the options give one.
  std::string bytes = model_with("weights/w.bin", "8", "16");
  expect_format_error(bytes, "no folder is given for external data");
  nr::onnx::LoadOptions o;
  o.external_data_dir = dir;
  onnx_test::check_close(nr::onnx::load_from_memory(bytes.data(), bytes.size(), o)(nr::zeros({4})),
                         w);
  o.max_external_bytes = 8;
  expect_format_error(bytes, "max_external_bytes", o);
}

TEST_CASE("onnx hostile: oversized files") {
  const std::string b = relu_model().bytes();
  nr::onnx::LoadOptions o;
  o.max_bytes = 10;
  expect_format_error(b, "is more than the limit of 10 bytes", o);
  // A sparse file beyond protobuf's 2 GiB limit: refused before any byte is parsed.
  const std::string dir = onnx_test::temp_dir("oversized");
  const std::string path = dir + "/huge.onnx";
  onnx_test::write_file(path, b);
  std::filesystem::resize_file(path, (std::uint64_t{1} << 31) + 16);
  try {
    nr::onnx::load(path);
    FAIL("accepted");
  } catch (const nr::FormatError& e) {
    CHECK(std::string(e.what()).find("2 GiB") != std::string::npos);
  }
  std::filesystem::remove(path);
}
