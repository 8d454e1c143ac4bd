// Elementwise kernels over one contiguous chunk: the loops every elementwise op shares.
// Floating-point maps run on xsimd batches; the ragged tail is computed in a zero-padded batch too,
// so every element goes through the same instructions whatever its position (eager, lazy and traced
// results then agree bit for bit).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <type_traits>
#include <utility>

#include <xsimd/xsimd.hpp>

#include "op_base.hpp"

namespace neuron {

// The dtypes an elementwise op converts its inputs to, and its output dtype.
struct ElementwiseTypes {
  std::array<DType, 3> in{};
  DType out = float32;
};

namespace simd {
// Scalar fallbacks with the same names as xsimd's batch functions, so an op body is written once.
template <class T, std::enable_if_t<std::is_arithmetic_v<T>, int> = 0>
T select(bool c, T a, T b) {
  return c ? a : b;
}
using xsimd::select;
template <class T, std::enable_if_t<std::is_arithmetic_v<T>, int> = 0>
bool isnan(T v) {
  return v != v;
}
using xsimd::isnan;
}  // namespace simd

namespace detail {

template <class Op, class T, std::size_t... I>
void map_chunk(const Op& op, const void* const* in, void* out, std::int64_t n,
               std::index_sequence<I...>) {
  T* o = static_cast<T*>(out);
  if constexpr (std::is_floating_point_v<T>) {
    using B = xsimd::batch<T>;
    constexpr std::int64_t W = static_cast<std::int64_t>(B::size);
    std::int64_t i = 0;
    for (; i + W <= n; i += W)
      op(B::load_unaligned(static_cast<const T*>(in[I]) + i)...).store_unaligned(o + i);
    if (i < n) {
      alignas(64) T tmp[sizeof...(I) + 1][W] = {};
      std::int64_t rest = n - i;
      ((std::copy(static_cast<const T*>(in[I]) + i, static_cast<const T*>(in[I]) + n, tmp[I])),
       ...);
      op(B::load_aligned(tmp[I])...).store_aligned(tmp[sizeof...(I)]);
      std::copy(tmp[sizeof...(I)], tmp[sizeof...(I)] + rest, o + i);
    }
  } else {
    for (std::int64_t i = 0; i < n; ++i) o[i] = op(static_cast<const T*>(in[I])[i]...);
  }
}

}  // namespace detail

// Base for ops that map N inputs of one dtype to an output of that dtype (relu, add, exp, ...).
// A derived op narrows `accepts<T>` to the element types its types() can choose, so its body is
// never instantiated for the others (for example bool in neg).
template <class Derived, int Arity>
struct MapOp {
  static constexpr int arity = Arity;
  template <class T>
  static constexpr bool accepts = true;
  void run_chunk(const ElementwiseTypes& t, const void* const* in, void* out,
                 std::int64_t n) const {
    visit_dtype(t.out, [&](auto tag) {
      using T = decltype(tag);
      if constexpr (Derived::template accepts<T>)
        detail::map_chunk<Derived, T>(static_cast<const Derived&>(*this), in, out, n,
                                      std::make_index_sequence<Arity>{});
      else
        throw_error<DTypeError>(Derived::name, ": no kernel for dtype ", t.out);
    });
  }
};

template <class T>
inline constexpr bool is_floating_v = std::is_floating_point_v<T>;
template <class T>
inline constexpr bool is_number_not_bool_v = !std::is_same_v<T, bool>;

// Operand types of an elementwise op's inputs, with PyTorch's priorities.
template <std::size_t N>
DType result_type_of(const std::array<Operand, N>& in) {
  ResultType r;
  for (const Operand& o : in) r.add(o);
  return r.result();
}

}  // namespace neuron
