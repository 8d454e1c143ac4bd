// neuron: tensor models in a C++ DSL. This header declares everything; the compiled library
// defines it. The Eigen and xtensor interop lives in <neuron/interop/eigen.hpp> and
// <neuron/interop/xtensor.hpp> (templates over those libraries: include them where you use them).
#pragma once

#include "core.hpp"
#include "format.hpp"
#include "lazy.hpp"
#include "nn.hpp"
#include "ops.hpp"
#include "runtime.hpp"
#include "trace/trace.hpp"
#include "version.hpp"
