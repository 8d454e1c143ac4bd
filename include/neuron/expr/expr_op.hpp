// ExprOp: a whole elementwise expression as one op of a graph. Its kernel is the evaluator the
// C++ compiler instantiated for the expression's type; its structure (ops, attributes, dtypes,
// operand kinds) identifies it in graph hashes. Tensors are bound as inputs, C++ numbers as runtime
// scalars, so new data or new scalar values reuse a compiled graph.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "expr.hpp"

namespace neuron {

namespace expr {

template <class E>
class ExprOp final : public AnyOp {
 public:
  explicit ExprOp(const E& e) : e_(e) {
    e_.strip();
    e_.structure(structure_);
  }
  std::string name() const override { return "fused"; }
  std::string structure() const override { return structure_; }
  nlohmann::json attrs_json() const override { return e_.tree(); }
  TensorSpec infer(const std::vector<TensorSpec>& inputs) const override {
    if (static_cast<int>(inputs.size()) != E::leaf_count)
      throw_error<ValueError>("fused expression: expected ", E::leaf_count, " inputs, got ",
                              inputs.size());
    Shape s;
    for (std::size_t i = 0; i < inputs.size(); ++i)
      s = i == 0 ? inputs[i].shape
                 : broadcast_shapes(s, inputs[i].shape, "fused", "inputs", "input");
    return {s, e_.dtype()};
  }
  DimFlow dim_flow(const std::vector<TensorSpec>& inputs, const TensorSpec& out) const override {
    return DimFlow::broadcast(inputs, out);
  }
  int scalar_count() const override { return E::scalar_count; }
  void run(const std::vector<Tensor>& inputs, const ScalarValue* scalars,
           Tensor& out) const override {
    if (static_cast<int>(inputs.size()) != E::leaf_count)
      throw_error<ValueError>("fused expression: expected ", E::leaf_count, " inputs, got ",
                              inputs.size());
    if constexpr (E::scalar_count > 0) {
      E e = e_;
      int i = 0;
      e.for_each_scalar_mut([&] { return scalars[i++]; });
      e.evaluate_into(inputs.data(), out);
    } else {
      e_.evaluate_into(inputs.data(), out);
    }
  }
  const std::string& text() const { return structure_; }

 private:
  E e_;
  std::string structure_;
};

}  // namespace expr

// Fused expressions recorded in this process, by structure: how a disk cache entry or a file that
// names a fused op finds its kernel again.
class ExpressionRegistry {
 public:
  static ExpressionRegistry& instance() {
    static ExpressionRegistry* r = new ExpressionRegistry();  // lives until exit
    return *r;
  }
  void add(const std::shared_ptr<const AnyOp>& op) {
    std::lock_guard<std::mutex> lock(mutex_);
    ops_.emplace(op->structure(), op);
  }
  std::shared_ptr<const AnyOp> find(const std::string& structure) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = ops_.find(structure);
    return it == ops_.end() ? nullptr : it->second;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const AnyOp>> ops_;
};

namespace expr {
template <class E, std::size_t N>
Tensor record_lazy_expression(const E& e, const std::array<Tensor, N>& leaves) {
  std::vector<ScalarValue> scalars;
  e.for_each_scalar([&](ScalarValue v) { scalars.push_back(v); });
  // One prototype per expression type and structure is enough: later records share it.
  static thread_local std::map<std::string, std::shared_ptr<const AnyOp>> seen;
  auto op = std::make_shared<ExprOp<E>>(e);
  auto it = seen.find(op->text());
  std::shared_ptr<const AnyOp> shared = op;
  if (it == seen.end()) {
    seen.emplace(op->text(), op);
    ExpressionRegistry::instance().add(op);
  } else {
    shared = it->second;
  }
  return record_lazy(std::move(shared), std::vector<Tensor>(leaves.begin(), leaves.end()),
                     std::move(scalars), TensorSpec{e.shape(), e.dtype()});
}
}  // namespace expr

}  // namespace neuron
