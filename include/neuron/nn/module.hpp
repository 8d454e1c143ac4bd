// nn::Module: parameters and buffers by name, child modules, train/eval, to(device), and PyTorch's
// state_dict conventions (dotted names: "0.weight", "self_attn.out_proj.bias").
// Copying a module copies handles: the copy shares parameters and children, like torch's
// ModuleHolder. Layers are stored by value in containers (Sequential moves them in).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "../core/config.hpp"
#include "../core/tensor.hpp"
#include "../format/safetensors.hpp"

namespace neuron::nn {

class Module {
 public:
  virtual ~Module() = default;

  // The module's computation on one input. Modules with other signatures (attention) overload.
  virtual Tensor forward(const Tensor& x) = 0;
  Tensor operator()(const Tensor& x) { return forward(x); }
  virtual std::string type_name() const = 0;

  Module& train(bool on = true);
  Module& eval() { return train(false); }
  bool is_training() const { return training_; }

  // Moves every parameter and buffer to `device` (recursively).
  Module& to(Device device);

  // Parameters (and buffers, for state_dict) of this module and its children, dotted names.
  std::vector<std::pair<std::string, Tensor>> named_parameters() const;
  StateDict state_dict() const;
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& children() const {
    return children_;
  }

  // Copies `dict` into the parameters and buffers (converting dtypes like torch's copy_).
  // strict: every key must match. Shape mismatches are always errors. All problems are reported
  // together, in one KeyError, before anything is changed.
  void load_state_dict(const StateDict& dict, bool strict = true);

 protected:
  Module() = default;
  Module(const Module&) = default;
  Module& operator=(const Module&) = default;

  Tensor& register_parameter(const std::string& name, Tensor t);
  Tensor& register_buffer(const std::string& name, Tensor t);
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> m) {
    check_new_name(name);
    children_.emplace_back(name, m);
    return m;
  }
  // A parameter under a full state_dict key that may hold dots (an ONNX initializer named
  // "layer1.0.conv1.weight"): for modules without children, so keys stay unambiguous. Keys must
  // be unique (the caller's names are; only emptiness is checked).
  Tensor& register_flat_parameter(const std::string& key, Tensor t);
  // This module's own parameters, in registration order.
  const std::vector<std::pair<std::string, Tensor>>& own_parameters() const { return params_; }
  // This module's own parameter `name` (it must exist).
  const Tensor& param(const std::string& name) const;
  const Tensor& buffer(const std::string& name) const;

 private:
  void check_new_name(const std::string& name) const;
  void collect(std::vector<std::pair<std::string, Tensor>>& out, const std::string& prefix,
               bool buffers) const;

  std::vector<std::pair<std::string, Tensor>> params_, buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

}  // namespace neuron::nn

#ifdef NEURON_HEADER_ONLY
#include "module-inl.hpp"
#endif
