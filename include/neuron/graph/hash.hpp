// 128-bit structural hashes (xxHash XXH3-128).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include <xxhash.h>

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
  std::string hex() const {
    char buf[33];
    std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(hi),
                  static_cast<unsigned long long>(lo));
    return buf;
  }
};

inline Hash128 hash_bytes(const void* data, std::size_t n) {
  XXH128_hash_t h = XXH3_128bits(data, n);
  return {h.low64, h.high64};
}
inline Hash128 hash_bytes(const std::string& s) { return hash_bytes(s.data(), s.size()); }

// Appends raw bytes of a value to a buffer that will be hashed.
template <class T>
void hash_append(std::string& buf, const T& v) {
  buf.append(reinterpret_cast<const char*>(&v), sizeof v);
}

}  // namespace neuron
