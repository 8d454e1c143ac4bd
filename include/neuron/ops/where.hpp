// where(cond, a, b): a where cond is true, else b; a and b promote together, cond must be bool.
#pragma once

#include <cstdint>
#include <tuple>

#include "elementwise_kernel.hpp"

namespace neuron {

struct Where {
  static constexpr const char* name = "where";
  static constexpr int arity = 3;
  NEURON_ATTRS()
  ElementwiseTypes types(const std::array<Operand, 3>& in) const {
    if (in[0].dtype != bool_)
      throw_error<DTypeError>("where: condition (input 0) must be bool, got ", in[0].dtype,
                              "; compare first, e.g. nr::gt(x, 0)");
    DType d = result_type_of(std::array<Operand, 2>{in[1], in[2]});
    return {{bool_, d, d}, d};
  }
  void run_chunk(const ElementwiseTypes& t, const void* const* in, void* out, std::int64_t n) const;
  // A known condition picks a branch (masked_fill(x, mask, -inf) with the mask padded with true
  // holds -inf); an unknown one gives the branches' value when they agree.
  PadFill pad_fill(const ElementwiseTypes&, const PadFill* in) const {
    if (in[0].known) return in[0].value != 0 ? in[1] : in[2];
    return in[1].known && in[1] == in[2] ? in[1] : PadFill::unknown();
  }
};

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "where-inl.hpp"
#endif
