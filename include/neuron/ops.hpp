// All ops and the elementwise DSL.
#pragma once

#include "expr/functions.hpp"
#include "ops/op_list.hpp"
