// Lazy mode: the lazy device, recording, mark_step, the executable cache and metrics.
#pragma once

#include "lazy/disk_cache.hpp"
#include "lazy/executable_cache.hpp"
#include "lazy/lazy_tensor.hpp"
#include "lazy/mark_step.hpp"
#include "lazy/metrics.hpp"
