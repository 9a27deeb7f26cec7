#include "nninit/engine/ops/conv_im2col.h"

#include <algorithm>
#include <vector>

#include "nninit/core/error.h"
#include "nninit/engine/buffer_pool.h"
#include "nninit/engine/ops/gemm.h"

namespace nninit::engine {
namespace {

// Shape legend for the loops below: C channels of one group on the image side, K = kernel_numel,
// P = column_numel (output positions of the convolution), I = image_numel.
struct GroupSizes {
  std::int64_t image_channels;   // per group
  std::int64_t column_channels;  // per group
  std::int64_t kernel;           // K
  std::int64_t columns;          // P
  std::int64_t image;            // I
};

GroupSizes group_sizes(const ConvGeometry& g) {
  return {g.image_channels / g.groups, g.column_channels / g.groups, g.kernel_numel(), g.column_numel(),
          g.image_numel()};
}

// Calls visit(image_offset, col_offset, w0) for every (channel, kernel offset, column row), where a column
// row is the run of `columns[2]` outputs along the last dimension: image_offset is the start of the matching
// input row (-1 when that row lies in the padding), col_offset the start of the column row in a column
// matrix whose rows are `ld` apart, and w0 the input position of the row's first output.
template <class Visit>
void for_each_row(const ConvGeometry& g, std::int64_t channels, std::int64_t ld, Visit&& visit) {
  const std::int64_t image_plane = g.image[1] * g.image[2];
  std::int64_t row = 0;
  for (std::int64_t c = 0; c < channels; ++c) {
    for (std::int64_t kd = 0; kd < g.kernel[0]; ++kd) {
      for (std::int64_t kh = 0; kh < g.kernel[1]; ++kh) {
        for (std::int64_t kw = 0; kw < g.kernel[2]; ++kw, ++row) {
          std::int64_t column_row = 0;
          for (std::int64_t od = 0; od < g.columns[0]; ++od) {
            const std::int64_t id = od * g.stride[0] - g.pad_before[0] + kd * g.dilation[0];
            for (std::int64_t oh = 0; oh < g.columns[1]; ++oh, ++column_row) {
              const std::int64_t ih = oh * g.stride[1] - g.pad_before[1] + kh * g.dilation[1];
              const bool inside = id >= 0 && id < g.image[0] && ih >= 0 && ih < g.image[1];
              const std::int64_t image_offset =
                  c * g.image[0] * image_plane + id * image_plane + ih * g.image[2];
              visit(inside ? image_offset : -1, row * ld + column_row * g.columns[2],
                    kw * g.dilation[2] - g.pad_before[2]);
            }
          }
        }
      }
    }
  }
}

void add_bias(const float* bias, std::int64_t channels, std::int64_t positions, float* out) {
  for (std::int64_t c = 0; c < channels; ++c) {
    float* row = out + c * positions;
    for (std::int64_t p = 0; p < positions; ++p) row[p] += bias[c];
  }
}

void add_row_sums(const float* values, std::int64_t channels, std::int64_t positions, float* sums) {
  for (std::int64_t c = 0; c < channels; ++c) {
    const float* row = values + c * positions;
    float s = 0.0f;
    for (std::int64_t p = 0; p < positions; ++p) s += row[p];
    sums[c] += s;
  }
}

// A scratch float buffer from the pool (buffer_pool.h): the passes run step after step with the same sizes.
class Buffer {
 public:
  explicit Buffer(std::int64_t n) : tensor_(pooled_empty({n})) {}
  float* data() const { return tensor_.data_ptr<float>(); }

