// Definitions of cpu_isa.hpp.
#pragma once

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "cpu_isa.hpp"

namespace neuron {

NEURON_INLINE const char* cpu_isa_name(CpuIsa isa) {
  switch (isa) {
    case CpuIsa::avx512:
      return "avx512";
    case CpuIsa::avx2:
      return "avx2";
    default:
      return "baseline";
  }
}

NEURON_INLINE CpuIsa cpu_isa_supported() {
#if defined(__x86_64__) && defined(__GNUC__)
  // libgcc's checks include the OS's XSAVE support for the wider registers.
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
    return CpuIsa::avx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return CpuIsa::avx2;
#endif
  return CpuIsa::baseline;
}

namespace detail {

// NEURON_MAX_ISA, or avx512 (no cap) when unset or unknown.
NEURON_INLINE CpuIsa max_isa_from_env() {
  const char* e = std::getenv("NEURON_MAX_ISA");
  if (!e || !*e) return CpuIsa::avx512;
  for (CpuIsa isa : {CpuIsa::baseline, CpuIsa::avx2, CpuIsa::avx512})
    if (std::strcmp(e, cpu_isa_name(isa)) == 0) return isa;
  std::fprintf(stderr,
               "neuron: NEURON_MAX_ISA='%s' is not one of baseline, avx2, avx512; ignored\n", e);
  return CpuIsa::avx512;
}

// The widest path built into this library.
NEURON_INLINE CpuIsa built_isa() {
#if defined(NEURON_DISPATCH_AVX512)
  return CpuIsa::avx512;
#elif defined(NEURON_DISPATCH_AVX2)
  return CpuIsa::avx2;
#else
  return compiled_isa();
#endif
}

}  // namespace detail

NEURON_INLINE CpuIsa cpu_isa() {
  static const CpuIsa isa = [] {
    int v = static_cast<int>(detail::built_isa());
    v = std::min(v, static_cast<int>(cpu_isa_supported()));
    v = std::min(v, static_cast<int>(detail::max_isa_from_env()));
    // A library compiled for a level always runs it (-march=native, header-only).
    v = std::max(v, static_cast<int>(detail::compiled_isa()));
    return static_cast<CpuIsa>(v);
  }();
  return isa;
}

}  // namespace neuron
