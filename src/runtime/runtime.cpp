// The runtime stage of the compiled core: plans, arenas, the executor, traced modules.
// Every include/neuron/runtime/*-inl.hpp is compiled here, once.
#include <neuron/runtime/executor-inl.hpp>
#include <neuron/runtime/plan-inl.hpp>
#include <neuron/runtime/plan_dot-inl.hpp>
#include <neuron/runtime/traced_module-inl.hpp>
