#pragma once

#include "ir.hpp"

#include <cstdint>

#include "hash-inl.hpp"

namespace neuron {

NEURON_INLINE IrNode::~IrNode() {
  std::vector<IrNodePtr> pending = std::move(inputs);
  while (!pending.empty()) {
    IrNodePtr n = std::move(pending.back());
    pending.pop_back();
    if (n.use_count() == 1) {  // the last owner: take its inputs before it goes
      auto& ins = const_cast<IrNode&>(*n).inputs;
      for (auto& i : ins) pending.push_back(std::move(i));
      ins.clear();
    }
  }
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

NEURON_INLINE IrNodePtr make_op_node(std::shared_ptr<const AnyOp> op, std::vector<IrNodePtr> inputs,
                                     std::vector<ScalarValue> scalars, const TensorSpec& spec) {
  auto n = std::make_shared<IrNode>();
  n->op = std::move(op);
  n->inputs = std::move(inputs);
  n->scalars = std::move(scalars);
  n->spec = spec;
  detail::set_local_hash(*n);
  return n;
}

NEURON_INLINE IrNodePtr make_data_node(const Tensor& cpu_view) {
  auto n = std::make_shared<IrNode>();
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
