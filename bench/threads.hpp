// The thread counts every multi-threaded benchmark case runs at: 1 and all the CPUs this process
// may run on (its affinity mask, as nproc counts them), or $NEURON_BENCH_THREADS when set
// (scripts/bench.sh sets it to `nproc`). Case names end in _t<threads>.
#pragma once

#include <sched.h>

#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace neuron_bench {

inline int all_threads() {
  if (const char* e = std::getenv("NEURON_BENCH_THREADS"); e && std::atoi(e) > 0)
    return std::atoi(e);
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
  return std::max(1u, std::thread::hardware_concurrency());
}

// {1, all}, or {1} on one CPU.
inline std::vector<int> thread_counts() {
  const int n = all_threads();
  return n > 1 ? std::vector<int>{1, n} : std::vector<int>{1};
}

inline std::string threads_suffix(int threads) { return "_t" + std::to_string(threads); }

}  // namespace neuron_bench
