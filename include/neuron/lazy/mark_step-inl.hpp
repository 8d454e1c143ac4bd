#pragma once

#include "mark_step.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "disk_cache-inl.hpp"
#include "executable_cache-inl.hpp"
#include "lazy_tensor-inl.hpp"
#include "metrics-inl.hpp"

namespace neuron {

namespace lazy {

NEURON_INLINE bool log_compiles() {
  const char* v = std::getenv("NEURON_LOG");
  return v && std::strstr(v, "compile") != nullptr;
}

NEURON_INLINE CompileOptions& compile_options() {
  static CompileOptions o;
  return o;
}

NEURON_INLINE std::shared_ptr<const Executable> executable_for(const Graph& g) {
  ExecutableCache& cache = ExecutableCache::instance();
  if (auto exe = cache.find(g)) {
    metrics::add("CacheHit");
    return exe;
  }
  metrics::add("CacheMiss");
  if (std::shared_ptr<Executable> exe = DiskCache::instance().load(g, compile_options())) {
    optimize_executable(*exe, compile_options());  // the disk keeps the lowered form
    metrics::add("DiskCacheHit");
    cache.insert(g, exe);
    return exe;
  }
  std::string reason = cache.miss_reason(g);
  metrics::ScopedTimer timer("CompileTime");
  std::shared_ptr<Executable> exe = lower(g, compile_options());
  // Stored before the CPU passes: the disk cache names each step's op by its graph node.
  DiskCache::instance().store(g, compile_options(), *exe);
  optimize_executable(*exe, compile_options());
  double ms = timer.elapsed_ms();
  cache.insert(g, exe);
  metrics::add("CompileCount");
  metrics::add("CompiledNodes", static_cast<std::int64_t>(g.op_count()));
  metrics::log_compile({g.hash.hex(), reason, g.op_count(), ms});
  if (log_compiles())
    std::fprintf(stderr, "[neuron] compile %s: %zu nodes, %.3f ms, %s\n",
                 g.hash.hex().substr(0, 12).c_str(), g.op_count(), ms, reason.c_str());
  return exe;
}

NEURON_INLINE void sync(const std::vector<std::shared_ptr<TensorImpl>>& tensors) {
  if (tensors.empty()) return;
  std::vector<IrNodePtr> outputs;
  for (const auto& t : tensors) outputs.push_back(t->lazy->node);
  Graph g = build_graph(outputs);
  metrics::add("GraphNodes", static_cast<std::int64_t>(g.op_count()));
  std::shared_ptr<const Executable> exe = executable_for(g);
  std::vector<Tensor> results;
  {
    metrics::ScopedTimer timer("ExecuteTime");
    results = exe->run(g.inputs, g.scalars);
  }
  metrics::add("ExecuteCount");
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    TensorImpl& impl = *tensors[i];
    const TensorImpl& r = *results[i].impl_shared();
    impl.storage = r.storage;
    impl.offset = r.offset;
    impl.lazy->node = make_data_node(results[i]);
  }
}

NEURON_INLINE Tensor to_cpu(const Tensor& lazy_tensor) {
  if (active_capture())
    throw_error<ValueError>(
        "trace: the model reads the values of a traced tensor (.cpu(), item() or printing); a "
        "traced graph cannot depend on input data. Keep control flow independent of values");
  const auto& impl = lazy_tensor.impl_shared();
  if (!impl->storage) {
    metrics::add("ImplicitSync");
    sync({impl});
  }
  return cpu_view(*impl).clone();  // a copy: changing it never changes the device data
}

}  // namespace lazy

NEURON_INLINE void mark_step() {
  metrics::add("MarkStep");
  lazy::sync(lazy::LiveTensors::instance().pending());
}

}  // namespace neuron
