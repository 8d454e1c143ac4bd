// Deployment header: tensors and op kernels, without the lazy recorder or the compiler.
// (The module loader joins it when traced mode lands.)
#pragma once

#include "core.hpp"
#include "ops.hpp"
#include "version.hpp"
