// The nn DSL: modules and layers with PyTorch's names and semantics.
#pragma once

#include "nn/activation.hpp"
#include "nn/batch_norm.hpp"
#include "nn/conv.hpp"
#include "nn/dropout.hpp"
#include "nn/embedding.hpp"
#include "nn/flatten.hpp"
#include "nn/group_norm.hpp"
#include "nn/init.hpp"
#include "nn/layer_norm.hpp"
#include "nn/linear.hpp"
#include "nn/module.hpp"
#include "nn/multihead_attention.hpp"
#include "nn/pooling.hpp"
#include "nn/sequential.hpp"
#include "nn/transformer.hpp"
#include "nn/upsample.hpp"
