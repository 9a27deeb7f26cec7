// Reuse of large float32 buffers between passes. A training probe or LSUV runs the same forward and backward
// passes again and again, and memory fresh from the system costs a page fault per 4 KiB; on this project's
// machines that cost more than the arithmetic of a small MLP step. Buffers of 64 KiB and more are therefore
// kept when their last tensor goes away (up to 256 MiB in all) and handed out again for the same size.
// Thread-safe. Tensors from the pool are ordinary tensors (shared storage, views, clone()).
#pragma once

#include <cstddef>

#include "nninit/core/tensor.h"

namespace nninit::engine {

// An uninitialised contiguous float32 tensor, from the pool when it is large.
Tensor pooled_empty(Shape sizes);

// Frees every buffer the pool holds (the ones in use are freed when released, as usual).
void release_pooled_buffers();

// Bytes the pool holds for reuse.
std::size_t pooled_bytes();

}  // namespace nninit::engine
