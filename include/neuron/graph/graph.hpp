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

// The graph computing a set of outputs as flat arrays over the recorded IR: the nodes in the
// order build_graph() gives its entries, inputs as positions, and the same hash. It is what a
// cache-hit step needs (no Graph, no shared-pointer copies), cut into storage that is reused from
// step to step. The nodes are borrowed: valid while the outputs' nodes are held.
struct GraphCut {
  std::vector<const IrNodePtr*> nodes;  // topological order
  std::vector<int> input_begin;  // node i's inputs: input_ids[input_begin[i] .. input_begin[i+1])
  std::vector<int> input_ids;    // node positions
  std::vector<int> outputs;      // node positions, one per requested output
  Hash128 hash;                  // Graph::hash; its shapeless hash is made with the Graph
  std::size_t ops = 0;           // nodes that are ops, not data

  std::size_t size() const { return nodes.size(); }
  const IrNode& node(std::size_t i) const { return **nodes[i]; }
  std::size_t op_count() const { return ops; }
};

// Cuts the graph computing `*outputs[i]` into `cut`, reusing its storage. Iterative, so deep
// graphs cannot overflow the stack.
void cut_graph(const std::vector<const IrNodePtr*>& outputs, GraphCut& cut);

// Builds the graph computing `outputs` (the same order and hashes as cut_graph).
Graph build_graph(const std::vector<IrNodePtr>& outputs);
Graph build_graph(const GraphCut& cut);

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
  bool matches(const GraphCut& cut) const;
};

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "graph-inl.hpp"
#endif
