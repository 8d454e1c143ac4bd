// Definitions of sequential.hpp.
#pragma once

#include <string>
#include <utility>

#include "module-inl.hpp"
#include "sequential.hpp"

namespace neuron::nn {

NEURON_INLINE void Sequential::append(std::shared_ptr<Module> module) {
  register_module(std::to_string(children().size()), std::move(module));
}

NEURON_INLINE Tensor Sequential::forward(const Tensor& x) {
  Tensor y = x;
  for (const auto& [name, m] : children()) y = m->forward(y);
  return y;
}

NEURON_INLINE Module& Sequential::operator[](std::size_t i) const {
  if (i >= children().size())
    throw_error<IndexError>("Sequential: index ", i, " out of range for ", children().size(),
                            " modules");
  return *children()[i].second;
}

}  // namespace neuron::nn
