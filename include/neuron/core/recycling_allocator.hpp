// An allocator for std::allocate_shared that keeps freed blocks of one size on a per-thread list
// and hands them out again. For the small objects a lazy step makes and drops by the dozen (tensor
// handles, IR nodes): malloc's own per-thread cache keeps 7 blocks per size, fewer than one step
// frees, and the rest take its slow path.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>

#include "this_thread.hpp"

namespace neuron::detail {

// Freed blocks of `Size` bytes, linked through their first bytes. Trivially destructible, so it
// stays usable while the thread exits; its Closer (constructed with it) frees the blocks then and
// sends later frees straight to operator delete.
template <std::size_t Size>
struct FreeBlocks {
  static constexpr int kMaxBlocks = 256;  // 256 blocks: at most 256 * Size bytes kept per thread
  void* head = nullptr;
  int count = 0;
  bool closed = false;

  struct Closer {
    FreeBlocks& l;
    ~Closer() {
      while (l.head) {
        void* next = *static_cast<void**>(l.head);
        ::operator delete(l.head);
        l.head = next;
      }
      l.count = 0;
      l.closed = true;
    }
  };

  static FreeBlocks& of_this_thread() {
    thread_local FreeBlocks l;
    thread_local Closer closer{l};
    (void)closer;
    return l;
  }
};

// Freed small storage blocks (aligned_alloc'd, multiples of kUnit bytes up to kMaxBytes), kept
// per thread by size (this_thread_object<SmallBlocks>()): a lazy step allocates and frees its small
// outputs every step, and for a block of a few floats aligned_alloc + free cost more than the
// step's bookkeeping around them. The blocks are freed with the thread's object.
struct SmallBlocks {
  static constexpr std::size_t kUnit = 64, kMaxBytes = 1024;
  static constexpr int kMaxPerSize = 32;  // at most 32 * (64 + 128 + ... + 1024) = 272 KiB
  void* head[kMaxBytes / kUnit] = {};
  int count[kMaxBytes / kUnit] = {};

  SmallBlocks() = default;
  SmallBlocks(const SmallBlocks&) = delete;
  SmallBlocks& operator=(const SmallBlocks&) = delete;
  ~SmallBlocks() { free_all(); }

  // `bytes`: a multiple of kUnit. nullptr when none is kept.
  void* take(std::size_t bytes) {
    if (bytes == 0 || bytes > kMaxBytes) return nullptr;
    const std::size_t k = bytes / kUnit - 1;
    void* p = head[k];
    if (p) {
      head[k] = *static_cast<void**>(p);
      --count[k];
    }
    return p;
  }
  // Keeps `p` (a block of `bytes` from aligned_alloc); false when the caller must free it.
  bool give(void* p, std::size_t bytes) {
    if (bytes == 0 || bytes > kMaxBytes) return false;
    const std::size_t k = bytes / kUnit - 1;
    if (count[k] >= kMaxPerSize) return false;
    *static_cast<void**>(p) = head[k];
    head[k] = p;
    ++count[k];
    return true;
  }

  void free_all() {
    for (std::size_t bytes = kUnit; bytes <= kMaxBytes; bytes += kUnit)
      while (void* p = take(bytes)) std::free(p);
  }
};

template <class T>
struct RecyclingAllocator {
  using value_type = T;
  static_assert(sizeof(T) >= sizeof(void*), "a free block holds the next one's address");
  static_assert(alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__, "blocks come from operator new");

  RecyclingAllocator() = default;
  template <class U>
  RecyclingAllocator(const RecyclingAllocator<U>&) noexcept {}  // NOLINT: rebinding

  T* allocate(std::size_t n) {
    if (n == 1) {
      FreeBlocks<sizeof(T)>& l = FreeBlocks<sizeof(T)>::of_this_thread();
      if (l.head) {
        void* p = l.head;
        l.head = *static_cast<void**>(p);
        --l.count;
        return static_cast<T*>(p);
      }
    }
    return static_cast<T*>(::operator new(n * sizeof(T)));
  }
  void deallocate(T* p, std::size_t n) noexcept {
    if (n == 1) {
      FreeBlocks<sizeof(T)>& l = FreeBlocks<sizeof(T)>::of_this_thread();
      if (!l.closed && l.count < FreeBlocks<sizeof(T)>::kMaxBlocks) {
        *reinterpret_cast<void**>(p) = l.head;
        l.head = p;
        ++l.count;
        return;
      }
    }
    ::operator delete(p);
  }
  template <class U>
  bool operator==(const RecyclingAllocator<U>&) const noexcept {
    return true;
  }
  template <class U>
  bool operator!=(const RecyclingAllocator<U>&) const noexcept {
    return false;
  }
};

}  // namespace neuron::detail
