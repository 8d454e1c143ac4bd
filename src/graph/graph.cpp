// The graph stage of the compiled core: IR nodes, graphs, structural hashes.
// Every include/neuron/graph/*-inl.hpp is compiled here, once.
#include <neuron/graph/graph-inl.hpp>
#include <neuron/graph/hash-inl.hpp>
#include <neuron/graph/ir-inl.hpp>
