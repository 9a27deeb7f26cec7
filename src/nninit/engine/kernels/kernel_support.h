// What the kernel sources share: float32 buffers, argument checks, and one factory per layer family.
// Internal to the diag layer.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "nninit/core/tensor.h"
#include "nninit/engine/kernel.h"
#include "nninit/nn/module.h"

namespace nninit::engine::detail {

// The elements of a contiguous float32 tensor.
inline float* data(const Tensor& t) {
  return t.data_ptr<float>();
}
inline std::int64_t* index_data(const Tensor& t) {
  return t.data_ptr<std::int64_t>();
}

Tensor empty(Shape sizes);  // float32
Tensor zeros(Shape sizes);
// A contiguous float32 tensor with the values of t (t itself when it already is one).
Tensor to_float32(const Tensor& t);

// PyTorch's dim wrapping ("Dimension out of range (expected to be in range of [-2, 1], but got 2)").
std::int64_t wrap_dim(std::int64_t dim, std::int64_t ndim);

// ValueError "<Type>: expected between min and max inputs, got n".
void check_input_count(const nn::Module& module, const std::vector<Tensor>& inputs, std::size_t min,
                       std::size_t max);
// The input `index` as float32 (TypeError for an integer tensor).
Tensor float_input(const nn::Module& module, const std::vector<Tensor>& inputs, std::size_t index);
// RuntimeError "<Type>: Expected 2D or 3D input, but got input of size: [2, 3, 4, 5]"-style checks.
void check_dims(const nn::Module& module, const Tensor& input, std::int64_t min_dim, std::int64_t max_dim);

// sizes = (outer, size, inner) around one dimension: the layout every reduction along a dim uses.
struct DimSplit {
  std::int64_t outer = 1;
  std::int64_t size = 1;
  std::int64_t inner = 1;
};
DimSplit split_at(const Shape& sizes, std::int64_t dim);

// One value for every dimension, or one per dimension (pooling sizes kept as the user gave them).
Shape expand_sizes(const Shape& given, std::size_t dims);

// Element-wise a += b (same numel).
void add_into(const Tensor& a, const Tensor& b);

// The families (each returns null for a module outside it).
std::unique_ptr<Kernel> make_linear_kernel(nn::Module& module);
std::unique_ptr<Kernel> make_embedding_kernel(nn::Module& module);
std::unique_ptr<Kernel> make_conv_kernel(nn::Module& module);
std::unique_ptr<Kernel> make_activation_kernel(nn::Module& module);
std::unique_ptr<Kernel> make_softmax_kernel(nn::Module& module);
std::unique_ptr<Kernel> make_norm_kernel(nn::Module& module);
std::unique_ptr<Kernel> make_pool_kernel(nn::Module& module);
std::unique_ptr<Kernel> make_shape_kernel(nn::Module& module);
std::unique_ptr<Kernel> make_rearrange_kernel(nn::Module& module);
std::unique_ptr<Kernel> make_recurrent_kernel(nn::Module& module);
std::unique_ptr<Kernel> make_attention_kernel(nn::Module& module);

// F.relu or F.gelu (exact), the activations a Transformer layer applies when given by name; `owner` names
// the layer in error messages.
std::unique_ptr<Kernel> make_function_kernel(const nn::Module& owner, bool gelu);

}  // namespace nninit::engine::detail