 private:
  Tensor tensor_;
};

// Samples per chunk: the column buffer (rows x chunk * positions floats) stays near 32 MiB.
std::int64_t chunk_size(std::int64_t batch, std::int64_t rows, std::int64_t positions) {
  constexpr std::int64_t budget = std::int64_t{8} << 20;  // floats
  const std::int64_t per_sample = std::max<std::int64_t>(rows * positions, 1);
  return std::clamp<std::int64_t>(budget / per_sample, 1, std::max<std::int64_t>(batch, 1));
}

// Between sample-major blocks (sample n's `channels` rows of `positions` at base + n * sample_stride) and a
// matrix whose row c holds the samples side by side (row length count * positions).
void gather(const float* base, std::int64_t sample_stride, std::int64_t count, std::int64_t channels,
            std::int64_t positions, float* matrix) {
  for (std::int64_t n = 0; n < count; ++n)
    for (std::int64_t c = 0; c < channels; ++c)
      std::copy_n(base + n * sample_stride + c * positions, positions, matrix + (c * count + n) * positions);
}
void scatter(const float* matrix, std::int64_t count, std::int64_t channels, std::int64_t positions,
             float* base, std::int64_t sample_stride) {
  for (std::int64_t n = 0; n < count; ++n)
    for (std::int64_t c = 0; c < channels; ++c)
      std::copy_n(matrix + (c * count + n) * positions, positions, base + n * sample_stride + c * positions);
}

}  // namespace

bool ConvGeometry::is_pointwise() const {
  for (int i = 0; i < 3; ++i) {
    if (kernel[i] != 1 || stride[i] != 1 || pad_before[i] != 0 || columns[i] != image[i]) return false;
  }
  return true;
}

namespace {

// a + b, a - b and a * b for sizes that come from a model's arguments, which may be as large as int64
// allows: a result past int64 is an error, never a wrapped size (signed overflow is undefined behaviour).
[[noreturn]] void size_out_of_range() {
  throw RuntimeError("convolution: the calculated output size is out of the range of a 64-bit integer");
}
std::int64_t add(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) size_out_of_range();
  return r;
}
std::int64_t subtract(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (__builtin_sub_overflow(a, b, &r)) size_out_of_range();
  return r;
}
std::int64_t multiply(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) size_out_of_range();
  return r;
}

}  // namespace

std::int64_t conv_output_size(std::int64_t input, std::int64_t kernel, std::int64_t stride,
                              std::int64_t dilation, std::int64_t pad_before, std::int64_t pad_after) {
  const std::int64_t padded = add(add(input, pad_before), pad_after);
  const std::int64_t span = subtract(subtract(padded, multiply(dilation, kernel - 1)), 1);
  return span < 0 ? 0 : span / stride + 1;
}

std::int64_t conv_transpose_output_size(std::int64_t input, std::int64_t kernel, std::int64_t stride,
                                        std::int64_t dilation, std::int64_t padding,
                                        std::int64_t output_padding) {
  const std::int64_t stretched = subtract(multiply(input - 1, stride), multiply(2, padding));
  return add(add(add(stretched, multiply(dilation, kernel - 1)), output_padding), 1);
}

void im2col(const ConvGeometry& g, std::int64_t channels, const float* image, float* col, std::int64_t ld) {
  const std::int64_t width = g.image[2];
  for_each_row(g, channels, ld > 0 ? ld : g.column_numel(),
               [&](std::int64_t image_offset, std::int64_t col_offset, std::int64_t w0) {
                 float* out = col + col_offset;
                 if (image_offset < 0) {
                   std::fill(out, out + g.columns[2], 0.0f);
                   return;
                 }
                 const float* in = image + image_offset;
                 if (g.stride[2] == 1 && w0 >= 0 && w0 + g.columns[2] <= width) {
                   std::copy(in + w0, in + w0 + g.columns[2], out);
                   return;
                 }
                 for (std::int64_t ow = 0, iw = w0; ow < g.columns[2]; ++ow, iw += g.stride[2]) {
                   out[ow] = iw >= 0 && iw < width ? in[iw] : 0.0f;
                 }
               });
}

void col2im_add(const ConvGeometry& g, std::int64_t channels, const float* col, float* image,
                std::int64_t ld) {
  const std::int64_t width = g.image[2];
  for_each_row(g, channels, ld > 0 ? ld : g.column_numel(),
               [&](std::int64_t image_offset, std::int64_t col_offset, std::int64_t w0) {
                 if (image_offset < 0) return;
                 const float* in = col + col_offset;
                 float* out = image + image_offset;
                 for (std::int64_t ow = 0, iw = w0; ow < g.columns[2]; ++ow, iw += g.stride[2]) {
                   if (iw >= 0 && iw < width) out[iw] += in[ow];
                 }
               });
}

