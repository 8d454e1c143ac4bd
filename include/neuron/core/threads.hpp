// Intra-op threads. One setting, set_num_threads(n), governs every parallel kernel: oneDNN's GEMM,
// convolution and pooling, Eigen's GEMM, and our own row and elementwise loops (parallel.hpp).
// They all run on OpenMP when neuron is built with it (the CMake package links it when the
// compiler supports it); without OpenMP everything runs on the calling thread and the setting is
// only recorded.
//
// Sharing rule: the n threads are a budget for the whole process, not per call. A parallel kernel
// leases threads for its duration (ThreadLease): its calling thread always works, and it takes
// helpers only while fewer than n threads are busy, so that all leases together hold at most n.
// So K threads that call neuron at once never run more than K + n - 1 threads (one call may have
// taken its helpers just before the others arrived, until its kernel ends), and once n calls are
// running, each further kernel runs on its caller's thread alone. Small tensors never ask for
// helpers (each kernel has a minimum amount of work per thread).
#pragma once

#include <atomic>

#include "error.hpp"

namespace neuron {

namespace detail {
std::atomic<int>& thread_setting();
// OpenMP keeps its thread count per calling thread: this makes the calling thread's count the
// one its current lease holds, else the process-wide setting (when one was made), and returns
// the count now in effect. Kernels that run on OpenMP (oneDNN's) call it first, so a thread the
// user started uses the same count.
int sync_thread_setting();

// Threads leased from the process-wide budget for one kernel call (see the rule above). Leases
// nest: inside a lease, or on a helper thread of a parallel region, a new lease adds no helpers.
class ThreadLease {
 public:
  // `most`: the most threads the kernel can use (0: as many as set_num_threads allows).
  explicit ThreadLease(int most = 0);
  ~ThreadLease();
  ThreadLease(const ThreadLease&) = delete;
  ThreadLease& operator=(const ThreadLease&) = delete;
  // Threads this call may run on, its own included (>= 1).
  int threads() const { return threads_; }

 private:
  int threads_ = 1;
  int helpers_ = 0;
  bool owner_ = false;  // holds a share of the budget (the outermost lease of its thread)
};

// Threads running leased work right now (callers plus helpers), and the most seen since the last
// reset: for tests of the sharing rule.
int busy_threads();
int peak_busy_threads();
void reset_peak_busy_threads();
}  // namespace detail

void set_num_threads(int n);

// Threads intra-op work may use.
int get_num_threads();

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "threads-inl.hpp"
#endif
