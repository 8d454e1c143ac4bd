// Definitions for module_file.hpp.
#pragma once

#include "module_file.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <new>
#include <numeric>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <xxhash.h>
#include <nlohmann/json.hpp>

#include "module_graph-inl.hpp"
#include "safetensors-inl.hpp"
#include "strict_json.hpp"

namespace neuron {

namespace detail {

NEURON_INLINE std::string module_checksum(const std::byte* data, std::size_t size,
                                          std::size_t digits) {
  XXH3_state_t* st = XXH3_createState();
  if (!st) throw std::bad_alloc();
  XXH3_128bits_reset(st);
  XXH3_128bits_update(st, data, digits);
  const std::string zeros(kChecksumDigits, '0');
  XXH3_128bits_update(st, zeros.data(), zeros.size());
  XXH3_128bits_update(st, data + digits + kChecksumDigits, size - digits - kChecksumDigits);
  XXH128_hash_t h = XXH3_128bits_digest(st);
  XXH3_freeState(st);
  char hex[33];
  std::snprintf(hex, sizeof hex, "%016llx%016llx", static_cast<unsigned long long>(h.high64),
                static_cast<unsigned long long>(h.low64));
  return hex;
}

NEURON_INLINE std::size_t find_checksum(const std::byte* header, std::size_t n,
                                        const std::string& where) {
  const std::string_view text(reinterpret_cast<const char*>(header), n);
  const std::size_t at = text.find(kChecksumKey);
  if (at == std::string_view::npos)
    throw_error<FormatError>(where, ": no checksum (\"neuron.checksum\" must be written as ",
                             kChecksumKey, "<32 hex digits>\")");
  if (text.find(kChecksumKey, at + 1) != std::string_view::npos)
    throw_error<FormatError>(where, ": the checksum appears twice");
  const std::size_t digits = at + std::strlen(kChecksumKey);
  if (digits + kChecksumDigits + 1 > n || text[digits + kChecksumDigits] != '"')
    throw_error<FormatError>(where, ": the checksum must have ", kChecksumDigits, " hex digits");
  for (std::size_t i = 0; i < kChecksumDigits; ++i) {
    const char c = text[digits + i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      throw_error<FormatError>(where, ": the checksum must be lowercase hex");
  }
  return digits;
}

NEURON_INLINE std::pair<int, int> parse_version(const std::string& v, const std::string& where) {
  const std::size_t dot = v.find('.');
  auto number = [&](const std::string& s) {
    if (s.empty() || s.size() > 6 || s.find_first_not_of("0123456789") != std::string::npos)
      throw_error<FormatError>(where, ": neuron.format_version '", v.substr(0, 32),
                               "' is not MAJOR.MINOR");
    return std::stoi(s);
  };
  if (dot == std::string::npos) number("");
  return {number(v.substr(0, dot)), number(v.substr(dot + 1))};
}

NEURON_INLINE bool is_format_key(const std::string& key) {
  return key == "neuron.format" || key == "neuron.format_version" || key == "neuron.graph" ||
         key == "neuron.checksum";
}

}  // namespace detail

NEURON_INLINE std::string TracedModule::to_bytes() const {
  const ModuleData& d = data();
  std::vector<std::size_t> order(d.weights.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_partition(order.begin(), order.end(),
                        [&](std::size_t i) { return d.weights[i].nbytes() % kAlignment == 0; });
  nlohmann::json header = nlohmann::json::object();
  std::uint64_t at = 0;
  for (std::size_t i : order) {
    const std::string& name = d.weight_names[i];
    if (name.empty() || name.size() > kMaxTensorNameBytes || name == "__metadata__")
      throw_error<ValueError>("save: invalid weight name '", name, "'");
    const std::uint64_t n = d.weights[i].nbytes();
    header[name] = {{"dtype", detail::dtype_to_safetensors(d.weights[i].dtype())},
                    {"shape", d.weights[i].shape().vec()},
                    {"data_offsets", {at, at + n}}};
    at += n;
  }
  header["__metadata__"] = {
      {"neuron.format", "neuron.module"},
      {"neuron.format_version",
       std::to_string(kModuleFormatMajor) + "." + std::to_string(kModuleFormatMinor)},
      {"neuron.graph", module_graph_json(d).dump()},
      {"neuron.checksum", "xxh3-128:" + std::string(detail::kChecksumDigits, '0')}};
  for (const auto& [key, value] : d.metadata) {
    if (detail::is_format_key(key))
      throw_error<ValueError>("save: metadata key '", key, "' is the format's own");
    header["__metadata__"][key] = value;
  }
  std::string text = header.dump();
  text.append((kAlignment - (8 + text.size()) % kAlignment) % kAlignment, ' ');
  std::string out;
  out.reserve(8 + text.size() + at);
  const std::uint64_t n = text.size();
  out.append(reinterpret_cast<const char*>(&n), 8);  // little endian on every supported target
  out += text;
  for (std::size_t i : order)
    out.append(static_cast<const char*>(d.weights[i].raw_data()), d.weights[i].nbytes());
  const auto* bytes = reinterpret_cast<const std::byte*>(out.data());
  const std::size_t digits = detail::find_checksum(bytes + 8, text.size(), "save") + 8;
  const std::string sum = detail::module_checksum(bytes, out.size(), digits);
  out.replace(digits, detail::kChecksumDigits, sum);
  return out;
}

NEURON_INLINE void TracedModule::save(const std::string& path) const {
  const std::string bytes = to_bytes();
  write_file_atomic(path, [&](std::FILE* f) { write_all(f, bytes.data(), bytes.size(), path); });
}

NEURON_INLINE std::shared_ptr<ModuleData> detail::read_module_image(std::byte* data,
                                                                    std::size_t size,
                                                                    std::shared_ptr<void> owner,
                                                                    const std::string& where) {
  SafetensorsHeader h = parse_safetensors_header(data, size, where);
  if (h.data_offset % kAlignment != 0)
    throw_error<FormatError>(where, ": the weights start at byte ", h.data_offset,
                             ", not on a 64-byte boundary");
  {  // padding after the JSON: spaces only
    const char* text = reinterpret_cast<const char*>(data + 8);
    std::size_t end = h.header_bytes;
    while (end > 0 && text[end - 1] != '}') --end;
    for (std::size_t i = end; i < h.header_bytes; ++i)
      if (text[i] != ' ')
        throw_error<FormatError>(where, ": header padding holds byte ",
                                 static_cast<int>(static_cast<unsigned char>(text[i])),
                                 " at offset ", 8 + i, "; only spaces are allowed");
  }
  auto meta = [&](const char* key) -> const std::string& {
    auto it = h.metadata.find(key);
    if (it == h.metadata.end())
      throw_error<FormatError>(where, ": not a neuron module (no \"", key, "\" in __metadata__)");
    return it->second;
  };
  if (meta("neuron.format") != "neuron.module")
    throw_error<FormatError>(where, ": neuron.format is '", meta("neuron.format").substr(0, 64),
                             "', expected 'neuron.module'");
  const auto [major, minor] = detail::parse_version(meta("neuron.format_version"), where);
  if (major != kModuleFormatMajor)
    throw_error<FormatError>(where, ": format version ", major, ".", minor,
                             " is not supported; this build reads version ", kModuleFormatMajor,
                             ".x");
  const std::string& sum = meta("neuron.checksum");
  const std::size_t digits = detail::find_checksum(data + 8, h.header_bytes, where) + 8;
  const std::string computed = detail::module_checksum(data, size, digits);
  if (sum != "xxh3-128:" + computed)
    throw_error<FormatError>(where, ": checksum mismatch (file says ", sum.substr(0, 48),
                             ", content hashes to xxh3-128:", computed,
                             "); the file is corrupt or was modified");
  const std::string& graph_text = meta("neuron.graph");
  nlohmann::json graph = parse_strict_json(graph_text.data(), graph_text.data() + graph_text.size(),
                                           where + " neuron.graph", expr::kMaxGraphJsonDepth);
  // Every weight the graph names, and nothing else.
  detail::JsonIn names{graph.is_object() && graph.contains("weights") ? graph["weights"] : graph,
                       where + " graph.weights"};
  std::map<std::string, const SafetensorsEntry*> by_name;
  for (const auto& e : h.entries) by_name.emplace(e.name, &e);
  std::vector<Tensor> weights;
  std::map<std::string, int> used;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string name = names.item(i).string();
    auto it = by_name.find(name);
    if (it == by_name.end())
      throw_error<FormatError>(where, ": weight '", name.substr(0, 256),
                               "' named by the graph is not in the file");
    if (used[name]++)
      throw_error<FormatError>(where, ": the graph names weight '", name, "' twice");
    weights.push_back(detail::safetensors_tensor(*it->second, data + h.data_offset, owner, where));
  }
  for (const auto& e : h.entries)
    if (!used.count(e.name))
      throw_error<FormatError>(where, ": tensor '", e.name.substr(0, 256),
                               "' is not used by the graph");
  auto d = module_from_graph_json(graph, std::move(weights), where);
  d->keepalive = owner;
  for (const auto& [key, value] : h.metadata)
    if (!detail::is_format_key(key)) d->metadata.emplace(key, value);
  return d;
}

NEURON_INLINE TracedModule load_module_image(std::byte* data, std::size_t size,
                                             std::shared_ptr<void> owner, const std::string& where,
                                             const LoadOptions& options) {
  std::shared_ptr<ModuleData> d = detail::read_module_image(data, size, std::move(owner), where);
  d->make_ready();
  TracedModule m(std::move(d));
  const MemoryPlan plan = m.memory_plan();
  if (plan.per_call_bytes() > options.max_call_bytes)
    throw_error<FormatError>(where, ": a call would need ", plan.per_call_bytes(),
                             " bytes besides the weights (", plan.str(), "), over the limit of ",
                             options.max_call_bytes,
                             " bytes; raise LoadOptions::max_call_bytes if you trust this file");
  return m;
}

NEURON_INLINE TracedModule load(const std::string& path, const LoadOptions& options) {
  auto file = MappedFile::open(path);
  return load_module_image(file->data(), file->size(), file, "'" + path + "'", options);
}

NEURON_INLINE TracedModule load_from_memory(const void* data, std::size_t size,
                                            const LoadOptions& options) {
  if (!data && size) throw_error<ValueError>("load_from_memory: null data with size ", size);
  auto storage = Storage::allocate(size);
  if (size) std::memcpy(storage->data(), data, size);
  return load_module_image(storage->data(), size, storage, "module buffer", options);
}

}  // namespace neuron
