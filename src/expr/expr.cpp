// The expr stage of the compiled core: the fused-expression evaluator, lazy recording of
// expressions, fused nodes from files. Every include/neuron/expr/*-inl.hpp is compiled here, once.
#include <neuron/expr/compiled_chain-inl.hpp>
#include <neuron/expr/evaluate-inl.hpp>
#include <neuron/expr/expr_op-inl.hpp>
#include <neuron/expr/interpreted_expr-inl.hpp>
