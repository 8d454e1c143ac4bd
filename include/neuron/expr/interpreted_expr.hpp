// A fused elementwise expression rebuilt from its JSON tree (expr_op.hpp's fused_tree_json()): the
// op of every fused node, whether recorded in this process or read from a module file by a
// deployment binary. The tree is validated against the input specs it will run on (op names,
// arity, attributes, dtypes, broadcasting), then run by the library's fused evaluator, the one
// eager expressions use, so results agree bit for bit in every mode.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "../ops/elementwise_ops.hpp"
#include "evaluate.hpp"

namespace neuron::expr {

// How deeply a stored fused expression may nest (ops inside ops). save() refuses deeper trees,
// so every file it writes loads; in the graph JSON each level costs two levels (op, args).
inline constexpr int kMaxFusedDepth = 64;
inline constexpr int kMaxGraphJsonDepth = 16 + 2 * (kMaxFusedDepth + 1);

class InterpretedExpr final : public AnyOp {
 public:
  // `tree` as written by fused_tree_json(); `inputs` the specs of the tensors bound to its leaves.
  // Trees from files may nest at most kMaxFusedDepth ops; a recorded expression may be deeper
  // (only saving it is refused).
  InterpretedExpr(const nlohmann::json& tree, std::vector<TensorSpec> inputs,
                  int max_depth = kMaxFusedDepth);

  std::string name() const override { return "fused"; }
  std::string structure() const override { return text_; }
  void append_structure(std::string& out) const override { out += text_; }
  bool same_as(const AnyOp& other) const override {
    const auto* o = dynamic_cast<const InterpretedExpr*>(&other);
    return o ? o->text_ == text_ : AnyOp::same_as(other);
  }
  nlohmann::json attrs_json() const override;
  int scalar_count() const override { return scalars_; }
  TensorSpec infer(const std::vector<TensorSpec>& inputs) const override;
  DimFlow dim_flow(const std::vector<TensorSpec>& inputs, const TensorSpec& out) const override;
  // Elementwise: nothing is mixed; per padded output dim, the tree is evaluated on what the
  // leaves' padded entries hold (pad_fill.hpp).
  void pad_rule(PadCheck& c) const override;
  // What the tree gives when its leaves hold `leaves` (known or not) and its C++ numbers
  // `scalars`: the ops' own kernels on known values, their pad_fill members on unknown ones.
  PadFill evaluate_fill(const std::vector<PadFill>& leaves, const ScalarValue* scalars) const;
  void run(const std::vector<Tensor>& inputs, const ScalarValue* scalars,
           Tensor& out) const override;
  // The compiled chain (ops/chain_catalog.hpp) that runs this tree, or -1: the interpreter does.
  int compiled_chain() const { return chain_.chain; }

 private:
  struct Built {
    int index;
    Shape shape;
    Operand operand;
  };
  Built build(const nlohmann::json& j, int depth);
  Built add(FusedNode n, Shape shape, Operand operand);

  std::vector<TensorSpec> inputs_;
  std::shared_ptr<const nlohmann::json> tree_;
  std::vector<FusedNode> nodes_;                  // post-order: the root last
  std::vector<std::shared_ptr<const void>> ops_;  // the op structs nodes_ point to
  int max_depth_ = kMaxFusedDepth;
  std::size_t leaves_ = 0;
  int scalars_ = 0;
  TensorSpec out_;
  std::string text_;
  ChainBinding chain_;  // the compiled chain that runs the tree, when the catalog has one
};

// The fused op a file describes, validated against its input specs.
std::shared_ptr<const AnyOp> fused_op_from_json(const nlohmann::json& tree,
                                                const std::vector<TensorSpec>& inputs);

}  // namespace neuron::expr

#ifdef NEURON_HEADER_ONLY
#include "interpreted_expr-inl.hpp"
#endif
