// Minor page faults of this process (getrusage ru_minflt), for a `faults_per_iter` counter: the
// faults taken inside a benchmark's timed loop divided by its iterations. A steady-state call that
// reuses its memory takes none; one that maps fresh pages takes one per 4 KiB page it touches.
#pragma once

#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <cstdint>

namespace neuron_bench {

inline std::int64_t minor_faults() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<std::int64_t>(u.ru_minflt);
}

// Sets st.counters["faults_per_iter"] from the fault count taken before the timed loop.
inline void set_faults_per_iter(benchmark::State& st, std::int64_t faults_before) {
  const double iters = static_cast<double>(st.iterations());
  st.counters["faults_per_iter"] =
      iters > 0 ? static_cast<double>(minor_faults() - faults_before) / iters : 0.0;
}

}  // namespace neuron_bench
