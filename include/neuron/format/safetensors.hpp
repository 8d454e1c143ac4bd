// safetensors read/write (https://github.com/huggingface/safetensors format):
//   8-byte little-endian header length N | N bytes of JSON header | tensor bytes
// The header maps names to {"dtype", "shape", "data_offsets": [begin, end]} (offsets relative to
// the data section) plus an optional "__metadata__" string map. Everything is validated before
// use: sizes with checked arithmetic, strict JSON, known dtypes, rank <= 8, offsets that tile the
// data section exactly (no gaps, overlaps or trailing bytes), bool bytes that are 0 or 1.
// Loading maps the file: tensors whose bytes are 64-byte aligned are borrowed without a copy,
// the rest are copied once. BF16 and F16 are converted to float32 (Eigen's conversions).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "../core/tensor.hpp"
#include "file_io.hpp"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "neuron's file formats are little-endian and read in place");

namespace neuron {

using StateDict = std::map<std::string, Tensor>;

inline constexpr std::uint64_t kMaxHeaderBytes = 100ull * 1000 * 1000;
inline constexpr std::size_t kMaxTensorNameBytes = 1024;

struct SafetensorsEntry {
  std::string name;
  std::string dtype;  // as in the file: F32, BF16, ...
  Shape shape;
  std::uint64_t begin = 0, end = 0;  // within the data section
};

struct SafetensorsHeader {
  std::map<std::string, std::string> metadata;
  std::vector<SafetensorsEntry> entries;  // in file order of their data
  std::uint64_t header_bytes = 0;         // N
  std::uint64_t data_offset = 0;          // 8 + N
};

// Validates the header of a safetensors image of `size` bytes. `where` names it in errors.
SafetensorsHeader parse_safetensors_header(const std::byte* data, std::size_t size,
                                           const std::string& where);

// Reads every tensor of a safetensors image that `owner` keeps alive.
StateDict load_safetensors_from_memory(std::byte* data, std::size_t size,
                                       std::shared_ptr<void> owner,
                                       const std::string& where = "safetensors buffer",
                                       std::map<std::string, std::string>* metadata = nullptr);

StateDict load_safetensors(const std::string& path,
                           std::map<std::string, std::string>* metadata = nullptr);

// The header JSON for `tensors` laid out in name order, padded with spaces so the data section
// starts on a multiple of `align` bytes.
std::string safetensors_header(const StateDict& tensors,
                               const std::map<std::string, std::string>& metadata,
                               std::size_t align = 8);

void save_safetensors(const std::string& path, const StateDict& tensors,
                      const std::map<std::string, std::string>& metadata = {});

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "safetensors-inl.hpp"
#endif
