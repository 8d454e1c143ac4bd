// DFT (opset 17) as two matmuls with host-built cosine and sine matrices, in float64: the signal
// dim swapped last, real and imaginary parts (input [..., 1] or [..., 2]) multiplied, swapped back.
#include <cmath>

#include "ops.hpp"

namespace neuron::onnx::detail {

void check_DFT(CheckContext& c) {
  if (c.has_input(1)) c.refuse("input dft_length is not supported");
  if (c.attr_i("onesided", 0) != 0 && c.attr_i("inverse", 0) != 0)
    c.refuse("onesided with inverse is not supported");
}

void run_DFT(OpContext& c) {
  Tensor x = c.in(0);
  const int r = x.rank();
  if (r < 2 || (x.shape()[r - 1] != 1 && x.shape()[r - 1] != 2))
    c.fail<ShapeError>("input must end in a dim of 1 (real) or 2 (complex), got ", x.shape());
  std::int64_t axis = c.attr_i("axis", 1);
  if (axis < 0) axis += r;
  if (axis < 0 || axis >= r - 1)
    c.fail<ShapeError>("axis ", c.attr_i("axis", 1), " is not a signal dim of ", x.shape());
  const bool inverse = c.attr_i("inverse", 0) != 0, onesided = c.attr_i("onesided", 0) != 0;
  const std::int64_t n = x.shape()[static_cast<int>(axis)], k = onesided ? n / 2 + 1 : n;
  // cos and sin of 2 pi j m / n, [n, k]
  std::vector<double> cs(static_cast<std::size_t>(n * k)), sn(cs.size());
  const double pi = 3.14159265358979323846;
  for (std::int64_t j = 0; j < n; ++j)
    for (std::int64_t m = 0; m < k; ++m) {
      const double t = 2 * pi * static_cast<double>((j * m) % n) / static_cast<double>(n);
      cs[static_cast<std::size_t>(j * k + m)] = std::cos(t);
      sn[static_cast<std::size_t>(j * k + m)] = std::sin(t);
    }
  Tensor C = c.place(nr::from_vector(cs, Shape{n, k})),
         S = c.place(nr::from_vector(sn, Shape{n, k}));
  const int last = r - 1, sig = r - 2;  // after dropping the complex dim, the signal goes last
  auto part = [&](std::int64_t i) {
    Tensor p = nr::squeeze(nr::slice(as_dtype(x, float64), last, i, i + 1), last);
    return nr::transpose(p, static_cast<int>(axis), sig);
  };
  // (re + i im) (cos -+ i sin): forward e^{-i t}, inverse e^{+i t} / n
  const double s = inverse ? -1.0 : 1.0;
  Tensor re = part(0);
  Tensor yr = nr::matmul(re, C), yi = nr::matmul(re, S) * (-s);
  if (x.shape()[last] == 2) {
    Tensor im = part(1);
    yr = yr + nr::matmul(im, S) * s;
    yi = yi + nr::matmul(im, C);
  }
  if (inverse) {
    yr = yr * (1.0 / static_cast<double>(n));
    yi = yi * (1.0 / static_cast<double>(n));
  }
  yr = nr::transpose(yr, static_cast<int>(axis), sig);
  yi = nr::transpose(yi, static_cast<int>(axis), sig);
  c.set(0, as_dtype(nr::stack({yr, yi}, last), x.dtype()));
}

}  // namespace neuron::onnx::detail
