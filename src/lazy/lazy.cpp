// The lazy stage of the compiled core: the lazy device, recording, mark_step, plan caches,
// metrics. Every include/neuron/lazy/*-inl.hpp is compiled here, once.
#include <neuron/lazy/cache_eviction-inl.hpp>
#include <neuron/lazy/disk_cache-inl.hpp>
#include <neuron/lazy/lazy_tensor-inl.hpp>
#include <neuron/lazy/mark_step-inl.hpp>
#include <neuron/lazy/metrics-inl.hpp>
#include <neuron/lazy/plan_cache-inl.hpp>
