#include "nninit/engine/ops/gemm.h"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "nninit/engine/engine_test_support.h"
#include "nninit/engine/ops/conv_im2col.h"

namespace nninit::engine {
namespace {

std::vector<float> random_values(std::size_t n, TorchGenerator& generator) {
  const Tensor t = testing::randn({static_cast<std::int64_t>(n)}, generator);
  return std::vector<float>(t.data_ptr<float>(), t.data_ptr<float>() + n);
}

// BLAS against the double-precision loops, every transpose combination, strided leading dimensions
// (a sub-matrix of a wider buffer), alpha and beta.
TEST(Gemm, MatchesReferenceForEveryTransposeAndStride) {
  TorchGenerator generator(7);
  const std::int64_t m = 13, n = 9, k = 37, pad = 3;
  for (Transpose ta : {Transpose::no, Transpose::yes}) {
    for (Transpose tb : {Transpose::no, Transpose::yes}) {
      const std::int64_t lda = (ta == Transpose::no ? k : m) + pad, ldb = (tb == Transpose::no ? n : k) + pad;
      const std::int64_t ldc = n + pad;
      const std::vector<float> a =
          random_values(static_cast<std::size_t>((ta == Transpose::no ? m : k) * lda), generator);
      const std::vector<float> b =
          random_values(static_cast<std::size_t>((tb == Transpose::no ? k : n) * ldb), generator);
      std::vector<float> c = random_values(static_cast<std::size_t>(m * ldc), generator);
      std::vector<float> expected = c;
      gemm(ta, tb, m, n, k, 0.5f, a.data(), lda, b.data(), ldb, 2.0f, c.data(), ldc);
      gemm_reference(ta, tb, m, n, k, 0.5f, a.data(), lda, b.data(), ldb, 2.0f, expected.data(), ldc);
      for (std::int64_t i = 0; i < m; ++i) {
        for (std::int64_t j = 0; j < ldc; ++j) {
          const std::size_t at = static_cast<std::size_t>(i * ldc + j);
          // float32 with 37-term sums: a few ulps of the terms' magnitude (about 6 here).
          EXPECT_NEAR(c[at], expected[at], 1e-5) << "row " << i << " column " << j;
        }
      }
    }
  }
}

TEST(Gemm, EmptyReductionScalesByBeta) {
  std::vector<float> c{1.0f, NAN, 3.0f};
  gemm(Transpose::no, Transpose::no, 1, 3, 0, 1.0f, nullptr, 1, nullptr, 3, 0.0f, c.data(), 3);
  EXPECT_EQ(c, (std::vector<float>{0.0f, 0.0f, 0.0f}));  // beta == 0 overwrites, NaN included
  c = {1.0f, 2.0f, 3.0f};
  gemm(Transpose::no, Transpose::no, 1, 3, 0, 1.0f, nullptr, 1, nullptr, 3, 2.0f, c.data(), 3);
  EXPECT_EQ(c, (std::vector<float>{2.0f, 4.0f, 6.0f}));
}

struct ConvCase {
  int dims;
  std::int64_t batch, in_channels, out_channels, groups;
  std::int64_t size, kernel, stride, dilation, padding;
};

ConvGeometry geometry(const ConvCase& c, bool transposed) {
  ConvGeometry g;
  g.batch = c.batch;
  g.groups = c.groups;
  g.image_channels = transposed ? c.out_channels : c.in_channels;
  g.column_channels = transposed ? c.in_channels : c.out_channels;
  for (int d = 3 - c.dims; d < 3; ++d) {
    g.kernel[d] = c.kernel + (d == 2 && c.kernel > 1 ? 1 : 0);  // uneven kernels (1 stays pointwise)
    g.stride[d] = c.stride;
    g.dilation[d] = c.dilation;
    g.pad_before[d] = c.padding;
    const std::int64_t size = c.size + d;  // uneven sizes
    if (transposed) {
      g.columns[d] = size;
      g.image[d] = conv_transpose_output_size(size, g.kernel[d], c.stride, c.dilation, c.padding, 0);
    } else {
      g.image[d] = size;
      g.columns[d] = conv_output_size(size, g.kernel[d], c.stride, c.dilation, c.padding, c.padding);
    }
  }
  return g;
}

double dot(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) s += static_cast<double>(a[i]) * b[i];
  return s;
}

class ConvolutionTest : public ::testing::TestWithParam<ConvCase> {};

// The im2col + GEMM convolution equals direct loops in double, and its backward is its adjoint: for the
// bilinear map y = conv(x, w), <dy, y> = <dx, x> = <dw, w> with dx, dw from conv_backward(dy).
TEST_P(ConvolutionTest, ForwardMatchesLoopsAndBackwardIsTheAdjoint) {
  const ConvCase c = GetParam();
  TorchGenerator generator(11);
  for (bool transposed : {false, true}) {
    const ConvGeometry g = geometry(c, transposed);
    const std::int64_t x_size =
        c.batch * (transposed ? g.column_channels * g.column_numel() : g.image_channels * g.image_numel());
    const std::int64_t y_size =
        c.batch * (transposed ? g.image_channels * g.image_numel() : g.column_channels * g.column_numel());
    const std::int64_t w_size = c.in_channels * (c.out_channels / c.groups) * g.kernel_numel();
    const std::vector<float> x = random_values(static_cast<std::size_t>(x_size), generator);
    const std::vector<float> w = random_values(static_cast<std::size_t>(w_size), generator);
    const std::vector<float> bias = random_values(static_cast<std::size_t>(c.out_channels), generator);
    std::vector<float> y(static_cast<std::size_t>(y_size)), expected(y.size());
    if (transposed) {
      conv_transpose_forward(g, x.data(), w.data(), bias.data(), y.data());
      conv_transpose_forward_reference(g, x.data(), w.data(), bias.data(), expected.data());
    } else {
      conv_forward(g, x.data(), w.data(), bias.data(), y.data());
      conv_forward_reference(g, x.data(), w.data(), bias.data(), expected.data());
    }
    for (std::size_t i = 0; i < y.size(); ++i)
      ASSERT_NEAR(y[i], expected[i], 2e-5) << "transposed " << transposed << " at " << i;

    const std::vector<float> dy = random_values(y.size(), generator);
    std::vector<float> dx(x.size()), dw(w.size(), 0.0f), db(bias.size(), 0.0f), y0(y.size());
    if (transposed) {
      conv_transpose_forward(g, x.data(), w.data(), nullptr, y0.data());
      conv_transpose_backward(g, x.data(), w.data(), dy.data(), dx.data(), dw.data(), db.data());
    } else {
      conv_forward(g, x.data(), w.data(), nullptr, y0.data());
      conv_backward(g, x.data(), w.data(), dy.data(), dx.data(), dw.data(), db.data());
    }
    const double reference = dot(dy, y0);
    EXPECT_NEAR(dot(dx, x), reference, 1e-4 * (1.0 + std::fabs(reference)));
    EXPECT_NEAR(dot(dw, w), reference, 1e-4 * (1.0 + std::fabs(reference)));
    double bias_sum = 0.0;
    for (float v : db) bias_sum += v;
    double dy_sum = 0.0;
    for (float v : dy) dy_sum += v;
    EXPECT_NEAR(bias_sum, dy_sum, 1e-3);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Geometries, ConvolutionTest,
    ::testing::Values(ConvCase{1, 2, 3, 4, 1, 9, 3, 1, 1, 0}, ConvCase{1, 1, 4, 6, 2, 11, 2, 2, 3, 2},
                      ConvCase{2, 2, 3, 4, 1, 6, 3, 1, 1, 1}, ConvCase{2, 2, 6, 4, 2, 7, 2, 2, 2, 1},
                      ConvCase{2, 1, 4, 4, 4, 5, 1, 1, 1, 0}, ConvCase{3, 2, 2, 3, 1, 4, 2, 1, 1, 1},
                      ConvCase{3, 1, 4, 2, 2, 5, 2, 2, 1, 0}));

}  // namespace
}  // namespace nninit::engine
