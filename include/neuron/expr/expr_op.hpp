// A fused elementwise expression as one op of a lazy graph. Recording an expression over lazy
// tensors makes one node whose op is the interpreted tree (interpreted_expr.hpp): its structure
// (ops, attributes, dtypes, operand kinds) identifies it in graph hashes; tensors are bound as
// inputs, C++ numbers as runtime scalars, so new data or new scalar values reuse a compiled graph.
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

#include "evaluate.hpp"

namespace neuron::expr {

// Records nodes[0..count) over lazy `leaves` as one fused node of the pending graph.
Tensor record_fused(const FusedNode* nodes, int count, const Tensor* leaves, int leaf_count,
                    const ScalarValue* scalars, int scalar_count, const Shape& shape, DType dtype);

// The structure text of the subtree rooted at nodes[root] (the same text for the same tree,
// whichever way it was built): "x" for a leaf, "scalar:<dtype>" for a C++ number,
// "<op>[<attr bytes in hex>]:<dtype><<operand dtypes when they differ>>(<operands>)" for an op.
std::string fused_structure(const FusedNode* nodes, int root);

// The tree as JSON (files): {"op", "attrs", "dtype", "args"}; leaves are "x", bound in order;
// C++ numbers are {"scalar": dtype}, their values are runtime scalars.
nlohmann::json fused_tree_json(const FusedNode* nodes, int root);

}  // namespace neuron::expr

#ifdef NEURON_HEADER_ONLY
#include "expr_op-inl.hpp"
#endif