// Shape legend for one group and a chunk of `count` samples: Ci/Co image/column channels of the group,
// K = kernel_numel, P = column_numel, I = image_numel, W = count * P.
//   conv:       cols (Ci K, W) = im2col(x);  Y (Co, W) = weight_g (Co, Ci K) cols
//   transposed: X (Co, W) gathered from x;  cols (Ci K, W) = weight_g^T X;  y = col2im(cols)
void conv_forward(const ConvGeometry& g, const float* x, const float* weight, const float* bias, float* y) {
  const GroupSizes s = group_sizes(g);
  const std::int64_t reduction = s.image_channels * s.kernel;
  const std::int64_t chunk = chunk_size(g.batch, reduction + s.column_channels, s.columns);
  Buffer cols(reduction * chunk * s.columns);
  Buffer out(s.column_channels * chunk * s.columns);
  for (std::int64_t n0 = 0; n0 < g.batch; n0 += chunk) {
    const std::int64_t count = std::min(chunk, g.batch - n0), width = count * s.columns;
    for (std::int64_t grp = 0; grp < g.groups; ++grp) {
      const float* xg = x + (n0 * g.image_channels + grp * s.image_channels) * s.image;
      for (std::int64_t n = 0; n < count; ++n) {
        const float* image = xg + n * g.image_channels * s.image;
        if (g.is_pointwise()) {
          for (std::int64_t c = 0; c < s.image_channels; ++c)
            std::copy_n(image + c * s.image, s.image, cols.data() + c * width + n * s.columns);
        } else {
          im2col(g, s.image_channels, image, cols.data() + n * s.columns, width);
        }
      }
      gemm(Transpose::no, Transpose::no, s.column_channels, width, reduction, 1.0f,
           weight + grp * s.column_channels * reduction, reduction, cols.data(), width, 0.0f, out.data(),
           width);
      float* yg = y + (n0 * g.column_channels + grp * s.column_channels) * s.columns;
      scatter(out.data(), count, s.column_channels, s.columns, yg, g.column_channels * s.columns);
      if (bias) {
        for (std::int64_t n = 0; n < count; ++n)
          add_bias(bias + grp * s.column_channels, s.column_channels, s.columns,
                   yg + n * g.column_channels * s.columns);
      }
    }
  }
}

void conv_backward(const ConvGeometry& g, const float* x, const float* weight, const float* dy, float* dx,
                   float* weight_grad, float* bias_grad) {
  const GroupSizes s = group_sizes(g);
  const std::int64_t reduction = s.image_channels * s.kernel;
  const std::int64_t chunk = chunk_size(g.batch, reduction + s.column_channels, s.columns);
  Buffer cols(reduction * chunk * s.columns);
  Buffer dout(s.column_channels * chunk * s.columns);
  if (dx) std::fill_n(dx, g.batch * g.image_channels * s.image, 0.0f);
  for (std::int64_t n0 = 0; n0 < g.batch; n0 += chunk) {
    const std::int64_t count = std::min(chunk, g.batch - n0), width = count * s.columns;
    for (std::int64_t grp = 0; grp < g.groups; ++grp) {
      const std::int64_t x_offset = (n0 * g.image_channels + grp * s.image_channels) * s.image;
      const float* dyg = dy + (n0 * g.column_channels + grp * s.column_channels) * s.columns;
      const float* wg = weight + grp * s.column_channels * reduction;
      gather(dyg, g.column_channels * s.columns, count, s.column_channels, s.columns, dout.data());
      if (weight_grad) {
        for (std::int64_t n = 0; n < count; ++n)
          im2col(g, s.image_channels, x + x_offset + n * g.image_channels * s.image,
                 cols.data() + n * s.columns, width);
        gemm(Transpose::no, Transpose::yes, s.column_channels, reduction, width, 1.0f, dout.data(), width,
             cols.data(), width, 1.0f, weight_grad + grp * s.column_channels * reduction, reduction);
      }
      if (dx) {
        gemm(Transpose::yes, Transpose::no, reduction, width, s.column_channels, 1.0f, wg, reduction,
             dout.data(), width, 0.0f, cols.data(), width);
        for (std::int64_t n = 0; n < count; ++n)
          col2im_add(g, s.image_channels, cols.data() + n * s.columns,
                     dx + x_offset + n * g.image_channels * s.image, width);
      }
      if (bias_grad) {
        for (std::int64_t n = 0; n < count; ++n)
          add_row_sums(dyg + n * g.column_channels * s.columns, s.column_channels, s.columns,
                       bias_grad + grp * s.column_channels);
      }
    }
  }
}

