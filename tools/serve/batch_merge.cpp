#include "batch_merge.hpp"

#include <algorithm>

#include <neuron/core/creation.hpp>
#include <neuron/ops.hpp>

namespace neuron::serve {

namespace {

// x padded at the end of each dim up to `to`, with `value` (what TracedModule::pad, a private
// member of the runtime, does for one call).
Tensor pad_to(const Tensor& x, const Shape& to, double value) {
  Tensor t = x;
  for (int k = 0; k < to.rank(); ++k) {
    const std::int64_t have = t.shape()[k];
    if (have == to[k]) continue;
    Shape fill = t.shape();
    fill[k] = to[k] - have;
    t = have == 0 ? full(fill, value, t.dtype()) : concat({t, full(fill, value, t.dtype())}, k);
  }
  return t;
}

}  // namespace

BatchShape::BatchShape(const std::vector<Tensor>& first) {
  for (const Tensor& t : first) shapes_.push_back(t.shape());
}

bool BatchShape::try_add(const std::vector<Tensor>& request, const ModuleData& d,
                         std::int64_t max_rows) {
  if (request.size() != shapes_.size() || shapes_.empty()) return false;
  std::vector<Shape> next = shapes_;
  for (std::size_t i = 0; i < next.size(); ++i) {
    const Shape& r = request[i].shape();
    if (r.rank() != next[i].rank() || r.rank() == 0) return false;
    next[i][0] += r[0];
    for (int k = 1; k < r.rank(); ++k) next[i][k] = std::max(next[i][k], r[k]);
  }
  if (next[0][0] > max_rows || !some_plan_fits(d, next)) return false;
  shapes_ = std::move(next);
  return true;
}

std::vector<Tensor> merge_inputs(const ModuleData& d, const BatchShape& merged,
                                 const RequestInputs& requests) {
  if (requests.size() == 1) return *requests[0];
  std::vector<Tensor> out;
  for (std::size_t i = 0; i < merged.shapes().size(); ++i) {
    std::vector<Tensor> parts;
    for (const std::vector<Tensor>* r : requests) {
      Shape to = merged.shapes()[i];
      to[0] = (*r)[i].shape()[0];
      parts.push_back(pad_to((*r)[i], to, d.pad_value_of(i)));
    }
    out.push_back(concat(parts, 0));
  }
  return out;
}

std::vector<std::vector<Tensor>> split_outputs(const ModuleData& d, const Signature& sig,
                                               const std::vector<Tensor>& merged_out,
                                               const RequestInputs& requests) {
  if (requests.size() == 1) return {merged_out};
  const Plan& p = d.plans.back();
  std::vector<std::vector<Tensor>> out(requests.size());
  for (std::size_t o = 0; o < merged_out.size(); ++o) {
    const int bd = sig.output_batch_dim[o];
    std::int64_t start = 0;
    for (std::size_t r = 0; r < requests.size(); ++r) {
      const std::vector<Tensor>& in = *requests[r];
      const std::int64_t rows = in[0].shape()[0];
      Tensor t = slice(merged_out[o], bd, start, start + rows);
      start += rows;
      // Dims that follow another varying input dim: back to this request's extent.
      for (std::size_t k = 0; o < p.output_sources.size() && k < p.output_sources[o].size(); ++k) {
        const auto& sources = p.output_sources[o][k];
        if (static_cast<int>(k) == bd || sources.empty() || sources[0].dim == 0) continue;
        const std::int64_t n =
            in[static_cast<std::size_t>(sources[0].input)].shape()[sources[0].dim];
        if (n < t.shape()[static_cast<int>(k)]) t = slice(t, static_cast<std::int64_t>(k), 0, n);
      }
      out[r].push_back(std::move(t));
    }
  }
  return out;
}

}  // namespace neuron::serve
