#pragma once

#include "ir.hpp"

#include <cstdint>

#include "../core/recycling_allocator.hpp"
#include "../core/this_thread.hpp"
#include "hash-inl.hpp"

namespace neuron {

namespace detail {
// The nodes a release has yet to let go of. One stack per thread, reused (a lazy step releases its
// whole recorded graph); a release inside a release adds to the outer one's stack. Once the
// thread's stack is gone (thread exit), a release uses one of its own.
struct ReleaseStack {
  std::vector<IrNodePtr> nodes;
  // Input lists of released nodes, emptied, for nodes recorded next (input_list()): a lazy step
  // records as many nodes as the last one released.
  std::vector<std::vector<IrNodePtr>> spare_lists;
  bool draining = false;
  void keep_list(std::vector<IrNodePtr>& list) {
    if (spare_lists.size() >= 256 || list.capacity() == 0 || list.capacity() > 16) return;
    list.clear();
    spare_lists.push_back(std::move(list));
  }
};
}  // namespace detail

NEURON_INLINE IrNode::~IrNode() {
  if (inputs.empty()) return;
  detail::ReleaseStack* shared = detail::this_thread_object<detail::ReleaseStack>();
  if (shared && shared->draining) {  // an outer release drains these
    for (IrNodePtr& in : inputs) shared->nodes.push_back(std::move(in));
    shared->keep_list(inputs);
    return;
  }
  if (!shared) {  // thread exit: take each last-owned input's inputs before it goes
    std::vector<IrNodePtr> pending = std::move(inputs);
    while (!pending.empty()) {
      IrNodePtr n = std::move(pending.back());
      pending.pop_back();
      if (n.use_count() == 1) {
        auto& ins = const_cast<IrNode&>(*n).inputs;
        for (auto& i : ins) pending.push_back(std::move(i));
        ins.clear();
      }
    }
    return;
  }
  detail::ReleaseStack& s = *shared;
  s.draining = true;
  for (IrNodePtr& in : inputs) s.nodes.push_back(std::move(in));
  s.keep_list(inputs);
  while (!s.nodes.empty()) {
    IrNodePtr n = std::move(s.nodes.back());
    s.nodes.pop_back();
    n.reset();  // the last owner's ~IrNode pushes its inputs onto s.nodes: no recursion
  }
  s.draining = false;
  if (s.nodes.capacity() > 4096) s.nodes = {};  // a long chain's stack is not kept
}

namespace detail {
NEURON_INLINE void append_spec(std::string& buf, const TensorSpec& s) {
  hash_append(buf, static_cast<char>(s.dtype));
  hash_append(buf, static_cast<char>(s.shape.rank()));
  buf.append(reinterpret_cast<const char*>(s.shape.begin()),
             static_cast<std::size_t>(s.shape.rank()) * sizeof(std::int64_t));
}
}  // namespace detail

namespace detail {
// The bytes both node hashes start with: the op's name and structure, or "data".
NEURON_INLINE void append_node_structure(std::string& buf, const IrNode& n) {
  if (n.is_data()) {
    buf += "data";
    return;
  }
  buf += n.op->name();
  buf += '\0';
  n.op->append_structure(buf);
}
NEURON_INLINE Hash128 compute_local_hash(const IrNode& n) {
  thread_local std::string buf_tls;  // reused: recording allocates no hash buffer
  std::string& buf = buf_tls;
  buf.clear();
  append_node_structure(buf, n);
  append_spec(buf, n.spec);
  return hash_bytes(buf);
}

// The local hashes of the last nodes recorded, by op model and spec. A lazy step records the same
// ops on the same specs every step, and with their op models shared (recorded_op_model) a hit
// replaces building and hashing the op's bytes. An entry holds its op model, so the address it is
// found by cannot be reused by another op while it is here. Values are those computed: the hash
// bytes do not change.
class LocalHashMemo {
 public:
  Hash128 of(const IrNode& n) {
    Entry& e = entries_[slot(n)];
    if (e.set && e.op == n.op && e.spec == n.spec) return e.local;
    e.local = compute_local_hash(n);
    e.op = n.op;
    e.spec = n.spec;
    e.set = true;
    return e.local;
  }

 private:
  struct Entry {
    std::shared_ptr<const AnyOp> op;  // null for data nodes
    TensorSpec spec;
    Hash128 local;
    bool set = false;
  };
  static constexpr std::size_t kSlots = 64;
  static std::size_t slot(const IrNode& n) {
    std::uint64_t h = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(n.op.get()));
    h ^= static_cast<std::uint64_t>(n.spec.dtype) << 8;
    for (std::int64_t d : n.spec.shape) h = (h ^ static_cast<std::uint64_t>(d)) * 0x100000001B3ull;
    return static_cast<std::size_t>((h * 0x9E3779B97F4A7C15ull) >> 58);  // top 6 bits: 64 slots
  }
  static_assert(kSlots == 64, "slot() keeps the top 6 bits");
  Entry entries_[kSlots];
};

NEURON_INLINE void set_local_hash(IrNode& n) {
  LocalHashMemo* memo = this_thread_object<LocalHashMemo>();
  n.local = memo ? memo->of(n) : compute_local_hash(n);
}
}  // namespace detail

namespace detail {
inline std::shared_ptr<IrNode> new_ir_node() {  // from the thread's recycled blocks
  return std::allocate_shared<IrNode>(RecyclingAllocator<IrNode>());
}

NEURON_INLINE std::vector<IrNodePtr> input_list() {
  ReleaseStack* s = this_thread_object<ReleaseStack>();
  if (!s || s->spare_lists.empty()) return {};
  std::vector<IrNodePtr> list = std::move(s->spare_lists.back());
  s->spare_lists.pop_back();
  return list;
}
}  // namespace detail

NEURON_INLINE IrNodePtr make_op_node(std::shared_ptr<const AnyOp> op, std::vector<IrNodePtr> inputs,
                                     std::vector<ScalarValue> scalars, const TensorSpec& spec) {
  std::shared_ptr<IrNode> n = detail::new_ir_node();
  n->op = std::move(op);
  n->inputs = std::move(inputs);
  n->scalars = std::move(scalars);
  n->spec = spec;
  detail::set_local_hash(*n);
  return n;
}

NEURON_INLINE IrNodePtr make_data_node(const Tensor& cpu_view) {
  std::shared_ptr<IrNode> n = detail::new_ir_node();
  n->spec = spec_of(cpu_view);
  n->data = cpu_view;
  detail::set_local_hash(*n);
  return n;
}

NEURON_INLINE Hash128 shapeless_hash(const IrNode& n) {
  std::string buf;
  detail::append_node_structure(buf, n);
  return hash_bytes(buf);
}

}  // namespace neuron
