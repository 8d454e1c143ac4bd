// Definitions of module.hpp.
#pragma once

#include <algorithm>
#include <cstring>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "module.hpp"

namespace neuron::nn {

NEURON_INLINE Module& Module::train(bool on) {
  training_ = on;
  for (auto& [name, child] : children_) child->train(on);
  return *this;
}

NEURON_INLINE Module& Module::to(Device device) {
  for (auto& [name, t] : params_) t = t.to(device);
  for (auto& [name, t] : buffers_) t = t.to(device);
  for (auto& [name, child] : children_) child->to(device);
  return *this;
}

NEURON_INLINE std::vector<std::pair<std::string, Tensor>> Module::named_parameters() const {
  std::vector<std::pair<std::string, Tensor>> out;
  collect(out, "", /*buffers=*/false);
  return out;
}

NEURON_INLINE StateDict Module::state_dict() const {
  std::vector<std::pair<std::string, Tensor>> all;
  collect(all, "", /*buffers=*/true);
  return StateDict(all.begin(), all.end());
}

NEURON_INLINE void Module::load_state_dict(const StateDict& dict, bool strict) {
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

NEURON_INLINE Tensor& Module::register_parameter(const std::string& name, Tensor t) {
  check_new_name(name);
  params_.emplace_back(name, std::move(t));
  return params_.back().second;
}

NEURON_INLINE Tensor& Module::register_flat_parameter(const std::string& key, Tensor t) {
  if (key.empty()) throw_error<ValueError>(type_name(), ": invalid parameter name ''");
  if (!children_.empty())
    throw_error<ValueError>(type_name(), ": flat parameter '", key,
                            "' in a module with children would make state_dict keys ambiguous");
  params_.emplace_back(key, std::move(t));
  return params_.back().second;
}

NEURON_INLINE Tensor& Module::register_buffer(const std::string& name, Tensor t) {
  check_new_name(name);
  buffers_.emplace_back(name, std::move(t));
  return buffers_.back().second;
}

NEURON_INLINE const Tensor& Module::param(const std::string& name) const {
  for (const auto& [n, t] : params_)
    if (n == name) return t;
  throw_error<KeyError>(type_name(), " has no parameter '", name, "'");
}

NEURON_INLINE const Tensor& Module::buffer(const std::string& name) const {
  for (const auto& [n, t] : buffers_)
    if (n == name) return t;
  throw_error<KeyError>(type_name(), " has no buffer '", name, "'");
}

NEURON_INLINE void Module::check_new_name(const std::string& name) const {
  if (name.empty() || name.find('.') != std::string::npos)
    throw_error<ValueError>(type_name(), ": invalid member name '", name, "'");
  auto has = [&](const auto& v) {
    return std::any_of(v.begin(), v.end(), [&](const auto& kv) { return kv.first == name; });
  };
  if (has(params_) || has(buffers_) || has(children_))
    throw_error<ValueError>(type_name(), ": member '", name, "' is already registered");
}

NEURON_INLINE void Module::collect(std::vector<std::pair<std::string, Tensor>>& out,
                                   const std::string& prefix, bool buffers) const {
  for (const auto& [n, t] : params_) out.emplace_back(prefix + n, t);
  if (buffers)
    for (const auto& [n, t] : buffers_) out.emplace_back(prefix + n, t);
  for (const auto& [n, c] : children_) c->collect(out, prefix + n + ".", buffers);
}

}  // namespace neuron::nn
