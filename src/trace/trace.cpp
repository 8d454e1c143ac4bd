// The trace stage of the compiled core: trace(), buckets, dynamic batch.
// Every include/neuron/trace/*-inl.hpp is compiled here, once.
#include <neuron/trace/trace-inl.hpp>
