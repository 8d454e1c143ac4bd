#pragma once

#include "mark_step.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "../compiler/memory_plan.hpp"
#include "../compiler/optimize.hpp"
#include "disk_cache-inl.hpp"
#include "lazy_tensor-inl.hpp"
#include "metrics-inl.hpp"
#include "plan_cache-inl.hpp"

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

// lower() -> optimize() -> plan_memory() -> prepared, as compile() does, with the disk cache
// between lowering and the passes: it keeps the lowered form, whose steps name the graph's nodes.
NEURON_INLINE std::shared_ptr<const PreparedPlan> plan_for(const Graph& g) {
  PlanCache& cache = PlanCache::instance();
  if (auto hit = cache.find(g)) {
    metrics::add("CacheHit");
    return hit;
  }
  metrics::add("CacheMiss");
  auto finish = [&](Plan p) {
    optimize(p, compile_options());
    plan_memory(p);
    auto prepared = std::make_shared<const PreparedPlan>(std::move(p));
    cache.insert(g, prepared);
    return prepared;
  };
  bool found = false;
  Plan stored = DiskCache::instance().load(g, compile_options(), found);
  if (found) {
    metrics::add("DiskCacheHit");
    return finish(std::move(stored));
  }
  std::string reason = cache.miss_reason(g);
  metrics::ScopedTimer timer("CompileTime");
  Plan lowered = lower(g, compile_options());
  DiskCache::instance().store(g, compile_options(), lowered);
  std::shared_ptr<const PreparedPlan> prepared = finish(std::move(lowered));
  double ms = timer.elapsed_ms();
  metrics::add("CompileCount");
  metrics::add("CompiledNodes", static_cast<std::int64_t>(g.op_count()));
  metrics::log_compile({g.hash.hex(), reason, g.op_count(), ms});
  if (log_compiles())
    std::fprintf(stderr, "[neuron] compile %s: %zu nodes, %.3f ms, %s\n",
                 g.hash.hex().substr(0, 12).c_str(), g.op_count(), ms, reason.c_str());
  return prepared;
}

namespace detail {
// What a step builds on its way to its plan, kept from step to step so that a cache-hit step
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
  std::shared_ptr<const PreparedPlan> plan = PlanCache::instance().find(s.cut);
  if (plan)
    metrics::add(metrics::StepCounter::cache_hit);
  else
    plan = plan_for(build_graph(s.cut));
  s.scalars.clear();
  for (std::size_t i = 0; i < s.cut.size(); ++i) {
    const IrNode& n = s.cut.node(i);
    if (n.is_data()) s.inputs.push_back(n.data);
    s.scalars.insert(s.scalars.end(), n.scalars.begin(), n.scalars.end());
  }
  const auto start = std::chrono::steady_clock::now();
  std::vector<Tensor>& results = s.results;
  plan->run(s.inputs, s.scalars, results);
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
