// Definitions of module_list.hpp.
#pragma once

#include <string>
#include <utility>

#include "module-inl.hpp"
#include "module_list.hpp"

namespace neuron::nn {

NEURON_INLINE void ModuleList::push_back(std::shared_ptr<Module> module) {
  if (!module) throw_error<ValueError>("ModuleList: cannot append an empty module pointer");
  register_module(std::to_string(children().size()), std::move(module));
}

NEURON_INLINE Module& ModuleList::operator[](std::size_t i) const {
  if (i >= children().size())
    throw_error<IndexError>("ModuleList: index ", i, " out of range for ", children().size(),
                            " modules");
  return *children()[i].second;
}

NEURON_INLINE Tensor ModuleList::forward(const Tensor&) {
  throw_error<ValueError>("ModuleList has no forward: call its modules (list[i].forward(x))");
}

}  // namespace neuron::nn
