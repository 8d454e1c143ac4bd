// Intra-op thread count. Eigen's GEMM runs on OpenMP threads when neuron is built with OpenMP
// (the CMake package links it when the compiler supports it); without OpenMP everything runs on the
// calling thread and the setting is only recorded.
#pragma once

#include <atomic>

#include "error.hpp"

namespace neuron {

namespace detail {
std::atomic<int>& thread_setting();
// OpenMP keeps its thread count per calling thread: this makes the calling thread's count the
// process-wide setting (when one was made) and returns the count now in effect. Kernels that run
// on OpenMP (oneDNN's) call it first, so a thread the user started uses the same count.
int sync_thread_setting();
}  // namespace detail

void set_num_threads(int n);

// Threads intra-op work may use.
int get_num_threads();

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "threads-inl.hpp"
#endif
