// The compiler's entry points. lower() turns a graph into the one program type both modes run, a
// Plan (dead-code and common-subexpression elimination on the way); optimize() is the one pass
// pipeline (optimize.hpp); compile() is what lazy mode runs: lower, optimize, plan memory,
// prepare. trace() lowers the same way, stores the runtime scalars in the steps and binds the
// constants as weights before it optimizes.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "../core/config.hpp"
#include "../graph/graph.hpp"
#include "../runtime/executor.hpp"
#include "../runtime/plan.hpp"
#include "compile_options.hpp"

namespace neuron {

// Per entry: the entry that replaces it (itself unless CSE merged it away).
std::vector<int> eliminate_common_subexpressions(const Graph& g);

// Entries needed by the outputs (after replacement).
std::vector<bool> live_entries(const Graph& g, const std::vector<int>& rep);

// The graph as a plan (CSE, DCE, lowering), not yet optimised or memory-planned. Every graph
// input is an input slot at its position, used or not (binding is positional); intermediates are
// arena slots, graph outputs output slots; a step with scalars reads them from the call's runtime
// scalars at its node's offset (PlanStep::scalar_offset; Plan::scalar_count is the graph's).
Plan lower(const Graph& g, const CompileOptions& options = {});

// lower + optimize (no constant weights: lazy graphs take their weights as inputs) + plan_memory,
// then the steps prepared: what lazy mode caches and runs.
std::shared_ptr<PreparedPlan> compile(const Graph& g, const CompileOptions& options = {});

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "compile-inl.hpp"
#endif
