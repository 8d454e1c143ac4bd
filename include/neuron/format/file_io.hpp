// Files: a read-only view of a whole file (memory-mapped copy-on-write, so tensors borrowed from it
// may be written without touching the file) and atomic writes (temp file + rename).
#pragma once

#include <cstddef>
#include <cstdio>
#include <memory>
#include <string>
#include <type_traits>

#include "../core/error.hpp"

namespace neuron {

class MappedFile {
 public:
  // Maps `path`; throws IOError naming the path and the system's reason.
  static std::shared_ptr<MappedFile> open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::byte* data() const { return data_; }
  std::size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  MappedFile() = default;
  std::byte* data_ = nullptr;
  std::size_t size_ = 0;
  std::string path_;
};

namespace detail {
// write_file_atomic's work: `fill(context, file)` writes the content.
void write_file_atomic_impl(const std::string& path, void (*fill)(void* context, std::FILE* f),
                            void* context);
}  // namespace detail

// Writes `size` bytes to `path` atomically: readers see the old file or the complete new one.
// `fill(FILE*)` writes the content; any failure removes the temp file and throws IOError.
template <class Fill>
void write_file_atomic(const std::string& path, Fill&& fill) {
  using F = std::remove_reference_t<Fill>;
  detail::write_file_atomic_impl(
      path, [](void* context, std::FILE* f) { (*static_cast<F*>(context))(f); },
      const_cast<void*>(static_cast<const void*>(&fill)));
}

void write_all(std::FILE* f, const void* p, std::size_t n, const std::string& path);

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "file_io-inl.hpp"
#endif
