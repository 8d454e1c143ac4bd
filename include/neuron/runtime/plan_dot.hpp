// Graphviz text of a traced module's compiled plans: inputs, weights, one box per op with its
// output shape, and the values that flow between them. One cluster per bucket.
#pragma once

#include <string>

#include "../core/config.hpp"
#include "traced_module.hpp"

// Declared in TracedModule (traced_module.hpp), defined in plan_dot-inl.hpp:
//   std::string TracedModule::to_dot() const;

#ifdef NEURON_HEADER_ONLY
#include "plan_dot-inl.hpp"
#endif
