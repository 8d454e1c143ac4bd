// The one pass pipeline of both modes, on a lowered plan (lower()), before memory planning:
// import_passes.hpp's rewrites, then cnn_passes.hpp's, in a fixed order, each as the options ask.
// Passes that rewrite constant weights (matmul as linear, the exported GELU, LayerNorm and
// attention rewrites, batch norm folding) run when `weights` is given (trace's weight table);
// without it (lazy plans, whose weights are inputs) the others run alone.
#pragma once

#include "../core/config.hpp"
#include "../runtime/plan.hpp"
#include "cnn_passes.hpp"
#include "compile_options.hpp"

namespace neuron {

void optimize(Plan& plan, const CompileOptions& options, PlanWeights* weights = nullptr);

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "optimize-inl.hpp"
#endif
