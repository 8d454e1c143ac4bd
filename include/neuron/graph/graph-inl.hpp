#pragma once

#include "graph.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>

#include "hash-inl.hpp"
#include "ir-inl.hpp"

namespace neuron {

namespace detail {

// Node -> position while a graph is cut: open addressing over node addresses. Entries carry the
// number of the cut that wrote them, so the table is never cleared and, once grown to the largest
// graph seen, a cut allocates nothing.
class NodePositions {
 public:
  void start() {
    if (++cut_ == 0) {  // after 2^32 cuts: forget every stamp once
      for (Slot& s : slots_) s.cut = 0;
      cut_ = 1;
    }
    used_ = 0;
  }
  int find(const IrNode* n) const {
    for (std::size_t i = bucket(n);; i = (i + 1) & mask()) {
      const Slot& s = slots_[i];
      if (s.cut != cut_) return -1;
      if (s.node == n) return s.pos;
    }
  }
  void insert(const IrNode* n, int pos) {
    if (2 * (used_ + 1) > slots_.size()) grow();
    place(n, pos);
    ++used_;
  }

 private:
  struct Slot {
    const IrNode* node = nullptr;
    int pos = 0;
    std::uint32_t cut = 0;
  };
  std::size_t mask() const { return slots_.size() - 1; }
  std::size_t bucket(const IrNode* n) const {  // Fibonacci hashing of the address
    const auto a = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(n));
    return static_cast<std::size_t>((a * 0x9E3779B97F4A7C15ull) >> 32) & mask();
  }
  void place(const IrNode* n, int pos) {
    std::size_t i = bucket(n);
    while (slots_[i].cut == cut_) i = (i + 1) & mask();
    slots_[i] = {n, pos, cut_};
  }
  void grow() {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    for (const Slot& s : old)
      if (s.cut == cut_) place(s.node, s.pos);
  }
  std::vector<Slot> slots_ = std::vector<Slot>(64);
  std::size_t used_ = 0;
  std::uint32_t cut_ = 0;
};

}  // namespace detail

namespace detail {
// A graph hash: per node `node_hash(node)`, its input count and inputs; then the outputs. The
// bytes are those of every release before the cut existed, so on-disk caches keep their keys.
// Written straight into a buffer sized once (no append call per value).
template <class NodeHash>
Hash128 wiring_hash(const GraphCut& cut, NodeHash node_hash) {
  thread_local std::string buf_tls;  // reused: no allocation per graph
  std::string& buf = buf_tls;
  buf.resize(cut.nodes.size() * (sizeof(Hash128) + sizeof(int)) +
             (cut.input_ids.size() + cut.outputs.size()) * sizeof(int));
  char* p = buf.data();
  auto put = [&p](const void* v, std::size_t n) {
    if (n == 0) return;  // an empty vector's data() may be null, which memcpy must not see
    std::memcpy(p, v, n);
    p += n;
  };
  for (std::size_t i = 0; i < cut.nodes.size(); ++i) {
    const Hash128 h = node_hash(cut.node(i));
    put(&h, sizeof h);
    const int begin = cut.input_begin[i], count = cut.input_begin[i + 1] - begin;
    put(&count, sizeof count);
    put(cut.input_ids.data() + begin, static_cast<std::size_t>(count) * sizeof(int));
  }
  put(cut.outputs.data(), cut.outputs.size() * sizeof(int));
  return hash_bytes(buf);
}
}  // namespace detail

NEURON_INLINE void cut_graph(const std::vector<const IrNodePtr*>& outputs, GraphCut& cut) {
  thread_local detail::NodePositions index_tls;
  thread_local std::vector<std::pair<const IrNodePtr*, std::size_t>> stack_tls;
  detail::NodePositions& index = index_tls;
  auto& stack = stack_tls;  // node, next input to visit
  index.start();
  cut.nodes.clear();
  cut.input_begin.assign(1, 0);
  cut.input_ids.clear();
  cut.outputs.clear();
  cut.ops = 0;
  for (const IrNodePtr* out : outputs) {
    if (index.find(out->get()) < 0) stack.emplace_back(out, 0);
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      const std::vector<IrNodePtr>& ins = (*node)->inputs;
      if (next < ins.size()) {
        const IrNodePtr& in = ins[next++];
        if (index.find(in.get()) < 0) stack.emplace_back(&in, 0);
        continue;
      }
      for (const IrNodePtr& in : ins) cut.input_ids.push_back(index.find(in.get()));
      cut.input_begin.push_back(static_cast<int>(cut.input_ids.size()));
      index.insert(node->get(), static_cast<int>(cut.nodes.size()));
      cut.nodes.push_back(node);
      cut.ops += !(*node)->is_data();
      stack.pop_back();
    }
    cut.outputs.push_back(index.find(out->get()));
  }
  cut.hash = detail::wiring_hash(cut, [](const IrNode& n) { return n.local; });
}

NEURON_INLINE Graph build_graph(const GraphCut& cut) {
  Graph g;
  g.entries.resize(cut.nodes.size());
  for (std::size_t i = 0; i < cut.nodes.size(); ++i) {
    GraphEntry& e = g.entries[i];
    e.node = *cut.nodes[i];
    e.inputs.assign(cut.input_ids.begin() + cut.input_begin[i],
                    cut.input_ids.begin() + cut.input_begin[i + 1]);
    if (e.node->is_data()) {
      e.input_index = static_cast<int>(g.inputs.size());
      g.inputs.push_back(e.node->data);
    }
    e.scalar_offset = static_cast<int>(g.scalars.size());
    g.scalars.insert(g.scalars.end(), e.node->scalars.begin(), e.node->scalars.end());
  }
  g.outputs = cut.outputs;
  g.hash = cut.hash;
  g.shapeless = detail::wiring_hash(cut, [](const IrNode& n) { return shapeless_hash(n); });
  return g;
}

NEURON_INLINE Graph build_graph(const std::vector<IrNodePtr>& outputs) {
  std::vector<const IrNodePtr*> outs;
  outs.reserve(outputs.size());
  for (const IrNodePtr& o : outputs) outs.push_back(&o);
  GraphCut cut;
  cut_graph(outs, cut);
  return build_graph(cut);
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
namespace detail {
// Whether entry `a` is node `b` with inputs [first, last).
NEURON_INLINE bool same_entry(const CanonicalGraph::Entry& a, const IrNode& b, const int* first,
                              const int* last) {
  if (a.local != b.local || !(a.spec == b.spec)) return false;
  if (!std::equal(a.inputs.begin(), a.inputs.end(), first, last)) return false;
  if ((a.op == nullptr) != b.is_data()) return false;
  // Lazy steps share op models (recorded_op_model), so equal pointers are the usual case.
  return !a.op || a.op == b.op || a.op->same_as(*b.op);
}
}  // namespace detail

NEURON_INLINE bool CanonicalGraph::matches(const Graph& g) const {
  if (g.entries.size() != entries.size() || g.outputs != outputs) return false;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const std::vector<int>& in = g.entries[i].inputs;
    if (!detail::same_entry(entries[i], *g.entries[i].node, in.data(), in.data() + in.size()))
      return false;
  }
  return true;
}

NEURON_INLINE bool CanonicalGraph::matches(const GraphCut& cut) const {
  if (cut.nodes.size() != entries.size() || cut.outputs != outputs) return false;
  const int* ids = cut.input_ids.data();
  for (std::size_t i = 0; i < entries.size(); ++i)
    if (!detail::same_entry(entries[i], cut.node(i), ids + cut.input_begin[i],
                            ids + cut.input_begin[i + 1]))
      return false;
  return true;
}

}  // namespace neuron
