// nn::Module: parameters and buffers by name, child modules, train/eval, to(device), and PyTorch's
// state_dict conventions (dotted names: "0.weight", "self_attn.out_proj.bias").
// Copying a module copies handles: the copy shares parameters and children, like torch's
// ModuleHolder. Layers are stored by value in containers (Sequential moves them in).
#pragma once

#include <algorithm>
#include <cstring>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

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

  Module& train(bool on = true) {
    training_ = on;
    for (auto& [name, child] : children_) child->train(on);
    return *this;
  }
  Module& eval() { return train(false); }
  bool is_training() const { return training_; }

  // Moves every parameter and buffer to `device` (recursively).
  Module& to(Device device) {
    for (auto& [name, t] : params_) t = t.to(device);
    for (auto& [name, t] : buffers_) t = t.to(device);
    for (auto& [name, child] : children_) child->to(device);
    return *this;
  }

  // Parameters (and buffers, for state_dict) of this module and its children, dotted names.
  std::vector<std::pair<std::string, Tensor>> named_parameters() const {
    std::vector<std::pair<std::string, Tensor>> out;
    collect(out, "", /*buffers=*/false);
    return out;
  }
  StateDict state_dict() const {
    std::vector<std::pair<std::string, Tensor>> all;
    collect(all, "", /*buffers=*/true);
    return StateDict(all.begin(), all.end());
  }
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& children() const {
    return children_;
  }

  // Copies `dict` into the parameters and buffers (converting dtypes like torch's copy_).
  // strict: every key must match. Shape mismatches are always errors. All problems are reported
  // together, in one KeyError, before anything is changed.
  void load_state_dict(const StateDict& dict, bool strict = true) {
    StateDict own = state_dict();
    std::vector<std::string> problems;
    for (const auto& [name, t] : own) {
      auto it = dict.find(name);
      if (it == dict.end()) {
        if (strict)
          problems.push_back("missing key '" + name + "' (expected shape " + t.shape().str() + ")");
      } else if (!it->second.defined()) {
        problems.push_back("key '" + name + "' holds an undefined tensor");
      } else if (it->second.shape() != t.shape()) {
        problems.push_back("shape mismatch for '" + name + "': expected " + t.shape().str() +
                           ", got " + it->second.shape().str());
      }
    }
    if (strict)
      for (const auto& [name, t] : dict)
        if (!own.count(name))
          problems.push_back("unexpected key '" + name + "' (shape " +
                             (t.defined() ? t.shape().str() : std::string("undefined")) + ")");
    if (!problems.empty()) {
      std::ostringstream msg;
      msg << "load_state_dict into " << type_name() << ": " << problems.size()
          << (problems.size() == 1 ? " problem" : " problems");
      for (const auto& p : problems) msg << "\n  " << p;
      throw KeyError(msg.str());
    }
    for (auto& [name, t] : own) {
      auto it = dict.find(name);
      if (it == dict.end()) continue;
      Tensor src = it->second.cpu().to(t.dtype());
      Tensor dst = t.cpu();
      if (dst.impl_ptr() != t.impl_ptr())
        throw_error<DeviceError>("load_state_dict: parameter '", name, "' is on ", t.device(),
                                 "; load weights before moving the module with .to()");
      std::memcpy(dst.raw_data(), src.raw_data(), src.nbytes());
    }
  }

 protected:
  Module() = default;
  Module(const Module&) = default;
  Module& operator=(const Module&) = default;

  Tensor& register_parameter(const std::string& name, Tensor t) {
    check_new_name(name);
    params_.emplace_back(name, std::move(t));
    return params_.back().second;
  }
  Tensor& register_buffer(const std::string& name, Tensor t) {
    check_new_name(name);
    buffers_.emplace_back(name, std::move(t));
    return buffers_.back().second;
  }
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> m) {
    check_new_name(name);
    children_.emplace_back(name, m);
    return m;
  }
  // This module's own parameter `name` (it must exist).
  const Tensor& param(const std::string& name) const {
    for (const auto& [n, t] : params_)
      if (n == name) return t;
    throw_error<KeyError>(type_name(), " has no parameter '", name, "'");
  }
  const Tensor& buffer(const std::string& name) const {
    for (const auto& [n, t] : buffers_)
      if (n == name) return t;
    throw_error<KeyError>(type_name(), " has no buffer '", name, "'");
  }

 private:
  void check_new_name(const std::string& name) const {
    if (name.empty() || name.find('.') != std::string::npos)
      throw_error<ValueError>(type_name(), ": invalid member name '", name, "'");
    auto has = [&](const auto& v) {
      return std::any_of(v.begin(), v.end(), [&](const auto& kv) { return kv.first == name; });
    };
    if (has(params_) || has(buffers_) || has(children_))
      throw_error<ValueError>(type_name(), ": member '", name, "' is already registered");
  }
  void collect(std::vector<std::pair<std::string, Tensor>>& out, const std::string& prefix,
               bool buffers) const {
    for (const auto& [n, t] : params_) out.emplace_back(prefix + n, t);
    if (buffers)
      for (const auto& [n, t] : buffers_) out.emplace_back(prefix + n, t);
    for (const auto& [n, c] : children_) c->collect(out, prefix + n + ".", buffers);
  }

  std::vector<std::pair<std::string, Tensor>> params_, buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

}  // namespace neuron::nn
