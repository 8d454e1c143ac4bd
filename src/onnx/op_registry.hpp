// The ONNX op mappings: one per ONNX op type, all registered in one list (op_list.cpp), like
// include/neuron/ops/op_list.hpp for neuron's own ops. A mapping says which opsets it implements,
// which attributes it understands (any other is refused), checks a node at load (attributes,
// constant inputs) and, when the graph runs, turns the node's input values into output values
// with neuron's DSL ops (nr::conv2d, nr::matmul, nr::reshape, ...).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <neuron/neuron.hpp>

#include "graph.hpp"

namespace neuron::onnx::detail {

namespace nr = ::neuron;  // the DSL, as users write it

// A value while the graph runs: a tensor on the run's device (CPU eagerly, lazy when recording),
// a host constant (a CPU tensor whose values are known when recording: initializers, Constant
// nodes, shapes and whatever is computed from them only), or both.
struct Value {
  Tensor dev;
  Tensor host;
  // An ONNX sequence instead: its tensors, a list the host keeps (never recorded).
  std::shared_ptr<const std::vector<Value>> seq;
  bool defined() const { return dev.defined() || host.defined() || seq; }
};

// "<node label>: " prefix for errors raised inside a mapping.
std::string node_prefix(const Node& n);

// Attribute access shared by CheckContext and OpContext. Wrong attribute kinds are ValueErrors
// naming the node (a check at load reports them first).
class NodeAttrs {
 public:
  explicit NodeAttrs(const Node& n) : node_(n) {}
  const Node& node() const { return node_; }
  bool has_attr(const std::string& name) const { return node_.attrs.count(name) != 0; }
  const Attribute* attr(const std::string& name) const;
  std::int64_t attr_i(const std::string& name, std::int64_t def) const;
  double attr_f(const std::string& name, double def) const;
  std::string attr_s(const std::string& name, const std::string& def) const;
  std::vector<std::int64_t> attr_ints(const std::string& name,
                                      std::vector<std::int64_t> def = {}) const;
  std::vector<double> attr_floats(const std::string& name, std::vector<double> def = {}) const;
  const Tensor& attr_t(const std::string& name) const;

  template <class E = ValueError, class... Parts>
  [[noreturn]] void fail(const Parts&... parts) const {
    throw_error<E>(node_prefix(node_), parts...);
  }

 private:
  const Attribute& expect(const std::string& name, Attribute::Kind kind) const;
  const Node& node_;
};

// What a mapping's check sees at load: the node, the opset, the values of constant inputs.
class CheckContext : public NodeAttrs {
 public:
  CheckContext(const Node& n, std::int64_t opset, std::vector<const Tensor*> constants,
               std::vector<const ValueInfo*> graph_inputs, std::vector<std::string>& problems)
      : NodeAttrs(n),
        opset_(opset),
        constants_(std::move(constants)),
        graph_inputs_(std::move(graph_inputs)),
        problems_(problems) {}
  std::int64_t opset() const { return opset_; }
  int inputs() const { return static_cast<int>(node().inputs.size()); }
  bool has_input(int i) const {
    return i < inputs() && node().inputs[static_cast<std::size_t>(i)] >= 0;
  }
  int outputs() const { return static_cast<int>(node().outputs.size()); }
  bool has_output(int i) const {
    return i < outputs() && node().outputs[static_cast<std::size_t>(i)] >= 0;
  }
  // Input i's value when it is an initializer or a Constant node's output, else null.
  const Tensor* constant(int i) const {
    return i < static_cast<int>(constants_.size()) ? constants_[static_cast<std::size_t>(i)]
                                                   : nullptr;
  }
  // Input i's declaration when it is a graph input (its value comes only when the model runs),
  // else null.
  const ValueInfo* graph_input(int i) const {
    return i < static_cast<int>(graph_inputs_.size()) ? graph_inputs_[static_cast<std::size_t>(i)]
                                                      : nullptr;
  }
  // Input i's rank when known at load (a constant, or a graph input that declares its shape),
  // else -1.
  int known_rank(int i) const {
    if (const Tensor* t = constant(i)) return t->rank();
    if (const ValueInfo* v = graph_input(i); v && v->has_shape)
      return static_cast<int>(v->shape.size());
    return -1;
  }
  // Records one problem (a node can have several).
  template <class... Parts>
  void refuse(const Parts&... parts) {
    problems_.push_back(neuron::detail::cat(parts...));
  }
  // Refuses unless the string attribute is one of `allowed` (when present).
  void allow_values(const std::string& name, const std::vector<std::string>& allowed);

