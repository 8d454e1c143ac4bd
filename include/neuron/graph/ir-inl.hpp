#pragma once

#include "ir.hpp"

#include <cstdint>

#include "../core/recycling_allocator.hpp"
#include "hash-inl.hpp"

namespace neuron {

namespace detail {
// The nodes a release has yet to let go of. One stack per thread, reused (a lazy step releases its
// whole recorded graph); a release inside a release adds to the outer one's stack. Once the
// thread's stack is gone (thread exit), a release uses one of its own.
struct ReleaseStack {
  std::vector<IrNodePtr> nodes;
  bool draining = false;
  static ReleaseStack* of_this_thread() {
    thread_local bool gone = false;  // trivial: readable after `stack` is destroyed
    struct Holder {
      ReleaseStack stack;
      bool& gone;
      ~Holder() { gone = true; }
    };
    thread_local Holder holder{{}, gone};
    return gone ? nullptr : &holder.stack;
  }
};
}  // namespace detail

NEURON_INLINE IrNode::~IrNode() {
  if (inputs.empty()) return;
  detail::ReleaseStack* shared = detail::ReleaseStack::of_this_thread();
  if (shared && shared->draining) {  // an outer release drains these
    for (IrNodePtr& in : inputs) shared->nodes.push_back(std::move(in));
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
NEURON_INLINE void set_local_hash(IrNode& n) {
  thread_local std::string buf_tls;  // reused: recording allocates no hash buffer
  std::string& buf = buf_tls;
  buf.clear();
  append_node_structure(buf, n);
  append_spec(buf, n.spec);
  n.local = hash_bytes(buf);
}
}  // namespace detail

namespace detail {
inline std::shared_ptr<IrNode> new_ir_node() {  // from the thread's recycled blocks
  return std::allocate_shared<IrNode>(RecyclingAllocator<IrNode>());
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
