// The compiled graph of a traced module as JSON (the `neuron.graph` metadata of a .neuron file):
//
//   {"weights": [name, ...],                       the weight table; slots refer to it by position
//    "mode": "fixed" | "dynamic_batch" | "buckets", "padded_dims": [[input, dim]],
//    "pad_value": 0,                               what padded entries get; "per_input" when the
//    "pad_values": [0, 1],                         inputs differ: then one per input (since 1.1;
//                                                  older files have only "pad_value", and older
//                                                  readers refuse "per_input" instead of padding
//                                                  every input with one value)
//    "tied_dims": [[[input, dim], ...]],           optional (1.1): padded dims a call must give one
//                                                  real extent (their values meet in the graph)
//    "min_extents": [n per padded dim],            optional (1.1): entries a call must have there
//    "plans": [{                                   one per bucket, ascending
//      "inputs":  [{"dtype", "shape"}],
//      "slots":   [{"kind": "input"|"weight"|"arena"|"output", "index"|"offset", "dtype",
//                  "shape"}],
//      "nodes":   [{"op", "attrs", "inputs": [slot], "output": slot, "scalars": [number],
//                   "scalar_offset": n}],          optional (1.3): the step reads its scalars from
//                                                  a call's runtime scalars, from n on ("scalars"
//                                                  is then empty; lazy-mode cache entries)
//      "scalar_count": n,                          optional (1.3): runtime scalars a call passes
//      "outputs": [{"slot", "dtype", "shape", "follows": [[[input, dim]] per dim]}],
//      "memory":  {"arena_bytes"}}]}
//
// Reading validates every field's type and range, rebuilds each op from the op list (fused
// expressions from their trees), and runs validate_plan(); nothing is executed or used as a path.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "../expr/interpreted_expr.hpp"
#include "../runtime/traced_module.hpp"

namespace neuron {

namespace detail {
// A tensor spec as the graph JSON writes it: {"dtype": name, "shape": [dims]}.
nlohmann::json spec_json(const TensorSpec& s);
}  // namespace detail

// The graph JSON of module `d` (weights, mode, plans).
nlohmann::json module_graph_json(const ModuleData& d);

// Builds and validates the module a graph describes over `weights` (in the graph's weight order);
// make_ready() prepares it to run.
std::shared_ptr<ModuleData> module_from_graph_json(const nlohmann::json& graph,
                                                   std::vector<Tensor> weights,
                                                   const std::string& where);

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "module_graph-inl.hpp"
#endif
