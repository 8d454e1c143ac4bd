// The format stage of the compiled core: safetensors, npy, .neuron module files.
// Every include/neuron/format/*-inl.hpp is compiled here, once.
#include <neuron/format/file_io-inl.hpp>
#include <neuron/format/module_file-inl.hpp>
#include <neuron/format/module_graph-inl.hpp>
#include <neuron/format/npy-inl.hpp>
#include <neuron/format/safetensors-inl.hpp>
#include <neuron/format/strict_json-inl.hpp>
