// Einsum with a letter repeated in one operand: diagonals ("ii->i"), traces ("ii"), batched
// ("...ii->...i") and inside a contraction ("ij,jj->i").
#include "onnx/onnx_test_util.hpp"

using onnx_test::ModelBuilder;

namespace {

nr::Tensor einsum(const std::string& eq, const std::vector<nr::Tensor>& xs) {
  ModelBuilder b(12);
  std::vector<std::string> names;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    names.push_back("x" + std::to_string(i));
    std::vector<std::int64_t> dims(xs[i].shape().begin(), xs[i].shape().end());
    b.input(names.back(), nr::float32, dims);
  }
  auto& n = b.node("Einsum", names, {"y"});
  onnx_test::attr_s(n, "equation", eq);
  b.output("y", nr::float32);
  nr::onnx::Model m = b.load();
  nr::Tensor eager = m.forward(xs)[0];
  nr::TracedModule t = nr::trace(m, xs);
  onnx_test::check_close(t.forward(xs)[0], eager);
  return eager;
}

}  // namespace

TEST_CASE("onnx: Einsum diagonals and traces") {
  nr::Tensor a = nr::tensor<float>({{1, 2, 3}, {4, 5, 6}, {7, 8, 9}});
  onnx_test::check_close(einsum("ii->i", {a}), nr::tensor<float>({1, 5, 9}));
  onnx_test::check_close(einsum("ii", {a}), nr::full({}, 15.0));
  nr::Tensor batch = nr::stack({a, a * 2.0f}, 0);
  onnx_test::check_close(einsum("...ii ->...i", {batch}),
                         nr::tensor<float>({{1, 5, 9}, {2, 10, 18}}));
  nr::Tensor v = nr::tensor<float>({{1, 0, 0}, {0, 1, 0}});  // [2, 3]
  onnx_test::check_close(einsum("ij,jj->i", {v, a}), nr::tensor<float>({1, 5}));
}
