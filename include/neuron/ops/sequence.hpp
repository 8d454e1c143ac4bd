// Ops along one dim, torch semantics: argmax / argmin (int64 indices, first occurrence, NaN counts
// as the extreme), cumsum (bool and integers give int64), topk, triu / tril (the last two dims).
// prod is a reduction (reduce.hpp).
#pragma once

#include <cstdint>
#include <tuple>
#include <vector>

#include "any_op.hpp"

namespace neuron {

// argmax / argmin over `dim`, or over the flattened tensor when `all` is set. Refuses bool (as
// torch) and empty reductions.
template <class Derived, bool IsMax>
struct ArgReduceOp {
  std::int64_t dim = 0;  // normalized; unused when `all`
  bool keepdim = false;
  bool all = false;
  NEURON_ATTRS(dim, keepdim, all)

  TensorSpec infer(const std::vector<TensorSpec>& in) const;
  DimFlow dim_flow(const std::vector<TensorSpec>& in, const TensorSpec& out) const;
  // Along a padded dim whose padded entries are the lowest value (argmax) or the highest (argmin):
  // they never win over a real entry, and ties go to the first (real) one.
  void pad_rule(PadCheck& c) const;
  void run(const std::vector<Tensor>& in, Tensor& out) const;
};

struct ArgMax : ArgReduceOp<ArgMax, true> {
  static constexpr const char* name = "argmax";
};
struct ArgMin : ArgReduceOp<ArgMin, false> {
  static constexpr const char* name = "argmin";
};

NEURON_EXTERN_TEMPLATE(template struct ArgReduceOp<ArgMax, true>;)
NEURON_EXTERN_TEMPLATE(template struct ArgReduceOp<ArgMin, false>;)

// Running sum along `dim`; floating sums accumulate in double as torch's CPU kernel.
struct Cumsum {
  static constexpr const char* name = "cumsum";
  std::int64_t dim = 0;  // normalized
  NEURON_ATTRS(dim)

  TensorSpec infer(const std::vector<TensorSpec>& in) const;
  DimFlow dim_flow(const std::vector<TensorSpec>& in, const TensorSpec& out) const;
  // A running sum reads only earlier entries: real positions never see the padding at the end.
  void pad_rule(PadCheck& c) const;
  void run(const std::vector<Tensor>& in, Tensor& out) const;
};

// The k largest (or smallest) entries along `dim` and their int64 indices, torch.topk semantics:
// NaN counts as larger than every number (first when largest, last when smallest); refuses bool.
// A graph node has one output, so the op computes one of the two results, chosen by `indices`;
// topk() below records two nodes (values and indices) and, eagerly, computes both in one pass.
// Ties keep the lower index first. torch leaves the order of tied entries, and of every entry when
// sorted is false, unspecified: neuron returns the sorted order in both cases.
struct TopK {
  static constexpr const char* name = "topk";
  std::int64_t k = 1;
  std::int64_t dim = 0;  // normalized
  bool largest = true;
  bool sorted = true;
  bool indices = false;  // this node's result: the values (false) or their indices (true)
  NEURON_ATTRS(k, dim, largest, sorted, indices)

  TensorSpec infer(const std::vector<TensorSpec>& in) const;
  // Which entries are kept depends on all of them along `dim`: mixed.
  DimFlow dim_flow(const std::vector<TensorSpec>& in, const TensorSpec& out) const;
  void run(const std::vector<Tensor>& in, Tensor& out) const;
};

struct TopKResult {
  Tensor values;   // x's dtype
  Tensor indices;  // int64
};

// Keeps the elements on and above (triu) or below (tril) the `diagonal`-th diagonal of the last two
// dims, zeroes the others.
template <class Derived, bool Upper>
struct TriangleOp {
  std::int64_t diagonal = 0;
  NEURON_ATTRS(diagonal)

  TensorSpec infer(const std::vector<TensorSpec>& in) const;
  DimFlow dim_flow(const std::vector<TensorSpec>& in, const TensorSpec& out) const;
  // What an entry becomes depends on its row and column, which padding at the end leaves as they
  // are: the last two dims go on, and their padded entries are kept or zeroed by position.
  void pad_rule(PadCheck& c) const;
  void run(const std::vector<Tensor>& in, Tensor& out) const;
};

struct Triu : TriangleOp<Triu, true> {
  static constexpr const char* name = "triu";
};
struct Tril : TriangleOp<Tril, false> {
  static constexpr const char* name = "tril";
};

NEURON_EXTERN_TEMPLATE(template struct TriangleOp<Triu, true>;)
NEURON_EXTERN_TEMPLATE(template struct TriangleOp<Tril, false>;)

// torch.argmax(x, dim, keepdim); without a dim, over the flattened tensor (a 0-d result).
Tensor argmax(const Tensor& x, std::int64_t dim, bool keepdim = false);
Tensor argmax(const Tensor& x);
Tensor argmin(const Tensor& x, std::int64_t dim, bool keepdim = false);
Tensor argmin(const Tensor& x);
Tensor cumsum(const Tensor& x, std::int64_t dim);
// auto [values, indices] = topk(x, k, dim, largest, sorted); a 0-d x takes k 0 or 1 (as torch).
TopKResult topk(const Tensor& x, std::int64_t k, std::int64_t dim = -1, bool largest = true,
                bool sorted = true);
Tensor triu(const Tensor& x, std::int64_t diagonal = 0);
Tensor tril(const Tensor& x, std::int64_t diagonal = 0);

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "sequence-inl.hpp"
#endif
