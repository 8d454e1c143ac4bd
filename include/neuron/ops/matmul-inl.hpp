// Definitions of matmul.hpp: shape planning, the choice of GEMM kernel (gemm-inl.hpp) and the
// Eigen GEMM kernels.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

#include "any_op-inl.hpp"
#include "gemm-inl.hpp"
#include "isa_kernels-inl.hpp"
#include "linear_kernels.hpp"
#include "matmul.hpp"

namespace neuron {

namespace detail {
template <class T>
using RowMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using ConstMap = Eigen::Map<const RowMatrix<T>, Eigen::Unaligned>;
template <class T>
using MutMap = Eigen::Map<RowMatrix<T>, Eigen::Unaligned>;

NEURON_INLINE void check_matmul_dtypes(const char* op, DType a, DType b) {
  if (a != b)
    throw_error<DTypeError>(op, ": operands must have the same dtype, got ", a, " and ", b,
                            "; cast one of them");
  if (a == bool_) throw_error<DTypeError>(op, ": bool operands are not supported");
}

// Shapes after torch's 1-d promotion, the broadcast batch shape and the result shape.
struct MatmulPlan {
  Shape batch;  // broadcast batch dims
  Shape a_batch, b_batch;
  std::int64_t m = 1, k = 1, n = 1;
  Shape out;
};

NEURON_INLINE MatmulPlan plan_matmul(const Shape& a, const Shape& b) {
  if (a.rank() == 0 || b.rank() == 0)
    throw_error<ShapeError>("matmul: both operands need at least 1 dim, got shapes ", a, " and ",
                            b);
  MatmulPlan p;
  std::int64_t ka = a[a.rank() - 1];
  std::int64_t kb = b.rank() == 1 ? b[0] : b[b.rank() - 2];
  if (ka != kb)
    throw_error<ShapeError>("matmul: cannot multiply input 0 of shape ", a, " by input 1 of shape ",
                            b, ": contracted dims differ (", ka, " in input 0 dim -1 vs ", kb,
                            " in input 1 dim ", b.rank() == 1 ? "0" : "-2", ")");
  p.k = ka;
  p.m = a.rank() == 1 ? 1 : a[a.rank() - 2];
  p.n = b.rank() == 1 ? 1 : b[b.rank() - 1];
  p.a_batch = a.rank() > 2 ? Shape(a.begin(), a.end() - 2) : Shape{};
  p.b_batch = b.rank() > 2 ? Shape(b.begin(), b.end() - 2) : Shape{};
  p.batch = broadcast_shapes(p.a_batch, p.b_batch, "matmul (batch dims)", "input 0 batch",
                             "input 1 batch");
  p.out = p.batch;
  if (a.rank() > 1) p.out.push_back(p.m);
  if (b.rank() > 1) p.out.push_back(p.n);
  return p;
}

// True when b has no batch dims and a's batch dims are the output's: one GEMM over all of a's
// rows.
inline bool matmul_is_one_gemm(const MatmulPlan& p) {
  return p.b_batch.rank() == 0 && p.batch == p.a_batch;
}

// Whether Eigen's GEMM could use more than one thread on a product of `a_elems` left-hand
// elements and `n` columns: it splits only products of at least 50k multiply-adds per thread
// (Eigen/src/Core/products/Parallelizer.h), so smaller ones need no lease.
inline bool eigen_gemm_may_parallelize(std::int64_t a_elems, std::int64_t n) {
  return static_cast<double>(a_elems) * static_cast<double>(n) >= 1e5;
}

// The oneDNN GEMM of a matmul, or nothing when the rule (gemm-inl.hpp) keeps it on Eigen.
inline bool matmul_gemm(DType dt, const MatmulPlan& p, GemmGeometry& g) {
  const bool one = matmul_is_one_gemm(p);
  const std::int64_t rows = one ? p.batch.numel() * p.m : p.m;
  if (choose_gemm_kernel(dt, rows, p.k, p.n) != GemmKernel::onednn) return false;
  if (one) {
    g.src = {rows, p.k};
    g.weights = {p.k, p.n};
    g.dst = {rows, p.n};
    return true;
  }
  const int r = p.batch.rank();
  if (r + 2 > DNNL_MAX_NDIMS) return false;
  auto padded = [&](const Shape& s, std::int64_t x, std::int64_t y) {
    dnnl::memory::dims d(static_cast<std::size_t>(r - s.rank()), 1);
    for (int i = 0; i < s.rank(); ++i) d.push_back(s[i]);
    d.push_back(x);
    d.push_back(y);
    return d;
  };
  g.src = padded(p.a_batch, p.m, p.k);
  g.weights = padded(p.b_batch, p.k, p.n);
  g.dst = padded(p.batch, p.m, p.n);
  return true;
}
}  // namespace detail

NEURON_INLINE TensorSpec Matmul::infer(const std::vector<TensorSpec>& in) const {
  expect_arity(name, in, 2);
  detail::check_matmul_dtypes(name, in[0].dtype, in[1].dtype);
  return {detail::plan_matmul(in[0].shape, in[1].shape).out, in[0].dtype};
}

// Batch dims broadcast; rows of a and columns of b reach the output; the contracted dim mixes.
NEURON_INLINE DimFlow Matmul::dim_flow(const std::vector<TensorSpec>& in,
                                       const TensorSpec& out) const {
  DimFlow f = DimFlow::broadcast(in, out);
  const int ra = in[0].shape.rank(), rb = in[1].shape.rank(), ro = out.shape.rank();
  f.set(0, ra - 1, DimFlow::kMixed);
  f.set(1, rb >= 2 ? rb - 2 : 0, DimFlow::kMixed);
  if (ra >= 2) f.set(0, ra - 2, rb >= 2 ? ro - 2 : ro - 1);
  if (rb >= 2) f.set(1, rb - 1, ro - 1);
  if (ra >= 2 && rb == 1)  // batch dims of a sit before its row dim
    for (int d = 0; d < ra - 2; ++d) f.set(0, d, d);
  if (rb >= 2 && ra >= 1)  // b's batch dims sit before the row dim, which a 1-d a drops
    for (int d = 0; d < rb - 2; ++d) f.set(1, d, ro - (ra >= 2 ? 2 : 1) - (rb - 2) + d);
  return f;
}

NEURON_INLINE void Matmul::pad_rule(PadCheck& c) const {
  const int ra = c.in[0].shape.rank(), rb = c.in[1].shape.rank();
  pad_rule_contract(c, 0, ra - 1, 1, rb >= 2 ? rb - 2 : 0);
}

NEURON_INLINE void Matmul::prepare(const std::vector<TensorSpec>& in,
                                   const std::vector<const Tensor*>& constants) {
  (void)constants;  // b is read in place, never packed
  detail::GemmGeometry g;
  if (detail::matmul_gemm(in[0].dtype, detail::plan_matmul(in[0].shape, in[1].shape), g))
    primitive = detail::prepare_gemm(name, g, nullptr);
}

NEURON_INLINE void Matmul::run(const std::vector<Tensor>& in, Tensor& out) const {
  const Tensor &a = in[0], &b = in[1];
  detail::MatmulPlan p = detail::plan_matmul(a.shape(), b.shape());
  detail::GemmGeometry g;
  if (detail::matmul_gemm(a.dtype(), p, g)) {
    detail::run_gemm(name, g, primitive.get(), a, b, nullptr, out);
    return;
  }
  // Eigen's GEMM parallelizes large products itself, on the threads this lease holds.
  std::optional<detail::ThreadLease> lease;  // smaller products stay serial in Eigen anyway
  if (detail::eigen_gemm_may_parallelize(a.numel(), p.n)) lease.emplace();
  visit_dtype(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (!std::is_same_v<T, bool>) {
      const T* ap = a.data<T>();
      const T* bp = b.data<T>();
      T* op = out.data<T>();
      const std::int64_t batches = p.batch.numel();
      // b without batch dims and a contiguous: one GEMM over all of a's rows.
      if (detail::matmul_is_one_gemm(p)) {
        run_one(ap, bp, op, batches * p.m, p.k, p.n);
        return;
      }
      auto sa = broadcast_strides(p.a_batch, p.batch);
      auto sb = broadcast_strides(p.b_batch, p.batch);
      auto so = contiguous_strides(p.batch);
      for (std::int64_t bi = 0; bi < batches; ++bi) {
        std::int64_t oa = 0, ob = 0, rem = bi;
        for (int d = 0; d < p.batch.rank(); ++d) {
          std::int64_t i = rem / so[static_cast<std::size_t>(d)];
          rem %= so[static_cast<std::size_t>(d)];
          oa += i * sa[static_cast<std::size_t>(d)];
          ob += i * sb[static_cast<std::size_t>(d)];
        }
        run_one(ap + oa * p.m * p.k, bp + ob * p.k * p.n, op + bi * p.m * p.n, p.m, p.k, p.n);
      }
    }
  });
}

