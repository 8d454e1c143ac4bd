// Helpers for file-format tests: byte images, temporary files, an empty persistent cache.
#pragma once

#include <unistd.h>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <neuron/neuron.hpp>

namespace test {

inline std::string temp_path(const std::string& name) {
  return "/tmp/neuron_test_" + std::to_string(::getpid()) + "_" + name;
}

// `path` emptied and made the persistent cache, with the in-memory cache and the metrics cleared:
// a lazy test's next step compiles and writes an entry there.
inline std::string fresh_cache_dir(const std::string& path) {
  std::filesystem::remove_all(path);
  neuron::set_cache_dir(path);
  neuron::PlanCache::instance().clear();
  neuron::metrics::reset();
  return path;
}

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline std::string read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

inline std::string u64le(std::uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i)
    s[static_cast<std::size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}

// A safetensors image from a header text and raw data bytes.
inline std::string safetensors_image(const std::string& header, const std::string& data) {
  return u64le(header.size()) + header + data;
}

inline std::string floats(std::initializer_list<float> v) {
  return std::string(reinterpret_cast<const char*>(v.begin()), v.size() * sizeof(float));
}

}  // namespace test
