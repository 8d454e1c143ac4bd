// Building and running fused expressions from their JSON trees (interpreted_expr.hpp).
#pragma once

#include <nlohmann/json.hpp>

#include "../ops/op_list.hpp"
#include "compiled_chain-inl.hpp"
#include "evaluate-inl.hpp"
#include "interpreted_expr.hpp"

namespace neuron::expr {

namespace detail {
inline DType fused_dtype_from_json(const nlohmann::json& j) {
  if (!j.is_string()) throw_error<FormatError>("fused expression: dtype must be a string");
  try {
    return dtype_from_name(j.get<std::string>());
  } catch (const DTypeError& e) {
    throw_error<FormatError>("fused expression: ", e.what());
  }
}
}  // namespace detail

NEURON_INLINE InterpretedExpr::InterpretedExpr(const nlohmann::json& tree,
                                               std::vector<TensorSpec> inputs, int max_depth)
    : inputs_(std::move(inputs)),
      tree_(std::make_shared<const nlohmann::json>(tree)),
      max_depth_(max_depth) {
  Built root = build(tree, 0);
  if (nodes_[static_cast<std::size_t>(root.index)].kind != FusedNode::Kind::op)
    throw_error<FormatError>("fused expression: the root must be an op");
  if (leaves_ != inputs_.size())
    throw_error<FormatError>("fused expression: the tree has ", leaves_, " leaves but ",
                             inputs_.size(), " inputs are bound");
  out_ = {root.shape, nodes_.back().dtype};
  text_ = fused_structure(nodes_.data(), static_cast<int>(nodes_.size()) - 1);
  const int count = static_cast<int>(nodes_.size());
  if (chain_dtypes_fit(nodes_.data(), count)) chain_ = bind_chain(nodes_.data(), count);
}

NEURON_INLINE nlohmann::json InterpretedExpr::attrs_json() const { return *tree_; }

NEURON_INLINE TensorSpec InterpretedExpr::infer(const std::vector<TensorSpec>& inputs) const {
  if (inputs.size() != inputs_.size())
    throw_error<ValueError>("fused expression: expected ", inputs_.size(), " inputs, got ",
                            inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i)
    if (!(inputs[i] == inputs_[i]))
      throw_error<ShapeError>("fused expression: input ", i, " is ", inputs[i].shape, " ",
                              inputs[i].dtype, ", built for ", inputs_[i].shape, " ",
                              inputs_[i].dtype);
  return out_;
}

NEURON_INLINE DimFlow InterpretedExpr::dim_flow(const std::vector<TensorSpec>& inputs,
                                                const TensorSpec& out) const {
  return DimFlow::broadcast(inputs, out);
}

NEURON_INLINE void InterpretedExpr::pad_rule(PadCheck& c) const {
  const int ro = c.out.shape.rank();
  for (int d = 0; d < ro; ++d) {
    if (!c.out_padded(d)) continue;
    std::vector<PadFill> leaves;
    for (std::size_t k = 0; k < c.in.size(); ++k) {
      // The leaf's dim under output dim d (right-aligned), when it runs along d: its padded
      // entries there. Otherwise (broadcast along d, or a dim that is not padded) the padded
      // output entries read the leaf's ordinary values: known only for a constant of one value.
      const int j = d - (ro - c.in[k].shape.rank());
      const bool along = j >= 0 && c.in[k].shape[j] == c.out.shape[d] && c.padded(k, j);
      leaves.push_back(along ? c.fill(k, j) : c.uniform(k));
    }
    c.set_out(d, evaluate_fill(leaves, c.scalars));
  }
}

NEURON_INLINE PadFill InterpretedExpr::evaluate_fill(const std::vector<PadFill>& leaves,
                                                     const ScalarValue* scalars) const {
  std::vector<PadFill> value(nodes_.size());
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    const FusedNode& n = nodes_[i];
    if (n.kind == FusedNode::Kind::leaf) {
      value[i] = static_cast<std::size_t>(n.index) < leaves.size()
                     ? leaves[static_cast<std::size_t>(n.index)]
                     : PadFill::unknown();
      continue;
    }
    if (n.kind == FusedNode::Kind::scalar) {  // by the rules of its recorded dtype (scalar_as)
      const ScalarValue s = scalars ? scalars[n.index] : 0;
      value[i] = !scalars           ? PadFill::unknown()
                 : n.dtype == bool_ ? PadFill::of(s != 0)
                 : n.dtype == int64
                     ? PadFill::of(static_cast<double>(convert_value<std::int64_t>(s)))
                     : PadFill::of(static_cast<double>(s));
      continue;
    }
    // Operands as the op sees them: converted to its operand dtypes.
    const int arity = n.kernel->arity;
    std::array<PadFill, 3> args{};
    bool all_known = true;
    for (int k = 0; k < arity; ++k) {
      const std::size_t ku = static_cast<std::size_t>(k);
      args[ku] = value[static_cast<std::size_t>(n.args[ku])];
      if (args[ku].known)
        args[ku].value = stored_as(args[ku].value, n.types.in[ku]);
      else
        all_known = false;
    }
    PadFill r;
    try {
      if (all_known) {  // the op's own kernel on one value per operand
        alignas(8) unsigned char buf[3][8] = {};
        const void* in[3] = {buf[0], buf[1], buf[2]};
        for (int k = 0; k < arity; ++k) {
          const std::size_t ku = static_cast<std::size_t>(k);
          convert_buffer(&args[ku].value, float64, buf[ku], n.types.in[ku], 1);
        }
        alignas(8) unsigned char out[8] = {};
        n.kernel->run_chunk(n.op, n.types, in, out, 1);
        double v = 0;
        convert_buffer(out, n.types.out, &v, float64, 1);
        r = PadFill::of(v);
      } else if (n.kernel->pad_fill) {
        r = n.kernel->pad_fill(n.op, n.types, args.data());
        if (r.known) r.value = stored_as(r.value, n.types.out);
      }
    } catch (const Error&) {  // the op refuses these values (an integer remainder by 0)
      r = PadFill::unknown();
    }
    value[i] = r;
  }
  return value.empty() ? PadFill::unknown() : value.back();
}

