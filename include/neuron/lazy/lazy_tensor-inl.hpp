#pragma once

#include "lazy_tensor.hpp"

#include <memory>
#include <utility>

#include "mark_step-inl.hpp"  // to_cpu, which install_hooks() installs

namespace neuron {
namespace lazy {

NEURON_INLINE LiveTensors& LiveTensors::instance() {
  static LiveTensors* l = new LiveTensors();  // lives until exit
  return *l;
}

NEURON_INLINE void LiveTensors::add(const std::shared_ptr<TensorImpl>& t) {
  std::lock_guard<std::mutex> lock(mutex_);
  live_.push_back(t);
  if (live_.size() > 2 * compacted_ + 1024) compact_locked();
}

NEURON_INLINE void LiveTensors::pending(std::vector<std::shared_ptr<TensorImpl>>& out) {
  out.clear();
  std::lock_guard<std::mutex> lock(mutex_);
  compact_locked();
  for (const auto& w : live_)
    if (auto t = w.lock()) out.push_back(std::move(t));
}

NEURON_INLINE void LiveTensors::compact_locked() {  // in place: no allocation
  std::size_t kept = 0;
  for (auto& w : live_) {
    auto t = w.lock();
    if (!t || t->storage) continue;
    if (&live_[kept] != &w) live_[kept] = std::move(w);
    ++kept;
  }
  live_.resize(kept);
  compacted_ = kept;
}

NEURON_INLINE Tensor cpu_view(const TensorImpl& impl) {
  auto v = neuron::detail::make_tensor_impl();
  v->storage = impl.storage;
  v->offset = impl.offset;
  v->shape = impl.shape;
  v->dtype = impl.dtype;
  return Tensor(std::move(v));
}

NEURON_INLINE ConstantCapture*& active_capture() {
  thread_local ConstantCapture* c = nullptr;
  return c;
}

NEURON_INLINE const IrNodePtr& node_of(const Tensor& t) {
  const TensorImpl* impl = t.impl_ptr();
  if (impl && !impl->lazy && impl->device.is_cpu() && active_capture()) {
    ConstantCapture& c = *active_capture();
    auto it = c.nodes.find(impl);
    if (it == c.nodes.end()) {
      c.keep.push_back(t);
      it = c.nodes.emplace(impl, make_data_node(t)).first;
    }
    return it->second;
  }
  if (!impl || !impl->lazy) throw_error<DeviceError>("tensor is not on the lazy device");
  return impl->lazy;
}

NEURON_INLINE Tensor make_data_tensor(const Tensor& cpu_values) {
  auto impl = neuron::detail::make_tensor_impl();
  impl->storage = cpu_values.impl_shared()->storage;
  impl->offset = cpu_values.impl_shared()->offset;
  impl->shape = cpu_values.shape();
  impl->dtype = cpu_values.dtype();
  impl->device = lazy_device();
  impl->lazy = make_data_node(cpu_values);
  return Tensor(std::move(impl));
}

NEURON_INLINE Tensor record(std::shared_ptr<const AnyOp> op, const std::vector<Tensor>& inputs,
                            std::vector<ScalarValue> scalars, const TensorSpec& out) {
  std::vector<IrNodePtr> in = neuron::detail::input_list();
  in.reserve(inputs.size());
  for (const Tensor& t : inputs) in.push_back(node_of(t));
  auto impl = neuron::detail::make_tensor_impl();
  impl->shape = out.shape;
  impl->dtype = out.dtype;
  impl->device = lazy_device();
  impl->lazy = make_op_node(std::move(op), std::move(in), std::move(scalars), out);
  LiveTensors::instance().add(impl);
  return Tensor(std::move(impl));
}

NEURON_INLINE Tensor to_lazy(const Tensor& cpu_tensor, bool adopt) {
  return make_data_tensor(adopt ? cpu_tensor : cpu_tensor.clone());
}

NEURON_INLINE bool install_hooks() {
  lazy_record_hook() = &record;
  device_hooks().to_lazy = &to_lazy;
  device_hooks().to_cpu = &to_cpu;
  return true;
}

}  // namespace lazy
}  // namespace neuron
