// The trace API: call records, names, errors, train/eval behaviour, dtypes and repeated passes.
#include "nninit/engine/trace.h"

#include <memory>

#include <gtest/gtest.h>

#include "nninit/core/error.h"
#include "nninit/engine/buffer_pool.h"
#include "nninit/engine/engine_test_support.h"
#include "nninit/nn/activation.h"
#include "nninit/nn/attention.h"
#include "nninit/nn/container.h"
#include "nninit/nn/dropout.h"
#include "nninit/nn/linear.h"
#include "nninit/nn/sparse.h"

namespace nninit::engine {
namespace {

using testing::randn;

nn::ModulePtr linear(std::int64_t in, std::int64_t out) {
  return std::make_shared<nn::Linear>(nn::LinearOptions{.in_features = in, .out_features = out});
}

TEST(Trace, RecordsCallsInStartOrderWithNamesAndDepths) {
  nn::Sequential model({linear(4, 3), std::make_shared<nn::Sequential>(std::vector<nn::ModulePtr>{
                                          std::make_shared<nn::ReLU>(), linear(3, 2)})});
  TorchGenerator generator(1);
  const Tensor x = randn({5, 4}, generator);
  Trace trace = run_forward(model, {x});
  std::vector<std::string> names;
  std::vector<int> depths;
  for (const ModuleCall& c : trace.calls()) {
    names.push_back(c.name);
    depths.push_back(c.depth);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"", "0", "1", "1.0", "1.1"}));
  EXPECT_EQ(depths, (std::vector<int>{0, 1, 1, 2, 2}));
  // Values chain: each module's input is its predecessor's output.
  const auto& calls = trace.calls();
  EXPECT_EQ(calls[1].inputs, calls[0].inputs);
  EXPECT_EQ(calls[2].inputs, calls[1].outputs);
  EXPECT_EQ(calls[3].inputs, calls[1].outputs);
  EXPECT_EQ(calls[4].outputs, calls[0].outputs);
  EXPECT_EQ(trace.outputs()[0].sizes(), (Shape{5, 2}));
  EXPECT_EQ(forward(model, {x})[0].to_doubles(), trace.outputs()[0].to_doubles());

  const Gradients g = run_backward(trace, Tensor::full({5, 2}, 1.0));
  ASSERT_EQ(g.call_outputs.size(), calls.size());
  EXPECT_EQ(g.call_outputs[4][0].to_doubles(), std::vector<double>(10, 1.0));
  EXPECT_EQ(g.parameters.size(), 4u);
  EXPECT_EQ(g.parameters[3].name, "1.1.bias");
  EXPECT_EQ(g.parameter("1.1.bias").to_doubles(), (std::vector<double>{5.0, 5.0}));  // sum over the batch
  EXPECT_THROW(g.parameter("2.weight"), IndexError);
  // The trace is not consumed: a second backward pass gives the same gradients.
  const Gradients again = run_backward(trace, Tensor::full({5, 2}, 1.0));
  EXPECT_EQ(again.inputs[0].to_doubles(), g.inputs[0].to_doubles());
}

TEST(Trace, ErrorsNameTheModule) {
  nn::Sequential model({linear(4, 3), linear(5, 2)});
  try {
    run_forward(model, {Tensor::zeros({2, 4})});
    FAIL();
  } catch (const RuntimeError& e) {
    EXPECT_STREQ(
        e.what(),
        "run_forward: module '1' (Linear): Linear: expected input of size 5 in the last dimension, got "
        "input of size [2, 3]");
  }
  nn::ModuleList list({linear(2, 2)});
  try {
    run_forward(list, {Tensor::zeros({1, 2})});
    FAIL();
  } catch (const NotImplementedError& e) {
    EXPECT_STREQ(e.what(),
                 "run_forward: module '' (ModuleList): Module [ModuleList] is missing the required "
                 "\"forward\" function");
  }
  nn::Linear single({.in_features = 2, .out_features = 2});
  Trace trace = run_forward(single, {Tensor::zeros({1, 2})});
  EXPECT_THROW(run_backward(trace, Tensor::zeros({2, 2})), ValueError);
}

// A module called twice (the same object in two places) accumulates both uses into one gradient, as
// PyTorch does for shared modules; named_parameters() lists it once.
TEST(Trace, SharedModuleAccumulatesGradients) {
  const nn::ModulePtr shared = linear(3, 3);
  nn::Sequential model({shared, std::make_shared<nn::Tanh>(), shared});
  TorchGenerator generator(2);
  testing::expect_gradients_match(model, {randn({2, 3}, generator)}, generator);
  Trace trace = run_forward(model, {randn({2, 3}, generator)});
  EXPECT_EQ(trace.calls()[1].name, "0");
  EXPECT_EQ(trace.calls()[3].name, "0");
}

