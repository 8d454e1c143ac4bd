// MaxUnpool: MaxPool's values back at their indices, with and without output_shape; and the
// round trip MaxPool (with Indices) -> MaxUnpool; eagerly and traced.
#include "onnx/onnx_test_util.hpp"

using onnx_test::ModelBuilder;

TEST_CASE("onnx: MaxUnpool after MaxPool, with output_shape") {
  ModelBuilder b(11);
  b.input("x", nr::float32, {1, 1, 4, 4});
  b.init("shape", nr::tensor<int64_t>({1, 1, 5, 5}));
  auto& p = b.node("MaxPool", {"x"}, {"v", "i"});
  onnx_test::attr_ints(p, "kernel_shape", {2, 2});
  onnx_test::attr_ints(p, "strides", {2, 2});
  auto& u = b.node("MaxUnpool", {"v", "i"}, {"y"});
  onnx_test::attr_ints(u, "kernel_shape", {2, 2});
  onnx_test::attr_ints(u, "strides", {2, 2});
  auto& u5 = b.node("MaxUnpool", {"v", "i", "shape"}, {"y5"});
  onnx_test::attr_ints(u5, "kernel_shape", {2, 2});
  onnx_test::attr_ints(u5, "strides", {2, 2});
  b.output("y", nr::float32);
  b.output("y5", nr::float32);
  nr::onnx::Model m = b.load();
  nr::Tensor x = nr::reshape(
      nr::tensor<float>({{1, 0, 0, 2}, {0, 0, 0, 0}, {0, 3, 4, 0}, {0, 0, 0, 0}}), {1, 1, 4, 4});
  std::vector<nr::Tensor> ys = m.forward({x});
  onnx_test::check_close(ys[0], x);
  nr::Tensor y5 = nr::pad(x, {0, 1, 0, 1});
  onnx_test::check_close(ys[1], y5);
  nr::TracedModule t = nr::trace(m, {x});
  onnx_test::check_outputs(t.forward({x}), ys);
}
