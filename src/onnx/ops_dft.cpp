// DFT and STFT (opset 17) as matmuls with host-built cosine and sine matrices, in float64: the
// signal dim swapped last, real and imaginary parts (input [..., 1] or [..., 2]) multiplied,
// swapped back. STFT slices the frames (frame_step and frame_length are read when recording),
// multiplies them by the window and transforms each, onesided by default.
#include <cmath>

#include "ops.hpp"

namespace neuron::onnx::detail {

namespace {

// Transforms the last dim (n entries) of re (+ i im, when defined) into k bins: forward
// e^{-2 pi i j m / n}, inverse e^{+2 pi i j m / n} / n. Returns [..., k, 2].
Tensor transform_last(const OpContext& c, const Tensor& re, const Tensor& im, bool inverse,
                      std::int64_t k) {
  const std::int64_t n = re.shape()[re.rank() - 1];
  std::vector<double> cs(static_cast<std::size_t>(n * k)), sn(cs.size());
  const double pi = 3.14159265358979323846;
  for (std::int64_t j = 0; j < n; ++j)
    for (std::int64_t m = 0; m < k; ++m) {
      const double t = 2 * pi * static_cast<double>((j * m) % n) / static_cast<double>(n);
      cs[static_cast<std::size_t>(j * k + m)] = std::cos(t);
      sn[static_cast<std::size_t>(j * k + m)] = std::sin(t);
    }
  Tensor C = c.place(nr::from_vector(cs, Shape{n, k}));
  Tensor S = c.place(nr::from_vector(sn, Shape{n, k}));
  const double s = inverse ? -1.0 : 1.0;
  Tensor yr = nr::matmul(re, C), yi = nr::matmul(re, S) * (-s);
  if (im.defined()) {
    yr = yr + nr::matmul(im, S) * s;
    yi = yi + nr::matmul(im, C);
  }
  if (inverse) {
    yr = yr * (1.0 / static_cast<double>(n));
    yi = yi * (1.0 / static_cast<double>(n));
  }
  return nr::stack({yr, yi}, yr.rank());
}

// The real and imaginary parts of x [..., 1 or 2] in float64 (imaginary undefined when real).
std::pair<Tensor, Tensor> parts(const OpContext& c, const Tensor& x) {
  const int last = x.rank() - 1;
  if (x.rank() < 2 || (x.shape()[last] != 1 && x.shape()[last] != 2))
    c.fail<ShapeError>("input must end in a dim of 1 (real) or 2 (complex), got ", x.shape());
  Tensor x64 = as_dtype(x, float64);
  auto part = [&](std::int64_t i) { return nr::squeeze(nr::slice(x64, last, i, i + 1), last); };
  return {part(0), x.shape()[last] == 2 ? part(1) : Tensor()};
}

}  // namespace

void check_DFT(CheckContext& c) {
  if (c.has_input(1)) c.refuse("input dft_length is not supported");
  if (c.attr_i("onesided", 0) != 0 && c.attr_i("inverse", 0) != 0)
    c.refuse("onesided with inverse is not supported");
}

void run_DFT(OpContext& c) {
  Tensor x = c.in(0);
  auto [re, im] = parts(c, x);
  const int r = x.rank(), sig = r - 2;  // without the complex dim, the last one is r - 2
  std::int64_t axis = c.attr_i("axis", 1);
  if (axis < 0) axis += r;
  if (axis < 0 || axis >= r - 1)
    c.fail<ShapeError>("axis ", c.attr_i("axis", 1), " is not a signal dim of ", x.shape());
  const std::int64_t n = x.shape()[static_cast<int>(axis)];
  const std::int64_t k = c.attr_i("onesided", 0) != 0 ? n / 2 + 1 : n;
  re = nr::transpose(re, axis, sig);
  if (im.defined()) im = nr::transpose(im, axis, sig);
  Tensor y = transform_last(c, re, im, c.attr_i("inverse", 0) != 0, k);  // [..., k, 2]
  c.set(0, as_dtype(nr::transpose(y, axis, sig), x.dtype()));
}

void run_STFT(OpContext& c) {
  Tensor x = c.in(0);
  if (x.rank() != 3) c.fail<ShapeError>("signal must be [batch, length, 1 or 2], got ", x.shape());
  auto [re, im] = parts(c, x);  // [batch, length]
  const std::vector<std::int64_t> step_v = c.ints(1);
  Tensor window = c.has(2) ? as_dtype(c.in(2), float64) : Tensor();
  std::int64_t len = window.defined() ? window.shape()[0] : -1;
  if (c.has(3)) {
    const std::vector<std::int64_t> l = c.ints(3);
    if (l.size() != 1) c.fail<ShapeError>("frame_length must be one value");
    if (len >= 0 && l[0] != len)
      c.fail<ShapeError>("frame_length ", l[0], " differs from the window's length ", len);
    len = l[0];
  }
  if (step_v.size() != 1 || step_v[0] < 1) c.fail<ShapeError>("frame_step must be one value >= 1");
  if (len < 1) c.fail<ShapeError>("STFT needs a window or frame_length");
  const std::int64_t step = step_v[0], length = x.shape()[1];
  if (len > length)
    c.fail<ShapeError>("frame_length ", len, " is longer than the signal (", length, ")");
  const std::int64_t frames = (length - len) / step + 1;
  auto framed = [&](const Tensor& t) {  // [batch, frames, len], windowed
    std::vector<Tensor> f;
    for (std::int64_t i = 0; i < frames; ++i)
      f.push_back(nr::slice(t, 1, i * step, i * step + len));
    Tensor s = nr::stack(f, 1);
    return window.defined() ? Tensor(s * window) : s;
  };
  const std::int64_t k = c.attr_i("onesided", 1) != 0 ? len / 2 + 1 : len;
  Tensor y = transform_last(c, framed(re), im.defined() ? framed(im) : Tensor(), false, k);
  c.set(0, as_dtype(y, x.dtype()));
}

}  // namespace neuron::onnx::detail
