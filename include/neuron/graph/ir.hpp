// IR nodes: one per recorded op (or per piece of device data, the graph inputs). A node knows its
// output spec at record time, and its local hash (op structure + spec) is computed once, here.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "../core/config.hpp"
#include "../ops/any_op.hpp"
#include "hash.hpp"

namespace neuron {

struct IrNode;
using IrNodePtr = std::shared_ptr<const IrNode>;

struct IrNode {
  std::shared_ptr<const AnyOp> op;  // null for device data
  std::vector<IrNodePtr> inputs;
  std::vector<ScalarValue> scalars;  // runtime values, never hashed
  TensorSpec spec;
  Tensor data;    // device data: a CPU view of the values
  Hash128 local;  // op structure + output spec (shapeless_hash(): the structure alone)

  bool is_data() const { return op == nullptr; }

  IrNode() = default;
  IrNode(const IrNode&) = delete;
  IrNode& operator=(const IrNode&) = delete;
  // Releases long chains iteratively: a recursive release of 100k nested nodes would overflow
  // the stack.
  ~IrNode();
};

namespace detail {
// An empty list for a new node's inputs; its capacity is that of a released node's list (no
// allocation while a lazy step records what the last one released).
std::vector<IrNodePtr> input_list();
}  // namespace detail

IrNodePtr make_op_node(std::shared_ptr<const AnyOp> op, std::vector<IrNodePtr> inputs,
                       std::vector<ScalarValue> scalars, const TensorSpec& spec);

// `cpu_view` must be a CPU tensor; the node keeps it alive.
IrNodePtr make_data_node(const Tensor& cpu_view);

namespace detail {
// A node's local hash computed from its bytes (set_local_hash reuses those of the last nodes
// recorded with the same op model and spec).
Hash128 compute_local_hash(const IrNode& n);
}  // namespace detail

// The node's op structure without its spec (explains recompiles). Computed when asked, on a cache
// miss: a cache-hit step never needs it.
Hash128 shapeless_hash(const IrNode& n);

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "ir-inl.hpp"
#endif
