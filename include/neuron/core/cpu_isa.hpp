// Which instruction set neuron's own kernels run (elementwise maps, softmax, layer norm, batch-1
// GEMVs). The compiled library carries each kernel three times, for baseline x86-64 (SSE2),
// AVX2 + FMA and AVX-512 (F, BW, DQ, VL), and picks once, at first use, the widest one the CPU
// and the operating system support. NEURON_MAX_ISA=baseline|avx2|avx512 caps the choice (as
// ONEDNN_MAX_CPU_ISA does for oneDNN), so that one machine can run every path; a library built
// with NEURON_NATIVE=ON (-march=native), or header-only, runs the code its compiler made.
// oneDNN and OpenBLAS pick their own kernels the same way, at run time.
#pragma once

#include "config.hpp"

namespace neuron {

enum class CpuIsa : int { baseline = 0, avx2 = 1, avx512 = 2 };

// "baseline", "avx2" or "avx512".
const char* cpu_isa_name(CpuIsa isa);

// The widest path this CPU and OS support (whatever the library was built with).
CpuIsa cpu_isa_supported();

// The path neuron's kernels take in this process: the widest one built into the library that the
// CPU supports, capped by NEURON_MAX_ISA (read once; an unknown value is reported on stderr and
// ignored).
CpuIsa cpu_isa();

// The instruction set oneDNN's kernels (GEMMs, convolutions, pooling) run on this CPU, as oneDNN
// reports it ("avx2", "avx512_core", ...; capped by ONEDNN_MAX_CPU_ISA).
const char* onednn_cpu_isa_name();

namespace detail {
// The level a translation unit is compiled for, from the compiler's macros: what xsimd's default
// batch type uses there.
constexpr CpuIsa compiled_isa() {
#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512DQ__) && defined(__AVX512VL__)
  return CpuIsa::avx512;
#elif defined(__AVX2__) && defined(__FMA__)
  return CpuIsa::avx2;
#else
  return CpuIsa::baseline;
#endif
}
}  // namespace detail

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "cpu_isa-inl.hpp"
#endif
