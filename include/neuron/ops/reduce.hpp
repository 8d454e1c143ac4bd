// Reductions over dims with keepdim: sum mean max min prod. Empty dims means all dims.
// sum and prod of bool/integers give int64 (as torch); mean needs a floating dtype; max/min keep
// the dtype, propagate NaN and refuse empty reductions. Floating sums and products accumulate in
// double.
#pragma once

#include <cstdint>
#include <tuple>
#include <vector>

#include "layout.hpp"

namespace neuron {

namespace detail {
enum class ReduceKind { sum, mean, max, min, prod };
}  // namespace detail

template <class Derived, detail::ReduceKind Kind>
struct ReduceOp {
  std::vector<std::int64_t> dims;  // normalized and sorted; empty reduces nothing
  bool keepdim = false;
  NEURON_ATTRS(dims, keepdim)

  TensorSpec infer(const std::vector<TensorSpec>& in) const;
  DimFlow dim_flow(const std::vector<TensorSpec>& in, const TensorSpec& out) const;
  // A padded dim may be reduced when its padded entries are the identity: 0 for sum, 1 for prod,
  // the lowest value for max, the highest for min. mean never: it divides by the padded size.
  void pad_rule(PadCheck& c) const;
  void run(const std::vector<Tensor>& in, Tensor& out) const;
};

struct Sum : ReduceOp<Sum, detail::ReduceKind::sum> {
  static constexpr const char* name = "sum";
};
struct Mean : ReduceOp<Mean, detail::ReduceKind::mean> {
  static constexpr const char* name = "mean";
};
struct Max : ReduceOp<Max, detail::ReduceKind::max> {
  static constexpr const char* name = "max";
};
struct Min : ReduceOp<Min, detail::ReduceKind::min> {
  static constexpr const char* name = "min";
};
struct Prod : ReduceOp<Prod, detail::ReduceKind::prod> {
  static constexpr const char* name = "prod";
};

// Defined (instantiated) in the library: reduce-inl.hpp.
NEURON_EXTERN_TEMPLATE(template struct ReduceOp<Sum, detail::ReduceKind::sum>;)
NEURON_EXTERN_TEMPLATE(template struct ReduceOp<Mean, detail::ReduceKind::mean>;)
NEURON_EXTERN_TEMPLATE(template struct ReduceOp<Max, detail::ReduceKind::max>;)
NEURON_EXTERN_TEMPLATE(template struct ReduceOp<Min, detail::ReduceKind::min>;)
NEURON_EXTERN_TEMPLATE(template struct ReduceOp<Prod, detail::ReduceKind::prod>;)

// Reduce over `dims` (all dims when empty); keepdim keeps them as size 1.
Tensor sum(const Tensor& x, const std::vector<std::int64_t>& dims = {}, bool keepdim = false);
Tensor sum(const Tensor& x, std::int64_t dim, bool keepdim = false);
Tensor mean(const Tensor& x, const std::vector<std::int64_t>& dims = {}, bool keepdim = false);
Tensor mean(const Tensor& x, std::int64_t dim, bool keepdim = false);
Tensor max(const Tensor& x, const std::vector<std::int64_t>& dims = {}, bool keepdim = false);
Tensor max(const Tensor& x, std::int64_t dim, bool keepdim = false);
Tensor min(const Tensor& x, const std::vector<std::int64_t>& dims = {}, bool keepdim = false);
Tensor min(const Tensor& x, std::int64_t dim, bool keepdim = false);
// The product of an empty reduction is 1.
Tensor prod(const Tensor& x, const std::vector<std::int64_t>& dims = {}, bool keepdim = false);
Tensor prod(const Tensor& x, std::int64_t dim, bool keepdim = false);

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "reduce-inl.hpp"
#endif
