// Lazy-mode metrics: counters (CompileCount, CacheHit, CacheMiss, DiskCacheHit, ExecuteCount,
// ImplicitSync, MarkStep), timers (CompileTime, ExecuteTime), graph sizes, and the compile log
// that says why each compile happened. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "../core/config.hpp"

namespace neuron::metrics {

struct CompileRecord {
  std::string hash;    // graph hash, hex
  std::string reason;  // "new graph", or which inputs changed versus the closest cached graph
  std::size_t nodes = 0;
  double compile_ms = 0;
};

// Adds `n` to a counter.
void add(const std::string& name, std::int64_t n = 1);
// Records one timing of `ms` milliseconds.
void add_time(const std::string& name, double ms);
void log_compile(CompileRecord r);

// What every cache-hit step counts, by number instead of by name: no lookup on the hot path.
enum class StepCounter { mark_step, cache_hit, execute_count, graph_nodes };  // as their names
void add(StepCounter c, std::int64_t n = 1);
void add_execute_time(std::chrono::steady_clock::duration d);  // the "ExecuteTime" timer

// The value of a counter (0 when it never counted).
std::int64_t counter(const std::string& name);
// Total milliseconds recorded by a timer.
double timer_ms(const std::string& name);
std::vector<CompileRecord> compile_log();
void reset();

// One counter or timer per line: "CompileCount: 2", "CompileTime: 1.234 ms total, 2 times".
std::string report();

class ScopedTimer {
 public:
  explicit ScopedTimer(std::string name)
      : name_(std::move(name)), start_(std::chrono::steady_clock::now()) {}
  ~ScopedTimer() { add_time(name_, elapsed_ms()); }
  double elapsed_ms() const {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_)
        .count();
  }

 private:
  std::string name_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace neuron::metrics

#ifdef NEURON_HEADER_ONLY
#include "metrics-inl.hpp"
#endif
