// Values from real PyTorch (1.13.0a0, /usr/bin/python3), produced by this script (python3 -c or a file):
//
//   import math, torch; nn = torch.nn
//   def fill(model):  # parameter k, element i
//       with torch.no_grad():
//           for k, (n, p) in enumerate(model.named_parameters()):
//               p.copy_(torch.tensor([0.5 * math.sin(1.0 + 0.37 * i + 1.3 * k) for i in range(p.numel())],
//                                    dtype=torch.float64).reshape(p.shape))
//   def inp(shape, phase):
//       return torch.tensor([math.cos(0.11 * i + phase) for i in range(math.prod(shape))],
//                           dtype=torch.float64).float().reshape(shape).requires_grad_(True)
//   def run(model, xs, train=False):  # loss = sum over outputs o of (o * inp(o.shape, 0.5)).sum()
//       fill(model); model.train(train)
//       outs = model(*xs); outs = outs if isinstance(outs, tuple) else (outs,)
//       flat = [t for o in outs for t in ([o] if isinstance(o, torch.Tensor) else list(o))]
//       sum((o * inp(o.shape, 0.5).detach()).sum() for o in flat).backward()
//       print(flat[0].flatten()[:4], xs[0].grad.flatten()[:4],
//             {n: p.grad.flatten()[:3] for n, p in model.named_parameters()})
//   run(nn.Sequential(nn.Conv2d(2, 4, (2, 3), stride=(2, 1), padding=1, dilation=(1, 2), groups=2),
//       nn.BatchNorm2d(4), nn.Tanh(), nn.Flatten(), nn.Linear(48, 3)), [inp((3, 2, 5, 6), 0.0)], train=True)
//   run(nn.LSTM(3, 4, num_layers=2, bidirectional=True), [inp((5, 2, 3), 0.0)])
//   x = inp((3, 2, 4), 0.0); run(nn.MultiheadAttention(4, 2, add_bias_kv=True), [x, x, x])
//   bn = nn.BatchNorm1d(3, momentum=None); bn.train(); bn(inp((4, 3), 0.0))
//   print(bn.running_mean, bn.running_var, bn.num_batches_tracked)
//   logits = inp((2, 3), 0.0); l = nn.functional.cross_entropy(logits, torch.tensor([2, 0])); l.backward()
//   a = inp((2, 3), 0.0); m = nn.functional.mse_loss(a, inp((2, 3), 0.5).detach()); m.backward()
//   print(l, logits.grad, m, a.grad)
#include <cmath>
#include <memory>

#include <gtest/gtest.h>

#include "nninit/core/error.h"
#include "nninit/engine/engine_test_support.h"
#include "nninit/engine/loss.h"
#include "nninit/engine/trace.h"
#include "nninit/nn/activation.h"
#include "nninit/nn/attention.h"
#include "nninit/nn/container.h"
#include "nninit/nn/conv.h"
#include "nninit/nn/flatten.h"
#include "nninit/nn/linear.h"
#include "nninit/nn/normalization.h"
#include "nninit/nn/rnn.h"

