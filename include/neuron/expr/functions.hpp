// The elementwise DSL: free functions and operators that build expression trees from tensors,
// expressions and C++ numbers.
#pragma once

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <utility>

#include "../ops/activation.hpp"
#include "../ops/binary.hpp"
#include "../ops/cast.hpp"
#include "../ops/clamp.hpp"
#include "../ops/compare.hpp"
#include "../ops/logical.hpp"
#include "../ops/unary.hpp"
#include "../ops/unary_math.hpp"
#include "../ops/where.hpp"
#include "expr.hpp"
#include "expr_op.hpp"

namespace neuron {

namespace expr {
template <class T>
using bare = std::remove_cv_t<std::remove_reference_t<T>>;

// A tensor or an expression: something with a shape.
template <class T>
inline constexpr bool is_tensorish_v = std::is_same_v<bare<T>, Tensor> || is_expression_v<bare<T>>;
// A C++ number usable as an operand.
template <class T>
inline constexpr bool is_number_v = std::is_arithmetic_v<bare<T>> && !std::is_same_v<bare<T>, char>;
template <class T>
inline constexpr bool is_operand_v = is_tensorish_v<T> || is_number_v<T>;

inline Leaf as_expr(const Tensor& t) { return Leaf(t); }
template <class E, std::enable_if_t<is_expression_v<E>, int> = 0>
const E& as_expr(const E& e) {
  return e;
}
template <class S, std::enable_if_t<is_number_v<S>, int> = 0>
Scalar<S> as_expr(S v) {
  return Scalar<S>(v);
}
template <class T>
using as_expr_t = bare<decltype(as_expr(std::declval<const bare<T>&>()))>;

template <class Op, class... Args>
Node<Op, as_expr_t<Args>...> make(Op op, const Args&... args) {
  return Node<Op, as_expr_t<Args>...>(std::move(op), as_expr(args)...);
}
}  // namespace expr

#define NEURON_UNARY_FN(fn, Op)                                          \
  template <class E, std::enable_if_t<expr::is_tensorish_v<E>, int> = 0> \
  auto fn(const E& x) {                                                  \
    return expr::make(Op{}, x);                                          \
  }
NEURON_UNARY_FN(relu, Relu)
NEURON_UNARY_FN(sigmoid, Sigmoid)
NEURON_UNARY_FN(tanh, Tanh)
NEURON_UNARY_FN(exp, Exp)
NEURON_UNARY_FN(log, Log)
NEURON_UNARY_FN(sqrt, Sqrt)
NEURON_UNARY_FN(rsqrt, Rsqrt)
NEURON_UNARY_FN(abs, Abs)
NEURON_UNARY_FN(neg, Neg)
NEURON_UNARY_FN(silu, Silu)
NEURON_UNARY_FN(hardswish, Hardswish)
NEURON_UNARY_FN(hardsigmoid, Hardsigmoid)
NEURON_UNARY_FN(relu6, Relu6)
NEURON_UNARY_FN(erf, Erf)
NEURON_UNARY_FN(sin, Sin)
NEURON_UNARY_FN(cos, Cos)
NEURON_UNARY_FN(floor, Floor)
NEURON_UNARY_FN(ceil, Ceil)
NEURON_UNARY_FN(round, Round)
NEURON_UNARY_FN(sign, Sign)
NEURON_UNARY_FN(reciprocal, Reciprocal)
NEURON_UNARY_FN(logical_not, LogicalNot)
#undef NEURON_UNARY_FN

template <class E, std::enable_if_t<expr::is_tensorish_v<E>, int> = 0>
auto leaky_relu(const E& x, double negative_slope = 0.01) {
  LeakyRelu op;
  op.negative_slope = negative_slope;
  return expr::make(op, x);
}

template <class E, std::enable_if_t<expr::is_tensorish_v<E>, int> = 0>
auto elu(const E& x, double alpha = 1.0) {
  Elu op;
  op.alpha = alpha;
  return expr::make(op, x);
}

template <class E, std::enable_if_t<expr::is_tensorish_v<E>, int> = 0>
auto softplus(const E& x, double beta = 1.0, double threshold = 20.0) {
  Softplus op;
  op.beta = beta;
  op.threshold = threshold;
  return expr::make(op, x);
}

enum class GeluApproximation { none, tanh };

template <class E, std::enable_if_t<expr::is_tensorish_v<E>, int> = 0>
auto gelu(const E& x, GeluApproximation approximate = GeluApproximation::none) {
  Gelu op;
  op.tanh_approximation = approximate == GeluApproximation::tanh;
  return expr::make(op, x);
}

template <class E, std::enable_if_t<expr::is_tensorish_v<E>, int> = 0>
auto cast(const E& x, DType to) {
  Cast op;
  op.to = to;
  return expr::make(op, x);
}

// Binary functions take any mix of tensors, expressions and numbers, with at least one tensor or
// expression.
#define NEURON_BINARY_FN(fn, Op)                                                       \
  template <class A, class B,                                                          \
            std::enable_if_t<expr::is_operand_v<A> && expr::is_operand_v<B> &&         \
                                 (expr::is_tensorish_v<A> || expr::is_tensorish_v<B>), \
                             int> = 0>                                                 \
  auto fn(const A& a, const B& b) {                                                    \
    return expr::make(Op{}, a, b);                                                     \
  }
NEURON_BINARY_FN(add, Add)
NEURON_BINARY_FN(sub, Sub)
NEURON_BINARY_FN(mul, Mul)
NEURON_BINARY_FN(div, Div)
NEURON_BINARY_FN(pow, Pow)
NEURON_BINARY_FN(maximum, Maximum)
NEURON_BINARY_FN(minimum, Minimum)
NEURON_BINARY_FN(eq, Eq)
NEURON_BINARY_FN(ne, Ne)
NEURON_BINARY_FN(lt, Lt)
NEURON_BINARY_FN(le, Le)
NEURON_BINARY_FN(gt, Gt)
NEURON_BINARY_FN(ge, Ge)
NEURON_BINARY_FN(logical_and, LogicalAnd)
NEURON_BINARY_FN(logical_or, LogicalOr)
NEURON_BINARY_FN(remainder, Remainder)
#undef NEURON_BINARY_FN

#define NEURON_BINARY_OPERATOR(sym, Op)                                                \
  template <class A, class B,                                                          \
            std::enable_if_t<expr::is_operand_v<A> && expr::is_operand_v<B> &&         \
                                 (expr::is_tensorish_v<A> || expr::is_tensorish_v<B>), \
                             int> = 0>                                                 \
  auto operator sym(const A& a, const B& b) {                                          \
    return expr::make(Op{}, a, b);                                                     \
  }
NEURON_BINARY_OPERATOR(+, Add)
NEURON_BINARY_OPERATOR(-, Sub)
NEURON_BINARY_OPERATOR(*, Mul)
NEURON_BINARY_OPERATOR(/, Div)
#undef NEURON_BINARY_OPERATOR

template <class E, std::enable_if_t<expr::is_tensorish_v<E>, int> = 0>
auto operator-(const E& x) {
  return expr::make(Neg{}, x);
}

namespace expr {
// A C++ number bound of clamp must fit the result dtype: torch refuses (rather than wraps) one that
// overflows it, e.g. clamp(int32 tensor, 0, 1e10 as an integer) or a float32 bound beyond FLT_MAX.
template <class S>
void check_clamp_bound(const S& v, DType d, const char* which) {
  if constexpr (is_number_v<S>) {
    const long double x = static_cast<long double>(v);
    bool fits = true;
    if (d == int32)
      fits = x >= std::numeric_limits<std::int32_t>::min() &&
             x <= std::numeric_limits<std::int32_t>::max();
    else if (d == int64)
      fits = x <= static_cast<long double>(std::numeric_limits<std::int64_t>::max());
    else if (d == float32)
      fits = !(std::isfinite(x) && std::fabs(x) > static_cast<long double>(FLT_MAX));
    if (!fits)
      throw_error<ValueError>("clamp: ", which, " bound ", x, " does not fit the result dtype ", d,
                              " (torch refuses it too: no silent overflow)");
  }
}
}  // namespace expr

// clamp(x, lo, hi): the bounds are tensors, expressions or C++ numbers (runtime scalars) and
// promote with x as in torch.clamp.
template <class X, class L, class H,
          std::enable_if_t<
              expr::is_tensorish_v<X> && expr::is_operand_v<L> && expr::is_operand_v<H>, int> = 0>
auto clamp(const X& x, const L& lo, const H& hi) {
  auto node = expr::make(Clamp{}, x, lo, hi);
  expr::check_clamp_bound(lo, node.dtype(), "lower");
  expr::check_clamp_bound(hi, node.dtype(), "upper");
  return node;
}

template <class C, class A, class B,
          std::enable_if_t<
              expr::is_tensorish_v<C> && expr::is_operand_v<A> && expr::is_operand_v<B>, int> = 0>
auto where(const C& cond, const A& a, const B& b) {
  return expr::make(Where{}, cond, a, b);
}

// masked_fill(x, mask, value): value where the bool mask is true, else x; the result keeps x's
// dtype (value converts to it as in torch: 2.5 fills an integer tensor with 2) and takes the
// broadcast shape of x and mask (torch.masked_fill). value is a runtime scalar: changing it never
// recompiles.
template <class S, std::enable_if_t<expr::is_number_v<S>, int> = 0>
Tensor masked_fill(const Tensor& x, const Tensor& mask, S value) {
  if (mask.dtype() != bool_)
    throw_error<DTypeError>("masked_fill: mask must be bool, got ", mask.dtype(), " (mask shape ",
                            mask.shape(), ", input shape ", x.shape(), ")");
  Tensor out;
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    out = where(mask, convert_value<T>(value), x);
  });
  return out;
}

}  // namespace neuron
