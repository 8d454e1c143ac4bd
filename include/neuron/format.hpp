// File formats: safetensors and .npy (.neuron modules: format/module_file.hpp, in runtime.hpp).
#pragma once

#include "format/npy.hpp"
#include "format/safetensors.hpp"
