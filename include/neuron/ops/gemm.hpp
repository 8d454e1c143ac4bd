// Which kernel runs a GEMM of matmul or linear: oneDNN's matmul for f32 GEMMs with enough rows,
// Eigen for the rest. One rule for eager, lazy and traced mode, so that they agree bit for bit at
// equal thread counts. The oneDNN side lives in gemm-inl.hpp (private to the library).
#pragma once

#include <cstdint>

#include "../core/dtype.hpp"

namespace neuron::detail {

enum class GemmKernel { eigen, onednn };

// An f32 GEMM goes to oneDNN when it has at least kOnednnMinRows rows (M, after flattening) and
// at least kOnednnMinWork multiply-adds (M * K * N); the numbers that justify both are next to
// choose_gemm_kernel's definition (gemm-inl.hpp).
constexpr std::int64_t kOnednnMinRows = 2;
constexpr std::int64_t kOnednnMinWork = std::int64_t{1} << 16;

// The kernel for one GEMM of [m, k] x [k, n] in dtype `dt`: a pure function of its arguments
// (and of NEURON_GEMM_KERNEL, read once, for measurements only).
GemmKernel choose_gemm_kernel(DType dt, std::int64_t m, std::int64_t k, std::int64_t n);
// On Eigen's side: whether a product runs as one GEMV per row instead of Eigen's GEMM.
bool gemv_per_row(std::int64_t m, std::int64_t k, std::int64_t n);

// oneDNN GEMMs run so far by this process (for tests that check which path ran).
std::int64_t onednn_gemm_count();

}  // namespace neuron::detail

#ifdef NEURON_HEADER_ONLY
#include "gemm-inl.hpp"
#endif
