// RNN, LSTM, GRU and the cells: gradients against central differences, the recorded hidden states, and
// their gradients over time.
#include <gtest/gtest.h>

#include "nninit/core/error.h"
#include "nninit/engine/engine_test_support.h"
#include "nninit/nn/rnn.h"

namespace nninit::engine {
namespace {

using testing::expect_gradients_match;
using testing::randn;

TEST(RecurrentGradients, RnnLstmGruWithLayersAndDirections) {
  TorchGenerator generator(5);
  nn::RNN rnn({.input_size = 3,
               .hidden_size = 4,
               .num_layers = 2,
               .nonlinearity = nn::RNNNonlinearity::tanh,
               .bidirectional = true});
  expect_gradients_match(rnn, {randn({5, 2, 3}, generator), randn({4, 2, 4}, generator)}, generator);
  nn::RNN relu(
      {.input_size = 3, .hidden_size = 3, .nonlinearity = nn::RNNNonlinearity::relu, .batch_first = true});
  expect_gradients_match(relu, {randn({2, 4, 3}, generator)}, generator, {.step = 1e-3});
  nn::LSTM lstm({.input_size = 3, .hidden_size = 4, .num_layers = 2, .bidirectional = true});
  expect_gradients_match(
      lstm, {randn({4, 2, 3}, generator), randn({4, 2, 4}, generator), randn({4, 2, 4}, generator)},
      generator);
  nn::LSTM projected({.input_size = 2, .hidden_size = 5, .batch_first = true, .proj_size = 3});
  expect_gradients_match(projected, {randn({2, 3, 2}, generator)}, generator);
  nn::GRU gru({.input_size = 3, .hidden_size = 4, .num_layers = 2, .bias = false, .bidirectional = true});
  expect_gradients_match(gru, {randn({3, 2, 3}, generator), randn({4, 2, 4}, generator)}, generator);
  nn::GRU unbatched({.input_size = 2, .hidden_size = 3});
  expect_gradients_match(unbatched, {randn({4, 2}, generator)}, generator);
}

TEST(RecurrentGradients, Cells) {
  TorchGenerator generator(6);
  nn::RNNCell rnn({.input_size = 3, .hidden_size = 4});
  expect_gradients_match(rnn, {randn({2, 3}, generator), randn({2, 4}, generator)}, generator);
  nn::LSTMCell lstm({.input_size = 3, .hidden_size = 2});
  expect_gradients_match(lstm, {randn({2, 3}, generator), randn({2, 2}, generator), randn({2, 2}, generator)},
                         generator);
  nn::GRUCell gru({.input_size = 3, .hidden_size = 2, .bias = false});
  expect_gradients_match(gru, {randn({3}, generator)}, generator);
}

TEST(RecurrentGradients, TrainModeDropoutBetweenLayersIsOneFixedMask) {
  TorchGenerator generator(8);
  nn::GRU gru({.input_size = 2, .hidden_size = 3, .num_layers = 3, .dropout = 0.5});
  expect_gradients_match(gru, {randn({3, 2, 2}, generator)}, generator);
}

// hidden[l * D + d][t] is layer l's output h_t in direction d; the last layer's equal the output, and
// the hidden gradient at each step is the total gradient reaching h_t.
TEST(RecurrentStates, HiddenStatesAndTheirGradientsOverTime) {
  TorchGenerator generator(9);
  nn::LSTM lstm({.input_size = 3, .hidden_size = 2, .num_layers = 2, .bidirectional = true});
  const Tensor x = randn({4, 1, 3}, generator);
  Trace trace = run_forward(lstm, {x});
  ASSERT_EQ(trace.recurrent().size(), 1u);
  const RecurrentStates& states = trace.recurrent()[0];
  EXPECT_EQ(states.call, 0u);
  EXPECT_EQ(trace.calls()[0].recurrent, 0);
  EXPECT_EQ(states.hidden.sizes(), (Shape{4, 4, 1, 2}));
  EXPECT_EQ(states.cell.sizes(), (Shape{4, 4, 1, 2}));
  const Tensor output = trace.outputs()[0];  // (4, 1, 4): forward then reverse direction of layer 1
  for (std::int64_t t = 0; t < 4; ++t) {
    for (std::int64_t j = 0; j < 2; ++j) {
      EXPECT_EQ(output.at({t, 0, j}), states.hidden.at({2, t, 0, j}));
      EXPECT_EQ(output.at({t, 0, 2 + j}), states.hidden.at({3, t, 0, j}));
    }
  }
  // h_n of the reverse direction is its state after step 0.
  EXPECT_EQ(trace.outputs()[1].at({3, 0, 1}), states.hidden.at({3, 0, 0, 1}));

  // A loss on the last output step only: the forward direction of the top layer receives it at t = 3 and
  // nowhere later; its gradient at t = 3 is exactly the loss's.
  Tensor grad = Tensor::zeros({4, 1, 4});
  grad.set({3, 0, 0}, 1.0);
  const Gradients g = run_backward(trace, grad);
  ASSERT_EQ(g.recurrent_hidden.size(), 1u);
  const Tensor& dh = g.recurrent_hidden[0];
  EXPECT_EQ(dh.sizes(), states.hidden.sizes());
  EXPECT_EQ(dh.at({2, 3, 0, 0}), 1.0);
  EXPECT_EQ(dh.at({2, 3, 0, 1}), 0.0);
  EXPECT_NE(dh.at({2, 2, 0, 0}), 0.0);  // reaches earlier steps through the recurrence
  EXPECT_NE(dh.at({0, 0, 0, 0}), 0.0);  // and the first layer
}

TEST(RecurrentErrors, WrongSizesNameTheModule) {
  nn::GRU gru({.input_size = 3, .hidden_size = 4});
  EXPECT_THROW(run_forward(gru, {Tensor::zeros({2, 1, 5})}), RuntimeError);
  try {
    run_forward(gru, {Tensor::zeros({2, 1, 3}), Tensor::zeros({2, 1, 4})});
    FAIL();
  } catch (const RuntimeError& e) {
    EXPECT_STREQ(e.what(), "run_forward: module '' (GRU): Expected hidden size [1, 1, 4], got [2, 1, 4]");
  }
}

}  // namespace
}  // namespace nninit::engine