void conv_transpose_forward(const ConvGeometry& g, const float* x, const float* weight, const float* bias,
                            float* y) {
  const GroupSizes s = group_sizes(g);
  const std::int64_t rows = s.image_channels * s.kernel;  // Og * K
  const std::int64_t chunk = chunk_size(g.batch, rows + s.column_channels, s.columns);
  Buffer cols(rows * chunk * s.columns);
  Buffer in(s.column_channels * chunk * s.columns);
  std::fill_n(y, g.batch * g.image_channels * s.image, 0.0f);
  for (std::int64_t n0 = 0; n0 < g.batch; n0 += chunk) {
    const std::int64_t count = std::min(chunk, g.batch - n0), width = count * s.columns;
    for (std::int64_t grp = 0; grp < g.groups; ++grp) {
      gather(x + (n0 * g.column_channels + grp * s.column_channels) * s.columns,
             g.column_channels * s.columns, count, s.column_channels, s.columns, in.data());
      gemm(Transpose::yes, Transpose::no, rows, width, s.column_channels, 1.0f,
           weight + grp * s.column_channels * rows, rows, in.data(), width, 0.0f, cols.data(), width);
      for (std::int64_t n = 0; n < count; ++n) {
        float* yg = y + ((n0 + n) * g.image_channels + grp * s.image_channels) * s.image;
        col2im_add(g, s.image_channels, cols.data() + n * s.columns, yg, width);
        if (bias) add_bias(bias + grp * s.image_channels, s.image_channels, s.image, yg);
      }
    }
  }
}

void conv_transpose_backward(const ConvGeometry& g, const float* x, const float* weight, const float* dy,
                             float* dx, float* weight_grad, float* bias_grad) {
  const GroupSizes s = group_sizes(g);
  const std::int64_t rows = s.image_channels * s.kernel;
  const std::int64_t chunk = chunk_size(g.batch, rows + s.column_channels, s.columns);
  Buffer cols(rows * chunk * s.columns);
  Buffer in(s.column_channels * chunk * s.columns);
  for (std::int64_t n0 = 0; n0 < g.batch; n0 += chunk) {
    const std::int64_t count = std::min(chunk, g.batch - n0), width = count * s.columns;
    for (std::int64_t grp = 0; grp < g.groups; ++grp) {
      const std::int64_t x_offset = (n0 * g.column_channels + grp * s.column_channels) * s.columns;
      const float* wg = weight + grp * s.column_channels * rows;
      for (std::int64_t n = 0; n < count; ++n) {
        const float* dyg = dy + ((n0 + n) * g.image_channels + grp * s.image_channels) * s.image;
        im2col(g, s.image_channels, dyg, cols.data() + n * s.columns, width);
        if (bias_grad) add_row_sums(dyg, s.image_channels, s.image, bias_grad + grp * s.image_channels);
      }
      if (dx) {
        gemm(Transpose::no, Transpose::no, s.column_channels, width, rows, 1.0f, wg, rows, cols.data(), width,
             0.0f, in.data(), width);
        scatter(in.data(), count, s.column_channels, s.columns, dx + x_offset, g.column_channels * s.columns);
      }
      if (weight_grad) {
        gather(x + x_offset, g.column_channels * s.columns, count, s.column_channels, s.columns, in.data());
        gemm(Transpose::no, Transpose::yes, s.column_channels, rows, width, 1.0f, in.data(), width,
             cols.data(), width, 1.0f, weight_grad + grp * s.column_channels * rows, rows);
      }
    }
  }
}

