// Det: LU factorization with partial pivoting written with DSL ops (argmax, gather, where), so
// that it records like any node: n steps for an n x n matrix, batched over the leading dims, in
// float64. A zero pivot (a singular matrix) makes the determinant 0 and is replaced by 1 so the
// elimination stays finite.
#include "ops.hpp"

namespace neuron::onnx::detail {

void run_Det(OpContext& c) {
  Tensor x = c.in(0);
  const int r = x.rank();
  if (r < 2 || x.shape()[r - 1] != x.shape()[r - 2])
    c.fail<ShapeError>("input must be [..., n, n], got ", x.shape());
  const std::int64_t n = x.shape()[r - 1];
  std::vector<std::int64_t> batch(x.shape().begin(), x.shape().end() - 2);
  std::int64_t b = 1;
  for (std::int64_t d : batch) b *= d;
  Tensor a = nr::reshape(as_dtype(x, float64), {b, n, n});
  Tensor det = c.place(nr::ones({b}, float64));
  Tensor rows = c.place(nr::reshape(nr::arange(n), {1, n}));  // [1, n]
  for (std::int64_t k = 0; k < n; ++k) {
    // the largest |entry| of column k at or below row k, and rows k and p swapped
    Tensor col = nr::reshape(nr::slice(nr::slice(a, 1, k, n), 2, k, k + 1), {b, n - k});
    Tensor p = nr::argmax(nr::abs(col), 1, true) + k;                                  // [b, 1]
    Tensor perm = nr::where(nr::eq(rows, k), p, nr::where(nr::eq(rows, p), k, rows));  // [b, n]
    a = nr::gather(a, 1, nr::expand(nr::reshape(perm, {b, n, 1}), {b, n, n}));
    det = nr::where(nr::eq(nr::reshape(p, {b}), k), det, nr::neg(det));
    Tensor pivot = nr::reshape(nr::slice(nr::slice(a, 1, k, k + 1), 2, k, k + 1), {b, 1});
    det = det * nr::reshape(pivot, {b});
    Tensor safe = nr::where(nr::eq(pivot, 0.0), 1.0, pivot);
    // rows below k minus their multiple of row k
    Tensor factors = nr::reshape(nr::slice(a, 2, k, k + 1), {b, n}) / safe;
    factors = nr::where(nr::gt(rows, k), factors, 0.0);
    a = a - nr::reshape(factors, {b, n, 1}) * nr::slice(a, 1, k, k + 1);
  }
  c.set(0, as_dtype(nr::reshape(det, batch), x.dtype()));
}

}  // namespace neuron::onnx::detail
