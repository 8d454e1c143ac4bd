// A graph cut out of the recorded IR for a set of outputs: nodes in topological order with inputs
// as positions, device data bound by position (so other data reuses the same executable), runtime
// scalars in node order, and the structural hash over it all.
#pragma once

#include <vector>

#include "../core/config.hpp"
#include "ir.hpp"

namespace neuron {

struct GraphEntry {
  IrNodePtr node;  // shared: a graph stays valid when the tensors that recorded it are gone
  std::vector<int> inputs;  // entry indices
  int input_index = -1;     // for device data: its position among the graph inputs
  int scalar_offset = 0;    // first of this node's scalars in Graph::scalars
};

struct Graph {
  std::vector<GraphEntry> entries;
  std::vector<int> outputs;    // entry indices, one per requested output
  std::vector<Tensor> inputs;  // CPU views of the device data, by position
  std::vector<ScalarValue> scalars;
  Hash128 hash;       // structure + specs + wiring
  Hash128 shapeless;  // structure + wiring, no specs

  std::size_t op_count() const {
    std::size_t n = 0;
    for (const auto& e : entries) n += !e.node->is_data();
    return n;
  }
};

// Builds the graph computing `outputs`. Iterative, so deep graphs cannot overflow the stack.
Graph build_graph(const std::vector<IrNodePtr>& outputs);

// What a cached executable remembers of its graph, to verify a hash hit is the same graph.
struct CanonicalGraph {
  struct Entry {
    Hash128 local;
    std::shared_ptr<const AnyOp> op;  // null for data
    TensorSpec spec;
    std::vector<int> inputs;
  };
  std::vector<Entry> entries;
  std::vector<int> outputs;
  std::vector<TensorSpec> input_specs;

  static CanonicalGraph of(const Graph& g);
  bool matches(const Graph& g) const;
};

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "graph-inl.hpp"
#endif
