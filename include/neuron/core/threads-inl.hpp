// Definitions for threads.hpp.
#pragma once

#include "threads.hpp"

#include <algorithm>
#include <atomic>

#include <Eigen/Core>

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace neuron {

namespace detail {
NEURON_INLINE std::atomic<int>& thread_setting() {
  static std::atomic<int> n{0};  // 0: not set, use the library defaults
  return n;
}

// Threads the calling thread's outermost lease holds (0: none).
NEURON_INLINE int& leased_threads() {
  thread_local int n = 0;
  return n;
}

NEURON_INLINE std::atomic<int>& busy_counter() {
  static std::atomic<int> n{0};
  return n;
}
NEURON_INLINE std::atomic<int>& peak_counter() {
  static std::atomic<int> n{0};
  return n;
}

NEURON_INLINE int busy_threads() { return busy_counter().load(); }
NEURON_INLINE int peak_busy_threads() { return peak_counter().load(); }
NEURON_INLINE void reset_peak_busy_threads() { peak_counter() = busy_counter().load(); }

NEURON_INLINE int sync_thread_setting() {
#if defined(_OPENMP)
  const int leased = leased_threads();
  const int n = leased > 0 ? leased : get_num_threads();
  if (omp_get_max_threads() != n) omp_set_num_threads(n);
  return n;
#else
  return 1;
#endif
}

NEURON_INLINE ThreadLease::ThreadLease(int most) {
#if defined(_OPENMP)
  if (leased_threads() > 0) {  // nested in this thread's lease: share it
    threads_ = most > 0 ? std::min(most, leased_threads()) : leased_threads();
    return;
  }
  if (omp_in_parallel()) return;  // a helper thread: one thread, no share of the budget
  const int n = get_num_threads();
  const int want = most > 0 ? std::min(most, n) : n;
  std::atomic<int>& busy = busy_counter();
  int now = busy.fetch_add(1) + 1;  // the caller's own thread
  while (want > 1) {
    const int take = std::min(want - 1, n - now);
    if (take <= 0) break;
    if (busy.compare_exchange_weak(now, now + take)) {
      helpers_ = take;
      now += take;
      break;
    }
  }
  int peak = peak_counter().load();
  while (now > peak && !peak_counter().compare_exchange_weak(peak, now)) {
  }
  owner_ = true;
  threads_ = 1 + helpers_;
  leased_threads() = threads_;
  sync_thread_setting();
#else
  (void)most;
#endif
}

NEURON_INLINE ThreadLease::~ThreadLease() {
  if (!owner_) return;
  busy_counter().fetch_sub(1 + helpers_);
  leased_threads() = 0;
}
}  // namespace detail

NEURON_INLINE void set_num_threads(int n) {
  if (n < 1) throw_error<ValueError>("set_num_threads: expected n >= 1, got ", n);
  detail::thread_setting() = n;
  // Eigen's GEMM then follows the calling thread's OpenMP count, which leases set.
  Eigen::setNbThreads(0);
#if defined(_OPENMP)
  omp_set_num_threads(n);
#endif
}

NEURON_INLINE int get_num_threads() {
#if defined(_OPENMP)
  const int n = detail::thread_setting();
  if (n > 0) return n;
  // OpenMP's default (OMP_NUM_THREADS, else the processors), read before any lease changes the
  // calling thread's count.
  static const int fallback = omp_get_max_threads();
  return fallback;
#else
  return 1;
#endif
}

}  // namespace neuron
