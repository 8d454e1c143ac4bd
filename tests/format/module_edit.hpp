// Edits a .neuron image for tests that must reach the validation behind its checksum: split it
// into header, graph and data, change them, join and re-sign.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

#include <nlohmann/json.hpp>

#include <neuron/neuron.hpp>

namespace test {

inline std::uint64_t header_len(const std::string& f) {
  std::uint64_t n;
  std::memcpy(&n, f.data(), 8);
  return n;
}

// Recomputes the checksum, so a test reaches the validation behind it.
inline std::string resign(std::string f) {
  const auto* p = reinterpret_cast<const std::byte*>(f.data());
  std::size_t digits = neuron::detail::find_checksum(p + 8, header_len(f), "test") + 8;
  f.replace(digits, 32, neuron::detail::module_checksum(p, f.size(), digits));
  return f;
}

// Rebuilds a file from header text and data bytes, padded to 64 with spaces, signed.
inline std::string assemble_text(std::string text, const std::string& data) {
  text.append((64 - (8 + text.size()) % 64) % 64, ' ');
  std::uint64_t n = text.size();
  std::string f(reinterpret_cast<const char*>(&n), 8);
  return resign(f + text + data);
}
inline std::string assemble(const nlohmann::json& header, const std::string& data) {
  return assemble_text(header.dump(), data);
}

struct Parts {
  nlohmann::json header;
  nlohmann::json graph;
  std::string data;
};
inline Parts split(const std::string& f) {
  Parts p;
  const std::uint64_t n = header_len(f);
  p.header = nlohmann::json::parse(f.substr(8, n));
  p.graph = nlohmann::json::parse(p.header["__metadata__"]["neuron.graph"].get<std::string>());
  p.data = f.substr(8 + n);
  return p;
}
inline std::string join(Parts p) {
  p.header["__metadata__"]["neuron.graph"] = p.graph.dump();
  return assemble(p.header, p.data);
}
// Applies `edit` to the parsed header and graph of a good file and re-signs it.
template <class Edit>
std::string edited(const std::string& good, Edit edit) {
  Parts p = split(good);
  edit(p);
  return join(p);
}

}  // namespace test
