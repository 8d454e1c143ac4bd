// matmul with torch.matmul semantics (1-d operands, broadcast batch dims), and linear
// (x @ weight^T + bias). f32 GEMMs of enough rows run on oneDNN's matmul (gemm-inl.hpp: the rule,
// primitives made once per plan node, linear's weight reordered once); other dtypes and small
// GEMMs on Eigen, on mapped memory with the transposed weight read in place.
#pragma once

#include <cstdint>
#include <memory>
#include <tuple>
#include <vector>

#include "any_op.hpp"

namespace neuron {

namespace detail {
struct GemmPrimitive;  // oneDNN objects of one GEMM for fixed shapes (gemm-inl.hpp)
}

struct Matmul {
  static constexpr const char* name = "matmul";
  NEURON_ATTRS()

  TensorSpec infer(const std::vector<TensorSpec>& in) const;

  // Batch dims broadcast; rows of a and columns of b reach the output; the contracted dim mixes.
  DimFlow dim_flow(const std::vector<TensorSpec>& in, const TensorSpec& out) const;
  // The contracted dim may be padded when one side's padded entries are 0 (pad_fill.hpp): the
  // probabilities of a masked softmax times the values, for one.
  void pad_rule(PadCheck& c) const;

  void run(const std::vector<Tensor>& in, Tensor& out) const;
  // Makes the oneDNN primitive for these input specs when the GEMM runs on oneDNN.
  void prepare(const std::vector<TensorSpec>& in, const std::vector<const Tensor*>& constants);

  // Set by prepare(): not an attribute (plans made from files prepare again at load).
  std::shared_ptr<const detail::GemmPrimitive> primitive;

  // One GEMM: out [m, n] = a [m, k] @ b [k, n], row-major (matmul-inl.hpp).
  template <class T>
  static void run_one(const T* a, const T* b, T* out, std::int64_t m, std::int64_t k,
                      std::int64_t n);
};

// torch.nn.functional.linear: x [..., in] @ weight[out, in]^T + bias[out].
struct Linear {
  static constexpr const char* name = "linear";
  bool has_bias = true;
  NEURON_ATTRS(has_bias)

  TensorSpec infer(const std::vector<TensorSpec>& in) const;
  DimFlow dim_flow(const std::vector<TensorSpec>& in, const TensorSpec& out) const;
  // As matmul: x's features against the weight's columns.
  void pad_rule(PadCheck& c) const;
  void run(const std::vector<Tensor>& in, Tensor& out) const;
  // Makes the oneDNN primitive for these input specs when the GEMM runs on oneDNN;
  // `constants[1]`, the weight when a plan holds it fixed, is reordered now, once.
  void prepare(const std::vector<TensorSpec>& in, const std::vector<const Tensor*>& constants);

  // Set by prepare(): not an attribute (plans made from files prepare again at load).
  std::shared_ptr<const detail::GemmPrimitive> primitive;
};

Tensor matmul(const Tensor& a, const Tensor& b);

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = {});

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "matmul-inl.hpp"
#endif
