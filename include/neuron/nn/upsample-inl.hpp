// Definitions of upsample.hpp.
#pragma once

#include "../ops/interpolate.hpp"
#include "module-inl.hpp"
#include "upsample.hpp"

namespace neuron::nn {

NEURON_INLINE Upsample::Upsample(const UpsampleOptions& o) : options_(o) {
  if (o.size().empty() == o.scale_factor().empty())
    throw_error<ValueError>("Upsample: give exactly one of size and scale_factor");
  if (o.mode() != "nearest" && o.mode() != "bilinear")
    throw_error<ValueError>("Upsample: unknown mode '", o.mode().substr(0, 32),
                            "'; expected 'nearest' or 'bilinear'");
  if (o.mode() == "nearest" && o.align_corners())
    throw_error<ValueError>("Upsample: align_corners can only be set with mode 'bilinear'");
}

NEURON_INLINE Tensor Upsample::forward(const Tensor& x) {
  const UpsampleOptions& o = options_;
  if (!o.size().empty()) return interpolate(x, o.size(), o.mode(), o.align_corners());
  std::vector<double> f = o.scale_factor();
  if (f.size() == 1) f.push_back(f[0]);
  return interpolate_scale(x, f, o.mode(), o.align_corners());
}

}  // namespace neuron::nn
