// NEURON_OPTION: a field of a layer's option struct with a chained setter, as libtorch's TORCH_ARG:
// `Conv2dOptions(3, 64, 7).stride(2).padding(3)`; the getter is the same name without arguments.
#pragma once

#define NEURON_OPTION(T, name)              \
  auto& name(const T& v) {                  \
    name##_ = v;                            \
    return *this;                           \
  }                                         \
  const T& name() const { return name##_; } \
  T name##_