NEURON_INLINE void InterpretedExpr::run(const std::vector<Tensor>& inputs,
                                        const ScalarValue* scalars, Tensor& out) const {
  std::vector<TensorSpec> specs;
  specs.reserve(inputs.size());
  for (const Tensor& t : inputs) specs.push_back(spec_of(t));
  infer(specs);
  if (chain_.chain >= 0)
    run_chain(chain_, nodes_.data(), inputs.data(), static_cast<int>(inputs.size()), scalars, out);
  else
    run_fused(nodes_.data(), static_cast<int>(nodes_.size()), inputs.data(),
              static_cast<int>(inputs.size()), scalars, out);
}

NEURON_INLINE InterpretedExpr::Built InterpretedExpr::build(const nlohmann::json& j, int depth) {
  if (depth > max_depth_)
    throw_error<FormatError>("fused expression: nested deeper than ", max_depth_);
  FusedNode n;
  if (j.is_string() && j.get<std::string>() == "x") {
    if (leaves_ >= inputs_.size())
      throw_error<FormatError>("fused expression: more leaves than the ", inputs_.size(),
                               " bound inputs");
    const TensorSpec& s = inputs_[leaves_];
    n.kind = FusedNode::Kind::leaf;
    n.index = static_cast<int>(leaves_++);
    n.dtype = s.dtype;
    return add(n, s.shape,
               {s.dtype, s.shape.rank() > 0 ? Priority::dimensioned : Priority::zero_dim});
  }
  if (j.is_object() && j.size() == 1 && j.contains("scalar") && j["scalar"].is_string()) {
    n.kind = FusedNode::Kind::scalar;
    n.index = scalars_++;
    n.dtype = detail::fused_dtype_from_json(j["scalar"]);
    if (n.dtype != bool_ && n.dtype != int64 && n.dtype != float32)
      throw_error<FormatError>(
          "fused expression: a C++ number has dtype bool, int64 or float32, "
          "got ",
          n.dtype);
    return add(n, Shape{}, {n.dtype, Priority::scalar});
  }
  if (!j.is_object() || j.size() != 4 || !j.contains("op") || !j["op"].is_string() ||
      !j.contains("attrs") || !j.contains("dtype") || !j.contains("args") || !j["args"].is_array())
    throw_error<FormatError>(
        "fused expression: expected \"x\", {\"scalar\": dtype} or "
        "{\"op\", \"attrs\", \"dtype\", \"args\"}, got ",
        j.dump().substr(0, 200));
  const std::string name = j["op"].get<std::string>();
  n.kind = FusedNode::Kind::op;
  n.kernel = elementwise_kernel_by_name(name);
  if (!n.kernel) {
    if (!is_known_op(name)) throw_error<FormatError>("fused expression: unknown op '", name, "'");
    throw_error<FormatError>("fused expression: op '", name,
                             "' is not elementwise and cannot appear inside a fused expression");
  }
  ops_.push_back(n.kernel->from_json(j["attrs"]));
  n.op = ops_.back().get();
  const nlohmann::json& args = j["args"];
  if (static_cast<int>(args.size()) != n.kernel->arity)
    throw_error<FormatError>("fused expression: '", n.kernel->name, "' takes ", n.kernel->arity,
                             " operands, got ", args.size());
  std::array<Operand, 3> operands{};
  Shape shape;
  for (std::size_t k = 0; k < args.size(); ++k) {
    Built b = build(args[k], depth + 1);
    n.args[k] = b.index;
    operands[k] = b.operand;
    try {
      shape = k == 0 ? b.shape
                     : broadcast_shapes(shape, b.shape, n.kernel->name, "operands", "operand");
    } catch (const ShapeError& e) {
      throw_error<FormatError>("fused expression: ", e.what());
    }
  }
  try {
    n.types = n.kernel->types(n.op, operands.data());
  } catch (const Error& e) {
    throw_error<FormatError>("fused expression: ", e.what());
  }
  n.dtype = n.types.out;
  if (detail::fused_dtype_from_json(j["dtype"]) != n.dtype)
    throw_error<FormatError>("fused expression: '", n.kernel->name, "' computes ", n.dtype,
                             " on these inputs, the file says ", j["dtype"].get<std::string>());
  return add(n, shape,
             {n.types.out, shape.rank() > 0 ? Priority::dimensioned : Priority::zero_dim});
}

NEURON_INLINE InterpretedExpr::Built InterpretedExpr::add(FusedNode n, Shape shape,
                                                          Operand operand) {
  nodes_.push_back(n);
  return {static_cast<int>(nodes_.size()) - 1, std::move(shape), operand};
}

NEURON_INLINE std::shared_ptr<const AnyOp> fused_op_from_json(
    const nlohmann::json& tree, const std::vector<TensorSpec>& inputs) {
  return std::make_shared<InterpretedExpr>(tree, inputs);
}

}  // namespace neuron::expr
