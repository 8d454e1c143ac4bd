#pragma once

#include "graph.hpp"

#include <string>
#include <unordered_map>
#include <utility>

#include "hash-inl.hpp"
#include "ir-inl.hpp"

namespace neuron {

NEURON_INLINE Graph build_graph(const std::vector<IrNodePtr>& outputs) {
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
  thread_local std::string full_tls, shapeless_tls;  // reused: no allocation per graph
  std::string& full = full_tls;
  std::string& shapeless = shapeless_tls;
  full.clear();
  shapeless.clear();
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

NEURON_INLINE CanonicalGraph CanonicalGraph::of(const Graph& g) {
  CanonicalGraph c;
  for (const GraphEntry& e : g.entries) {
    c.entries.push_back({e.node->local, e.node->op, e.node->spec, e.inputs});
    if (e.node->is_data()) c.input_specs.push_back(e.node->spec);
  }
  c.outputs = g.outputs;
  return c;
}
NEURON_INLINE bool CanonicalGraph::matches(const Graph& g) const {
  if (g.entries.size() != entries.size() || g.outputs != outputs) return false;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const Entry& a = entries[i];
    const IrNode& b = *g.entries[i].node;
    if (a.local != b.local || !(a.spec == b.spec) || a.inputs != g.entries[i].inputs) return false;
    if ((a.op == nullptr) != b.is_data()) return false;
    if (a.op && !a.op->same_as(*b.op)) return false;
  }
  return true;
}

}  // namespace neuron
