// A fused elementwise expression rebuilt from its JSON tree (expr.hpp's tree()), for programs that
// load a module file without having compiled the expression's C++ type: a deployment binary. The
// tree is validated against the input specs it will run on (op names, arity, attributes, dtypes,
// broadcasting), then evaluated chunk by chunk with the ops' own chunk kernels, so its results
// equal the compiled expression's bit for bit.
#pragma once

#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "../ops/op_list.hpp"
#include "expr_op.hpp"

namespace neuron::expr {

// An elementwise op of the op list behind a virtual interface.
class AnyMapOp {
 public:
  virtual ~AnyMapOp() = default;
  virtual const char* name() const = 0;
  virtual int arity() const = 0;
  virtual ElementwiseTypes types(const std::vector<Operand>& in) const = 0;
  virtual void run_chunk(const ElementwiseTypes& t, const void* const* in, void* out,
                         std::int64_t n) const = 0;
  virtual std::string encoded_attrs() const = 0;
};

template <class Op>
class MapModel final : public AnyMapOp {
 public:
  explicit MapModel(Op op) : op_(std::move(op)) {}
  const char* name() const override { return Op::name; }
  int arity() const override { return Op::arity; }
  ElementwiseTypes types(const std::vector<Operand>& in) const override {
    std::array<Operand, Op::arity> a;
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = in[i];
    return op_.types(a);
  }
  void run_chunk(const ElementwiseTypes& t, const void* const* in, void* out,
                 std::int64_t n) const override {
    op_.run_chunk(t, in, out, n);
  }
  std::string encoded_attrs() const override { return attr::encode_all(op_.attrs()); }

 private:
  Op op_;
};

inline std::shared_ptr<const AnyMapOp> elementwise_from_json(const std::string& name,
                                                             const nlohmann::json& attrs) {
  std::shared_ptr<const AnyMapOp> out;
  bool known = AllOps::visit(name, [&](auto proto) {
    using Op = decltype(proto);
    if constexpr (is_elementwise_op<Op>::value)
      out = std::make_shared<MapModel<Op>>(op_attrs_from_json<Op>(attrs));
  });
  if (!known) throw_error<FormatError>("fused expression: unknown op '", name, "'");
  if (!out)
    throw_error<FormatError>("fused expression: op '", name,
                             "' is not elementwise and cannot appear inside a fused expression");
  return out;
}

// How deeply a stored fused expression may nest (ops inside ops). save() refuses deeper trees,
// so every file it writes loads; in the graph JSON each level costs two levels (op, args).
inline constexpr int kMaxFusedDepth = 64;
inline constexpr int kMaxGraphJsonDepth = 16 + 2 * (kMaxFusedDepth + 1);

// A runtime scalar as the C++ number it was recorded from; values from a file may be anything, so
// out-of-range or NaN values for an integer become its minimum (convert_value's rule).
inline std::int64_t scalar_as_int64(ScalarValue s) { return convert_value<std::int64_t>(s); }

class InterpretedExpr final : public AnyOp {
 public:
  // `tree` as written by Node::tree(); `inputs` the specs of the tensors bound to its leaves.
  InterpretedExpr(const nlohmann::json& tree, std::vector<TensorSpec> inputs)
      : inputs_(std::move(inputs)), tree_(tree) {
    Built root = build(tree, 0);
    if (nodes_[static_cast<std::size_t>(root.index)].kind != Kind::op)
      throw_error<FormatError>("fused expression: the root must be an op");
    if (leaves_ != inputs_.size())
      throw_error<FormatError>("fused expression: the tree has ", leaves_, " leaves but ",
                               inputs_.size(), " inputs are bound");
    out_ = {root.shape, nodes_.back().dtype};
    text_ = structure_of(static_cast<int>(nodes_.size()) - 1);
  }

