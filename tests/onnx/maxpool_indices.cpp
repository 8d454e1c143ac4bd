// MaxPool's Indices output (2-d): flat indices of each window's first maximum, row-major
// (storage_order 0) or column-major (1) over H and W, padding never chosen; eagerly and traced.
#include "onnx/onnx_test_util.hpp"

using onnx_test::ModelBuilder;

namespace {

std::vector<nr::Tensor> pool(const nr::Tensor& x, std::int64_t storage_order,
                             std::vector<std::int64_t> pads) {
  ModelBuilder b(12);
  b.input("x", nr::float32, {1, 2, 3, 3});
  auto& n = b.node("MaxPool", {"x"}, {"y", "i"});
  onnx_test::attr_ints(n, "kernel_shape", {2, 2});
  onnx_test::attr_ints(n, "pads", pads);
  onnx_test::attr_i(n, "storage_order", storage_order);
  b.output("y", nr::float32);
  b.output("i", nr::int64);
  nr::onnx::Model m = b.load();
  std::vector<nr::Tensor> eager = m.forward({x});
  nr::TracedModule t = nr::trace(m, {x});
  std::vector<nr::Tensor> traced = t.forward({x});
  onnx_test::check_outputs(traced, eager);
  return eager;
}

}  // namespace

TEST_CASE("onnx: MaxPool with Indices") {
  // channel 0: max at (1, 1) for every window; channel 1: -x, max at each window's top left
  nr::Tensor c0 = nr::tensor<float>({{0, 1, 0}, {1, 9, 1}, {0, 1, 0}});
  nr::Tensor c1 = nr::tensor<float>({{-1, -2, -3}, {-4, -5, -6}, {-7, -8, -9}});
  nr::Tensor x = nr::reshape(nr::stack({c0, c1}, 0), {1, 2, 3, 3});
  std::vector<nr::Tensor> r = pool(x, 0, {0, 0, 0, 0});
  onnx_test::check_close(
      r[0], nr::reshape(nr::tensor<float>({{9, 9, 9, 9}, {-1, -2, -4, -5}}), {1, 2, 2, 2}));
  onnx_test::check_close(
      r[1], nr::reshape(nr::tensor<int64_t>({{4, 4, 4, 4}, {9, 10, 12, 13}}), {1, 2, 2, 2}));
  // column-major: (i, j) counts as j * 3 + i within a plane
  r = pool(x, 1, {0, 0, 0, 0});
  onnx_test::check_close(
      r[1], nr::reshape(nr::tensor<int64_t>({{4, 4, 4, 4}, {9, 12, 10, 13}}), {1, 2, 2, 2}));
  // padding at the top left: the first window sees only x[0, 0]
  r = pool(x, 0, {1, 1, 0, 0});
  onnx_test::check_close(r[1], nr::reshape(nr::tensor<int64_t>({{0, 1, 1, 3, 4, 4, 3, 4, 4},
                                                                {9, 9, 10, 9, 9, 10, 12, 12, 13}}),
                                           {1, 2, 3, 3}));
}
