// Ops that change a tensor's shape, torch semantics: expand, pad and repeat are op structs (they
// copy data into a new layout); squeeze, unsqueeze, flatten, stack, split and chunk are DSL
// functions over reshape, concat and slice (see each function).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "layout.hpp"

namespace neuron {

// x broadcast to `shape` (torch's Tensor.expand), materialized: a new contiguous tensor, where
// torch returns a view with zero strides. Dims of size 1 repeat, new dims are added in front.
struct Expand {
  static constexpr const char* name = "expand";
  std::vector<std::int64_t> shape;  // resolved: no -1
  NEURON_ATTRS(shape)

  TensorSpec infer(const std::vector<TensorSpec>& in) const;
  // Kept dims go where broadcasting puts them; a dim of size 1 that is expanded is lost.
  DimFlow dim_flow(const std::vector<TensorSpec>& in, const TensorSpec& out) const;
  void run(const std::vector<Tensor>& in, Tensor& out) const;
};

// torch.nn.functional.pad: `pads` holds (before, after) pairs from the last dim backwards, as
// torch. Negative pads crop. "constant" fills with `value` (converted to x's dtype as torch: ints
// truncate, bool is value != 0); "reflect" mirrors without repeating the edge (each pad must be
// less than the dim's size); "replicate" repeats the edge. Any dtype and any rank >= the number of
// padded dims, in every mode (torch 1.13 takes only float inputs of 2-5 dims for the last two).
struct Pad {
  static constexpr const char* name = "pad";
  enum Mode : std::int64_t { constant = 0, reflect = 1, replicate = 2 };
  std::vector<std::int64_t> pads;
  std::int64_t mode = constant;
  double value = 0;
  NEURON_ATTRS(pads, mode, value)

  TensorSpec infer(const std::vector<TensorSpec>& in) const;
  // A padded (or cropped) dim is lost: its entries move and new ones appear.
  DimFlow dim_flow(const std::vector<TensorSpec>& in, const TensorSpec& out) const;
  void run(const std::vector<Tensor>& in, Tensor& out) const;
};

// x tiled `repeats[i]` times along dim i (torch's Tensor.repeat): repeats has at least x's rank
// entries; extra ones add leading dims.
struct Repeat {
  static constexpr const char* name = "repeat";
  std::vector<std::int64_t> repeats;
  NEURON_ATTRS(repeats)

  TensorSpec infer(const std::vector<TensorSpec>& in) const;
  // A dim repeated once is kept; a dim repeated more often is lost (its entries recur).
  DimFlow dim_flow(const std::vector<TensorSpec>& in, const TensorSpec& out) const;
  void run(const std::vector<Tensor>& in, Tensor& out) const;
};

// shape may hold -1 for "keep this dim" (not for new leading dims).
Tensor expand(const Tensor& x, const std::vector<std::int64_t>& shape);
// mode "constant", "reflect" or "replicate"; a value only with "constant" (default 0), as torch.
Tensor pad(const Tensor& x, const std::vector<std::int64_t>& pads,
           const std::string& mode = "constant", std::optional<double> value = std::nullopt);
Tensor repeat(const Tensor& x, const std::vector<std::int64_t>& repeats);

// The functions below are torch's views; here they are compositions of existing ops rather than
// op structs: squeeze / unsqueeze / flatten are reshapes (eagerly, views sharing x's storage),
// stack is unsqueeze + concat, split / chunk are slices (copies). A struct each would duplicate
// reshape's, concat's and slice's kernels, dim flows and padding rules.

// Without a dim, removes every dim of size 1; with one, removes it when its size is 1.
Tensor squeeze(const Tensor& x);
Tensor squeeze(const Tensor& x, std::int64_t dim);
// A dim of size 1 at `dim`, in [-rank - 1, rank].
Tensor unsqueeze(const Tensor& x, std::int64_t dim);
// Merges dims start_dim..end_dim into one; a 0-d tensor becomes [1].
Tensor flatten(const Tensor& x, std::int64_t start_dim = 0, std::int64_t end_dim = -1);
// Joins equally shaped tensors along a new dim (dtypes promote as concat).
Tensor stack(const std::vector<Tensor>& tensors, std::int64_t dim = 0);
// Pieces of `size` along dim (the last one smaller), or of the given sizes (summing to the dim).
std::vector<Tensor> split(const Tensor& x, std::int64_t size, std::int64_t dim = 0);
std::vector<Tensor> split(const Tensor& x, const std::vector<std::int64_t>& sizes,
                          std::int64_t dim = 0);
// At most n pieces of ceil(size / n) along dim (fewer when they run out, as torch).
std::vector<Tensor> chunk(const Tensor& x, std::int64_t n, std::int64_t dim = 0);

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "shape_ops-inl.hpp"
#endif