namespace {

// Calls visit(image_index, column_index, weight_index_within_channel_pair) for every tap that lands inside
// the image, for one (image channel, column channel) pair; indices are within one channel.
template <class Visit>
void for_each_tap(const ConvGeometry& g, Visit&& visit) {
  for (std::int64_t od = 0; od < g.columns[0]; ++od)
    for (std::int64_t oh = 0; oh < g.columns[1]; ++oh)
      for (std::int64_t ow = 0; ow < g.columns[2]; ++ow)
        for (std::int64_t kd = 0; kd < g.kernel[0]; ++kd)
          for (std::int64_t kh = 0; kh < g.kernel[1]; ++kh)
            for (std::int64_t kw = 0; kw < g.kernel[2]; ++kw) {
              const std::int64_t id = od * g.stride[0] - g.pad_before[0] + kd * g.dilation[0];
              const std::int64_t ih = oh * g.stride[1] - g.pad_before[1] + kh * g.dilation[1];
              const std::int64_t iw = ow * g.stride[2] - g.pad_before[2] + kw * g.dilation[2];
              if (id < 0 || ih < 0 || iw < 0 || id >= g.image[0] || ih >= g.image[1] || iw >= g.image[2])
                continue;
              visit((id * g.image[1] + ih) * g.image[2] + iw, (od * g.columns[1] + oh) * g.columns[2] + ow,
                    (kd * g.kernel[1] + kh) * g.kernel[2] + kw);
            }
}

}  // namespace

void conv_forward_reference(const ConvGeometry& g, const float* x, const float* weight, const float* bias,
                            float* y) {
  const GroupSizes s = group_sizes(g);
  std::vector<double> acc(static_cast<std::size_t>(s.columns));
  for (std::int64_t n = 0; n < g.batch; ++n) {
    for (std::int64_t o = 0; o < g.column_channels; ++o) {
      const std::int64_t grp = o / s.column_channels;
      std::fill(acc.begin(), acc.end(), bias ? static_cast<double>(bias[o]) : 0.0);
      for (std::int64_t c = 0; c < s.image_channels; ++c) {
        const float* xc = x + (n * g.image_channels + grp * s.image_channels + c) * s.image;
        const float* wc = weight + (o * s.image_channels + c) * s.kernel;
        for_each_tap(g, [&](std::int64_t i, std::int64_t p, std::int64_t k) {
          acc[static_cast<std::size_t>(p)] += static_cast<double>(xc[i]) * wc[k];
        });
      }
      float* yo = y + (n * g.column_channels + o) * s.columns;
      for (std::int64_t p = 0; p < s.columns; ++p)
        yo[p] = static_cast<float>(acc[static_cast<std::size_t>(p)]);
    }
  }
}

void conv_transpose_forward_reference(const ConvGeometry& g, const float* x, const float* weight,
                                      const float* bias, float* y) {
  const GroupSizes s = group_sizes(g);
  std::vector<double> acc(static_cast<std::size_t>(s.image));
  for (std::int64_t n = 0; n < g.batch; ++n) {
    for (std::int64_t o = 0; o < g.image_channels; ++o) {
      const std::int64_t grp = o / s.image_channels;
      std::fill(acc.begin(), acc.end(), bias ? static_cast<double>(bias[o]) : 0.0);
      for (std::int64_t c = 0; c < s.column_channels; ++c) {
        const std::int64_t channel = grp * s.column_channels + c;
        const float* xc = x + (n * g.column_channels + channel) * s.columns;
        const float* wc = weight + (channel * s.image_channels + (o - grp * s.image_channels)) * s.kernel;
        for_each_tap(g, [&](std::int64_t i, std::int64_t p, std::int64_t k) {
          acc[static_cast<std::size_t>(i)] += static_cast<double>(xc[p]) * wc[k];
        });
      }
      float* yo = y + (n * g.image_channels + o) * s.image;
      for (std::int64_t i = 0; i < s.image; ++i) yo[i] = static_cast<float>(acc[static_cast<std::size_t>(i)]);
    }
  }
}

}  // namespace nninit::engine
