#pragma once

#include "mark_step.hpp"

#include <chrono>
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

namespace detail {
// What a step builds on its way to the executable, kept from step to step so that a cache-hit step
// allocates none of it once warm.
struct SyncScratch {
  std::vector<const IrNodePtr*> outputs;
  GraphCut cut;
  std::vector<Tensor> inputs;
  std::vector<ScalarValue> scalars;
  std::vector<Tensor> results;
  bool busy = false;
};
}  // namespace detail

NEURON_INLINE void sync(const std::vector<std::shared_ptr<TensorImpl>>& tensors) {
  if (tensors.empty()) return;
  thread_local detail::SyncScratch reused;
  detail::SyncScratch fresh;  // for a sync inside a sync, which must not clobber the outer one's
  detail::SyncScratch& s = reused.busy ? fresh : reused;
  struct Release {
    detail::SyncScratch& s;
    ~Release() {
      s.inputs.clear();  // the step's data is not kept alive until the next one
      s.results.clear();
      s.busy = false;
    }
  } release{s};
  s.busy = true;
  s.outputs.clear();
  for (const auto& t : tensors) s.outputs.push_back(&t->lazy);
  cut_graph(s.outputs, s.cut);
  metrics::add(metrics::StepCounter::graph_nodes, static_cast<std::int64_t>(s.cut.op_count()));
  // A hit needs only the cut; a Graph is built for a miss.
  std::shared_ptr<const Executable> exe = ExecutableCache::instance().find(s.cut);
  if (exe)
    metrics::add(metrics::StepCounter::cache_hit);
  else
    exe = executable_for(build_graph(s.cut));
  s.scalars.clear();
  for (std::size_t i = 0; i < s.cut.size(); ++i) {
    const IrNode& n = s.cut.node(i);
    if (n.is_data()) s.inputs.push_back(n.data);
    s.scalars.insert(s.scalars.end(), n.scalars.begin(), n.scalars.end());
  }
  const auto start = std::chrono::steady_clock::now();
  std::vector<Tensor>& results = s.results;
  exe->run(s.inputs, s.scalars, results);
  metrics::add_execute_time(std::chrono::steady_clock::now() - start);
  metrics::add(metrics::StepCounter::execute_count);
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    TensorImpl& impl = *tensors[i];
    const TensorImpl& r = *results[i].impl_shared();
    impl.storage = r.storage;
    impl.offset = r.offset;
    impl.lazy = make_data_node(results[i]);  // cuts the graph here: the recorded ops may go
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
  metrics::add(metrics::StepCounter::mark_step);
  thread_local std::vector<std::shared_ptr<TensorImpl>> pending;  // reused from step to step
  struct Clear {
    std::vector<std::shared_ptr<TensorImpl>>& v;
    ~Clear() { v.clear(); }  // holds no tensor past the step, even when it throws
  } clear{pending};
  lazy::LiveTensors::instance().pending(pending);
  lazy::sync(pending);
}

}  // namespace neuron
