// parallel_for: our own kernels' loops (rows of softmax and layer_norm, chunks of fused
// expressions, attention heads) on the intra-op threads, under the sharing rule of threads.hpp.
// Results never depend on the thread count: each item is computed the same way whichever thread
// runs it. Included by -inl files only.
#pragma once

#include <algorithm>
#include <cstdint>
#include <exception>
#include <mutex>

#include "threads.hpp"

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace neuron::detail {

// Calls f(begin, end) over contiguous pieces of [0, n), at most one piece per thread and at least
// `grain` items per piece (so small loops stay on the calling thread). The first exception thrown
// by any piece is rethrown on the calling thread after every piece ends.
template <class F>
void parallel_for(std::int64_t n, std::int64_t grain, F&& f) {
  if (n <= 0) return;
  const std::int64_t pieces = grain > 0 ? n / grain : n;
#if defined(_OPENMP)
  if (pieces >= 2 && !omp_in_parallel()) {
    ThreadLease lease(static_cast<int>(std::min<std::int64_t>(pieces, 1024)));
    const int threads = lease.threads();
    if (threads >= 2) {
      std::exception_ptr error;
      std::mutex error_mutex;
#pragma omp parallel num_threads(threads)
      {
        const std::int64_t t = omp_get_thread_num(), count = omp_get_num_threads();
        const std::int64_t begin = n * t / count, end = n * (t + 1) / count;
        try {
          if (begin < end) f(begin, end);
        } catch (...) {
          std::lock_guard<std::mutex> lock(error_mutex);
          if (!error) error = std::current_exception();
        }
      }
      if (error) std::rethrow_exception(error);
      return;
    }
  }
#else
  (void)pieces;
#endif
  f(std::int64_t{0}, n);
}

}  // namespace neuron::detail