 private:
  std::int64_t opset_;
  std::vector<const Tensor*> constants_;
  std::vector<const ValueInfo*> graph_inputs_;
  std::vector<std::string>& problems_;
};

// What a mapping's run sees: input values, attributes, where its outputs go.
class OpContext : public NodeAttrs {
 public:
  OpContext(const Node& n, const Graph& g, std::vector<Value>& env, Device device, bool host_mode);
  std::int64_t opset() const { return opset_; }
  const Graph& graph() const { return graph_; }  // for Gradient, which walks the graph
  // Host mode: every input is a host constant, so the node runs eagerly on the CPU and its outputs
  // are host constants too (nothing is recorded).
  bool host_mode() const { return host_mode_; }
  Device device() const { return device_; }

  int inputs() const { return static_cast<int>(node().inputs.size()); }
  bool has(int i) const;                // input i is given (not omitted, not past the end)
  std::string input_name(int i) const;  // the value's name in the graph
  // Input i as a tensor: the host CPU tensor in host mode, else the tensor on the run's device.
  Tensor in(int i);
  Shape shape(int i) const;
  DType dtype(int i) const;
  // Input i's values, needed when recording: a host constant (or, eagerly, any CPU tensor).
  // Refused with a ValueError that says why otherwise: neuron records static shapes.
  Tensor host(int i) const;
  bool known(int i) const;  // host(i) would succeed
  std::vector<std::int64_t> ints(int i) const;
  std::vector<double> floats(int i) const;

  int outputs() const { return static_cast<int>(node().outputs.size()); }
  bool wants(int i) const {
    return i < outputs() && node().outputs[static_cast<std::size_t>(i)] >= 0;
  }
  void set(int i, const Tensor& t);  // output i (ignored when the node omits it)
  // Sequences (SequenceConstruct, SequenceAt, ...): input i's elements, output i as a sequence,
  // output i as one stored value (an element, as it is).
  const std::vector<Value>& seq(int i) const;
  void set_seq(int i, std::vector<Value> elements);
  void set_value(int i, const Value& v);
  // Input i's value as it is (an element to store in a sequence).
  const Value& raw(int i) const { return value(i); }
  // A sequence element as a tensor where this node's tensors live.
  Tensor element(const Value& v) const { return v.dev.defined() ? v.dev : place(v.host); }
  // Output `out` is input `in` as it is: tensor, host constant or both (Identity).
  void pass_through(int out, int in);
  // A CPU tensor made by the mapping, moved where this node's tensors live (host mode: kept).
  Tensor place(const Tensor& cpu_tensor) const;

 private:
  const Value& value(int i) const;
  const Graph& graph_;
  std::int64_t opset_;
  std::vector<Value>& env_;
  Device device_;
  bool host_mode_;
};

struct OpMapping {
  const char* op_type;
  int since;  // default-domain opsets whose semantics the mapping implements: [since, until]
  int until;
  const char* attributes;        // every attribute it understands, space separated
  void (*check)(CheckContext&);  // may be null: attribute names are checked anyway
  void (*run)(OpContext&);
  std::uint32_t host_inputs = 0;  // bit i: input i's values are read when recording
  bool shape_only = false;        // outputs depend on input shapes only (Shape, Size)
};

// The one list (op_list.cpp) and lookup by op type; null when neuron has no mapping.
const std::vector<OpMapping>& op_mappings();
const OpMapping* find_mapping(std::string_view op_type);

// Helpers shared by the mappings (op_list.cpp).
// An axis attribute or input in [-rank, rank) made non-negative (ShapeError naming the node).
std::int64_t norm_axis(const NodeAttrs& c, std::int64_t axis, int rank, const char* what = "axis");
Tensor as_dtype(const Tensor& t, DType d);  // cast unless already `d`
// A 0-d constant of dtype `d`, placed where the node's tensors live.
Tensor scalar_const(const OpContext& c, double v, DType d);
// A CPU int64 tensor holding `v` (1-d), for host results (Shape) and index lists.
Tensor int64_tensor(const std::vector<std::int64_t>& v);
// Applies opsets 1-6's broadcast / axis attributes of binary ops to input 1 (numpy broadcasting
// from opset 7 on); returns inputs 0 and 1.
std::pair<Tensor, Tensor> binary_inputs(OpContext& c);
void check_legacy_broadcast(CheckContext& c);

}  // namespace neuron::onnx::detail
