// Definitions for storage.hpp.
#pragma once

#include "storage.hpp"

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <memory>
#include <mutex>
#include <new>

#include "recycling_allocator.hpp"

namespace neuron {

namespace detail {
NEURON_INLINE std::atomic<std::int64_t>& allocation_counter() {
  static std::atomic<std::int64_t> n{0};
  return n;
}

NEURON_INLINE BlockCache& BlockCache::instance() {
  static BlockCache* cache = new BlockCache();  // intentionally leaked: see above
  return *cache;
}

NEURON_INLINE void* BlockCache::take(std::size_t size, std::size_t& block) {
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

NEURON_INLINE bool BlockCache::give(void* p, std::size_t size) {
  if (size < kMinBlock) return false;
  std::lock_guard<std::mutex> lock(mutex_);
  if (cached_ + size > limit_) return false;
  free_.emplace(size, p);
  cached_ += size;
  return true;
}

NEURON_INLINE void BlockCache::set_limit(std::size_t bytes) {
  std::lock_guard<std::mutex> lock(mutex_);
  limit_ = bytes;
  trim_locked();
}

NEURON_INLINE std::size_t BlockCache::cached_bytes() {
  std::lock_guard<std::mutex> lock(mutex_);
  return cached_;
}

NEURON_INLINE void BlockCache::set_limit_and_restore(std::size_t tmp) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::size_t keep = limit_;
  limit_ = tmp;
  trim_locked();
  limit_ = keep;
}

NEURON_INLINE void BlockCache::trim_locked() {
  while (cached_ > limit_ && !free_.empty()) {
    auto it = std::prev(free_.end());  // largest first
    std::free(it->second);
    cached_ -= it->first;
    free_.erase(it);
  }
}
}  // namespace detail

NEURON_INLINE std::int64_t storage_allocations() { return detail::allocation_counter().load(); }

NEURON_INLINE void set_allocator_cache_limit(std::size_t bytes) {
  detail::BlockCache::instance().set_limit(bytes);
}
NEURON_INLINE void release_cached_memory() {
  detail::BlockCache::instance().release();
  if (auto* small = detail::this_thread_object<detail::SmallBlocks>()) small->free_all();
}
NEURON_INLINE std::size_t allocator_cached_bytes() {
  return detail::BlockCache::instance().cached_bytes();
}

static_assert(detail::SmallBlocks::kUnit == kAlignment, "small blocks are storage blocks");

NEURON_INLINE std::shared_ptr<Storage> Storage::allocate(std::size_t nbytes) {
  std::size_t rounded = (nbytes + kAlignment - 1) / kAlignment * kAlignment;
  if (rounded < nbytes) throw std::bad_alloc();
  if (rounded == 0) rounded = kAlignment;
  std::size_t block = rounded;
  void* p = nullptr;
  if (rounded > detail::SmallBlocks::kMaxBytes)
    p = detail::BlockCache::instance().take(rounded, block);
  else if (auto* small = detail::this_thread_object<detail::SmallBlocks>())
    p = small->take(rounded);
  if (!p) {
    p = std::aligned_alloc(kAlignment, rounded);
    if (!p) throw std::bad_alloc();
  }
  detail::allocation_counter().fetch_add(1, std::memory_order_relaxed);
  auto s = std::allocate_shared<Storage>(detail::RecyclingAllocator<Storage>(), Key{});
  s->data_ = static_cast<std::byte*>(p);
  s->nbytes_ = nbytes;
  s->block_ = block;
  return s;
}

NEURON_INLINE Storage::~Storage() {
  if (block_ == 0) return;
  bool kept = false;
  if (block_ > detail::SmallBlocks::kMaxBytes)
    kept = detail::BlockCache::instance().give(data_, block_);
  else if (auto* small = detail::this_thread_object<detail::SmallBlocks>())
    kept = small->give(data_, block_);
  if (!kept) std::free(data_);
}

NEURON_INLINE std::shared_ptr<Storage> Storage::zeroed(std::size_t nbytes) {
  auto s = allocate(nbytes);
  std::memset(s->data_, 0, nbytes);
  return s;
}

NEURON_INLINE std::shared_ptr<Storage> Storage::borrow(void* data, std::size_t nbytes,
                                                       std::shared_ptr<void> owner) {
  if (reinterpret_cast<std::uintptr_t>(data) % kAlignment != 0)
    throw_error<ValueError>("external tensor memory at ", data, " is not ", kAlignment,
                            "-byte aligned");
  auto s = std::allocate_shared<Storage>(detail::RecyclingAllocator<Storage>(), Key{});
  s->data_ = static_cast<std::byte*>(data);
  s->nbytes_ = nbytes;
  s->owner_ = std::move(owner);
  return s;
}

}  // namespace neuron
