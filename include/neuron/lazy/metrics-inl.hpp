#pragma once

#include "metrics.hpp"

#include <algorithm>
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
}  // namespace detail

NEURON_INLINE void add(const std::string& name, std::int64_t n) {
  auto& s = detail::store();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.counters[name] += n;
}
NEURON_INLINE void add_time(const std::string& name, double ms) {
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
  auto& s = detail::store();
  std::lock_guard<std::mutex> lock(s.mutex);
  auto it = s.counters.find(name);
  return it == s.counters.end() ? 0 : it->second;
}
NEURON_INLINE double timer_ms(const std::string& name) {
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
  s.log.clear();
}

NEURON_INLINE std::string report() {
  auto& s = detail::store();
  std::lock_guard<std::mutex> lock(s.mutex);
  std::ostringstream out;
  // The standard counters always appear, zero or not, in this order; any others follow.
  static const std::vector<std::string> standard = {"MarkStep",    "CompileCount", "CacheHit",
                                                    "CacheMiss",   "DiskCacheHit", "ExecuteCount",
                                                    "ImplicitSync"};
  for (const std::string& name : standard) {
    auto it = s.counters.find(name);
    out << name << ": " << (it == s.counters.end() ? 0 : it->second) << "\n";
  }
  for (const auto& [name, v] : s.counters)
    if (std::find(standard.begin(), standard.end(), name) == standard.end())
      out << name << ": " << v << "\n";
  for (const auto& [name, t] : s.timers) {
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
