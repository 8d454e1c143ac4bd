// The core stage of the compiled core: dtypes, shapes, storage, tensors, creation, random numbers,
// printing, threads. Every include/neuron/core/*-inl.hpp is compiled here, once.
#include <neuron/core/cpu_isa-inl.hpp>
#include <neuron/core/creation-inl.hpp>
#include <neuron/core/print-inl.hpp>
#include <neuron/core/random-inl.hpp>
#include <neuron/core/storage-inl.hpp>
#include <neuron/core/tensor-inl.hpp>
#include <neuron/core/threads-inl.hpp>