template <class T>
void Matmul::run_one(const T* a, const T* b, T* out, std::int64_t m, std::int64_t k,
                     std::int64_t n) {
  detail::MutMap<T> o(out, m, n);
  if (k == 0) {
    o.setZero();
    return;
  }
  o.noalias() = detail::ConstMap<T>(a, m, k) * detail::ConstMap<T>(b, k, n);
}

NEURON_INLINE TensorSpec Linear::infer(const std::vector<TensorSpec>& in) const {
  expect_arity(name, in, has_bias ? 3 : 2);
  const TensorSpec &x = in[0], &w = in[1];
  detail::check_matmul_dtypes(name, x.dtype, w.dtype);
  if (w.shape.rank() != 2)
    throw_error<ShapeError>("linear: weight must be 2-d [out_features, in_features], got shape ",
                            w.shape);
  if (x.shape.rank() == 0 || x.shape[x.shape.rank() - 1] != w.shape[1])
    throw_error<ShapeError>("linear: input of shape ", x.shape,
                            " must end with in_features = ", w.shape[1], " (weight shape ", w.shape,
                            ")");
  if (has_bias) {
    if (in[2].shape != Shape{w.shape[0]})
      throw_error<ShapeError>("linear: bias has shape ", in[2].shape, ", expected [", w.shape[0],
                              "] for weight of shape ", w.shape);
    if (in[2].dtype != x.dtype)
      throw_error<DTypeError>("linear: bias has dtype ", in[2].dtype, " but input has ", x.dtype);
  }
  Shape out = x.shape;
  out[out.rank() - 1] = w.shape[0];
  return {out, x.dtype};
}

