// Deployment header: tensors and op kernels, without the lazy recorder or the compiler.
// Includes the file formats; the module loader joins it when traced mode lands.
#pragma once

#include "core.hpp"
#include "format.hpp"
#include "ops.hpp"
#include "version.hpp"
