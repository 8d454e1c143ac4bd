// nn::Sequential(m0, m1, ...): runs its children in order; they are named "0", "1", ...
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

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
    append(std::make_shared<T>(std::forward<M>(module)));
  }

  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Sequential"; }
  std::size_t size() const { return children().size(); }
  Module& operator[](std::size_t i) const;

 private:
  // Registers `module` as the next child, named by its position.
  void append(std::shared_ptr<Module> module);
};

}  // namespace neuron::nn

#ifdef NEURON_HEADER_ONLY
#include "sequential-inl.hpp"
#endif
