// Storage: a reference-counted, 64-byte-aligned byte buffer, either owned or borrowed from an owner
// that keeps it alive (a memory map, a caller's buffer).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>

#include "error.hpp"

namespace neuron {

inline constexpr std::size_t kAlignment = 64;

namespace detail {
inline std::atomic<std::int64_t>& allocation_counter() {
  static std::atomic<std::int64_t> n{0};
  return n;
}
}  // namespace detail

// Number of storage buffers allocated by this process so far (for tests and metrics).
inline std::int64_t storage_allocations() { return detail::allocation_counter().load(); }

class Storage {
 public:
  // Allocates `nbytes` (rounded up to the alignment, at least one block) uninitialized bytes.
  static std::shared_ptr<Storage> allocate(std::size_t nbytes) {
    std::size_t rounded = (nbytes + kAlignment - 1) / kAlignment * kAlignment;
    if (rounded < nbytes) throw std::bad_alloc();
    if (rounded == 0) rounded = kAlignment;
    void* p = std::aligned_alloc(kAlignment, rounded);
    if (!p) throw std::bad_alloc();
    detail::allocation_counter().fetch_add(1, std::memory_order_relaxed);
    auto s = std::shared_ptr<Storage>(new Storage());
    s->data_ = static_cast<std::byte*>(p);
    s->nbytes_ = nbytes;
    s->owner_ = std::shared_ptr<void>(p, [](void* q) { std::free(q); });
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
