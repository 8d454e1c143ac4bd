// Lazy mode: the lazy device, recording, mark_step, the plan cache and metrics.
#pragma once

#include "lazy/disk_cache.hpp"
#include "lazy/lazy_tensor.hpp"
#include "lazy/mark_step.hpp"
#include "lazy/metrics.hpp"
#include "lazy/plan_cache.hpp"
