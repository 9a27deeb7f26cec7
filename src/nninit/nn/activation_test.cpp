// Activation, dropout, flatten and pooling modules: reprs, options and errors. Every expected repr is
// what PyTorch 1.13.1 prints, and 2.14.1 prints the same unless a test says otherwise.
#include "nninit/nn/activation.h"

#include <gtest/gtest.h>

#include "nninit/nn/dropout.h"
#include "nninit/nn/flatten.h"
#include "nninit/nn/layer_test_support.h"
#include "nninit/nn/pooling.h"

namespace nninit::nn {
namespace {

using testing::error_of;
using testing::torch_at;

TEST(Activation, Reprs) {
  EXPECT_EQ(ReLU().repr(), "ReLU()");
  EXPECT_EQ(ReLU({.inplace = true}).repr(), "ReLU(inplace=True)");
  EXPECT_EQ(ReLU6().repr(), "ReLU6()");
  EXPECT_EQ(LeakyReLU().repr(), "LeakyReLU(negative_slope=0.01)");
  EXPECT_EQ(LeakyReLU({.negative_slope = 0.2, .inplace = true}).repr(),
            "LeakyReLU(negative_slope=0.2, inplace=True)");
  EXPECT_EQ(ELU().repr(), "ELU(alpha=1.0)");
  EXPECT_EQ(CELU({.alpha = 2.0}).repr(), "CELU(alpha=2.0)");
  EXPECT_EQ(SELU({.inplace = true}).repr(), "SELU(inplace=True)");
  EXPECT_EQ(GELU().repr(), "GELU(approximate='none')");
  EXPECT_EQ(GELU({.approximate = GELUApproximate::tanh}).repr(), "GELU(approximate='tanh')");
  EXPECT_EQ(SiLU().repr(), "SiLU()");
  EXPECT_EQ(Mish().repr(), "Mish()");
  EXPECT_EQ(Sigmoid().repr(), "Sigmoid()");
  EXPECT_EQ(Tanh().repr(), "Tanh()");
  EXPECT_EQ(Hardtanh().repr(), "Hardtanh(min_val=-1.0, max_val=1.0)");
  EXPECT_EQ(Hardtanh({.min_val = -2.0, .max_val = 2.0, .inplace = true}).repr(),
            "Hardtanh(min_val=-2.0, max_val=2.0, inplace=True)");
  EXPECT_EQ(Hardswish({.inplace = true}).repr(), "Hardswish()");
  EXPECT_EQ(Hardsigmoid().repr(), "Hardsigmoid()");
  EXPECT_EQ(Softplus().repr(), "Softplus(beta=1.0, threshold=20.0)");  // 2.14.1; 1.13.1 has int defaults
  EXPECT_EQ(Softplus({.beta = 2.0, .threshold = 10.0}).repr(), "Softplus(beta=2.0, threshold=10.0)");
  EXPECT_EQ(Softsign().repr(), "Softsign()");
  EXPECT_EQ(Tanhshrink().repr(), "Tanhshrink()");
  EXPECT_EQ(Softmax().repr(), "Softmax(dim=None)");
  EXPECT_EQ(Softmax({.dim = 1}).repr(), "Softmax(dim=1)");
  EXPECT_EQ(LogSoftmax({.dim = -1}).repr(), "LogSoftmax(dim=-1)");
  EXPECT_EQ(Softmin({.dim = 0}).repr(), "Softmin(dim=0)");
  EXPECT_EQ(GLU().repr(), "GLU(dim=-1)");
  EXPECT_EQ(Threshold({.threshold = 0.1, .value = 20.0}).repr(), "Threshold(threshold=0.1, value=20.0)");
  EXPECT_EQ(Hardshrink().repr(), "Hardshrink(0.5)");
  EXPECT_EQ(Softshrink({.lambd = 0.3}).repr(), "Softshrink(0.3)");
  EXPECT_EQ(RReLU().repr(), "RReLU(lower=0.125, upper=0.3333333333333333)");
  EXPECT_EQ(LogSigmoid().repr(), "LogSigmoid()");
  EXPECT_EQ(Softmax2d().repr(), "Softmax2d()");
}

TEST(Activation, NoParametersAndClonesKeepTheirOptions) {
  LeakyReLU relu({.negative_slope = 0.2});
  EXPECT_TRUE(relu.named_parameters().empty());
  ModulePtr copy = relu.clone();
  ASSERT_NE(dynamic_cast<LeakyReLU*>(copy.get()), nullptr);
  EXPECT_EQ(dynamic_cast<LeakyReLU&>(*copy).options().negative_slope, 0.2);
  EXPECT_EQ(gelu_approximate_from_name("tanh"), GELUApproximate::tanh);
  EXPECT_EQ(error_of([] { gelu_approximate_from_name("foo"); }),
            "RuntimeError: GELU: approximate argument must be either none or tanh.");
}

// PyTorch 1.13.1 asserts bare (an empty message); 2.14.1 says why.
TEST(Activation, HardtanhCheckByRelease) {
  TorchGenerator old_release = torch_at(2, 6), new_release = torch_at(2, 14);
  EXPECT_EQ(error_of([&] { Hardtanh h({.min_val = 1.0, .max_val = 1.0}, old_release); }),
            "AssertionError: Hardtanh: ");
  EXPECT_EQ(error_of([&] { Hardtanh h({.min_val = 1.0, .max_val = 1.0}, new_release); }),
            "AssertionError: Hardtanh: max_val (1.0) must be greater than min_val (1.0)");
}

TEST(PReLU, WeightFilledWithInitWithoutDraws) {
  TorchGenerator g(2);
  const auto before = g.get_state();
  PReLU prelu({.num_parameters = 3, .init = 0.1}, g);
  EXPECT_EQ(g.get_state(), before);
  EXPECT_EQ(testing::describe(prelu.state_dict()), std::vector<std::string>{"weight [3] float32"});
  EXPECT_EQ(testing::hex32(prelu.weight(), 3), "3dcccccd 3dcccccd 3dcccccd");
  EXPECT_EQ(prelu.repr(), "PReLU(num_parameters=3)");
  EXPECT_EQ(PReLU().repr(), "PReLU(num_parameters=1)");
}

TEST(Dropout, ReprsAndProbabilityCheck) {
  EXPECT_EQ(Dropout().repr(), "Dropout(p=0.5, inplace=False)");
  EXPECT_EQ(Dropout({.p = 0.1, .inplace = true}).repr(), "Dropout(p=0.1, inplace=True)");
  EXPECT_EQ(Dropout2d({.p = 0.2}).repr(), "Dropout2d(p=0.2, inplace=False)");
  EXPECT_EQ(AlphaDropout({.p = 0.3}).repr(), "AlphaDropout(p=0.3, inplace=False)");
  EXPECT_EQ(FeatureAlphaDropout().type_name(), "FeatureAlphaDropout");
  EXPECT_EQ(error_of([] { Dropout d({.p = 1.5}); }),
            "ValueError: Dropout: dropout probability has to be between 0 and 1, but got 1.5");
  EXPECT_EQ(error_of([] { Dropout3d d({.p = -0.5}); }),
            "ValueError: Dropout3d: dropout probability has to be between 0 and 1, but got -0.5");
  EXPECT_EQ(error_of([] { Dropout1d d({.p = std::numeric_limits<double>::quiet_NaN()}); }), "no error");
}

TEST(Flatten, Reprs) {
  EXPECT_EQ(Flatten().repr(), "Flatten(start_dim=1, end_dim=-1)");
  EXPECT_EQ(Flatten({.start_dim = 0, .end_dim = 2}).repr(), "Flatten(start_dim=0, end_dim=2)");
  EXPECT_EQ(Unflatten({.dim = 1, .unflattened_size = {2, 3}}).repr(),
            "Unflatten(dim=1, unflattened_size=(2, 3))");
}

TEST(Pooling, ReprsKeepSizesAsGiven) {
  EXPECT_EQ(MaxPool2d({.kernel_size = {2}}).repr(),
            "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)");
  EXPECT_EQ(MaxPool2d({.kernel_size = {2, 3},
                       .stride = Shape{1},
                       .padding = {1, 0},
                       .dilation = {2},
                       .return_indices = true,
                       .ceil_mode = true})
                .repr(),
            "MaxPool2d(kernel_size=(2, 3), stride=1, padding=(1, 0), dilation=2, ceil_mode=True)");
  EXPECT_EQ(MaxPool1d({.kernel_size = {3}}).repr(),
            "MaxPool1d(kernel_size=3, stride=3, padding=0, dilation=1, ceil_mode=False)");
  EXPECT_EQ(AvgPool1d({.kernel_size = {3}}).repr(), "AvgPool1d(kernel_size=(3,), stride=(3,), padding=(0,))");
  EXPECT_EQ(AvgPool2d({.kernel_size = {2}}).repr(), "AvgPool2d(kernel_size=2, stride=2, padding=0)");
  EXPECT_EQ(AvgPool3d({.kernel_size = {1, 2, 3}, .stride = Shape{1}, .divisor_override = 2}).repr(),
            "AvgPool3d(kernel_size=(1, 2, 3), stride=1, padding=0)");
  EXPECT_EQ(AdaptiveAvgPool2d({.output_size = {std::nullopt, 7}}).repr(),
            "AdaptiveAvgPool2d(output_size=(None, 7))");
  EXPECT_EQ(AdaptiveAvgPool2d({.output_size = {1}}).repr(), "AdaptiveAvgPool2d(output_size=1)");
  EXPECT_EQ(AdaptiveMaxPool1d({.output_size = {5}}).repr(), "AdaptiveMaxPool1d(output_size=5)");
  EXPECT_EQ(AdaptiveMaxPool3d({.output_size = {1, 2, 3}, .return_indices = true}).repr(),
            "AdaptiveMaxPool3d(output_size=(1, 2, 3))");
}

TEST(Pooling, SizeChecks) {
  EXPECT_EQ(error_of([] {
              MaxPool2d p({.kernel_size = {1, 2, 3}});
            }),
            "ValueError: MaxPool2d: kernel_size must have 1 or 2 values, got 3");
  EXPECT_EQ(error_of([] {
              AdaptiveAvgPool3d p({.output_size = {1, 2}});
            }),
            "ValueError: AdaptiveAvgPool3d: output_size must have 1 or 3 values, got 2");
  // AvgPool1d has no divisor_override: Python's TypeError (PyTorch 1.13.1 and 2.14.1).
  EXPECT_EQ(
      error_of([] { AvgPool1d p({.kernel_size = {2}, .divisor_override = 2}); }),
      "TypeError: AvgPool1d: AvgPool1d.__init__() got an unexpected keyword argument 'divisor_override'");
  EXPECT_EQ(MaxPool3d({.kernel_size = {2}}).options().stride, Shape{2});
}

}  // namespace
}  // namespace nninit::nn
