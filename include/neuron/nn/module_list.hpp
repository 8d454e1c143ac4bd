// nn::ModuleList: an indexable list of child modules named "0", "1", ..., as torch.nn.ModuleList.
// It holds modules for state_dict and train/eval; the owner calls them (it has no forward).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include "module.hpp"

namespace neuron::nn {

class ModuleList : public Module {
 public:
  ModuleList() = default;

  // Appends a module: a shared_ptr is kept as is (shared), a module value is moved in.
  void push_back(std::shared_ptr<Module> module);
  template <class M, class = std::enable_if_t<std::is_base_of_v<Module, std::decay_t<M>>>>
  void push_back(M&& module) {
    push_back(std::shared_ptr<Module>(std::make_shared<std::decay_t<M>>(std::forward<M>(module))));
  }

  std::size_t size() const { return children().size(); }
  Module& operator[](std::size_t i) const;
  // The i-th module as its own type; a ValueError names both types when it is another.
  template <class M>
  M& at(std::size_t i) const {
    Module& m = (*this)[i];
    if (auto* p = dynamic_cast<M*>(&m)) return *p;
    throw_error<ValueError>("ModuleList: module ", i, " is a ", m.type_name(),
                            ", not the type asked for");
  }

  // A ModuleList is not callable (as in torch): this throws a ValueError.
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "ModuleList"; }
};

}  // namespace neuron::nn

#ifdef NEURON_HEADER_ONLY
#include "module_list-inl.hpp"
#endif
