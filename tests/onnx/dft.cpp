// DFT (opset 17): forward on a real signal, inverse on a complex one, onesided; eager and traced.
#include "onnx/onnx_test_util.hpp"

using onnx_test::ModelBuilder;

namespace {

nr::Tensor dft(const nr::Tensor& x, std::int64_t inverse, std::int64_t onesided = 0) {
  ModelBuilder b(17);
  std::vector<std::int64_t> dims(x.shape().begin(), x.shape().end());
  b.input("x", nr::float32, dims);
  auto& n = b.node("DFT", {"x"}, {"y"});
  onnx_test::attr_i(n, "axis", 1);
  onnx_test::attr_i(n, "inverse", inverse);
  onnx_test::attr_i(n, "onesided", onesided);
  b.output("y", nr::float32);
  nr::onnx::Model m = b.load();
  nr::Tensor eager = m.forward({x})[0];
  nr::TracedModule t = nr::trace(m, {x});
  onnx_test::check_close(t.forward({x})[0], eager);
  return eager;
}

}  // namespace

TEST_CASE("onnx: DFT") {
  // x[1] = 1: X[k] = e^{-2 pi i k / 4} = 1, -i, -1, i
  nr::Tensor x = nr::reshape(nr::tensor<float>({0, 1, 0, 0}), {1, 4, 1});
  nr::Tensor want = nr::reshape(nr::tensor<float>({{1, 0}, {0, -1}, {-1, 0}, {0, 1}}), {1, 4, 2});
  onnx_test::check_close(dft(x, 0), want, 1e-5, 1e-6);
  onnx_test::check_close(
      dft(want, 1), nr::reshape(nr::tensor<float>({{0, 0}, {1, 0}, {0, 0}, {0, 0}}), {1, 4, 2}),
      1e-5, 1e-6);
  onnx_test::check_close(dft(x, 0, 1),
                         nr::reshape(nr::tensor<float>({{1, 0}, {0, -1}, {-1, 0}}), {1, 3, 2}),
                         1e-5, 1e-6);
}

TEST_CASE("onnx: STFT with frame_length or with a window") {
  ModelBuilder b(17);
  b.input("signal", nr::float32, {1, 8, 1});
  b.input("step", nr::int64, {});
  b.input("window", nr::float32, {4});
  b.node("STFT", {"signal", "step", "window"}, {"y"});
  b.output("y", nr::float32);
  nr::onnx::Model m = b.load();
  REQUIRE(m.inputs()[1].value_needed);
  nr::Tensor signal = nr::reshape(nr::tensor<float>({1, 2, 3, 4, 5, 6, 7, 8}), {1, 8, 1});
  nr::Tensor step = nr::full({}, 2.0, nr::int64);
  // the window picks each frame's first sample: every bin is that sample, real
  nr::Tensor y = m.forward({signal, step, nr::tensor<float>({1, 0, 0, 0})})[0];
  REQUIRE(y.shape() == nr::Shape{1, 3, 3, 2});
  onnx_test::check_close(
      y,
      nr::reshape(nr::tensor<float>(
                      {{1, 0}, {1, 0}, {1, 0}, {3, 0}, {3, 0}, {3, 0}, {5, 0}, {5, 0}, {5, 0}}),
                  {1, 3, 3, 2}),
      1e-5, 1e-6);
  m.bind_input("step", step);
  nr::Tensor ones = nr::ones({4});
  nr::TracedModule t = nr::trace(m, {signal, ones});
  // bin 0 of a frame of ones-windowed samples: their sum
  nr::Tensor z = t.forward({signal, ones})[0];
  CHECK(z.shape() == nr::Shape{1, 3, 3, 2});
  CHECK(std::abs(z.data<float>()[0] - 10.0f) < 1e-4);
}
