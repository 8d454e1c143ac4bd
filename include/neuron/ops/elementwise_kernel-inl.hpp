// Elementwise kernels over one contiguous chunk: the loops every elementwise op shares.
// Floating-point maps run on xsimd batches; the ragged tail is computed in a zero-padded batch too,
// so every element goes through the same instructions whatever its position (eager, lazy and traced
// results then agree bit for bit).
#pragma once

#include <algorithm>
#include <utility>

#include <nlohmann/json.hpp>

#include "any_op-inl.hpp"
#include "elementwise_kernel.hpp"

namespace neuron {

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

template <class Derived, int Arity>
void MapOp<Derived, Arity>::run_chunk(const ElementwiseTypes& t, const void* const* in, void* out,
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

template <class Op>
constexpr auto elementwise_pad_fill()
    -> PadFill (*)(const void*, const ElementwiseTypes&, const PadFill*) {
  if constexpr (has_elementwise_pad_fill<Op>::value)
    return [](const void* op, const ElementwiseTypes& t, const PadFill* in) {
      return static_cast<const Op*>(op)->pad_fill(t, in);
    };
  else
    return nullptr;
}

template <class Op>
const ElementwiseKernel& elementwise_kernel() {
  static const ElementwiseKernel kernel = {
      Op::name,
      Op::arity,
      [](const void* op, const Operand* in) {
        std::array<Operand, Op::arity> a;
        std::copy(in, in + Op::arity, a.begin());
        return static_cast<const Op*>(op)->types(a);
      },
      [](const void* op, const ElementwiseTypes& t, const void* const* in, void* out,
         std::int64_t n) { static_cast<const Op*>(op)->run_chunk(t, in, out, n); },
      [](const void* op) {
        nlohmann::json j = nlohmann::json::array();
        std::apply([&](const auto&... a) { (j.push_back(attr::to_json(a)), ...); },
                   static_cast<const Op*>(op)->attrs());
        return j;
      },
      [](const void* op) { return attr::encode_all(static_cast<const Op*>(op)->attrs()); },
      [](const nlohmann::json& attrs) -> std::shared_ptr<const void> {
        return std::make_shared<const Op>(op_attrs_from_json<Op>(attrs));
      },
      elementwise_pad_fill<Op>(),
  };
  return kernel;
}

}  // namespace neuron
