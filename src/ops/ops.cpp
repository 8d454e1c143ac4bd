// The ops stage of the compiled core: every op's shape rules and CPU kernels (Eigen, oneDNN,
// xsimd), the elementwise kernel tables. Every include/neuron/ops/*-inl.hpp is compiled here, once.
#include <neuron/ops/any_op-inl.hpp>
#include <neuron/ops/batch_norm-inl.hpp>
#include <neuron/ops/cast-inl.hpp>
#include <neuron/ops/compare-inl.hpp>
#include <neuron/ops/concat-inl.hpp>
#include <neuron/ops/conv-inl.hpp>
#include <neuron/ops/dim_flow-inl.hpp>
#include <neuron/ops/elementwise_kernel-inl.hpp>
#include <neuron/ops/elementwise_ops-inl.hpp>
#include <neuron/ops/embedding-inl.hpp>
#include <neuron/ops/group_norm-inl.hpp>
#include <neuron/ops/indexing-inl.hpp>
#include <neuron/ops/interpolate-inl.hpp>
#include <neuron/ops/layer_norm-inl.hpp>
#include <neuron/ops/layout-inl.hpp>
#include <neuron/ops/matmul-inl.hpp>
#include <neuron/ops/op_base-inl.hpp>
#include <neuron/ops/op_list-inl.hpp>
#include <neuron/ops/permute-inl.hpp>
#include <neuron/ops/pool-inl.hpp>
#include <neuron/ops/reduce-inl.hpp>
#include <neuron/ops/reshape-inl.hpp>
#include <neuron/ops/sequence-inl.hpp>
#include <neuron/ops/slice-inl.hpp>
#include <neuron/ops/softmax-inl.hpp>
#include <neuron/ops/where-inl.hpp>
