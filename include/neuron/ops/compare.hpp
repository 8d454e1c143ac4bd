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
  void run_chunk(const ElementwiseTypes& t, const void* const* in, void* out,
                 std::int64_t n) const {
    bool* o = static_cast<bool*>(out);
    visit_dtype(t.in[0], [&](auto tag) {
      using T = decltype(tag);
      const T* a = static_cast<const T*>(in[0]);
      const T* b = static_cast<const T*>(in[1]);
      Cmp cmp;
      for (std::int64_t i = 0; i < n; ++i) o[i] = cmp(a[i], b[i]);
    });
  }
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
