// An allocator for std::allocate_shared that keeps freed blocks of one size on a per-thread list
// and hands them out again. For the small objects a lazy step makes and drops by the dozen (tensor
// handles, IR nodes): malloc's own per-thread cache keeps 7 blocks per size, fewer than one step
// frees, and the rest take its slow path.
#pragma once

#include <cstddef>
#include <new>

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
