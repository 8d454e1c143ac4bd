// Deployment header: load and run traced modules (.neuron files), with tensors, op kernels and the
// file formats; nothing from the compiler or the lazy recorder.
#pragma once

#include "core.hpp"
#include "format.hpp"
#include "format/module_file.hpp"
#include "ops.hpp"
#include "runtime/plan_dot.hpp"
#include "runtime/traced_module.hpp"
#include "version.hpp"
