// 128-bit structural hashes (xxHash XXH3-128).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "../core/config.hpp"

namespace neuron {

struct Hash128 {
  std::uint64_t lo = 0, hi = 0;
  friend bool operator==(const Hash128& a, const Hash128& b) {
    return a.lo == b.lo && a.hi == b.hi;
  }
  friend bool operator!=(const Hash128& a, const Hash128& b) { return !(a == b); }
  friend bool operator<(const Hash128& a, const Hash128& b) {
    return a.hi != b.hi ? a.hi < b.hi : a.lo < b.lo;
  }
  std::string hex() const;
};

Hash128 hash_bytes(const void* data, std::size_t n);
Hash128 hash_bytes(const std::string& s);

// Appends raw bytes of a value to a buffer that will be hashed.
template <class T>
void hash_append(std::string& buf, const T& v) {
  buf.append(reinterpret_cast<const char*>(&v), sizeof v);
}

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "hash-inl.hpp"
#endif
