#pragma once

#define NEURON_VERSION_MAJOR 0
#define NEURON_VERSION_MINOR 1
#define NEURON_VERSION_PATCH 0

namespace neuron {
inline constexpr const char* version_string = "0.1.0";
}
