#include "nninit/init/init.h"

#include <cmath>
#include <cstring>

#include <gtest/gtest.h>

#include "nninit/core/error.h"
#include "nninit/core/warning.h"

namespace nninit::init {
namespace {

std::uint64_t words_drawn(const TorchGenerator& g) {
  const auto state = g.get_state();
  std::uint64_t next;
  std::memcpy(&next, state.data() + 16, 8);
  return next;
}

TEST(Init, KaimingUniformBoundMatchesLinearDefault) {
  // Linear's reset_parameters: kaiming_uniform_(a=sqrt(5)) gives bound 1/sqrt(fan_in); for fan_in = 4 the
  // bound is 0.5 and the draws equal uniform_(-0.5, 0.5).
  TorchGenerator g(0);
  Tensor w = Tensor::empty({3, 4});
  kaiming_uniform_(w, {.a = std::sqrt(5.0)}, g);
  TorchGenerator h(0);
  Tensor u = Tensor::empty({3, 4});
  h.uniform_(u, -0.5, 0.5);
  EXPECT_EQ(w.to_doubles(), u.to_doubles());
}

TEST(Init, KaimingOnZeroSizeWarnsAndDrawsNothing) {
  TorchGenerator g(1);
  Tensor w = Tensor::empty({0, 4});
  ScopedWarningCapture capture;
  kaiming_normal_(w, {}, g);
  ASSERT_EQ(capture.warnings().size(), 1u);
  EXPECT_EQ(capture.warnings()[0].message, "Initializing zero-element tensors is a no-op");
  EXPECT_EQ(words_drawn(g), 0u);
  // The zero-size check comes first: a 1-D empty tensor warns instead of failing on its fans.
  Tensor v = Tensor::empty({0});
  kaiming_uniform_(v, {}, g);
  EXPECT_EQ(capture.warnings().size(), 2u);
  EXPECT_THROW(kaiming_uniform_(Tensor::empty({3}), {}, g), ValueError);
}

TEST(Init, XavierOnEmptyMatrixDividesByZero) {
  EXPECT_THROW(xavier_uniform_(Tensor::empty({0, 0})), ZeroDivisionError);
  // (0, 5) has fan_in + fan_out = 5: no error, no draws.
  TorchGenerator g(0);
  xavier_normal_(Tensor::empty({0, 5}), {}, g);
  EXPECT_EQ(words_drawn(g), 0u);
}

TEST(Init, EyeOnRectangularMatrices) {
  Tensor t = Tensor::full({3, 5}, 7.0);
  eye_(t);
  for (std::int64_t i = 0; i < 3; ++i) {
    for (std::int64_t j = 0; j < 5; ++j) EXPECT_EQ(t.at({i, j}), i == j ? 1.0 : 0.0);
  }
  EXPECT_THROW(eye_(Tensor::empty({2, 2, 2})), ValueError);
}

TEST(Init, DiracWithGroups) {
  Tensor t = Tensor::full({6, 2, 3, 3}, 5.0);
  dirac_(t, {.groups = 3});
  double sum = 0;
  for (double v : t.to_doubles()) sum += v;
  EXPECT_EQ(sum, 6.0);  // 3 groups x min(2, 2) ones
  EXPECT_EQ(t.at({0, 0, 1, 1}), 1.0);
  EXPECT_EQ(t.at({1, 1, 1, 1}), 1.0);
  EXPECT_EQ(t.at({2, 0, 1, 1}), 1.0);
  EXPECT_EQ(t.at({5, 1, 1, 1}), 1.0);
  EXPECT_THROW(dirac_(Tensor::empty({5, 2, 3}), {.groups = 2}), ValueError);
  EXPECT_THROW(dirac_(Tensor::empty({4, 2}), {}), ValueError);
  EXPECT_THROW(dirac_(Tensor::empty({4, 2, 3}), {.groups = 0}), ZeroDivisionError);
}

TEST(Init, ConstantChecksTheDtypeRange) {
  Tensor h = Tensor::empty({2}, DType::float16);
  try {
    constant_(h, 1e6);
    FAIL();
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("value cannot be converted to type c10::Half without overflow"),
              std::string::npos);
  }
  EXPECT_THROW(constant_(Tensor::empty({2}), 1e39), RuntimeError);
  EXPECT_THROW(constant_(h, 1e6, TorchRelease::of({1, 13})), RuntimeError);
  constant_(h, std::numeric_limits<double>::infinity());  // infinity converts
  EXPECT_TRUE(std::isinf(h.at({0})));
  constant_(h, 0.1);
  EXPECT_EQ(h.data_ptr<Half>()[1].bits, Half(0.1f).bits);
}

TEST(Init, SparseZerosEachColumnAndUsesTheDefaultGeneratorForRandperm) {
  default_generator().manual_seed(11);
  TorchGenerator own(5);
  Tensor t = Tensor::empty({10, 4});
  sparse_(t, {.sparsity = 0.25, .std = 0.01}, own);
  for (std::int64_t c = 0; c < 4; ++c) {
    int zeros = 0;
    for (std::int64_t r = 0; r < 10; ++r) zeros += t.at({r, c}) == 0.0 ? 1 : 0;
    EXPECT_EQ(zeros, 3);  // ceil(0.25 * 10)
  }
  EXPECT_EQ(words_drawn(default_generator()), 4u * 9u);  // one randperm(10) per column
  EXPECT_EQ(words_drawn(own), 40u + 16u);  // normal_ fill path: 40 draws and a redrawn tail of 16
  EXPECT_THROW(sparse_(Tensor::empty({3}), {.sparsity = 0.1}), ValueError);
}

TEST(Init, OrthogonalIsOrthonormalAndDrawsAsPyTorch) {
  for (auto shape : {Shape{6, 4}, Shape{4, 6}, Shape{5, 2, 3}}) {
    TorchGenerator g(3);
    Tensor t = Tensor::empty(shape);
    orthogonal_(t, {.gain = 2.0}, g);
    const std::int64_t rows = shape[0];
    const std::int64_t cols = t.numel() / rows;
    const Tensor m = t.view({rows, cols});
    // The smaller Gram matrix is 4 I.
    const bool by_rows = rows <= cols;
    const std::int64_t k = by_rows ? rows : cols;
    for (std::int64_t i = 0; i < k; ++i) {
      for (std::int64_t j = 0; j < k; ++j) {
        double dot = 0;
        for (std::int64_t l = 0; l < (by_rows ? cols : rows); ++l) {
          dot += by_rows ? m.at({i, l}) * m.at({j, l}) : m.at({l, i}) * m.at({l, j});
        }
        EXPECT_NEAR(dot, i == j ? 4.0 : 0.0, 1e-5);
      }
    }
    // The draws are those of normal_ on a (rows, cols) tensor.
    TorchGenerator h(3);
    h.normal_(Tensor::empty({rows, cols}), 0, 1);
    EXPECT_EQ(g.get_state(), h.get_state());
  }
  EXPECT_THROW(orthogonal_(Tensor::empty({3})), ValueError);
  // "geqrf_cpu" not implemented for 'BFloat16': a RuntimeError in 1.13, a NotImplementedError in 2.14.
  TorchGenerator old(0, {.version = {1, 13}});
  EXPECT_THROW(orthogonal_(Tensor::empty({3, 4}, DType::bfloat16), {}, old), RuntimeError);
  EXPECT_THROW(orthogonal_(Tensor::empty({3, 4}, DType::bfloat16)), NotImplementedError);
}

TEST(Init, TruncNormalWarnsFarFromTheWindow) {
  ScopedWarningCapture capture;
  TorchGenerator g(0);
  trunc_normal_(Tensor::empty({4}), {.mean = 10.0, .std = 1.0, .a = -2.0, .b = 2.0}, g);
  ASSERT_EQ(capture.warnings().size(), 1u);
  EXPECT_NE(capture.warnings()[0].message.find("mean is more than 2 std from [a, b]"), std::string::npos);
  EXPECT_THROW(trunc_normal_(Tensor::empty({4}), {.std = 0.0}, g), ZeroDivisionError);
}

TEST(Init, TruncNormalStaysInsideTheWindowForEveryVersion) {
  for (TorchVersion v : {TorchVersion{1, 13}, TorchVersion{2, 14}}) {
    for (DType dtype : {DType::float32, DType::float64, DType::bfloat16}) {
      TorchGenerator g(9, {.version = v, .capability = TorchCapability::avx2});
      Tensor t = Tensor::empty({300}, dtype);
      trunc_normal_(t, {.mean = 0.5, .std = 1.0, .a = 0.0, .b = 0.8}, g);  // p < 0.3: rejection path in 2.x
      // The window's ends are rounded to the dtype (bfloat16(0.8) = 0.80078125), as in PyTorch.
      const double high = Tensor::full({1}, 0.8, dtype).at({0});
      for (double x : t.to_doubles()) {
        EXPECT_GE(x, 0.0);
        EXPECT_LE(x, high);
      }
    }
  }
}

}  // namespace
}  // namespace nninit::init
