// The lazy device. A tensor on it holds an IR node: device data (a graph input, with values) or a
// pending op (recorded, not run). Ops on lazy tensors are recorded through the hooks installed
// here; pending tensors are registered so mark_step() can find the live ones.
#pragma once

#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include "../core/config.hpp"
#include "../graph/ir.hpp"

namespace neuron {

constexpr Device lazy_device() { return Device(Device::Kind::lazy); }

namespace lazy {

// Pending tensors, weakly held: a tensor nobody holds any more is not computed.
class LiveTensors {
 public:
  static LiveTensors& instance();
  void add(const std::shared_ptr<TensorImpl>& t);
  // The live tensors still pending, in recording order, into `out` (cleared first).
  void pending(std::vector<std::shared_ptr<TensorImpl>>& out);
  std::vector<std::shared_ptr<TensorImpl>> pending() {
    std::vector<std::shared_ptr<TensorImpl>> out;
    pending(out);
    return out;
  }

 private:
  void compact_locked();
  std::mutex mutex_;
  std::vector<std::weak_ptr<TensorImpl>> live_;
  std::size_t compacted_ = 0;
};

// A CPU tensor sharing the storage of a lazy tensor that holds data.
Tensor cpu_view(const TensorImpl& impl);

// Constants captured while tracing (trace/): one data node per CPU tensor, kept alive.
struct ConstantCapture {
  std::unordered_map<const TensorImpl*, IrNodePtr> nodes;
  std::vector<Tensor> keep;  // so the TensorImpl addresses stay unique while tracing
};
ConstantCapture*& active_capture();

const IrNodePtr& node_of(const Tensor& t);

// Makes a lazy tensor holding device data (a graph input).
Tensor make_data_tensor(const Tensor& cpu_values);

// The recording hook: a new pending tensor whose node applies `op` to the inputs' nodes.
Tensor record(std::shared_ptr<const AnyOp> op, const std::vector<Tensor>& inputs,
              std::vector<ScalarValue> scalars, const TensorSpec& out);

// CPU -> lazy: the values are copied, so later changes to the CPU tensor do not leak in, unless
// the tensor was just created for the lazy device and nobody else holds it.
Tensor to_lazy(const Tensor& cpu_tensor, bool adopt);

Tensor to_cpu(const Tensor& lazy_tensor);  // mark_step.hpp

// Installs the lazy device's hooks (recording, CPU <-> lazy copies); returns true.
bool install_hooks();
// Installed during static initialisation of any program that includes the lazy stage (this also
// makes such a program link the lazy stage of the library).
inline const bool hooks_installed = install_hooks();

}  // namespace lazy
}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "lazy_tensor-inl.hpp"
#endif
