#pragma once

#include "hash.hpp"

#include <cstdio>

#include <xxhash.h>

namespace neuron {

NEURON_INLINE std::string Hash128::hex() const {
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(hi),
                static_cast<unsigned long long>(lo));
  return buf;
}

NEURON_INLINE Hash128 hash_bytes(const void* data, std::size_t n) {
  XXH128_hash_t h = XXH3_128bits(data, n);
  return {h.low64, h.high64};
}
NEURON_INLINE Hash128 hash_bytes(const std::string& s) { return hash_bytes(s.data(), s.size()); }

}  // namespace neuron
