// Every elementwise op's kernel table, instantiated here, in the library, for the headers that
// only declare elementwise_kernel<Op>() (expressions in user code refer to these instances).
#pragma once

#include "activation.hpp"
#include "binary.hpp"
#include "cast-inl.hpp"
#include "clamp.hpp"
#include "compare-inl.hpp"
#include "elementwise_ops.hpp"
#include "op_list.hpp"
#include "unary.hpp"
#include "unary_math.hpp"
#include "where-inl.hpp"

namespace neuron {

NEURON_INLINE const ElementwiseKernel* elementwise_kernel_by_name(std::string_view name) {
  const ElementwiseKernel* found = nullptr;
  AllOps::for_each([&](auto proto) {
    using Op = decltype(proto);
    if constexpr (is_elementwise_op<Op>::value) {
      const ElementwiseKernel& k = elementwise_kernel<Op>();  // instantiates every table
      if (name == Op::name) found = &k;
    }
  });
  return found;
}

#ifndef NEURON_HEADER_ONLY
namespace detail {
// Emits elementwise_kernel<Op> for every elementwise op of the op list into the library (the
// headers only declare it): an explicit instantiation emits all(), which takes every address.
template <class List>
struct ElementwiseKernelInstances;
template <class... Ops>
struct ElementwiseKernelInstances<OpList<Ops...>> {
  void all() const { (take<Ops>(), ...); }
  template <class Op>
  static void take() {
    if constexpr (is_elementwise_op<Op>::value) {
      const ElementwiseKernel& (*volatile getter)() = &elementwise_kernel<Op>;
      (void)getter;
    }
  }
};
template struct ElementwiseKernelInstances<AllOps>;
}  // namespace detail
#endif

}  // namespace neuron
