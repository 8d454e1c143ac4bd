// Recording fused expressions on the lazy device (expr_op.hpp).
#pragma once

#include <limits>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "expr_op.hpp"
#include "interpreted_expr.hpp"

namespace neuron::expr {

namespace detail {
// Appends the structure text of the subtree at nodes[root] (one string, no temporaries).
inline void append_structure(std::string& out, const FusedNode* nodes, int root) {
  const FusedNode& n = nodes[root];
  if (n.kind == FusedNode::Kind::leaf) {
    out += 'x';
    return;
  }
  if (n.kind == FusedNode::Kind::scalar) {
    out += "scalar:";
    out += dtype_name(n.dtype);
    return;
  }
  out += n.kernel->name;
  const std::string a = n.kernel->encoded_attrs(n.op);
  if (!a.empty()) {
    static const char* hex = "0123456789abcdef";
    out += '[';
    for (unsigned char c : a) {
      out += hex[c >> 4];
      out += hex[c & 15];
    }
    out += ']';
  }
  out += ':';
  out += dtype_name(n.types.out);
  // The dtypes the operands are converted to, when they are not the output's (compare, cast):
  // eq on int64 and eq on float32 both give bool, but they are different kernels.
  const std::size_t arity = static_cast<std::size_t>(n.kernel->arity);
  bool mixed = false;
  for (std::size_t k = 0; k < arity; ++k) mixed |= n.types.in[k] != n.types.out;
  if (mixed) {
    out += '<';
    for (std::size_t k = 0; k < arity; ++k) {
      if (k) out += ',';
      out += dtype_name(n.types.in[k]);
    }
    out += '>';
  }
  out += '(';
  for (std::size_t k = 0; k < arity; ++k) {
    if (k) out += ',';
    append_structure(out, nodes, n.args[k]);
  }
  out += ')';
}
}  // namespace detail

NEURON_INLINE std::string fused_structure(const FusedNode* nodes, int root) {
  std::string out;
  out.reserve(128);
  detail::append_structure(out, nodes, root);
  return out;
}

NEURON_INLINE nlohmann::json fused_tree_json(const FusedNode* nodes, int root) {
  const FusedNode& n = nodes[root];
  if (n.kind == FusedNode::Kind::leaf) return "x";
  if (n.kind == FusedNode::Kind::scalar) return {{"scalar", dtype_name(n.dtype)}};
  nlohmann::json args = nlohmann::json::array();
  for (int k = 0; k < n.kernel->arity; ++k)
    args.push_back(fused_tree_json(nodes, n.args[static_cast<std::size_t>(k)]));
  return {{"op", n.kernel->name},
          {"attrs", n.kernel->attrs_json(n.op)},
          {"dtype", dtype_name(n.types.out)},
          {"args", args}};
}

NEURON_INLINE Tensor record_fused(const FusedNode* nodes, int count, const Tensor* leaves,
                                  int leaf_count, const ScalarValue* scalars, int scalar_count,
                                  const Shape& shape, DType dtype) {
  // One op per structure and input specs is enough: later records share it. The key is the
  // structure text, then each input's dtype, rank and extents as bytes; built in a buffer the
  // thread reuses, since a cache-hit lazy step records every expression again.
  thread_local std::string key_tls;
  std::string& key = key_tls;
  key.clear();
  detail::append_structure(key, nodes, count - 1);
  for (int i = 0; i < leaf_count; ++i) {
    const Shape& shape_i = leaves[i].shape();
    key += '|';
    key += static_cast<char>(leaves[i].dtype());
    key += static_cast<char>(shape_i.rank());
    key.append(reinterpret_cast<const char*>(shape_i.begin()),
               static_cast<std::size_t>(shape_i.rank()) * sizeof(std::int64_t));
  }
  thread_local std::unordered_map<std::string, std::shared_ptr<const AnyOp>> seen;
  auto it = seen.find(key);
  if (it == seen.end()) {
    if (seen.size() >= 4096) seen.clear();  // many shapes (lazy dynamic shapes): start over
    std::vector<TensorSpec> specs;
    for (int i = 0; i < leaf_count; ++i) specs.push_back(spec_of(leaves[i]));
    auto op = std::make_shared<InterpretedExpr>(fused_tree_json(nodes, count - 1), specs,
                                                std::numeric_limits<int>::max());
    it = seen.emplace(key, std::move(op)).first;
  }
  const neuron::detail::ReusedInputs inputs(leaves, leaves + leaf_count);
  return record_lazy(it->second, inputs.get(),
                     std::vector<ScalarValue>(scalars, scalars + scalar_count),
                     TensorSpec{shape, dtype});
}

}  // namespace neuron::expr
