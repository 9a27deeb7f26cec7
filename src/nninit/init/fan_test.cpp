#include "nninit/init/fan.h"

#include <cmath>

#include <gtest/gtest.h>

#include "nninit/core/error.h"

namespace nninit::init {
namespace {

TEST(CalculateGain, MatchesPyTorchsTable) {
  for (auto nl : {Nonlinearity::linear, Nonlinearity::conv1d, Nonlinearity::conv2d, Nonlinearity::conv3d,
                  Nonlinearity::conv_transpose1d, Nonlinearity::conv_transpose2d,
                  Nonlinearity::conv_transpose3d, Nonlinearity::sigmoid}) {
    EXPECT_EQ(calculate_gain(nl), 1.0) << nonlinearity_name(nl);
  }
  EXPECT_EQ(calculate_gain(Nonlinearity::tanh), 5.0 / 3);
  EXPECT_EQ(calculate_gain(Nonlinearity::relu), std::sqrt(2.0));
  EXPECT_EQ(calculate_gain(Nonlinearity::selu), 0.75);
  EXPECT_EQ(calculate_gain(Nonlinearity::leaky_relu), std::sqrt(2.0 / (1 + 0.01 * 0.01)));
  // torch.nn.init.calculate_gain('leaky_relu', math.sqrt(5)) == 0.5773502691896257 (PyTorch 1.13, 2.14).
  EXPECT_EQ(calculate_gain(Nonlinearity::leaky_relu, std::sqrt(5.0)), 0.5773502691896257);
}

TEST(Fans, LinearAndConvolutionLayouts) {
  EXPECT_EQ(calculate_fan_in_and_fan_out(Tensor::empty({256, 784})).fan_in, 784);
  EXPECT_EQ(calculate_fan_in_and_fan_out(Tensor::empty({256, 784})).fan_out, 256);
  const Fans conv = calculate_fan_in_and_fan_out(Tensor::empty({64, 3, 3, 5}));
  EXPECT_EQ(conv.fan_in, 3 * 15);
  EXPECT_EQ(conv.fan_out, 64 * 15);
  EXPECT_EQ(calculate_correct_fan(Tensor::empty({8, 4, 2, 2, 2}), FanMode::fan_out), 64);
}

TEST(Fans, FewerThanTwoDimensionsIsAnError) {
  try {
    calculate_fan_in_and_fan_out(Tensor::empty({5}), "kaiming_uniform_");
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_STREQ(
        e.what(),
        "kaiming_uniform_: Fan in and fan out can not be computed for tensor with fewer than 2 dimensions");
  }
  EXPECT_THROW(calculate_fan_in_and_fan_out(Tensor::empty({})), ValueError);
}

TEST(ReferenceStds, LinearShape) {
  const ReferenceStds r = reference_stds(Tensor::empty({256, 784}));
  EXPECT_DOUBLE_EQ(r.kaiming_relu, std::sqrt(2.0 / 784));
  EXPECT_DOUBLE_EQ(r.xavier, std::sqrt(2.0 / (784 + 256)));
  EXPECT_DOUBLE_EQ(r.pytorch_default, 1.0 / std::sqrt(3.0 * 784));
  EXPECT_TRUE(std::isnan(reference_stds(Tensor::empty({5})).xavier));
}

}  // namespace
}  // namespace nninit::init
