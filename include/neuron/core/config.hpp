// Build mode. By default neuron is a compiled library: headers declare, src/ defines, and including
// a header instantiates nothing heavy. With NEURON_HEADER_ONLY defined (CMake option
// NEURON_HEADER_ONLY=ON, target neuron::neuron becomes INTERFACE) every header also includes its
// `-inl.hpp` implementation, whose non-template definitions are then marked inline.
#pragma once

#if defined(NEURON_HEADER_ONLY)
#define NEURON_INLINE inline
#else
#define NEURON_INLINE
#endif

// `NEURON_EXTERN_TEMPLATE(template class Foo<int>;)`: an explicit instantiation declaration in
// compiled mode (the library holds the instantiation), nothing in header-only mode.
#if defined(NEURON_HEADER_ONLY)
#define NEURON_EXTERN_TEMPLATE(...)
#else
#define NEURON_EXTERN_TEMPLATE(...) extern __VA_ARGS__
#endif