NEURON_INLINE DimFlow Linear::dim_flow(const std::vector<TensorSpec>& in,
                                       const TensorSpec& out) const {
  DimFlow f = DimFlow::all(in, DimFlow::kMixed);  // weight and bias: every value is used
  for (int d = 0; d + 1 < in[0].shape.rank(); ++d) f.set(0, d, d);
  (void)out;
  return f;
}

NEURON_INLINE void Linear::pad_rule(PadCheck& c) const {
  pad_rule_contract(c, 0, c.in[0].shape.rank() - 1, 1, 1);
}

NEURON_INLINE void Linear::prepare(const std::vector<TensorSpec>& in,
                                   const std::vector<const Tensor*>& constants) {
  const std::int64_t k = in[1].shape[1], n = in[1].shape[0];
  const std::int64_t m = k ? in[0].shape.numel() / k : 0;
  if (detail::choose_gemm_kernel(in[0].dtype, m, k, n) != detail::GemmKernel::onednn) return;
  const Tensor* w = constants.size() > 1 ? constants[1] : nullptr;
  primitive = detail::prepare_gemm(name, detail::linear_geometry(m, k, n, has_bias), w);
}

NEURON_INLINE void Linear::run(const std::vector<Tensor>& in, Tensor& out) const {
  const Tensor &x = in[0], &w = in[1];
  const std::int64_t k = w.shape()[1], n = w.shape()[0];
  const std::int64_t m = k ? x.numel() / k : out.numel() / std::max<std::int64_t>(n, 1);
  if (detail::choose_gemm_kernel(x.dtype(), m, k, n) == detail::GemmKernel::onednn) {
    detail::run_gemm(name, detail::linear_geometry(m, k, n, has_bias), primitive.get(), x, w,
                     has_bias ? &in[2] : nullptr, out);
    return;
  }
  std::optional<detail::ThreadLease> lease;
  if (detail::eigen_gemm_may_parallelize(m * k, n)) lease.emplace();
  const detail::IsaKernels* isa = detail::isa_kernels();  // the instruction set picked at start-up
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (!std::is_same_v<T, bool>) {
      detail::MutMap<T> o(out.data<T>(), m, n);
      const detail::ConstMap<T> xm(x.data<T>(), m, k), wm(w.data<T>(), n, k);
      if (k == 0)
        o.setZero();
      else if (detail::gemv_per_row(m, k, n) && std::is_same_v<T, float> && isa)
        isa->linear_rows_f32(x.data<float>(), w.data<float>(), out.data<float>(), m, k, n);
      else if (detail::gemv_per_row(m, k, n))
        detail::linear_rows(x.data<T>(), w.data<T>(), out.data<T>(), m, k, n);
      else
        o.noalias() = xm * wm.transpose();
      if (has_bias)
        o.rowwise() += Eigen::Map<const Eigen::Matrix<T, 1, Eigen::Dynamic>>(in[2].data<T>(), n);
    }
  });
}

NEURON_INLINE Tensor matmul(const Tensor& a, const Tensor& b) { return run_op(Matmul{}, {a, b}); }

NEURON_INLINE Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  Linear op;
  op.has_bias = bias.defined();
  return op.has_bias ? run_op(op, {x, weight, bias}) : run_op(op, {x, weight});
}

}  // namespace neuron
