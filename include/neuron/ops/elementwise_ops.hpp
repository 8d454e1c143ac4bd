// Lookup of the elementwise ops of the op list by name (fused expressions read from files).
#pragma once

#include <string_view>

#include "elementwise_kernel.hpp"

namespace neuron {

// The kernel table of the elementwise op called `name`, or nullptr when no elementwise op of the
// op list has that name.
const ElementwiseKernel* elementwise_kernel_by_name(std::string_view name);

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "elementwise_ops-inl.hpp"
#endif
