// Comparisons eq ne lt le gt ge: operands are promoted together (PyTorch's result type), the
// result is bool.
#pragma once

#include <cstdint>
#include <functional>
#include <tuple>

#include "elementwise_kernel.hpp"

namespace neuron {

template <class Derived, class Cmp>
struct CompareOp {
  static constexpr int arity = 2;
  NEURON_ATTRS()
  ElementwiseTypes types(const std::array<Operand, 2>& in) const {
    DType d = result_type_of(in);
    return {{d, d}, bool_};
  }
  void run_chunk(const ElementwiseTypes& t, const void* const* in, void* out, std::int64_t n) const;
};

struct Eq : CompareOp<Eq, std::equal_to<>> {
  static constexpr const char* name = "eq";
};
struct Ne : CompareOp<Ne, std::not_equal_to<>> {
  static constexpr const char* name = "ne";
};
struct Lt : CompareOp<Lt, std::less<>> {
  static constexpr const char* name = "lt";
};
struct Le : CompareOp<Le, std::less_equal<>> {
  static constexpr const char* name = "le";
};
struct Gt : CompareOp<Gt, std::greater<>> {
  static constexpr const char* name = "gt";
};
struct Ge : CompareOp<Ge, std::greater_equal<>> {
  static constexpr const char* name = "ge";
};

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "compare-inl.hpp"
#endif
