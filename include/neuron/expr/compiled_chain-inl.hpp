// Definitions of evaluate.hpp's compiled chains (bind_chain, chain_dtypes_fit, run_chain).
#pragma once

#include <algorithm>
#include <array>
#include <string>

#include "../ops/chains.hpp"
#include "evaluate.hpp"
#ifdef NEURON_HEADER_ONLY
#include "../ops/chains-inl.hpp"
#endif

namespace neuron::expr {

namespace detail {
// Trees larger than this are never in the catalog: not worth the key.
inline constexpr int kMaxChainNodes = 48;

// Appends the key of the subtree at `root` (chains.hpp) and its ops and operands, in order.
inline void chain_key(const FusedNode* nodes, int root, std::string& key, ChainBinding& b) {
  const FusedNode& n = nodes[root];
  if (n.kind != FusedNode::Kind::op) {
    key += '_';
    b.operand_nodes.push_back(root);
    return;
  }
  key += n.kernel->name;
  key += '(';
  for (int k = 0; k < n.kernel->arity; ++k) {
    if (k > 0) key += ',';
    chain_key(nodes, n.args[static_cast<std::size_t>(k)], key, b);
  }
  key += ')';
  b.op_nodes.push_back(root);
}
}  // namespace detail

NEURON_INLINE ChainBinding bind_chain(const FusedNode* nodes, int count) {
  ChainBinding b;
  if (count < 2 || count > detail::kMaxChainNodes || !neuron::detail::compiled_chains_enabled())
    return b;
  std::string key;
  detail::chain_key(nodes, count - 1, key, b);
  if (static_cast<int>(b.operand_nodes.size()) > neuron::detail::kMaxChainOperands) return {};
  b.chain = neuron::detail::chain_index(key);
  if (b.chain < 0) return {};
  return b;
}

NEURON_INLINE bool chain_dtypes_fit(const FusedNode* nodes, int count) {
  for (int i = 0; i < count; ++i) {
    const FusedNode& n = nodes[i];
    if (n.kind == FusedNode::Kind::scalar) continue;  // converted once, by the op's input dtype
    if (n.dtype != float32) return false;
    if (n.kind == FusedNode::Kind::op)
      for (int k = 0; k < n.kernel->arity; ++k)
        if (n.types.in[static_cast<std::size_t>(k)] != float32) return false;
  }
  return true;
}

NEURON_INLINE void run_chain(const ChainBinding& b, const FusedNode* nodes, const Tensor* leaves,
                             int leaf_count, const ScalarValue* scalars, Tensor& out) {
  constexpr int kMax = neuron::detail::kMaxChainOperands;
  constexpr std::int64_t kChainChunk = 1024;
  const neuron::detail::ChainFn fn = neuron::detail::chain_fn(b.chain);
  std::array<const void*, detail::kMaxChainNodes> ops{};
  for (std::size_t j = 0; j < b.op_nodes.size(); ++j) ops[j] = nodes[b.op_nodes[j]].op;
  // Operands that are one value (C++ numbers, single-element leaves): repeated once, here.
  const int operands = static_cast<int>(b.operand_nodes.size());
  alignas(64) float splat[kMax][16];
  std::array<int, kMax> leaf_of{};  // the leaf an operand reads per chunk; -1: a splat
  for (int k = 0; k < operands; ++k) {
    const FusedNode& n = nodes[b.operand_nodes[static_cast<std::size_t>(k)]];
    const std::size_t uk = static_cast<std::size_t>(k);
    leaf_of[uk] = -1;
    float value = 0;
    if (n.kind == FusedNode::Kind::scalar)
      value = detail::scalar_as<float>(scalars[n.index], n.dtype);
    else if (leaves[n.index].numel() == 1)
      value = *static_cast<const float*>(leaves[n.index].raw_data());
    else
      leaf_of[uk] = n.index;
    std::fill(splat[k], splat[k] + 16, value);
  }
  // Chunks as long as the staging buffers when a leaf is broadcast; else longer (less per-chunk
  // work: nothing is staged).
  bool staging = false;
  for (int k = 0; k < operands; ++k) {
    const int leaf = leaf_of[static_cast<std::size_t>(k)];
    staging = staging || (leaf >= 0 && leaves[leaf].numel() != out.numel());
  }
  const std::int64_t chunk = staging ? kChainChunk : 16 * kChainChunk;
  evaluate_tree(
      out, leaves, leaf_count,
      [&](EvalContext& cx, std::int64_t n, void* dst) -> const void* {
        alignas(64) float staged[kMax][kChainChunk];  // per thread: on its stack
        const float* in[kMax] = {};
        std::int64_t mask[kMax] = {};
        for (int k = 0; k < operands; ++k) {
          const int leaf = leaf_of[static_cast<std::size_t>(k)];
          if (leaf < 0) {
            in[k] = splat[k];
            continue;
          }
          mask[k] = -1;
          in[k] = reinterpret_cast<const float*>(
              leaf_chunk(cx.leaves[leaf], cx, n, reinterpret_cast<std::byte*>(staged[k])));
        }
        fn(ops.data(), in, mask, static_cast<float*>(dst), n, cx.stream);
        return dst;
      },
      chunk, /*direct=*/true);
}

}  // namespace neuron::expr
