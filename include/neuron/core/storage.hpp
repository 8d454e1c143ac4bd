// Storage: a reference-counted, 64-byte-aligned byte buffer, either owned or borrowed from an owner
// that keeps it alive (a memory map, a caller's buffer).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <new>

#include "error.hpp"

namespace neuron {

inline constexpr std::size_t kAlignment = 64;

namespace detail {
std::atomic<std::int64_t>& allocation_counter();

// Keeps freed large blocks for reuse. Without it every large eager result is a fresh mmap whose
// pages fault in on first touch (about 3 ms per 4 MB on a small VM), which dwarfs the math.
// Blocks are reused when they are at most 25% larger than asked; the cache holds at most
// `limit` bytes and is thread-safe. Never destroyed, so tensors freed during exit stay safe.
class BlockCache {
 public:
  static constexpr std::size_t kMinBlock = 64 * 1024;  // smaller blocks go straight to malloc

  static BlockCache& instance();

  // A cached block of at least `size` bytes (its real size in `block`), or nullptr.
  void* take(std::size_t size, std::size_t& block);
  // Returns true when the cache kept the block; otherwise the caller frees it.
  bool give(void* p, std::size_t size);
  void set_limit(std::size_t bytes);
  void release() { set_limit_and_restore(0); }
  std::size_t cached_bytes();

 private:
  void set_limit_and_restore(std::size_t tmp);
  void trim_locked();
  std::mutex mutex_;
  std::multimap<std::size_t, void*> free_;
  std::size_t cached_ = 0;
  std::size_t limit_ = std::size_t{256} << 20;
};
}  // namespace detail

// Number of storage buffers allocated by this process so far (for tests and metrics).
std::int64_t storage_allocations();

// The cache of freed large blocks that eager tensors reuse (default limit 256 MiB). Blocks of at
// most 1 KiB are kept apart, per thread (at most 272 KiB each), and not counted here;
// release_cached_memory() frees the calling thread's too.
void set_allocator_cache_limit(std::size_t bytes);
void release_cached_memory();
std::size_t allocator_cached_bytes();

class Storage {
 public:
  // Allocates `nbytes` (rounded up to the alignment, at least one block) uninitialized bytes.
  static std::shared_ptr<Storage> allocate(std::size_t nbytes);
  static std::shared_ptr<Storage> zeroed(std::size_t nbytes);
  // Borrows memory kept alive by `owner`. The pointer must be 64-byte aligned because kernels
  // rely on it; misaligned external data is refused rather than silently slowed or over-read.
  static std::shared_ptr<Storage> borrow(void* data, std::size_t nbytes,
                                         std::shared_ptr<void> owner);

  std::byte* data() const { return data_; }
  std::size_t nbytes() const { return nbytes_; }

 private:
  struct Key {};  // the constructor is public for make_shared only: one allocation, not two

 public:
  explicit Storage(Key) {}
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  ~Storage();

 private:
  std::byte* data_ = nullptr;
  std::size_t nbytes_ = 0;
  std::size_t block_ = 0;        // allocated here: the block's size (cached or freed at the end)
  std::shared_ptr<void> owner_;  // borrowed: what keeps the memory alive
};

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "storage-inl.hpp"
#endif
