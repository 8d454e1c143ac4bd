// neuron: tensor models in a C++ DSL. This header includes everything.
#pragma once

#include "core.hpp"
#include "format.hpp"
#include "interop/eigen.hpp"
#include "interop/xtensor.hpp"
#include "lazy.hpp"
#include "nn.hpp"
#include "ops.hpp"
#include "runtime.hpp"
#include "trace/trace.hpp"
#include "version.hpp"
