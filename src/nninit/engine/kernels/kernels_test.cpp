// Every feed-forward layer's gradients (inputs and parameters) against central differences.
#include <memory>

#include <gtest/gtest.h>

#include "nninit/engine/engine_test_support.h"
#include "nninit/nn/activation.h"
#include "nninit/nn/container.h"
#include "nninit/nn/conv.h"
#include "nninit/nn/dropout.h"
#include "nninit/nn/flatten.h"
#include "nninit/nn/linear.h"
#include "nninit/nn/normalization.h"
#include "nninit/nn/pooling.h"
#include "nninit/nn/sparse.h"

namespace nninit::engine {
namespace {

using testing::expect_gradients_match;
using testing::randn;

class KernelGradients : public ::testing::Test {
 protected:
  void check(nn::Module& model, const std::vector<Tensor>& inputs,
             testing::GradientCheckOptions options = {}) {
    testing::randomize_parameters(model, generator_);
    expect_gradients_match(model, inputs, generator_, options);
  }
  Tensor x(Shape sizes) { return randn(std::move(sizes), generator_); }
  TorchGenerator generator_{3};
};

TEST_F(KernelGradients, LinearAndBilinear) {
  nn::Linear linear({.in_features = 5, .out_features = 3});
  check(linear, {x({2, 4, 5})});
  nn::Linear no_bias({.in_features = 5, .out_features = 3, .bias = false});
  check(no_bias, {x({5})});
  nn::Bilinear bilinear({.in1_features = 3, .in2_features = 4, .out_features = 2});
  check(bilinear, {x({5, 3}), x({5, 4})});
}

TEST_F(KernelGradients, Convolutions) {
  nn::Conv1d c1({.in_channels = 4,
                 .out_channels = 6,
                 .kernel_size = {3},
                 .stride = {2},
                 .padding = {1},
                 .dilation = {2},
                 .groups = 2});
  check(c1, {x({2, 4, 11})});
  nn::Conv2d c2({.in_channels = 3,
                 .out_channels = 4,
                 .kernel_size = {3, 2},
                 .padding = nn::ConvPadding::same(),
                 .dilation = {1, 2}});
  check(c2, {x({2, 3, 5, 6})});
  nn::Conv2d unbatched({.in_channels = 2, .out_channels = 2, .kernel_size = {2}, .bias = false});
  check(unbatched, {x({2, 4, 4})});
  nn::Conv3d c3(
      {.in_channels = 2, .out_channels = 2, .kernel_size = {2}, .stride = {1, 2, 1}, .padding = {1}});
  check(c3, {x({1, 2, 4, 5, 3})});
  for (nn::PaddingMode mode :
       {nn::PaddingMode::reflect, nn::PaddingMode::replicate, nn::PaddingMode::circular}) {
    nn::Conv2d padded(
        {.in_channels = 2, .out_channels = 3, .kernel_size = {3}, .padding = {2, 1}, .padding_mode = mode});
    check(padded, {x({2, 2, 5, 4})});
  }
  nn::Conv1d same_even({.in_channels = 2,
                        .out_channels = 2,
                        .kernel_size = {4},
                        .padding = nn::ConvPadding::same(),
                        .padding_mode = nn::PaddingMode::reflect});
  check(same_even, {x({1, 2, 7})});
}

TEST_F(KernelGradients, TransposedConvolutions) {
  nn::ConvTranspose1d t1({.in_channels = 4,
                          .out_channels = 2,
                          .kernel_size = {3},
                          .stride = {2},
                          .padding = {1},
                          .output_padding = {1},
                          .groups = 2});
  check(t1, {x({2, 4, 5})});
  nn::ConvTranspose2d t2(
      {.in_channels = 3, .out_channels = 4, .kernel_size = {2, 3}, .stride = {2, 1}, .dilation = {1, 2}});
  check(t2, {x({1, 3, 3, 4})});
  nn::ConvTranspose3d t3(
      {.in_channels = 2, .out_channels = 2, .kernel_size = {2}, .stride = {2}, .bias = false});
  check(t3, {x({1, 2, 2, 3, 2})});
}

TEST_F(KernelGradients, Embeddings) {
  nn::Embedding embedding({.num_embeddings = 6, .embedding_dim = 3, .padding_idx = 1});
  check(embedding, {testing::indices({0, 3, 5, 0, 2, 2}, {2, 3})});
  // Two rules that are not derivatives, as in PyTorch: the padding_idx row gets no gradient, and
  // scale_grad_by_freq divides a row's gradient by its index's count in the batch.
  nn::Embedding frequency({.num_embeddings = 4,
                           .embedding_dim = 2,
                           .padding_idx = 0,
                           .max_norm = 1.0,
                           .scale_grad_by_freq = true});
  Trace trace = run_forward(frequency, {testing::indices({0, 3, 3, 1}, {4})});
  const Gradients g = run_backward(trace, Tensor::full({4, 2}, 1.0));
  EXPECT_EQ(g.parameter("weight").to_doubles(), (std::vector<double>{0, 0, 1, 1, 0, 0, 1, 1}));
  for (nn::EmbeddingBagMode mode :
       {nn::EmbeddingBagMode::sum, nn::EmbeddingBagMode::mean, nn::EmbeddingBagMode::max}) {
    nn::EmbeddingBag bag({.num_embeddings = 7, .embedding_dim = 4, .mode = mode, .padding_idx = 2});
    check(bag, {testing::indices({0, 2, 5, 6, 6, 1}, {2, 3})});
    check(bag, {testing::indices({0, 2, 5, 6, 6, 1, 3}, {7}), testing::indices({0, 2, 2, 5}, {4})});
  }
  nn::EmbeddingBag weighted({.num_embeddings = 5, .embedding_dim = 2, .mode = nn::EmbeddingBagMode::sum});
  check(weighted, {testing::indices({0, 4, 4, 1}, {4}), testing::indices({0, 1}, {2}), x({4})});
}

TEST_F(KernelGradients, Normalizations) {
  nn::LayerNorm layer({.normalized_shape = {3, 4}});
  check(layer, {x({2, 3, 4})});
  nn::LayerNorm plain({.normalized_shape = {5}, .elementwise_affine = false});
  check(plain, {x({3, 5})});
  nn::GroupNorm group({.num_groups = 2, .num_channels = 4});
  check(group, {x({2, 4, 3})});
  nn::RMSNorm rms({.normalized_shape = {6}});
  check(rms, {x({2, 6})});
  nn::BatchNorm1d batch1({.num_features = 3});
  check(batch1, {x({4, 3})});
  nn::BatchNorm2d batch2({.num_features = 2});
  check(batch2, {x({3, 2, 2, 3})});
  batch2.eval();
  batch2.buffer("running_var").fill_(2.0);
  check(batch2, {x({3, 2, 2, 3})});
  nn::BatchNorm3d untracked({.num_features = 2, .track_running_stats = false});
  untracked.eval();  // no running statistics: batch statistics even in eval mode
  check(untracked, {x({2, 2, 2, 2, 2})});
  nn::InstanceNorm1d instance({.num_features = 3, .affine = true});
  check(instance, {x({2, 3, 5})});
  nn::InstanceNorm2d unbatched({.num_features = 2});
  check(unbatched, {x({2, 3, 3})});
}

TEST_F(KernelGradients, Activations) {
  std::vector<nn::ModulePtr> modules{
      std::make_shared<nn::ReLU>(),
      std::make_shared<nn::ReLU6>(),
      std::make_shared<nn::LeakyReLU>(nn::LeakyReLUOptions{.negative_slope = 0.2}),
      std::make_shared<nn::ELU>(nn::ELUOptions{.alpha = 0.7}),
      std::make_shared<nn::CELU>(nn::CELUOptions{.alpha = 1.3}),
      std::make_shared<nn::SELU>(),
      std::make_shared<nn::GELU>(),
      std::make_shared<nn::GELU>(nn::GELUOptions{.approximate = nn::GELUApproximate::tanh}),
      std::make_shared<nn::SiLU>(),
      std::make_shared<nn::Mish>(),
      std::make_shared<nn::Sigmoid>(),
      std::make_shared<nn::Tanh>(),
      std::make_shared<nn::Hardtanh>(nn::HardtanhOptions{.min_val = -0.5, .max_val = 1.5}),
      std::make_shared<nn::Hardswish>(),
      std::make_shared<nn::Hardsigmoid>(),
      std::make_shared<nn::Softplus>(nn::SoftplusOptions{.beta = 2.0, .threshold = 1.0}),
      std::make_shared<nn::Softsign>(),
      std::make_shared<nn::Tanhshrink>(),
      std::make_shared<nn::Threshold>(nn::ThresholdOptions{.threshold = 0.1, .value = 2.0}),
      std::make_shared<nn::Hardshrink>(),
      std::make_shared<nn::Softshrink>(nn::SoftshrinkOptions{.lambd = 0.3}),
      std::make_shared<nn::LogSigmoid>(),
      std::make_shared<nn::RReLU>(),
      std::make_shared<nn::Softmax>(nn::SoftmaxOptions{.dim = 1}),
      std::make_shared<nn::LogSoftmax>(nn::LogSoftmaxOptions{.dim = -1}),
      std::make_shared<nn::Softmin>(),
      std::make_shared<nn::Softmax2d>(),
      std::make_shared<nn::GLU>(nn::GLUOptions{.dim = 1}),
      std::make_shared<nn::PReLU>(nn::PReLUOptions{.num_parameters = 4}),
      std::make_shared<nn::PReLU>()};
  for (const nn::ModulePtr& m : modules) {
    SCOPED_TRACE(m->repr());
    m->eval();
    check(*m, {x({2, 4, 3, 2})}, {.step = 2e-3});
  }
  nn::RReLU train;  // random slopes, the same in forward and backward (one seed for every pass)
  check(train, {x({3, 5})}, {.step = 2e-3});
}

TEST_F(KernelGradients, Pooling) {
  nn::MaxPool2d max(
      {.kernel_size = {3}, .stride = Shape{2}, .padding = {1}, .dilation = {1, 2}, .ceil_mode = true});
  check(max, {x({2, 2, 7, 8})}, {.step = 1e-3});
  nn::MaxPool1d max1({.kernel_size = {2}});
  check(max1, {x({3, 7})}, {.step = 1e-3});
  nn::MaxPool3d max3({.kernel_size = {2}, .return_indices = true});
  check(max3, {x({1, 2, 4, 4, 3})}, {.step = 1e-3});
  nn::AvgPool2d avg({.kernel_size = {3, 2},
                     .stride = Shape{2},
                     .padding = {1},
                     .ceil_mode = true,
                     .count_include_pad = false});
  check(avg, {x({2, 1, 6, 5})});
  nn::AvgPool1d avg1({.kernel_size = {3}, .padding = {1}});
  check(avg1, {x({2, 3, 8})});
  nn::AvgPool3d avg3({.kernel_size = {2}, .divisor_override = 3});
  check(avg3, {x({1, 1, 4, 2, 4})});
  nn::AdaptiveAvgPool2d adaptive({.output_size = {3, std::nullopt}});
  check(adaptive, {x({2, 2, 7, 5})});
  nn::AdaptiveMaxPool1d adaptive_max({.output_size = {4}});
  check(adaptive_max, {x({2, 3, 9})}, {.step = 1e-3});
}

TEST_F(KernelGradients, ShapesAndContainers) {
  nn::Sequential model(
      {std::make_shared<nn::Unflatten>(nn::UnflattenOptions{.dim = 1, .unflattened_size = {2, -1}}),
       std::make_shared<nn::Conv1d>(nn::ConvOptions{.in_channels = 2, .out_channels = 3, .kernel_size = {2}}),
       std::make_shared<nn::Flatten>(), std::make_shared<nn::Dropout>(), std::make_shared<nn::Identity>(),
       std::make_shared<nn::Linear>(nn::LinearOptions{.in_features = 9, .out_features = 2})});
  model.eval();
  check(model, {x({3, 8})});
  nn::Dropout drop({.p = 0.4});  // train mode: a fixed mask
  check(drop, {x({4, 6})});
  nn::Dropout2d feature({.p = 0.5});
  check(feature, {x({2, 3, 2, 2})});
  nn::AlphaDropout alpha({.p = 0.3});
  check(alpha, {x({5, 4})});
}

}  // namespace
}  // namespace nninit::engine