  std::string name() const override { return "fused"; }
  std::string structure() const override { return text_; }
  nlohmann::json attrs_json() const override { return tree_; }
  int scalar_count() const override { return scalars_; }
  TensorSpec infer(const std::vector<TensorSpec>& inputs) const override {
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
  DimFlow dim_flow(const std::vector<TensorSpec>& inputs, const TensorSpec& out) const override {
    return DimFlow::broadcast(inputs, out);
  }
  void run(const std::vector<Tensor>& inputs, const ScalarValue* scalars,
           Tensor& out) const override {
    std::vector<TensorSpec> specs;
    for (const Tensor& t : inputs) specs.push_back(spec_of(t));
    infer(specs);
    std::vector<Slot> slots(slot_count_);
    std::vector<const void*> value(nodes_.size());
    evaluate_tree(out, inputs.data(), static_cast<int>(inputs.size()),
                  [&](EvalContext& cx, std::int64_t n, void* dst) -> const void* {
                    for (std::size_t i = 0; i < nodes_.size(); ++i)
                      value[i] = eval(nodes_[i], cx, n, scalars, slots, value,
                                      i + 1 == nodes_.size() ? dst : nullptr);
                    return value.back();
                  });
  }

 private:
  enum class Kind { leaf, scalar, op };
  struct Slot {
    alignas(64) std::byte bytes[kSlotBytes];
  };
  struct Node {
    Kind kind = Kind::leaf;
    int index = 0;  // leaf or scalar number
    DType dtype = float32;
    std::shared_ptr<const AnyMapOp> op;
    std::vector<int> args;  // node indices
    ElementwiseTypes types;
    int slot = 0;  // first of this node's slots: its value, then one conversion slot per arg
  };
  struct Built {
    int index;
    Shape shape;
    Operand operand;
  };

  Built build(const nlohmann::json& j, int depth) {
    if (depth > kMaxFusedDepth)
      throw_error<FormatError>("fused expression: nested deeper than ", kMaxFusedDepth);
    Node n;
    n.slot = static_cast<int>(slot_count_);
    if (j.is_string() && j.get<std::string>() == "x") {
      if (leaves_ >= inputs_.size())
        throw_error<FormatError>("fused expression: more leaves than the ", inputs_.size(),
                                 " bound inputs");
      const TensorSpec& s = inputs_[leaves_];
      n.kind = Kind::leaf;
      n.index = static_cast<int>(leaves_++);
      n.dtype = s.dtype;
      slot_count_ += 1;
      return add(std::move(n), s.shape,
                 {s.dtype, s.shape.rank() > 0 ? Priority::dimensioned : Priority::zero_dim});
    }
    if (j.is_object() && j.size() == 1 && j.contains("scalar") && j["scalar"].is_string()) {
      n.kind = Kind::scalar;
      n.index = scalars_++;
      n.dtype = dtype_from_json(j["scalar"]);
      if (n.dtype != bool_ && n.dtype != int64 && n.dtype != float32)
        throw_error<FormatError>(
            "fused expression: a C++ number has dtype bool, int64 or float32, "
            "got ",
            n.dtype);
      slot_count_ += 1;
      return add(std::move(n), Shape{}, {n.dtype, Priority::scalar});
    }
    if (!j.is_object() || j.size() != 4 || !j.contains("op") || !j["op"].is_string() ||
        !j.contains("attrs") || !j.contains("dtype") || !j.contains("args") ||
        !j["args"].is_array())
      throw_error<FormatError>(
          "fused expression: expected \"x\", {\"scalar\": dtype} or "
          "{\"op\", \"attrs\", \"dtype\", \"args\"}, got ",
          j.dump().substr(0, 200));
    n.kind = Kind::op;
    n.op = elementwise_from_json(j["op"].get<std::string>(), j["attrs"]);
    const nlohmann::json& args = j["args"];
    if (static_cast<int>(args.size()) != n.op->arity())
      throw_error<FormatError>("fused expression: '", n.op->name(), "' takes ", n.op->arity(),
                               " operands, got ", args.size());
    std::vector<Operand> operands;
    Shape shape;
    for (std::size_t k = 0; k < args.size(); ++k) {
      Built b = build(args[k], depth + 1);
      n.args.push_back(b.index);
      operands.push_back(b.operand);
      try {
        shape = k == 0 ? b.shape
                       : broadcast_shapes(shape, b.shape, n.op->name(), "operands", "operand");
      } catch (const ShapeError& e) {
        throw_error<FormatError>("fused expression: ", e.what());
      }
    }
    try {
      n.types = n.op->types(operands);
    } catch (const Error& e) {
      throw_error<FormatError>("fused expression: ", e.what());
    }
    n.dtype = n.types.out;
    if (dtype_from_json(j["dtype"]) != n.dtype)
      throw_error<FormatError>("fused expression: '", n.op->name(), "' computes ", n.dtype,
                               " on these inputs, the file says ", j["dtype"].get<std::string>());
    n.slot = static_cast<int>(slot_count_);
    slot_count_ += 1 + args.size();
    return add(std::move(n), shape,
               {n.types.out, shape.rank() > 0 ? Priority::dimensioned : Priority::zero_dim});
  }
  Built add(Node n, Shape shape, Operand operand) {
    nodes_.push_back(std::move(n));
    return {static_cast<int>(nodes_.size()) - 1, std::move(shape), operand};
  }
  static DType dtype_from_json(const nlohmann::json& j) {
    if (!j.is_string()) throw_error<FormatError>("fused expression: dtype must be a string");
    try {
      return dtype_from_name(j.get<std::string>());
    } catch (const DTypeError& e) {
      throw_error<FormatError>("fused expression: ", e.what());
    }
  }

  // The same text Node::structure() writes, so a compiled kernel for this tree can be found.
  std::string structure_of(int i) const {
    const Node& n = nodes_[static_cast<std::size_t>(i)];
    if (n.kind == Kind::leaf) return "x";
    if (n.kind == Kind::scalar) return "scalar:" + std::string(dtype_name(n.dtype));
    std::string out = n.op->name();
    std::string a = n.op->encoded_attrs();
    if (!a.empty()) {
      static const char* hex = "0123456789abcdef";
      out += '[';
      for (unsigned char c : a) {
        out += hex[c >> 4];
        out += hex[c & 15];
      }
      out += ']';
    }
    out += ':';
    out += dtype_name(n.types.out);
    bool mixed = false;
    for (std::size_t k = 0; k < n.args.size(); ++k) mixed |= n.types.in[k] != n.types.out;
    if (mixed) {
      out += '<';
      for (std::size_t k = 0; k < n.args.size(); ++k) {
        if (k) out += ',';
        out += dtype_name(n.types.in[k]);
      }
      out += '>';
    }
    out += '(';
    for (std::size_t k = 0; k < n.args.size(); ++k) {
      if (k) out += ',';
      out += structure_of(n.args[k]);
    }
    return out + ")";
  }

  // The chunk of node `n`, in the node's own dtype (a scalar: in the dtype its parent wants).
  const void* eval(const Node& n, EvalContext& cx, std::int64_t count, const ScalarValue* scalars,
                   std::vector<Slot>& slots, const std::vector<const void*>& value,
                   void* dst) const {
    std::byte* own = slots[static_cast<std::size_t>(n.slot)].bytes;
    if (n.kind == Kind::leaf) {
      const LeafView& v = cx.leaves[n.index];
      if (v.contiguous) return v.data + static_cast<std::size_t>(cx.start) * dtype_size(v.dtype);
      if (const std::byte* run = leaf_run(v, cx, count)) return run;
      gather_leaf(v, cx, v.dtype, count, own);
      return own;
    }
    if (n.kind == Kind::scalar) {
      const ScalarValue s = scalars[n.index];
      visit_dtype(n.dtype, [&](auto tag) {
        using T = decltype(tag);
        T v = n.dtype == bool_   ? static_cast<T>(s != 0)
              : n.dtype == int64 ? convert_value<T>(scalar_as_int64(s))
                                 : convert_value<T>(static_cast<double>(s));
        std::fill(reinterpret_cast<T*>(own), reinterpret_cast<T*>(own) + count, v);
      });
      return own;
    }
    const void* in[3] = {};
    for (std::size_t k = 0; k < n.args.size(); ++k) {
      const Node& arg = nodes_[static_cast<std::size_t>(n.args[k])];
      const void* v = value[static_cast<std::size_t>(n.args[k])];
      if (arg.dtype != n.types.in[k]) {
        std::byte* conv = slots[static_cast<std::size_t>(n.slot) + 1 + k].bytes;
        if (arg.kind == Kind::scalar) {  // straight from the C++ number, like Scalar::eval
          const ScalarValue s = scalars[arg.index];
          visit_dtype(n.types.in[k], [&](auto tag) {
            using T = decltype(tag);
            T x = arg.dtype == bool_   ? convert_value<T>(s != 0)
                  : arg.dtype == int64 ? convert_value<T>(scalar_as_int64(s))
                                       : convert_value<T>(static_cast<double>(s));
            std::fill(reinterpret_cast<T*>(conv), reinterpret_cast<T*>(conv) + count, x);
          });
        } else {
          convert_buffer(v, arg.dtype, conv, n.types.in[k], count);
        }
        v = conv;
      }
      in[k] = v;
    }
    void* out = dst ? dst : own;
    n.op->run_chunk(n.types, in, out, count);
    return out;
  }

  std::vector<TensorSpec> inputs_;
  nlohmann::json tree_;
  std::vector<Node> nodes_;  // post-order: children before parents, the root last
  std::size_t leaves_ = 0;
  int scalars_ = 0;
  std::size_t slot_count_ = 0;
  TensorSpec out_;
  std::string text_;
};

// The fused op a file describes: the compiled kernel when this program has one for the same
// structure (it recorded the expression), else the interpreted tree. Validated either way.
inline std::shared_ptr<const AnyOp> fused_op_from_json(const nlohmann::json& tree,
                                                       const std::vector<TensorSpec>& inputs) {
  auto interpreted = std::make_shared<InterpretedExpr>(tree, inputs);
  if (auto compiled = ExpressionRegistry::instance().find(interpreted->structure()))
    return compiled;
  return interpreted;
}

}  // namespace neuron::expr
