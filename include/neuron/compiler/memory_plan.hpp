// Memory planning: places every intermediate (arena slot) of a plan at an offset in one scratch
// arena. A value lives from the step that computes it to its last reader; values whose lifetimes
// intersect never share bytes. Greedy by size, largest first, each at the lowest offset that fits
// between the values already placed that overlap it in time.
#pragma once

#include <vector>

#include "../core/config.hpp"
#include "../runtime/executable.hpp"
#include "../runtime/plan.hpp"

namespace neuron {

void plan_memory(Plan& p);

// The same for a lazy executable: its intermediates get arena offsets (Executable::arena_offsets).
// Inputs and outputs stay with the allocator, and so does any slot not written exactly once before
// it is read (which a well-formed executable never has).
void plan_memory(Executable& exe);

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "memory_plan-inl.hpp"
#endif
