// A flattened elementwise expression, and the library's one evaluator for it. Typed expressions
// (expr.hpp) flatten into FusedNodes; fused graph nodes read from files (interpreted_expr.hpp)
// hold FusedNodes too, so every mode runs the same code.
#pragma once

#include <array>
#include <cstdint>

#include "../core/tensor.hpp"
#include "../ops/any_op.hpp"
#include "../ops/elementwise_kernel.hpp"

namespace neuron::expr {

struct FusedNode {
  enum class Kind : std::uint8_t { leaf, scalar, op };
  Kind kind = Kind::leaf;
  DType dtype = float32;  // a leaf's tensor dtype, a C++ number's wrapped dtype, an op's output
  int index = 0;          // leaf or scalar number
  const ElementwiseKernel* kernel = nullptr;  // op: its kernels
  const void* op = nullptr;                   // op: the op struct (its attributes)
  ElementwiseTypes types;                     // op: operand and output dtypes
  std::array<int, 3> args{};                  // op: node indices of its operands
};

// Evaluates nodes[0..count) (post-order, the root last, an op) over `leaves` into a new tensor of
// `shape` and `dtype`; when the leaves are on the lazy device, records one fused node instead.
Tensor evaluate_fused(const FusedNode* nodes, int count, const Tensor* leaves, int leaf_count,
                      const ScalarValue* scalars, int scalar_count, const Shape& shape,
                      DType dtype);

// Evaluates over CPU leaves into `out` (contiguous, of the expression's shape and dtype).
void run_fused(const FusedNode* nodes, int count, const Tensor* leaves, int leaf_count,
               const ScalarValue* scalars, Tensor& out);

}  // namespace neuron::expr

#ifdef NEURON_HEADER_ONLY
#include "evaluate-inl.hpp"
#endif
