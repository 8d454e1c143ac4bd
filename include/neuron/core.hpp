// Core: dtypes, shapes, storage, devices, the Tensor handle, creation, random numbers, printing.
#pragma once

#include "core/cpu_isa.hpp"
#include "core/creation.hpp"
#include "core/device.hpp"
#include "core/dtype.hpp"
#include "core/error.hpp"
#include "core/print.hpp"
#include "core/random.hpp"
#include "core/shape.hpp"
#include "core/storage.hpp"
#include "core/tensor.hpp"
#include "core/threads.hpp"
