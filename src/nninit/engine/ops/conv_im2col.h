// Convolution and transposed convolution in float32 for 1, 2 and 3 spatial dimensions, through im2col +
// GEMM (BLAS), with their gradients. 1-d and 2-d problems are 3-d problems whose leading spatial sizes
// are 1. Layouts are PyTorch's, contiguous:
//
//   Conv:            x (N, C, *in)   weight (O, C/G, *k)  y (N, O, *out)
//   ConvTranspose:   x (N, C, *in)   weight (C, O/G, *k)  y (N, O, *out)
//
// A convolution reads, for output position o and kernel offset j, the input at o*stride - pad + j*dilation
// (zero outside the input). A transposed convolution is the adjoint of that map: its output is the
// "image" side and its input the "columns" side of the same geometry.
#pragma once

#include <array>
#include <cstdint>

namespace nninit::engine {

using Sizes3 = std::array<std::int64_t, 3>;

// One convolution problem. `image` is the convolution's input (the transposed convolution's output),
// `columns` the convolution's output positions (the transposed convolution's input).
struct ConvGeometry {
  std::int64_t batch = 1;
  std::int64_t image_channels = 0;   // C for a convolution, O for a transposed one
  std::int64_t column_channels = 0;  // O for a convolution, C for a transposed one
  std::int64_t groups = 1;
  Sizes3 image{1, 1, 1};
  Sizes3 columns{1, 1, 1};
  Sizes3 kernel{1, 1, 1};
  Sizes3 stride{1, 1, 1};
  Sizes3 dilation{1, 1, 1};
  Sizes3 pad_before{0, 0, 0};  // padding at the start of each dimension (the end's only changes `columns`)

  std::int64_t image_numel() const { return image[0] * image[1] * image[2]; }
  std::int64_t column_numel() const { return columns[0] * columns[1] * columns[2]; }
  std::int64_t kernel_numel() const { return kernel[0] * kernel[1] * kernel[2]; }
  // Whether im2col is the identity (1x1 kernel, stride 1, no padding).
  bool is_pointwise() const;
};

// Output size of a convolution along one dimension, as PyTorch computes it (may be <= 0: an error for the
// caller to report).
std::int64_t conv_output_size(std::int64_t input, std::int64_t kernel, std::int64_t stride,
                              std::int64_t dilation, std::int64_t pad_before, std::int64_t pad_after);
std::int64_t conv_transpose_output_size(std::int64_t input, std::int64_t kernel, std::int64_t stride,
                                        std::int64_t dilation, std::int64_t padding,
                                        std::int64_t output_padding);

// col (channels * kernel_numel, column_numel) from image (channels, *image). Row r of col starts at
// col + r * ld (ld >= column_numel; the default packs the rows).
void im2col(const ConvGeometry& g, std::int64_t channels, const float* image, float* col,
            std::int64_t ld = 0);
// image (channels, *image) += the adjoint of im2col applied to col (rows ld apart, as above).
void col2im_add(const ConvGeometry& g, std::int64_t channels, const float* col, float* image,
                std::int64_t ld = 0);

// The passes below run one GEMM per group for a chunk of samples at once (their columns side by side), so
// that BLAS sees large matrices; chunks keep the column buffer near 32 MiB.
//
// y = conv(x, weight) + bias; bias may be null.
void conv_forward(const ConvGeometry& g, const float* x, const float* weight, const float* bias, float* y);
// Given dy: dx = (null to skip), weight_grad += , bias_grad += (null to skip).
void conv_backward(const ConvGeometry& g, const float* x, const float* weight, const float* dy, float* dx,
                   float* weight_grad, float* bias_grad);

void conv_transpose_forward(const ConvGeometry& g, const float* x, const float* weight, const float* bias,
                            float* y);
void conv_transpose_backward(const ConvGeometry& g, const float* x, const float* weight, const float* dy,
                             float* dx, float* weight_grad, float* bias_grad);

// Direct loops in double, for tests: y = conv(x, weight) + bias.
void conv_forward_reference(const ConvGeometry& g, const float* x, const float* weight, const float* bias,
                            float* y);
void conv_transpose_forward_reference(const ConvGeometry& g, const float* x, const float* weight,
                                      const float* bias, float* y);

}  // namespace nninit::engine
