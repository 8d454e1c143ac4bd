// The lazy device. A tensor on it holds an IR node: device data (a graph input, with values) or a
// pending op (recorded, not run). Ops on lazy tensors are recorded through the hooks installed
// here; pending tensors are registered so mark_step() can find the live ones.
#pragma once

#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "../graph/ir.hpp"

namespace neuron {

struct LazyState {
  IrNodePtr node;
};

constexpr Device lazy_device() { return Device(Device::Kind::lazy); }

namespace lazy {

// Pending tensors, weakly held: a tensor nobody holds any more is not computed.
class LiveTensors {
 public:
  static LiveTensors& instance() {
    static LiveTensors* l = new LiveTensors();  // lives until exit
    return *l;
  }
  void add(const std::shared_ptr<TensorImpl>& t) {
    std::lock_guard<std::mutex> lock(mutex_);
    live_.push_back(t);
    if (live_.size() > 2 * compacted_ + 1024) compact_locked();
  }
  // The live tensors still pending, in recording order.
  std::vector<std::shared_ptr<TensorImpl>> pending() {
    std::lock_guard<std::mutex> lock(mutex_);
    compact_locked();
    std::vector<std::shared_ptr<TensorImpl>> out;
    for (const auto& w : live_)
      if (auto t = w.lock()) out.push_back(std::move(t));
    return out;
  }

 private:
  void compact_locked() {
    std::vector<std::weak_ptr<TensorImpl>> keep;
    for (auto& w : live_) {
      auto t = w.lock();
      if (t && !t->storage) keep.push_back(std::move(w));
    }
    live_.swap(keep);
    compacted_ = live_.size();
  }
  std::mutex mutex_;
  std::vector<std::weak_ptr<TensorImpl>> live_;
  std::size_t compacted_ = 0;
};

// A CPU tensor sharing the storage of a lazy tensor that holds data.
inline Tensor cpu_view(const TensorImpl& impl) {
  auto v = std::make_shared<TensorImpl>();
  v->storage = impl.storage;
  v->offset = impl.offset;
  v->shape = impl.shape;
  v->dtype = impl.dtype;
  return Tensor(std::move(v));
}

// Constants captured while tracing (trace/): one data node per CPU tensor, kept alive.
struct ConstantCapture {
  std::unordered_map<const TensorImpl*, IrNodePtr> nodes;
  std::vector<Tensor> keep;  // so the TensorImpl addresses stay unique while tracing
};
inline ConstantCapture*& active_capture() {
  thread_local ConstantCapture* c = nullptr;
  return c;
}

inline const IrNodePtr& node_of(const Tensor& t) {
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
  return impl->lazy->node;
}

// Makes a lazy tensor holding device data (a graph input).
inline Tensor make_data_tensor(const Tensor& cpu_values) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = cpu_values.impl_shared()->storage;
  impl->offset = cpu_values.impl_shared()->offset;
  impl->shape = cpu_values.shape();
  impl->dtype = cpu_values.dtype();
  impl->device = lazy_device();
  impl->lazy = std::make_shared<LazyState>();
  impl->lazy->node = make_data_node(cpu_values);
  return Tensor(std::move(impl));
}

// The recording hook: a new pending tensor whose node applies `op` to the inputs' nodes.
inline Tensor record(std::shared_ptr<const AnyOp> op, const std::vector<Tensor>& inputs,
                     std::vector<ScalarValue> scalars, const TensorSpec& out) {
  std::vector<IrNodePtr> in;
  in.reserve(inputs.size());
  for (const Tensor& t : inputs) in.push_back(node_of(t));
  auto impl = std::make_shared<TensorImpl>();
  impl->shape = out.shape;
  impl->dtype = out.dtype;
  impl->device = lazy_device();
  impl->lazy = std::make_shared<LazyState>();
  impl->lazy->node = make_op_node(std::move(op), std::move(in), std::move(scalars), out);
  LiveTensors::instance().add(impl);
  return Tensor(std::move(impl));
}

// CPU -> lazy: the values are copied, so later changes to the CPU tensor do not leak in, unless
// the tensor was just created for the lazy device and nobody else holds it.
inline Tensor to_lazy(const Tensor& cpu_tensor, bool adopt) {
  return make_data_tensor(adopt ? cpu_tensor : cpu_tensor.clone());
}

Tensor to_cpu(const Tensor& lazy_tensor);  // mark_step.hpp

inline bool install_hooks() {
  lazy_record_hook() = &record;
  device_hooks().to_lazy = &to_lazy;
  device_hooks().to_cpu = &to_cpu;
  return true;
}
// Installed during static initialisation of any program that includes the lazy stage.
inline const bool hooks_installed = install_hooks();

}  // namespace lazy
}  // namespace neuron
