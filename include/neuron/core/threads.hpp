// Intra-op thread count. Eigen's GEMM runs on OpenMP threads when neuron is built with OpenMP
// (the CMake package links it when the compiler supports it); without OpenMP everything runs on the
// calling thread and the setting is only recorded.
#pragma once

#include <atomic>

#include "error.hpp"

namespace neuron {

namespace detail {
std::atomic<int>& thread_setting();
}  // namespace detail

void set_num_threads(int n);

// Threads intra-op work may use.
int get_num_threads();

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "threads-inl.hpp"
#endif
