// Definitions for threads.hpp.
#pragma once

#include "threads.hpp"

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

NEURON_INLINE int sync_thread_setting() {
#if defined(_OPENMP)
  const int n = thread_setting();
  if (n > 0 && omp_get_max_threads() != n) omp_set_num_threads(n);
  return omp_get_max_threads();
#else
  return 1;
#endif
}
}  // namespace detail

NEURON_INLINE void set_num_threads(int n) {
  if (n < 1) throw_error<ValueError>("set_num_threads: expected n >= 1, got ", n);
  detail::thread_setting() = n;
  Eigen::setNbThreads(n);
#if defined(_OPENMP)
  omp_set_num_threads(n);
#endif
}

NEURON_INLINE int get_num_threads() {
#if defined(_OPENMP)
  int n = detail::thread_setting();
  return n > 0 ? n : omp_get_max_threads();
#else
  return 1;
#endif
}

}  // namespace neuron
