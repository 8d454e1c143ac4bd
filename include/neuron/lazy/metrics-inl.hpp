#pragma once

#include "metrics.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <sstream>

namespace neuron::metrics {

namespace detail {
struct Timer {
  double total_ms = 0;
  std::int64_t count = 0;
};
struct Store {
  std::mutex mutex;
  std::map<std::string, std::int64_t> counters;
  std::map<std::string, Timer> timers;
  std::vector<CompileRecord> log;
};
NEURON_INLINE Store& store() {
  static Store* s = new Store();  // lives until exit: safe from other statics' destructors
  return *s;
}

// What every cache-hit step counts lives in atomics, not behind the mutex and the maps: a lazy
// step is a few microseconds, and these are counted several times per step.
struct HotCounter {
  const char* name;
  std::atomic<std::int64_t> value{0};
};
struct HotTimer {
  const char* name;
  std::atomic<std::int64_t> total_ns{0}, count{0};
};
struct Hot {
  // In the order of StepCounter.
  HotCounter counters[4] = {{"MarkStep"}, {"CacheHit"}, {"ExecuteCount"}, {"GraphNodes"}};
  HotTimer timers[1] = {{"ExecuteTime"}};  // add_execute_time()
};
NEURON_INLINE Hot& hot() {
  static Hot* h = new Hot();
  return *h;
}
NEURON_INLINE HotCounter* hot_counter(const std::string& name) {
  for (HotCounter& c : hot().counters)
    if (name == c.name) return &c;
  return nullptr;
}
NEURON_INLINE HotTimer* hot_timer(const std::string& name) {
  for (HotTimer& t : hot().timers)
    if (name == t.name) return &t;
  return nullptr;
}
// The counters and timers with the hot ones merged in (under s.mutex).
NEURON_INLINE std::map<std::string, std::int64_t> all_counters(const Store& s) {
  std::map<std::string, std::int64_t> c = s.counters;
  for (const HotCounter& h : hot().counters)
    if (const std::int64_t v = h.value.load(std::memory_order_relaxed)) c[h.name] += v;
  return c;
}
NEURON_INLINE std::map<std::string, Timer> all_timers(const Store& s) {
  std::map<std::string, Timer> t = s.timers;
  for (const HotTimer& h : hot().timers)
    if (const std::int64_t n = h.count.load(std::memory_order_relaxed)) {
      Timer& x = t[h.name];
      x.total_ms += static_cast<double>(h.total_ns.load(std::memory_order_relaxed)) * 1e-6;
      x.count += n;
    }
  return t;
}
}  // namespace detail

NEURON_INLINE void add(const std::string& name, std::int64_t n) {
  if (detail::HotCounter* h = detail::hot_counter(name)) {
    h->value.fetch_add(n, std::memory_order_relaxed);
    return;
  }
  auto& s = detail::store();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.counters[name] += n;
}
NEURON_INLINE void add(StepCounter c, std::int64_t n) {
  detail::hot().counters[static_cast<int>(c)].value.fetch_add(n, std::memory_order_relaxed);
}
NEURON_INLINE void add_execute_time(std::chrono::steady_clock::duration d) {
  detail::HotTimer& t = detail::hot().timers[0];
  t.total_ns.fetch_add(std::chrono::duration_cast<std::chrono::nanoseconds>(d).count(),
                       std::memory_order_relaxed);
  t.count.fetch_add(1, std::memory_order_relaxed);
}
NEURON_INLINE void add_time(const std::string& name, double ms) {
  if (detail::HotTimer* h = detail::hot_timer(name)) {
    h->total_ns.fetch_add(static_cast<std::int64_t>(ms * 1e6 + 0.5), std::memory_order_relaxed);
    h->count.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  auto& s = detail::store();
  std::lock_guard<std::mutex> lock(s.mutex);
  auto& t = s.timers[name];
  t.total_ms += ms;
  ++t.count;
}
NEURON_INLINE void log_compile(CompileRecord r) {
  auto& s = detail::store();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.log.push_back(std::move(r));
}

NEURON_INLINE std::int64_t counter(const std::string& name) {
  if (const detail::HotCounter* h = detail::hot_counter(name)) return h->value.load();
  auto& s = detail::store();
  std::lock_guard<std::mutex> lock(s.mutex);
  auto it = s.counters.find(name);
  return it == s.counters.end() ? 0 : it->second;
}
NEURON_INLINE double timer_ms(const std::string& name) {
  if (const detail::HotTimer* h = detail::hot_timer(name))
    return static_cast<double>(h->total_ns.load()) * 1e-6;
  auto& s = detail::store();
  std::lock_guard<std::mutex> lock(s.mutex);
  auto it = s.timers.find(name);
  return it == s.timers.end() ? 0.0 : it->second.total_ms;
}
NEURON_INLINE std::vector<CompileRecord> compile_log() {
  auto& s = detail::store();
  std::lock_guard<std::mutex> lock(s.mutex);
  return s.log;
}
NEURON_INLINE void reset() {
  auto& s = detail::store();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.counters.clear();
  s.timers.clear();
  for (detail::HotCounter& h : detail::hot().counters) h.value = 0;
  for (detail::HotTimer& h : detail::hot().timers) {
    h.total_ns = 0;
    h.count = 0;
  }
  s.log.clear();
}

NEURON_INLINE std::string report() {
  auto& s = detail::store();
  std::lock_guard<std::mutex> lock(s.mutex);
  std::ostringstream out;
  const std::map<std::string, std::int64_t> counters = detail::all_counters(s);
  const std::map<std::string, detail::Timer> timers = detail::all_timers(s);
  // The standard counters always appear, zero or not, in this order; any others follow.
  static const std::vector<std::string> standard = {"MarkStep",    "CompileCount", "CacheHit",
                                                    "CacheMiss",   "DiskCacheHit", "ExecuteCount",
                                                    "ImplicitSync"};
  for (const std::string& name : standard) {
    auto it = counters.find(name);
    out << name << ": " << (it == counters.end() ? 0 : it->second) << "\n";
  }
  for (const auto& [name, v] : counters)
    if (std::find(standard.begin(), standard.end(), name) == standard.end())
      out << name << ": " << v << "\n";
  for (const auto& [name, t] : timers) {
    char buf[128];
    std::snprintf(buf, sizeof buf, "%s: %.3f ms total, %lld times\n", name.c_str(), t.total_ms,
                  static_cast<long long>(t.count));
    out << buf;
  }
  for (const auto& r : s.log) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.3f", r.compile_ms);
    out << "Compile " << r.hash.substr(0, 12) << ": " << r.nodes << " nodes, " << buf << " ms, "
        << r.reason << "\n";
  }
  return out.str();
}

}  // namespace neuron::metrics
