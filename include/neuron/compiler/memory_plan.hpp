// Memory planning: places every intermediate (arena slot) of a plan at an offset in one scratch
// arena. A value lives from the step that computes it to its last reader; values whose lifetimes
// intersect never share bytes. Greedy by size, largest first, each at the lowest offset that fits
// between the values already placed that overlap it in time.
#pragma once

#include <vector>

#include "../core/config.hpp"
#include "../runtime/plan.hpp"

namespace neuron {

void plan_memory(Plan& p);

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "memory_plan-inl.hpp"
#endif
