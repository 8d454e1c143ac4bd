// The compiler stage of the compiled core: passes, lowering, memory planning, padding rules.
// Every include/neuron/compiler/*-inl.hpp is compiled here, once.
#include <neuron/compiler/cnn_passes-inl.hpp>
#include <neuron/compiler/compile-inl.hpp>
#include <neuron/compiler/exported_attention-inl.hpp>
#include <neuron/compiler/import_passes-inl.hpp>
#include <neuron/compiler/memory_plan-inl.hpp>
#include <neuron/compiler/optimize-inl.hpp>
#include <neuron/compiler/pad_constants-inl.hpp>
#include <neuron/compiler/padding-inl.hpp>
