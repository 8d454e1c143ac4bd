// IR nodes: one per recorded op (or per piece of device data, the graph inputs). A node knows its
// output spec at record time, and its local hash (op structure + spec) is computed once, here.
#pragma once

#include <memory>
#include <string>
#include <vector>

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
  Tensor data;        // device data: a CPU view of the values
  Hash128 local;      // op structure + output spec
  Hash128 shapeless;  // op structure only (explains recompiles)

  bool is_data() const { return op == nullptr; }

  IrNode() = default;
  IrNode(const IrNode&) = delete;
  IrNode& operator=(const IrNode&) = delete;
  // Releases long chains iteratively: a recursive release of 100k nested nodes would overflow
  // the stack.
  ~IrNode() {
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
};

namespace detail {
inline void append_spec(std::string& buf, const TensorSpec& s) {
  hash_append(buf, static_cast<char>(s.dtype));
  hash_append(buf, static_cast<char>(s.shape.rank()));
  for (std::int64_t d : s.shape) hash_append(buf, d);
}
}  // namespace detail

inline IrNodePtr make_op_node(std::shared_ptr<const AnyOp> op, std::vector<IrNodePtr> inputs,
                              std::vector<ScalarValue> scalars, const TensorSpec& spec) {
  auto n = std::make_shared<IrNode>();
  std::string buf = op->name();
  buf += '\0';
  buf += op->structure();
  n->shapeless = hash_bytes(buf);
  detail::append_spec(buf, spec);
  n->local = hash_bytes(buf);
  n->op = std::move(op);
  n->inputs = std::move(inputs);
  n->scalars = std::move(scalars);
  n->spec = spec;
  return n;
}

// `cpu_view` must be a CPU tensor; the node keeps it alive.
inline IrNodePtr make_data_node(const Tensor& cpu_view) {
  auto n = std::make_shared<IrNode>();
  n->spec = spec_of(cpu_view);
  n->data = cpu_view;
  std::string buf = "data";
  n->shapeless = hash_bytes(buf);
  detail::append_spec(buf, n->spec);
  n->local = hash_bytes(buf);
  return n;
}

}  // namespace neuron
