// Definitions of op_base.hpp: the device check shared by every op.
#pragma once

#include "op_base.hpp"

namespace neuron {

NEURON_INLINE bool& capturing_constants() {
  thread_local bool on = false;
  return on;
}

NEURON_INLINE Device common_device(const char* op, const Tensor* inputs, std::size_t n) {
  Device d = cpu();
  for (std::size_t i = 0; i < n; ++i) {
    if (!inputs[i].defined())
      throw_error<ValueError>(op, ": input ", i, " is an undefined (default-constructed) tensor");
    if (i == 0) {
      d = inputs[i].device();
    } else if (inputs[i].device() != d && capturing_constants()) {
      d = Device(Device::Kind::lazy);  // cpu meets lazy: the cpu tensor becomes a constant
    } else if (inputs[i].device() != d) {
      throw_error<DeviceError>(op, ": input 0 is on ", d, " but input ", i, " is on ",
                               inputs[i].device(), "; move them to one device with .to(device)");
    }
  }
  return d;
}
NEURON_INLINE Device common_device(const char* op, const std::vector<Tensor>& inputs) {
  return common_device(op, inputs.data(), inputs.size());
}

NEURON_INLINE void expect_arity(const char* op, const std::vector<TensorSpec>& in, std::size_t n) {
  if (in.size() != n) throw_error<ValueError>(op, ": expected ", n, " inputs, got ", in.size());
}

NEURON_INLINE std::array<std::int64_t, kMaxRank> broadcast_strides(const Shape& from,
                                                                   const Shape& to) {
  std::array<std::int64_t, kMaxRank> out{};
  auto st = contiguous_strides(from);
  int off = to.rank() - from.rank();
  for (int i = 0; i < from.rank(); ++i)
    out[static_cast<std::size_t>(i + off)] =
        from[i] == 1 && to[i + off] != 1 ? 0 : st[static_cast<std::size_t>(i)];
  return out;
}

}  // namespace neuron
