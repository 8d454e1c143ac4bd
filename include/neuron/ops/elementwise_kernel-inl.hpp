// Elementwise kernel tables, and MapOp::run_chunk: the chunk loop (map_chunk.hpp) of the
// instruction set picked at start-up for floating dtypes (isa_kernels.hpp), in place otherwise.
#pragma once

#include <algorithm>
#include <utility>

#include <nlohmann/json.hpp>

#include "any_op-inl.hpp"
#include "elementwise_kernel.hpp"
#include "isa_kernels-inl.hpp"
#include "map_chunk.hpp"

namespace neuron {

template <class Derived, int Arity>
void MapOp<Derived, Arity>::run_chunk(const ElementwiseTypes& t, const void* const* in, void* out,
                                      std::int64_t n) const {
  visit_dtype(t.out, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (Derived::template accepts<T>) {
      if constexpr (std::is_floating_point_v<T>) {
        // The kernel of the instruction set picked at start-up (isa_kernels.hpp), looked up once.
        static const detail::MapChunkFn isa =
            detail::isa_map_chunk(Derived::name, std::is_same_v<T, double>);
        if (isa) return isa(static_cast<const Derived*>(this), in, out, n);
      }
      detail::map_chunk<Derived, T>(static_cast<const Derived&>(*this), in, out, n,
                                    std::make_index_sequence<Arity>{});
    } else {
      throw_error<DTypeError>(Derived::name, ": no kernel for dtype ", t.out);
    }
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
