// Padding analysis for trace_buckets and dynamic_batch: follows the padded input dims through a
// plan with each op's dim flow (ops/dim_flow.hpp). Records which output dims carry padding (the
// module slices it off), and refuses, naming the op and the dim, any op that would mix padded
// values into real ones (a reduction, softmax, a contraction, attention) or lose track of them.
#pragma once

#include <string>
#include <vector>

#include "../core/config.hpp"
#include "../runtime/plan.hpp"

namespace neuron {

void track_padding(Plan& p, const std::vector<DimSource>& padded, const std::string& mode);

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "padding-inl.hpp"
#endif
