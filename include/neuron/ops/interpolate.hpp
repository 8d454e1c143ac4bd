// interpolate (torch.nn.functional.interpolate) of [B, C, H, W] to a new spatial size: "nearest"
// (torch's legacy nearest: source index floor(dst * scale)) or "bilinear" with or without
// align_corners. A scale factor, when given (nn::Upsample), sets the source coordinates as in
// torch, which for non-integer factors differ from in / out.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "any_op.hpp"

namespace neuron {

struct Interpolate {
  static constexpr const char* name = "interpolate";
  enum Mode : std::int64_t { nearest = 0, bilinear = 1 };
  std::vector<std::int64_t> size{1, 1};
  std::int64_t mode = nearest;
  bool align_corners = false;
  double scale_h = 0, scale_w = 0;  // the user's scale factors; 0: not given (use in / out)
  NEURON_ATTRS(size, mode, align_corners, scale_h, scale_w)

  TensorSpec infer(const std::vector<TensorSpec>& in) const;
  DimFlow dim_flow(const std::vector<TensorSpec>& in, const TensorSpec& out) const;
  void run(const std::vector<Tensor>& in, Tensor& out) const;
};

// mode "nearest" or "bilinear"; align_corners only with "bilinear", as torch.
Tensor interpolate(const Tensor& x, const std::vector<std::int64_t>& size,
                   const std::string& mode = "nearest", bool align_corners = false);
// By scale factors: the output size is floor(in * factor).
Tensor interpolate_scale(const Tensor& x, const std::vector<double>& scale_factor,
                         const std::string& mode = "nearest", bool align_corners = false);

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "interpolate-inl.hpp"
#endif
