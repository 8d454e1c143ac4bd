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
inline std::atomic<std::int64_t>& allocation_counter() {
  static std::atomic<std::int64_t> n{0};
  return n;
}

// Keeps freed large blocks for reuse. Without it every large eager result is a fresh mmap whose
// pages fault in on first touch (about 3 ms per 4 MB on a small VM), which dwarfs the math.
// Blocks are reused when they are at most 25% larger than asked; the cache holds at most
// `limit` bytes and is thread-safe. Never destroyed, so tensors freed during exit stay safe.
class BlockCache {
 public:
  static constexpr std::size_t kMinBlock = 64 * 1024;  // smaller blocks go straight to malloc

  static BlockCache& instance() {
    static BlockCache* cache = new BlockCache();  // intentionally leaked: see above
    return *cache;
  }

  // A cached block of at least `size` bytes (its real size in `block`), or nullptr.
  void* take(std::size_t size, std::size_t& block) {
    if (size < kMinBlock) return nullptr;
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = free_.lower_bound(size);
    if (it == free_.end() || it->first > size + size / 4) return nullptr;
    void* p = it->second;
    block = it->first;
    cached_ -= it->first;
    free_.erase(it);
    return p;
  }
  // Returns true when the cache kept the block; otherwise the caller frees it.
  bool give(void* p, std::size_t size) {
    if (size < kMinBlock) return false;
    std::lock_guard<std::mutex> lock(mutex_);
    if (cached_ + size > limit_) return false;
    free_.emplace(size, p);
    cached_ += size;
    return true;
  }
  void set_limit(std::size_t bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    limit_ = bytes;
    trim_locked();
  }
  void release() { set_limit_and_restore(0); }
  std::size_t cached_bytes() {
    std::lock_guard<std::mutex> lock(mutex_);
    return cached_;
  }

 private:
  void set_limit_and_restore(std::size_t tmp) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::size_t keep = limit_;
    limit_ = tmp;
    trim_locked();
    limit_ = keep;
  }
  void trim_locked() {
    while (cached_ > limit_ && !free_.empty()) {
      auto it = std::prev(free_.end());  // largest first
      std::free(it->second);
      cached_ -= it->first;
      free_.erase(it);
    }
  }
  std::mutex mutex_;
  std::multimap<std::size_t, void*> free_;
  std::size_t cached_ = 0;
  std::size_t limit_ = std::size_t{256} << 20;
};
}  // namespace detail

// Number of storage buffers allocated by this process so far (for tests and metrics).
inline std::int64_t storage_allocations() { return detail::allocation_counter().load(); }

// The cache of freed large blocks that eager tensors reuse (default limit 256 MiB).
inline void set_allocator_cache_limit(std::size_t bytes) {
  detail::BlockCache::instance().set_limit(bytes);
}
inline void release_cached_memory() { detail::BlockCache::instance().release(); }
inline std::size_t allocator_cached_bytes() {
  return detail::BlockCache::instance().cached_bytes();
}

class Storage {
 public:
  // Allocates `nbytes` (rounded up to the alignment, at least one block) uninitialized bytes.
  static std::shared_ptr<Storage> allocate(std::size_t nbytes) {
    std::size_t rounded = (nbytes + kAlignment - 1) / kAlignment * kAlignment;
    if (rounded < nbytes) throw std::bad_alloc();
    if (rounded == 0) rounded = kAlignment;
    auto& cache = detail::BlockCache::instance();
    std::size_t block = rounded;
    void* p = cache.take(rounded, block);
    if (!p) {
      p = std::aligned_alloc(kAlignment, rounded);
      if (!p) throw std::bad_alloc();
    }
    detail::allocation_counter().fetch_add(1, std::memory_order_relaxed);
    auto s = std::shared_ptr<Storage>(new Storage());
    s->data_ = static_cast<std::byte*>(p);
    s->nbytes_ = nbytes;
    s->owner_ = std::shared_ptr<void>(p, [block](void* q) {
      if (!detail::BlockCache::instance().give(q, block)) std::free(q);
    });
    return s;
  }
  static std::shared_ptr<Storage> zeroed(std::size_t nbytes) {
    auto s = allocate(nbytes);
    std::memset(s->data_, 0, nbytes);
    return s;
  }
  // Borrows memory kept alive by `owner`. The pointer must be 64-byte aligned because kernels
  // rely on it; misaligned external data is refused rather than silently slowed or over-read.
  static std::shared_ptr<Storage> borrow(void* data, std::size_t nbytes,
                                         std::shared_ptr<void> owner) {
    if (reinterpret_cast<std::uintptr_t>(data) % kAlignment != 0)
      throw_error<ValueError>("external tensor memory at ", data, " is not ", kAlignment,
                              "-byte aligned");
    auto s = std::shared_ptr<Storage>(new Storage());
    s->data_ = static_cast<std::byte*>(data);
    s->nbytes_ = nbytes;
    s->owner_ = std::move(owner);
    return s;
  }

  std::byte* data() const { return data_; }
  std::size_t nbytes() const { return nbytes_; }

 private:
  Storage() = default;
  std::byte* data_ = nullptr;
  std::size_t nbytes_ = 0;
  std::shared_ptr<void> owner_;
};

}  // namespace neuron
