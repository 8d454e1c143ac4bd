// Definitions of chains.hpp: the catalog's keys, and its kernels compiled in place (the baseline
// path; src/ops/isa/ compiles them once more per instruction set).
#pragma once

#include <array>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_map>

#include "chain_catalog.hpp"
#include "chains.hpp"
#include "isa_kernels.hpp"

namespace neuron::detail {

NEURON_INLINE int chain_index(const std::string& key) {
  static const std::unordered_map<std::string, int> index = [] {
    std::unordered_map<std::string, int> m;
    const auto keys = chain::chain_keys(chain::catalog{});
    for (std::size_t i = 0; i < keys.size(); ++i) m.emplace(keys[i], static_cast<int>(i));
    return m;
  }();
  const auto it = index.find(key);
  return it == index.end() ? -1 : it->second;
}

NEURON_INLINE bool compiled_chains_enabled() {
  static const bool enabled = [] {
    const char* v = std::getenv("NEURON_COMPILED_CHAINS");
    return !(v && std::strcmp(v, "0") == 0);
  }();
  return enabled;
}

NEURON_INLINE ChainFn chain_fn(int index) {
  static const auto baseline = chain::chain_fns(chain::catalog{});
  const IsaKernels* k = isa_kernels();
  return k ? k->chains[index] : baseline[static_cast<std::size_t>(index)];
}

}  // namespace neuron::detail
