// Definitions for safetensors.hpp.
#pragma once

#include "safetensors.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include "strict_json.hpp"

namespace neuron {

namespace detail {

NEURON_INLINE std::size_t safetensors_dtype_size(const std::string& d) {
  if (d == "F64" || d == "I64") return 8;
  if (d == "F32" || d == "I32") return 4;
  if (d == "BF16" || d == "F16") return 2;
  if (d == "BOOL") return 1;
  return 0;
}

NEURON_INLINE DType safetensors_to_dtype(const std::string& d) {
  if (d == "F64") return float64;
  if (d == "I64") return int64;
  if (d == "I32") return int32;
  if (d == "BOOL") return bool_;
  return float32;  // F32, and BF16/F16 after conversion
}

NEURON_INLINE const char* dtype_to_safetensors(DType d) {
  switch (d) {
    case DType::float32:
      return "F32";
    case DType::float64:
      return "F64";
    case DType::int32:
      return "I32";
    case DType::int64:
      return "I64";
    case DType::bool_:
      return "BOOL";
  }
  return "?";
}

NEURON_INLINE std::uint64_t read_u64_le(const std::byte* p) {
  std::uint64_t v = 0;
  std::memcpy(&v, p, 8);
  return v;
}

}  // namespace detail

NEURON_INLINE SafetensorsHeader parse_safetensors_header(const std::byte* data, std::size_t size,
                                                         const std::string& where) {
  if (size < 8)
    throw_error<FormatError>(where, ": ", size,
                             " bytes is too short for a safetensors file (the "
                             "8-byte header length is missing)");
  SafetensorsHeader h;
  h.header_bytes = detail::read_u64_le(data);
  if (h.header_bytes > kMaxHeaderBytes)
    throw_error<FormatError>(where, ": header length ", h.header_bytes, " exceeds the limit of ",
                             kMaxHeaderBytes, " bytes");
  if (h.header_bytes > size - 8)
    throw_error<FormatError>(where, ": header length ", h.header_bytes,
                             " runs past the end of the ", size, "-byte file");
  if (h.header_bytes == 0 || static_cast<char>(data[8]) != '{')
    throw_error<FormatError>(where, ": header must be a JSON object starting with '{'");
  h.data_offset = 8 + h.header_bytes;
  const char* text = reinterpret_cast<const char*>(data + 8);
  nlohmann::json j = parse_strict_json(text, text + h.header_bytes, where + " header");
  if (!j.is_object()) throw_error<FormatError>(where, ": header is not a JSON object");
  const std::uint64_t data_size = size - h.data_offset;

  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& name = it.key();
    const nlohmann::json& v = it.value();
    if (name == "__metadata__") {
      if (!v.is_object())
        throw_error<FormatError>(where, ": __metadata__ must be an object of strings");
      for (auto m = v.begin(); m != v.end(); ++m) {
        if (!m.value().is_string())
          throw_error<FormatError>(where, ": __metadata__[\"", m.key(), "\"] is not a string");
        h.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    const std::string at = where + ": tensor '" + name + "'";
    if (name.empty() || name.size() > kMaxTensorNameBytes)
      throw_error<FormatError>(where, ": tensor name of ", name.size(), " bytes (expected 1 to ",
                               kMaxTensorNameBytes, ")");
    if (!v.is_object() || v.size() != 3 || !v.contains("dtype") || !v.contains("shape") ||
        !v.contains("data_offsets"))
      throw_error<FormatError>(at, ": expected exactly the fields dtype, shape, data_offsets");
    SafetensorsEntry e;
    e.name = name;
    if (!v["dtype"].is_string()) throw_error<FormatError>(at, ": dtype is not a string");
    e.dtype = v["dtype"].get<std::string>();
    const std::size_t es = detail::safetensors_dtype_size(e.dtype);
    if (es == 0)
      throw_error<FormatError>(at, ": unsupported dtype '", e.dtype,
                               "' (neuron reads F32, F64, I32, I64, BOOL, BF16, F16)");
    const nlohmann::json& shape = v["shape"];
    if (!shape.is_array()) throw_error<FormatError>(at, ": shape is not an array");
    if (shape.size() > static_cast<std::size_t>(kMaxRank))
      throw_error<FormatError>(at, ": rank ", shape.size(), " exceeds the maximum rank ", kMaxRank);
    std::vector<std::int64_t> dims;
    for (const auto& d : shape) {
      if (!d.is_number_unsigned() ||
          d.get<std::uint64_t>() >
              static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        throw_error<FormatError>(at, ": shape ", shape.dump(), " must hold non-negative integers");
      dims.push_back(static_cast<std::int64_t>(d.get<std::uint64_t>()));
    }
    try {
      e.shape = Shape(dims);
    } catch (const ShapeError& err) {
      throw_error<FormatError>(at, ": ", err.what());
    }
    const nlohmann::json& off = v["data_offsets"];
    if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() ||
        !off[1].is_number_unsigned())
      throw_error<FormatError>(at,
                               ": data_offsets must be [begin, end] with non-negative integers");
    e.begin = off[0].get<std::uint64_t>();
    e.end = off[1].get<std::uint64_t>();
    if (e.begin > e.end || e.end > data_size)
      throw_error<FormatError>(at, ": data_offsets [", e.begin, ", ", e.end,
                               "] do not lie within the ", data_size, "-byte data section");
    // numel * es cannot overflow: Shape keeps numel * 8 representable.
    const std::uint64_t want = static_cast<std::uint64_t>(e.shape.numel()) * es;
    if (e.end - e.begin != want)
      throw_error<FormatError>(at, ": data_offsets span ", e.end - e.begin, " bytes but shape ",
                               e.shape, " of ", e.dtype, " needs ", want);
    h.entries.push_back(std::move(e));
  }
  // The data must be tiled exactly: sorted by offset, each tensor starts where the previous ended.
  std::sort(h.entries.begin(), h.entries.end(), [](const auto& a, const auto& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  std::uint64_t at = 0;
  for (const auto& e : h.entries) {
    if (e.begin != at)
      throw_error<FormatError>(where, ": tensor '", e.name, "' starts at data offset ", e.begin,
                               " but the previous tensor ends at ", at,
                               e.begin < at ? " (overlap)" : " (gap)");
    at = e.end;
  }
  if (at != data_size)
    throw_error<FormatError>(where, ": ", data_size - at, " trailing bytes after the last tensor");
  return h;
}

namespace detail {
// Makes the tensor for one validated entry; borrows aligned data from `owner`.
NEURON_INLINE Tensor safetensors_tensor(const SafetensorsEntry& e, std::byte* base,
                                        const std::shared_ptr<void>& owner,
                                        const std::string& where) {
  std::byte* src = base + e.begin;
  const std::int64_t n = e.shape.numel();
  if (e.dtype == "BF16" || e.dtype == "F16") {
    Tensor t = Tensor::empty(e.shape, float32);
    float* dst = t.data<float>();
    for (std::int64_t i = 0; i < n; ++i) {
      std::uint16_t bits;
      std::memcpy(&bits, src + 2 * i, 2);
      dst[i] = e.dtype == "BF16"
                   ? static_cast<float>(Eigen::numext::bit_cast<Eigen::bfloat16>(bits))
                   : static_cast<float>(Eigen::numext::bit_cast<Eigen::half>(bits));
    }
    return t;
  }
  if (e.dtype == "BOOL") {
    for (std::int64_t i = 0; i < n; ++i)
      if (static_cast<unsigned char>(src[i]) > 1)
        throw_error<FormatError>(where, ": tensor '", e.name, "' holds byte ",
                                 static_cast<int>(src[i]), " at element ", i,
                                 "; BOOL elements must be 0 or 1");
  }
  DType dt = safetensors_to_dtype(e.dtype);
  if (reinterpret_cast<std::uintptr_t>(src) % kAlignment == 0 && n > 0) {
    auto impl = std::make_shared<TensorImpl>();
    impl->storage = Storage::borrow(src, e.end - e.begin, owner);
    impl->shape = e.shape;
    impl->dtype = dt;
    return Tensor(std::move(impl));
  }
  Tensor t = Tensor::empty(e.shape, dt);
  if (n > 0) std::memcpy(t.raw_data(), src, e.end - e.begin);
  return t;
}
}  // namespace detail

NEURON_INLINE StateDict load_safetensors_from_memory(std::byte* data, std::size_t size,
                                                     std::shared_ptr<void> owner,
                                                     const std::string& where,
                                                     std::map<std::string, std::string>* metadata) {
  SafetensorsHeader h = parse_safetensors_header(data, size, where);
  StateDict out;
  for (const auto& e : h.entries)
    out.emplace(e.name, detail::safetensors_tensor(e, data + h.data_offset, owner, where));
  if (metadata) *metadata = h.metadata;
  return out;
}

NEURON_INLINE StateDict load_safetensors(const std::string& path,
                                         std::map<std::string, std::string>* metadata) {
  auto file = MappedFile::open(path);
  return load_safetensors_from_memory(file->data(), file->size(), file, "'" + path + "'", metadata);
}

NEURON_INLINE std::string safetensors_header(const StateDict& tensors,
                                             const std::map<std::string, std::string>& metadata,
                                             std::size_t align) {
  nlohmann::json j = nlohmann::json::object();
  std::uint64_t at = 0;
  for (const auto& [name, t] : tensors) {
    if (name.empty() || name.size() > kMaxTensorNameBytes || name == "__metadata__")
      throw_error<ValueError>("save_safetensors: invalid tensor name '", name, "'");
    if (!t.defined()) throw_error<ValueError>("save_safetensors: tensor '", name, "' is undefined");
    std::uint64_t n = t.nbytes();
    j[name] = {{"dtype", detail::dtype_to_safetensors(t.dtype())},
               {"shape", t.shape().vec()},
               {"data_offsets", {at, at + n}}};
    at += n;
  }
  if (!metadata.empty()) j["__metadata__"] = metadata;
  std::string text = j.dump();
  std::size_t total = 8 + text.size();
  text.append((align - total % align) % align, ' ');
  return text;
}

NEURON_INLINE void save_safetensors(const std::string& path, const StateDict& tensors,
                                    const std::map<std::string, std::string>& metadata) {
  std::string header = safetensors_header(tensors, metadata);
  std::vector<Tensor> cpu;
  for (const auto& kv : tensors) cpu.push_back(kv.second.cpu());
  write_file_atomic(path, [&](std::FILE* f) {
    std::uint64_t n = header.size();
    write_all(f, &n, 8, path);
    write_all(f, header.data(), header.size(), path);
    for (const Tensor& t : cpu) write_all(f, t.raw_data(), t.nbytes(), path);
  });
}

}  // namespace neuron
