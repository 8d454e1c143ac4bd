// Merging requests into one call and splitting the results back: the requests' inputs are
// concatenated along dim 0 after each varying dim is padded (with the module's pad value for
// that input) to the largest extent among them; each request then gets its own rows of every
// output, cut back to its own extents. The pad-value rules that make buckets and dynamic batch
// safe make this safe too: a request's rows never see another request's values or the padding.
#pragma once

#include <cstdint>
#include <vector>

#include "model_signature.hpp"

namespace neuron::serve {

// The merged input shapes of the requests gathered so far.
class BatchShape {
 public:
  explicit BatchShape(const std::vector<Tensor>& first);
  // Adds a request if the merged call still fits: at most `max_rows` rows and, for buckets, one
  // bucket holding every merged dim. False (and unchanged) otherwise.
  bool try_add(const std::vector<Tensor>& request, const ModuleData& d, std::int64_t max_rows);
  std::int64_t rows() const { return shapes_.empty() ? 0 : shapes_[0][0]; }
  const std::vector<Shape>& shapes() const { return shapes_; }

 private:
  std::vector<Shape> shapes_;
};

using RequestInputs = std::vector<const std::vector<Tensor>*>;

// One call's inputs for `requests` (each already checked with order_inputs).
std::vector<Tensor> merge_inputs(const ModuleData& d, const BatchShape& merged,
                                 const RequestInputs& requests);

// Per request, its outputs out of the merged call's.
std::vector<std::vector<Tensor>> split_outputs(const ModuleData& d, const Signature& sig,
                                               const std::vector<Tensor>& merged_out,
                                               const RequestInputs& requests);

}  // namespace neuron::serve
