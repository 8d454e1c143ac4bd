// Tensor: a reference-counted handle to contiguous, row-major data of one dtype on one device.
// Copying a Tensor copies the handle, not the data (like torch::Tensor).
#pragma once

#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <type_traits>
#include <utility>

#include "device.hpp"
#include "dtype.hpp"
#include "error.hpp"
#include "recycling_allocator.hpp"
#include "shape.hpp"
#include "storage.hpp"

namespace neuron {

// An elementwise expression (expr/) is any type with a nested `neuron_expression` tag and an
// `evaluate()` returning a Tensor. Core only needs to recognise it to convert implicitly.
template <class T, class = void>
struct is_expression : std::false_type {};
template <class T>
struct is_expression<T, std::void_t<typename T::neuron_expression>> : std::true_type {};
template <class T>
inline constexpr bool is_expression_v = is_expression<std::decay_t<T>>::value;

// A lazy tensor's IR node: a recorded op or device data (defined by the graph stage).
struct IrNode;

struct TensorImpl {
  std::shared_ptr<Storage> storage;  // null while a lazy tensor's value is pending
  std::size_t offset = 0;            // bytes from storage->data()
  Shape shape;
  DType dtype = DType::float32;
  Device device;
  std::shared_ptr<const IrNode> lazy;  // on the lazy device: its IR node (pending op or data)
};

namespace detail {
// A new tensor handle from the thread's recycled blocks (lazy steps make and drop many).
template <class... Args>
std::shared_ptr<TensorImpl> make_tensor_impl(Args&&... args) {
  return std::allocate_shared<TensorImpl>(RecyclingAllocator<TensorImpl>(),
                                          std::forward<Args>(args)...);
}
}  // namespace detail

class Tensor;
// Moves between devices other than the CPU. The lazy stage installs these when it is built in.
struct DeviceHooks {
  // `adopt`: the caller gives up `cpu_tensor` (freshly created), so its storage is taken over
  // instead of copied.
  Tensor (*to_lazy)(const Tensor& cpu_tensor, bool adopt) = nullptr;
  Tensor (*to_cpu)(const Tensor& lazy_tensor) = nullptr;
};
DeviceHooks& device_hooks();

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}
  // Evaluates an elementwise expression in one pass into a new tensor.
  template <class E, std::enable_if_t<is_expression_v<E>, int> = 0>
  Tensor(const E& e) : Tensor(e.evaluate()) {}  // NOLINT: implicit by design, like Eigen

  // New uninitialized contiguous tensor on the CPU.
  static Tensor empty(const Shape& shape, DType dtype);

  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const { return impl().shape; }
  DType dtype() const { return impl().dtype; }
  Device device() const { return impl().device; }
  int rank() const { return impl().shape.rank(); }
  int dim() const { return rank(); }
  std::int64_t size(std::int64_t d) const {
    return shape()[normalize_dim(d, rank(), "Tensor::size")];
  }
  std::int64_t numel() const { return impl().shape.numel(); }
  std::size_t nbytes() const { return static_cast<std::size_t>(numel()) * dtype_size(dtype()); }

  // Typed pointer to the first element. T must be the tensor's dtype; the tensor must hold data.
  template <class T>
  T* data() const {
    static_assert(is_element_type_v<T>,
                  "data<T>(): T must be bool, int32_t, int64_t, float or double");
    if (dtype_of_v<T> != dtype())
      throw_error<DTypeError>("data<", dtype_name(dtype_of_v<T>), ">(): tensor has dtype ",
                              dtype());
    return static_cast<T*>(raw_data());
  }
  // Address of the first element of a CPU tensor.
  void* raw_data() const {
    const TensorImpl& i = impl();
    if (!i.device.is_cpu() || !i.storage)
      throw_error<DeviceError>("the data of a tensor on the ", i.device,
                               " device is not addressable; call .cpu() first");
    return i.storage->data() + i.offset;
  }

  // The single value of a one-element tensor, converted to T.
  template <class T>
  T item() const {
    if (numel() != 1)
      throw_error<ShapeError>("item(): expected a tensor with one element, got shape ", shape());
    const Tensor c = cpu();
    return visit_dtype(dtype(), [&](auto tag) -> T {
      using S = decltype(tag);
      return static_cast<T>(*static_cast<const S*>(c.raw_data()));
    });
  }

  // Copies to `d` (returns *this when already there).
  Tensor to(Device d) const;
  // Converts to `dt` (returns *this when already that dtype).
  Tensor to(DType dt) const;
  Tensor cpu() const { return to(neuron::cpu()); }
  // A new tensor with a copy of the data.
  Tensor clone() const;

  // Identity of the underlying handle (two Tensors can share one).
  const TensorImpl* impl_ptr() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_shared() const { return impl_; }

 private:
  const TensorImpl& impl() const {
    if (!impl_) throw_error<ValueError>("operation on an undefined (default-constructed) tensor");
    return *impl_;
  }
  std::shared_ptr<TensorImpl> impl_;
};

// A view sharing `t`'s storage with another shape of the same element count.
Tensor alias_with_shape(const Tensor& t, const Shape& shape);

// Converts n values between dtypes. Float-to-integer conversions of NaN or out-of-range values are
// undefined behaviour in C++; they produce the integer minimum instead (what x86 and torch give).
template <class To, class From>
inline To convert_value(From v) {
  if constexpr (std::is_same_v<To, bool>) {
    return v != From(0);
  } else if constexpr (std::is_integral_v<To> && std::is_floating_point_v<From>) {
    constexpr From lo = static_cast<From>(std::numeric_limits<To>::min());
    constexpr From hi = -lo;  // 2^(bits-1), exactly representable
    if (!(v >= lo && v < hi)) return std::numeric_limits<To>::min();
    return static_cast<To>(v);
  } else {
    return static_cast<To>(v);
  }
}

void convert_buffer(const void* src, DType from, void* dst, DType to, std::int64_t n);

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "tensor-inl.hpp"
#endif
