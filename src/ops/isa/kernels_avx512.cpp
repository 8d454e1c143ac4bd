// neuron's own kernels for AVX-512 F + BW + DQ + VL (isa_kernels.hpp). Compiled with those -m
// flags (and AVX2 + FMA), -ffp-contract=off and -fvisibility=hidden; only the entry point below
// is visible.
#if !defined(__AVX512F__) || !defined(__AVX512BW__) || !defined(__AVX512DQ__) || \
    !defined(__AVX512VL__)
#error "kernels_avx512.cpp must be compiled with -mavx512f -mavx512bw -mavx512dq -mavx512vl"
#endif
#define NEURON_ISA_NAMESPACE isa_avx512
#include "isa_kernels_body.hpp"

namespace neuron::detail {
__attribute__((visibility("default"))) const IsaKernels& isa_kernels_avx512() {
  static const IsaKernels k = isa_avx512::make_table(CpuIsa::avx512);
  return k;
}
}  // namespace neuron::detail
