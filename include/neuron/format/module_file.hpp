// The .neuron module file: a valid safetensors file (Python's safetensors reads its weights).
//
//   [8 bytes: N, little endian] [N bytes: JSON header, padded with spaces to a 64-byte boundary]
//   [weights: contiguous, no gaps, no trailing bytes]
//
// The header maps weight names to {dtype, shape, data_offsets}, plus "__metadata__" with
//   neuron.format          "neuron.module"
//   neuron.format_version  "MAJOR.MINOR" (a reader refuses another major version)
//   neuron.graph           the compiled plans as JSON text (module_graph.hpp)
//   neuron.checksum        "xxh3-128:<32 hex digits>": XXH3-128 of the whole file, read with
//                          these 32 digits as '0's. Any changed byte anywhere is detected.
//   (others)               kept as they are, in ModuleData::metadata (a lazy-mode cache entry's
//                          key and source graph)
// Weights whose size is a multiple of 64 bytes come first, so each of them starts 64-byte aligned
// and is used in place from the memory map; the rest (small biases) are copied on load.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "../runtime/plan_dot.hpp"
#include "file_io.hpp"
#include "module_graph.hpp"
#include "safetensors.hpp"

namespace neuron {

inline constexpr int kModuleFormatMajor = 1;
// 1.1: per-input pad values, tied dims, min extents. 1.2: the activation layout in channel blocks,
// conv2d/conv1d's last two attributes (src_/dst_channel_block) and max_pool's and batch_norm's last
// (channel_block); 1.1 files, without them, still load (attrs_added_later); a 1.1 reader refuses a
// 1.2 file at those ops' attribute counts.
// 1.3: lazy plans, whose steps read runtime scalars by offset (a node's "scalar_offset", a
// plan's "scalar_count"), and __metadata__ entries besides the format's own, kept on load; a 1.2
// reader refuses a node with an offset at its empty "scalars".
inline constexpr int kModuleFormatMinor = 3;

// Limits for loading a module (the file's own limits are fixed: see the header comment).
struct LoadOptions {
  // Bytes one call may need beyond the weights (scratch arena + inputs + outputs, as
  // memory_plan() reports them). A small file can describe huge intermediates; this refuses such
  // a file at load time instead of letting its first call exhaust memory. Raise it for a trusted
  // module that really needs more.
  std::int64_t max_call_bytes = std::int64_t{8} << 30;
};

namespace detail {

inline constexpr const char* kChecksumKey = "\"neuron.checksum\":\"xxh3-128:";
inline constexpr std::size_t kChecksumDigits = 32;

// XXH3-128 of `size` bytes with the checksum digits at `digits` read as '0's.
std::string module_checksum(const std::byte* data, std::size_t size, std::size_t digits);

// Where the checksum's digits are in the header: the key written exactly once, as save() writes it.
std::size_t find_checksum(const std::byte* header, std::size_t n, const std::string& where);

// The four `__metadata__` keys the format itself writes (ModuleData::metadata holds the others).
bool is_format_key(const std::string& key);

// Reads and validates a module image as load_module_image() does, without preparing its steps to
// run (make_ready()) or checking LoadOptions: for a reader that only wants the plans (the lazy
// plan cache optimizes and prepares them itself).
std::shared_ptr<ModuleData> read_module_image(std::byte* data, std::size_t size,
                                              std::shared_ptr<void> owner,
                                              const std::string& where);

}  // namespace detail

// Loads a module from an image `owner` keeps alive; aligned weights are used in place.
TracedModule load_module_image(std::byte* data, std::size_t size, std::shared_ptr<void> owner,
                               const std::string& where, const LoadOptions& options);

// Memory-maps `path` (copy-on-write), validates everything, and uses aligned weights in place.
// The file must not change while the module is in use (save() replaces files by renaming, which
// is safe); use load_from_memory() on the file's bytes to hold a private copy instead.
TracedModule load(const std::string& path, const LoadOptions& options = {});

// Loads from a caller's buffer. The bytes are copied once into aligned memory the module owns, so
// the buffer may be freed afterwards and is never written.
TracedModule load_from_memory(const void* data, std::size_t size, const LoadOptions& options = {});

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "module_file-inl.hpp"
#endif
