// softmax and log_softmax along one dim. Both subtract the maximum before exponentiating, so large
// inputs never overflow; log_softmax is (x - max) - log(sum(exp(x - max))), never log(softmax).
// Sums accumulate in double; exponentials run on xsimd batches.
#pragma once

#include <cstdint>
#include <tuple>
#include <vector>

#include "layout.hpp"

namespace neuron {

template <class Derived, bool Log>
struct SoftmaxOp {
  std::int64_t dim = -1;  // normalized by the free function
  NEURON_ATTRS(dim)
  TensorSpec infer(const std::vector<TensorSpec>& in) const;
  DimFlow dim_flow(const std::vector<TensorSpec>& in, const TensorSpec& out) const;
  // Along a padded dim whose padded entries are -inf (masked): they get probability 0 (softmax)
  // or log-probability -inf (log_softmax) and change nothing at real positions.
  void pad_rule(PadCheck& c) const;
  void run(const std::vector<Tensor>& in, Tensor& out) const;
};

struct Softmax : SoftmaxOp<Softmax, false> {
  static constexpr const char* name = "softmax";
};
struct LogSoftmax : SoftmaxOp<LogSoftmax, true> {
  static constexpr const char* name = "log_softmax";
};

// Defined (instantiated) in the library: softmax-inl.hpp.
NEURON_EXTERN_TEMPLATE(template struct SoftmaxOp<Softmax, false>;)
NEURON_EXTERN_TEMPLATE(template struct SoftmaxOp<LogSoftmax, true>;)

Tensor softmax(const Tensor& x, std::int64_t dim);
Tensor log_softmax(const Tensor& x, std::int64_t dim);

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "softmax-inl.hpp"
#endif
