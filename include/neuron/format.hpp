// File formats: safetensors and .npy (and, later, .neuron modules).
#pragma once

#include "format/npy.hpp"
#include "format/safetensors.hpp"
