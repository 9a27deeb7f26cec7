// Argument checks that both engines make, with PyTorch's messages, so that the same mistake gives the
// same error whichever Generator draws.
#pragma once

#include "nninit/core/dtype.h"

namespace nninit {

// uniform_(from, to) on a floating dtype: both bounds within the dtype's finite range, from <= to and
// to - from at most the dtype's largest value (ATen's check_uniform_bounds). Throws RuntimeError.
void check_uniform_bounds(DType dtype, double from, double to);

}  // namespace nninit