TEST(Trace, IntegerInputsHaveNoGradientAndUnusedOutputsGetZeros) {
  nn::Embedding embedding({.num_embeddings = 4, .embedding_dim = 2});
  Trace trace = run_forward(embedding, {testing::indices({1, 3}, {2})});
  const Gradients g = run_backward(trace, Tensor::full({2, 2}, 1.0));
  EXPECT_FALSE(g.inputs[0].defined());
  EXPECT_EQ(g.parameter("weight").to_doubles(), (std::vector<double>{0, 0, 1, 1, 0, 0, 1, 1}));

  nn::MultiheadAttention attention({.embed_dim = 2, .num_heads = 1});
  TorchGenerator generator(3);
  Trace t2 = run_forward(attention, {randn({3, 1, 2}, generator)});
  ASSERT_EQ(t2.outputs().size(), 2u);  // attn_output, attn_weights
  const Gradients g2 = run_backward(t2, Tensor::full({3, 1, 2}, 1.0));
  EXPECT_EQ(g2.call_outputs[0][1].to_doubles(), std::vector<double>(9, 0.0));
}

TEST(Trace, DropoutIsIdentityInEvalAndASeededMaskInTrain) {
  nn::Dropout dropout({.p = 0.25});
  const Tensor x = Tensor::full({100, 100}, 1.0);
  dropout.eval();
  EXPECT_TRUE(forward(dropout, {x})[0].shares_storage_with(x));
  dropout.train();
  const std::vector<double> a = forward(dropout, {x}, {.dropout_seed = 7})[0].to_doubles();
  const std::vector<double> b = forward(dropout, {x}, {.dropout_seed = 7})[0].to_doubles();
  const std::vector<double> c = forward(dropout, {x}, {.dropout_seed = 8})[0].to_doubles();
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  int dropped = 0;
  for (double v : a) {
    if (v == 0.0) {
      ++dropped;
    } else {
      EXPECT_FLOAT_EQ(v, 1.0 / 0.75);
    }
  }
  EXPECT_NEAR(dropped / 10000.0, 0.25, 0.02);  // 10000 draws: the standard deviation is 0.0043
}

// Parameters of any floating dtype are read as float32: a float64 model gives the float32 model's results, a
// bfloat16 model those of a float32 model holding the same (rounded) values.
TEST(Trace, ParametersOfOtherDtypesComputeInFloat32) {
  TorchGenerator generator(4);
  nn::Sequential model({linear(3, 4), std::make_shared<nn::GELU>(), linear(4, 2)});
  const Tensor x = randn({2, 3}, generator);
  const std::vector<double> expected = forward(model, {x})[0].to_doubles();
  const nn::ModulePtr f64 = model.clone();
  f64->to(DType::float64);
  const std::vector<double> got = forward(*f64, {x.to(DType::float64)})[0].to_doubles();
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], expected[i]);
  const nn::ModulePtr bf16 = model.clone();
  bf16->to(DType::bfloat16);
  const nn::ModulePtr rounded = bf16->clone();
  rounded->to(DType::float32);
  EXPECT_EQ(forward(*bf16, {x})[0].to_doubles(), forward(*rounded, {x})[0].to_doubles());
  Trace trace = run_forward(*bf16, {x});
  const Gradients g = run_backward(trace, Tensor::full({2, 2}, 1.0));
  EXPECT_EQ(g.parameter("0.weight").dtype(), DType::float32);  // gradients are float32 whatever the dtype
}

TEST(BufferPool, ReusesLargeBuffers) {
  release_pooled_buffers();
  const void* first = nullptr;
  {
    const Tensor t = pooled_empty({1 << 16});  // 256 KiB
    first = t.raw_data();
  }
  EXPECT_EQ(pooled_bytes(), std::size_t{1} << 18);
  const Tensor again = pooled_empty({1 << 16});
  EXPECT_EQ(again.raw_data(), first);
  EXPECT_EQ(pooled_bytes(), 0u);
  const Tensor small = pooled_empty({16});  // small buffers come from malloc
  EXPECT_EQ(small.numel(), 16);
  release_pooled_buffers();
}

}  // namespace
}  // namespace nninit::engine
