// Lazy-mode metrics: counters (CompileCount, CacheHit, CacheMiss, DiskCacheHit, ExecuteCount,
// ImplicitSync, MarkStep), timers (CompileTime, ExecuteTime), graph sizes, and the compile log
// that says why each compile happened. Thread-safe.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

namespace neuron::metrics {

struct CompileRecord {
  std::string hash;    // graph hash, hex
  std::string reason;  // "new graph", or which inputs changed versus the closest cached graph
  std::size_t nodes = 0;
  double compile_ms = 0;
};

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
inline Store& store() {
  static Store* s = new Store();  // lives until exit: safe from other statics' destructors
  return *s;
}
}  // namespace detail

inline void add(const std::string& name, std::int64_t n = 1) {
  auto& s = detail::store();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.counters[name] += n;
}
inline void add_time(const std::string& name, double ms) {
  auto& s = detail::store();
  std::lock_guard<std::mutex> lock(s.mutex);
  auto& t = s.timers[name];
  t.total_ms += ms;
  ++t.count;
}
inline void log_compile(CompileRecord r) {
  auto& s = detail::store();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.log.push_back(std::move(r));
}

// The value of a counter (0 when it never counted).
inline std::int64_t counter(const std::string& name) {
  auto& s = detail::store();
  std::lock_guard<std::mutex> lock(s.mutex);
  auto it = s.counters.find(name);
  return it == s.counters.end() ? 0 : it->second;
}
// Total milliseconds recorded by a timer.
inline double timer_ms(const std::string& name) {
  auto& s = detail::store();
  std::lock_guard<std::mutex> lock(s.mutex);
  auto it = s.timers.find(name);
  return it == s.timers.end() ? 0.0 : it->second.total_ms;
}
inline std::vector<CompileRecord> compile_log() {
  auto& s = detail::store();
  std::lock_guard<std::mutex> lock(s.mutex);
  return s.log;
}
inline void reset() {
  auto& s = detail::store();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.counters.clear();
  s.timers.clear();
  s.log.clear();
}

// One counter or timer per line: "CompileCount: 2", "CompileTime: 1.234 ms total, 2 times".
inline std::string report() {
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
