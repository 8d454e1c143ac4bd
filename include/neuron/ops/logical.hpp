// logical_and / logical_or / logical_not: any input dtype (non-zero is true, NaN too), bool result,
// as torch. remainder: the sign of the divisor (torch.remainder, Python's %), for integers and
// floats; an integer remainder by zero is a ValueError (torch: "ZeroDivisionError"), never SIGFPE.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <tuple>
#include <type_traits>

#include "binary.hpp"
#include "elementwise_kernel.hpp"

namespace neuron {

// Each input converts to bool on its own (no promotion between them).
template <class Derived, int Arity>
struct LogicalOp {
  static constexpr int arity = Arity;
  NEURON_ATTRS()
  ElementwiseTypes types(const std::array<Operand, Arity>&) const {
    ElementwiseTypes t;
    for (int i = 0; i < Arity; ++i) t.in[static_cast<std::size_t>(i)] = bool_;
    t.out = bool_;
    return t;
  }
  void run_chunk(const ElementwiseTypes&, const void* const* in, void* out, std::int64_t n) const {
    const bool* a = static_cast<const bool*>(in[0]);
    const bool* b = static_cast<const bool*>(in[Arity - 1]);
    bool* o = static_cast<bool*>(out);
    for (std::int64_t i = 0; i < n; ++i) o[i] = Derived::apply(a[i], b[i]);
  }
};

struct LogicalAnd : LogicalOp<LogicalAnd, 2> {
  static constexpr const char* name = "logical_and";
  static bool apply(bool a, bool b) { return a && b; }
  // x and false = false.
  PadFill pad_fill(const ElementwiseTypes&, const PadFill* in) const {
    return in[0].is(0) || in[1].is(0) ? PadFill::of(0) : PadFill::unknown();
  }
};
struct LogicalOr : LogicalOp<LogicalOr, 2> {
  static constexpr const char* name = "logical_or";
  static bool apply(bool a, bool b) { return a || b; }
  // x or true = true.
  PadFill pad_fill(const ElementwiseTypes&, const PadFill* in) const {
    return in[0].is(1) || in[1].is(1) ? PadFill::of(1) : PadFill::unknown();
  }
};
struct LogicalNot : LogicalOp<LogicalNot, 1> {
  static constexpr const char* name = "logical_not";
  static bool apply(bool a, bool) { return !a; }
};

struct Remainder : MapOp<Remainder, 2> {
  static constexpr const char* name = "remainder";
  template <class T>
  static constexpr bool accepts = is_number_not_bool_v<T>;
  NEURON_ATTRS()
  ElementwiseTypes types(const std::array<Operand, 2>& in) const {
    ElementwiseTypes t = detail::same_binary(in);
    if (t.out == bool_)
      throw_error<DTypeError>("remainder: bool operands are not supported (as torch); cast first");
    return t;
  }
  template <class V>
  V operator()(const V& a, const V& b) const {
    if constexpr (std::is_integral_v<V>) {
      if (b == 0)
        throw_error<ValueError>("remainder: integer remainder by zero (",
                                static_cast<std::int64_t>(a), " % 0)");
      if (b == -1) return V(0);  // also min % -1, which overflows in C++
      V r = static_cast<V>(a % b);
      if (r != 0 && ((r < 0) != (b < 0))) r = static_cast<V>(r + b);
      return r;
    } else {
      // torch 1.13's CPU formula on an exact fmod (xsimd's is not exact for large quotients)
      V m;
      if constexpr (std::is_floating_point_v<V>) {
        m = std::fmod(a, b);
      } else {
        using T = typename V::value_type;
        alignas(64) T ta[V::size], tb[V::size];
        a.store_aligned(ta);
        b.store_aligned(tb);
        for (std::size_t i = 0; i < V::size; ++i) ta[i] = std::fmod(ta[i], tb[i]);
        m = V::load_aligned(ta);
      }
      return simd::select((m != V(0)) & ((b < V(0)) ^ (m < V(0))), m + b, m);
    }
  }
};

}  // namespace neuron
