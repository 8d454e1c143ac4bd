// A graph cut out of the recorded IR for a set of outputs: nodes in topological order with inputs
// as positions, device data bound by position (so other data reuses the same executable), runtime
// scalars in node order, and the structural hash over it all.
#pragma once

#include <unordered_map>
#include <vector>

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
inline Graph build_graph(const std::vector<IrNodePtr>& outputs) {
  Graph g;
  std::unordered_map<const IrNode*, int> index;
  std::vector<std::pair<IrNodePtr, std::size_t>> stack;  // node, next input to visit
  for (const IrNodePtr& out : outputs) {
    if (!index.count(out.get())) stack.emplace_back(out, 0);
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      if (next < node->inputs.size()) {
        const IrNodePtr& in = node->inputs[next++];
        if (!index.count(in.get())) stack.emplace_back(in, 0);
        continue;
      }
      GraphEntry e;
      e.node = node;
      for (const IrNodePtr& in : node->inputs) e.inputs.push_back(index.at(in.get()));
      if (node->is_data()) {
        e.input_index = static_cast<int>(g.inputs.size());
        g.inputs.push_back(node->data);
      }
      e.scalar_offset = static_cast<int>(g.scalars.size());
      g.scalars.insert(g.scalars.end(), node->scalars.begin(), node->scalars.end());
      index.emplace(node.get(), static_cast<int>(g.entries.size()));
      g.entries.push_back(std::move(e));
      stack.pop_back();
    }
    g.outputs.push_back(index.at(out.get()));
  }
  std::string full, shapeless;
  for (const GraphEntry& e : g.entries) {
    hash_append(full, e.node->local);
    hash_append(shapeless, e.node->shapeless);
    hash_append(full, static_cast<int>(e.inputs.size()));
    hash_append(shapeless, static_cast<int>(e.inputs.size()));
    for (int i : e.inputs) {
      hash_append(full, i);
      hash_append(shapeless, i);
    }
  }
  for (int o : g.outputs) {
    hash_append(full, o);
    hash_append(shapeless, o);
  }
  g.hash = hash_bytes(full);
  g.shapeless = hash_bytes(shapeless);
  return g;
}

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

  static CanonicalGraph of(const Graph& g) {
    CanonicalGraph c;
    for (const GraphEntry& e : g.entries) {
      c.entries.push_back({e.node->local, e.node->op, e.node->spec, e.inputs});
      if (e.node->is_data()) c.input_specs.push_back(e.node->spec);
    }
    c.outputs = g.outputs;
    return c;
  }
  bool matches(const Graph& g) const {
    if (g.entries.size() != entries.size() || g.outputs != outputs) return false;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      const Entry& a = entries[i];
      const IrNode& b = *g.entries[i].node;
      if (a.local != b.local || !(a.spec == b.spec) || a.inputs != g.entries[i].inputs)
        return false;
      if ((a.op == nullptr) != b.is_data()) return false;
      if (a.op && !a.op->same_as(*b.op)) return false;
    }
    return true;
  }
};

}  // namespace neuron
