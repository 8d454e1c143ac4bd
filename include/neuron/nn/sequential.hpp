// nn::Sequential(m0, m1, ...): runs its children in order; they are named "0", "1", ...
#pragma once

#include <memory>
#include <string>
#include <type_traits>

#include "module.hpp"

namespace neuron::nn {

class Sequential : public Module {
 public:
  template <class... Ms>
  explicit Sequential(Ms&&... modules) {
    (push_back(std::forward<Ms>(modules)), ...);
  }

  template <class M>
  void push_back(M&& module) {
    using T = std::decay_t<M>;
    static_assert(std::is_base_of_v<Module, T>, "Sequential holds nn::Module subclasses");
    register_module(std::to_string(children().size()),
                    std::make_shared<T>(std::forward<M>(module)));
  }

  Tensor forward(const Tensor& x) override {
    Tensor y = x;
    for (const auto& [name, m] : children()) y = m->forward(y);
    return y;
  }
  std::string type_name() const override { return "Sequential"; }
  std::size_t size() const { return children().size(); }
  Module& operator[](std::size_t i) const {
    if (i >= children().size())
      throw_error<IndexError>("Sequential: index ", i, " out of range for ", children().size(),
                              " modules");
    return *children()[i].second;
  }
};

}  // namespace neuron::nn
