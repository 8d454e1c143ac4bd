// The nn stage of the compiled core: modules and layers.
// Every include/neuron/nn/*-inl.hpp is compiled here, once.
#include <neuron/nn/activation-inl.hpp>
#include <neuron/nn/batch_norm-inl.hpp>
#include <neuron/nn/conv-inl.hpp>
#include <neuron/nn/dropout-inl.hpp>
#include <neuron/nn/embedding-inl.hpp>
#include <neuron/nn/flatten-inl.hpp>
#include <neuron/nn/group_norm-inl.hpp>
#include <neuron/nn/init-inl.hpp>
#include <neuron/nn/layer_norm-inl.hpp>
#include <neuron/nn/linear-inl.hpp>
#include <neuron/nn/module-inl.hpp>
#include <neuron/nn/module_list-inl.hpp>
#include <neuron/nn/multihead_attention-inl.hpp>
#include <neuron/nn/pooling-inl.hpp>
#include <neuron/nn/sequential-inl.hpp>
#include <neuron/nn/transformer-inl.hpp>
#include <neuron/nn/upsample-inl.hpp>
