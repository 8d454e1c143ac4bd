// Det: 2x2, 3x3 needing a row swap, singular, batched; eagerly and traced.
#include "onnx/onnx_test_util.hpp"

using onnx_test::ModelBuilder;

TEST_CASE("onnx: Det") {
  ModelBuilder b(11);
  b.input("x", nr::float32, {3, 3, 3});
  b.node("Det", {"x"}, {"y"});
  b.output("y", nr::float32);
  nr::onnx::Model m = b.load();
  nr::Tensor x = nr::stack({nr::tensor<float>({{0, 2, 1}, {1, 0, 0}, {0, 0, 3}}),       // -6
                            nr::tensor<float>({{1, 2, 3}, {4, 5, 6}, {7, 8, 9}}),       // 0
                            nr::tensor<float>({{2, -1, 0}, {-1, 2, -1}, {0, -1, 2}})},  // 4
                           0);
  nr::Tensor want = nr::tensor<float>({-6, 0, 4});
  onnx_test::check_close(m.forward({x})[0], want, 1e-5, 1e-5);
  nr::TracedModule t = nr::trace(m, {x});
  onnx_test::check_close(t.forward({x})[0], want, 1e-5, 1e-5);

  ModelBuilder b2(11);
  b2.input("x", nr::float32, {2, 2});
  b2.node("Det", {"x"}, {"y"});
  b2.output("y", nr::float32);
  nr::Tensor y = b2.load().forward({nr::tensor<float>({{1, 2}, {3, 4}})})[0];
  CHECK(y.shape() == nr::Shape{});
  onnx_test::check_close(y, nr::full({}, -2.0), 1e-5, 1e-6);
}