namespace nninit::engine {
namespace {

using testing::inp;

void fill(nn::Module& model) {
  const std::vector<NamedTensor> params = model.named_parameters();
  for (std::size_t k = 0; k < params.size(); ++k) {
    const Tensor flat = params[k].tensor.view({-1});
    for (std::int64_t i = 0; i < flat.numel(); ++i) {
      flat.set({i}, 0.5 * std::sin(1.0 + 0.37 * static_cast<double>(i) + 1.3 * static_cast<double>(k)));
    }
  }
}

struct Result {
  Trace trace;
  Gradients grads;
};

Result run(nn::Module& model, const std::vector<Tensor>& inputs, bool train = false) {
  fill(model);
  model.train(train);
  Result r{run_forward(model, inputs), {}};
  std::vector<Tensor> weights;
  for (const Tensor& out : r.trace.outputs()) weights.push_back(inp(out.sizes(), 0.5));
  r.grads = run_backward(r.trace, weights);
  return r;
}

void expect_first(const Tensor& t, std::vector<double> expected, double tolerance = 2e-6) {
  const std::vector<double> values = t.contiguous().to_doubles();
  for (std::size_t i = 0; i < expected.size(); ++i)
    EXPECT_NEAR(values[i], expected[i], tolerance) << "element " << i;
}

TEST(TorchValues, GroupedDilatedConvBatchNormTrainTanhLinear) {
  nn::Sequential model({std::make_shared<nn::Conv2d>(nn::ConvOptions{.in_channels = 2,
                                                                     .out_channels = 4,
                                                                     .kernel_size = {2, 3},
                                                                     .stride = {2, 1},
                                                                     .padding = {1},
                                                                     .dilation = {1, 2},
                                                                     .groups = 2}),
                        std::make_shared<nn::BatchNorm2d>(nn::BatchNormOptions{.num_features = 4}),
                        std::make_shared<nn::Tanh>(), std::make_shared<nn::Flatten>(),
                        std::make_shared<nn::Linear>(nn::LinearOptions{48, 3})});
  const Result r = run(model, {inp({3, 2, 5, 6}, 0.0)}, /*train=*/true);
  expect_first(r.trace.outputs()[0], {0.947719097, 2.50935936, 1.84472847, 0.985692382});
  expect_first(r.grads.inputs[0], {0.050343752, 0.087013215, -0.004657123, 0.05891801});
  expect_first(r.grads.parameter("0.weight"), {-0.421861827, -0.286527991, -0.00509648});
  expect_first(r.grads.parameter("1.weight"), {-4.057888031, 8.380167961, -9.170101166}, 1e-5);
  expect_first(r.grads.parameter("4.weight"), {-1.103149772, -1.206266284, -1.195912957});
}

TEST(TorchValues, TwoLayerBidirectionalLstm) {
  nn::LSTM lstm({.input_size = 3, .hidden_size = 4, .num_layers = 2, .bidirectional = true});
  const Result r = run(lstm, {inp({5, 2, 3}, 0.0)});
  expect_first(r.trace.outputs()[0], {-0.175431415, -0.231613144, -0.038146216, -0.110497363});
  expect_first(r.grads.inputs[0], {0.007325889, -0.044771884, -0.090809986, 0.142266184});
  expect_first(r.grads.parameter("weight_ih_l0"), {-0.228034899, -0.248673558, -0.266306281});
  expect_first(r.grads.parameter("weight_hh_l1_reverse"), {-0.040735442, -0.043569449, -0.045587074});
}

TEST(TorchValues, SelfAttentionWithBiasKv) {
  nn::MultiheadAttention attention({.embed_dim = 4, .num_heads = 2, .add_bias_kv = true});
  const Tensor x = inp({3, 2, 4}, 0.0);
  const Result r = run(attention, {x, x, x});
  expect_first(r.trace.outputs()[0], {-0.251011491, 0.457282782, 1.1754843, 0.535606325});
  // PyTorch's x.grad sums the query, key and value paths, as ours does for one value used three times.
  expect_first(r.grads.inputs[0], {0.078222394, 0.072844014, 0.057606544, 0.034572314});
  expect_first(r.grads.parameter("in_proj_weight"), {0.228095785, 0.209151626, 0.187679276});
  expect_first(r.grads.parameter("bias_k"), {-0.12786454, -0.043330178, -0.041156463});
}

TEST(TorchValues, BatchNormRunningStatisticsOnlyWhenAsked) {
  nn::BatchNorm1d bn({.num_features = 3, .momentum = std::nullopt});
  run_forward(bn, {inp({4, 3}, 0.0)});
  EXPECT_EQ(bn.buffer("running_mean").to_doubles(),
            (std::vector<double>{0, 0, 0}));  // a diagnosis changes nothing
  EXPECT_EQ(bn.buffer("num_batches_tracked").at({}), 0.0);
  run_forward(bn, {inp({4, 3}, 0.0)}, {.update_running_stats = true});
  expect_first(bn.buffer("running_mean"), {0.821181058883667, 0.7675536274909973, 0.7046481370925903}, 1e-7);
  expect_first(bn.buffer("running_var"), {0.04093025624752045, 0.05703837797045708, 0.0745474100112915},
               1e-7);
  EXPECT_EQ(bn.buffer("num_batches_tracked").at({}), 1.0);
}

TEST(TorchValues, Losses) {
  const Loss ce =
      cross_entropy(inp({2, 3}, 0.0), Tensor::from_values(std::vector<double>{2, 0}, {2}, DType::int64));
  EXPECT_NEAR(ce.value, 1.0835626125335693, 1e-7);
  expect_first(ce.grad,
               {0.16834110021591187, 0.16732673346996307, -0.33566784858703613, -0.32580047845840454,
                0.16715319454669952, 0.1586472988128662},
               1e-7);
  const Loss mse = mse_loss(inp({2, 3}, 0.0), inp({2, 3}, 0.5));
  EXPECT_NEAR(mse.value, 0.0657186359167099, 1e-8);
  expect_first(mse.grad,
               {0.040805816650390625, 0.05810268968343735, 0.07469724118709564, 0.09038887917995453,
                0.10498788207769394, 0.11831782758235931},
               1e-8);
  EXPECT_THROW(
      cross_entropy(inp({2, 3}, 0.0), Tensor::from_values(std::vector<double>{3, 0}, {2}, DType::int64)),
      IndexError);
}

}  // namespace
}  // namespace nninit::engine
