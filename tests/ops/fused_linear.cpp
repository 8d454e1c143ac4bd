// fused_linear (ops/fused_linear.hpp): act(x W^T + b + residual) in one oneDNN matmul with
// post-ops, or Eigen's GEMV with the epilogue after it, against the same computation in float64,
// and its refusals.
#include "test_util.hpp"

#include <neuron/ops/fused_linear.hpp>

namespace {

nr::Tensor f64(const nr::Tensor& t) { return nr::cast(t, nr::float64); }

nr::Tensor run_fused_linear(bool bias, nr::EpilogueActivation act, bool residual,
                            const std::vector<nr::Tensor>& in) {
  nr::FusedLinear op;
  op.has_bias = bias;
  op.activation = static_cast<std::int64_t>(act);
  op.has_residual = residual;
  return nr::run_op(op, in);
}

// The activation in float64, as the DSL defines it.
nr::Tensor act64(nr::EpilogueActivation a, const nr::Tensor& t) {
  using A = nr::EpilogueActivation;
  switch (a) {
    case A::relu:
      return nr::relu(t);
    case A::relu6:
      return nr::relu6(t);
    case A::silu:
      return nr::silu(t);
    case A::hardswish:
      return nr::hardswish(t);
    case A::gelu_erf:
      return nr::gelu(t);
    case A::gelu_tanh:
      return nr::gelu(t, nr::GeluApproximation::tanh);
    default:
      return t;
  }
}

}  // namespace

TEST_CASE("fused_linear: every activation, with and without bias and residual, matches float64") {
  nr::manual_seed(3);
  const nr::Tensor w = nr::randn({96, 64}) * 0.2f, b = nr::randn({96});
  // 48 rows run on oneDNN, 1 row (a GEMV) on Eigen (gemm.hpp's kernel rule)
  using Dims = std::vector<std::int64_t>;
  for (const Dims& rows : {Dims{2, 24}, Dims{1}}) {
    CAPTURE(rows.size());
    Dims xs = rows, rs = rows;
    xs.push_back(64);
    rs.push_back(96);
    const nr::Tensor x = nr::randn(nr::Shape(xs)), r = nr::randn(nr::Shape(rs));
    using A = nr::EpilogueActivation;
    for (A a : {A::none, A::relu, A::relu6, A::silu, A::hardswish, A::gelu_erf, A::gelu_tanh})
      for (bool bias : {false, true})
        for (bool residual : {false, true}) {
          CAPTURE(static_cast<int>(a));
          CAPTURE(bias);
          CAPTURE(residual);
          std::vector<nr::Tensor> in{x, w};
          if (bias) in.push_back(b);
          if (residual) in.push_back(r);
          nr::Tensor got = run_fused_linear(bias, a, residual, in);
          nr::Tensor want = nr::linear(f64(x), f64(w), bias ? f64(b) : nr::Tensor());
          if (residual) want = want + f64(r);
          want = act64(a, want);
          test::check_close(got, nr::cast(want, nr::float32), 1e-4, 1e-4, "fused_linear");
        }
  }
}

TEST_CASE(
    "fused_linear on Eigen's path equals the unfused linear, add and activation bit for bit") {
  nr::manual_seed(4);
  const nr::Tensor x = nr::randn({1, 300}), w = nr::randn({50, 300}) * 0.1f, b = nr::randn({50}),
                   r = nr::randn({1, 50});
  using A = nr::EpilogueActivation;
  for (A a : {A::relu, A::gelu_erf, A::silu}) {
    CAPTURE(static_cast<int>(a));
    const nr::Tensor got = run_fused_linear(true, a, true, {x, w, b, r});
    const nr::Tensor want = act64(a, nr::linear(x, w, b) + r);  // float32 here
    test::check_equal(got, want);
  }
}

TEST_CASE("fused_linear refuses what it cannot run, naming the problem") {
  const nr::Tensor x = nr::randn({8, 16}), w = nr::randn({4, 16}), b = nr::randn({4});
  using A = nr::EpilogueActivation;
  CHECK_THROWS_WITH_ALL(run_fused_linear(true, A::relu, true, {x, w, b, nr::randn({8, 5})}),
                        nr::ShapeError, "fused_linear: residual", "[8, 5]", "[8, 4]");
  CHECK_THROWS_WITH_ALL(run_fused_linear(true, A::relu, false, {f64(x), f64(w), f64(b)}),
                        nr::DTypeError, "fused_linear: float32 only");
  CHECK_THROWS_WITH_ALL(run_fused_linear(false, static_cast<A>(99), false, {x, w}), nr::ValueError,
                        "unknown fused activation 99");
  CHECK_THROWS_WITH_ALL(run_fused_linear(true, A::relu, false, {x, w}), nr::Error, "fused_linear");
  CHECK_THROWS_WITH_ALL(run_fused_linear(false, A::relu, false, {nr::randn({8, 3}), w}),
                        nr::ShapeError, "in_features = 16");
}
