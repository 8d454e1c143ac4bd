// The lazy stage of the compiled core: the lazy device, recording, mark_step, executable caches,
// metrics. Every include/neuron/lazy/*-inl.hpp is compiled here, once.
#include <neuron/lazy/disk_cache-inl.hpp>
#include <neuron/lazy/executable_cache-inl.hpp>
#include <neuron/lazy/lazy_tensor-inl.hpp>
#include <neuron/lazy/mark_step-inl.hpp>
#include <neuron/lazy/metrics-inl.hpp>
