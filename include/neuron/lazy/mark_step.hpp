// mark_step(): compiles (or finds in the cache) and runs one graph computing every live pending
// lazy tensor, then turns them into device data, cutting the graph. Reading a pending tensor
// (.cpu(), item(), printing) runs the part of the graph it needs: an implicit sync, counted.
#pragma once

#include <memory>
#include <vector>

#include "../core/config.hpp"
#include "disk_cache.hpp"
#include "lazy_tensor.hpp"
#include "metrics.hpp"
#include "plan_cache.hpp"

namespace neuron {

namespace lazy {

// Whether NEURON_LOG asks for a line per compile.
bool log_compiles();

// The options mark_step() compiles with.
CompileOptions& compile_options();

// Finds or compiles the plan for `g` (the plan cache, then the disk cache, then compiling).
std::shared_ptr<const PreparedPlan> plan_for(const Graph& g);

// Computes the pending `tensors` (all lazy, pending) and makes them device data.
void sync(const std::vector<std::shared_ptr<TensorImpl>>& tensors);

Tensor to_cpu(const Tensor& lazy_tensor);

}  // namespace lazy

// Computes every live pending lazy tensor in one graph; afterwards they hold data.
void mark_step();

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "mark_step-inl.hpp"
#endif
