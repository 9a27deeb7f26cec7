#include "nninit/nn/rnn.h"

#include <cmath>

#include <gtest/gtest.h>

#include "nninit/core/warning.h"
#include "nninit/init/init.h"
#include "nninit/nn/container.h"
#include "nninit/nn/layer_test_support.h"
#include "nninit/nn/linear.h"

namespace nninit::nn {
namespace {

using testing::describe;
using testing::error_of;
using testing::hex32;
using testing::next_rand;
using testing::torch_at;

// From PyTorch 1.13.1, for each capability (2.14.1 gives the same bits):
//   ATEN_CPU_CAPABILITY=avx2|default python3 -c 'import torch; torch.manual_seed(0);
//     m = torch.nn.LSTM(3, 5); print(m.weight_ih_l0[0,:3], m.bias_hh_l0[:4], torch.rand(1))'
TEST(LSTM, KnownAnswersFromPyTorch) {
  struct Case {
    TorchCapability capability;
    const char* weight_ih;
    const char* bias_hh;
  };
  for (const Case& c :
       {Case{TorchCapability::avx2, "bb5b6d9b 3e75a99f bebc7496", "3d448f4d bdbfc26a 3ea38345 3dffaaa9"},
        Case{TorchCapability::generic, "bb5b6d80 3e75a9a0 bebc7496",
             "3d448f50 bdbfc268 3ea38344 3dffaaa8"}}) {
    TorchGenerator g(0, {.version = {1, 13}, .capability = c.capability});
    LSTM lstm({.input_size = 3, .hidden_size = 5}, g);
    EXPECT_EQ(hex32(lstm.parameter("weight_ih_l0"), 3), c.weight_ih);
    EXPECT_EQ(hex32(lstm.parameter("bias_hh_l0"), 4), c.bias_hh);
    EXPECT_EQ(next_rand(g), "3f05627d");
  }
}

// ATEN_CPU_CAPABILITY=avx2 python3 -c 'import torch; torch.manual_seed(0);
//   m = torch.nn.GRU(2, 3, bidirectional=True); print(m.weight_hh_l0_reverse[0], torch.rand(1))'
// (PyTorch 1.13.1 and 2.14.1 agree).
TEST(GRU, KnownAnswersFromPyTorch) {
  TorchGenerator g(0, {.version = {1, 13}});
  GRU gru({.input_size = 2, .hidden_size = 3, .bidirectional = true}, g);
  EXPECT_EQ(hex32(gru.parameter("weight_hh_l0_reverse"), 3), "3f035217 3ee0c3cf bf136fb1");
  EXPECT_EQ(next_rand(g), "3ebfea62");
}

// Names and shapes as PyTorch 1.13.1 lists them for LSTM(3, 5, num_layers=2, bidirectional=True,
// proj_size=2) and GRU(4, 6, num_layers=2, bias=False).
TEST(RNN, ParametersPerLayerAndDirection) {
  LSTM lstm({.input_size = 3, .hidden_size = 5, .num_layers = 2, .bidirectional = true, .proj_size = 2});
  std::vector<std::string> expected;
  for (const char* layer : {"l0", "l1"}) {
    for (const char* suffix : {"", "_reverse"}) {
      const char* in = std::string(layer) == "l0" ? "3" : "4";
      expected.push_back(fmt::format("weight_ih_{}{} [20, {}] float32", layer, suffix, in));
      expected.push_back(fmt::format("weight_hh_{}{} [20, 2] float32", layer, suffix));
      expected.push_back(fmt::format("bias_ih_{}{} [20] float32", layer, suffix));
      expected.push_back(fmt::format("bias_hh_{}{} [20] float32", layer, suffix));
      expected.push_back(fmt::format("weight_hr_{}{} [2, 5] float32", layer, suffix));
    }
  }
  EXPECT_EQ(describe(lstm.named_parameters()), expected);
  GRU gru({.input_size = 4, .hidden_size = 6, .num_layers = 2, .bias = false, .dtype = DType::float64});
  EXPECT_EQ(describe(gru.state_dict()),
            (std::vector<std::string>{"weight_ih_l0 [18, 4] float64", "weight_hh_l0 [18, 6] float64",
                                      "weight_ih_l1 [18, 6] float64", "weight_hh_l1 [18, 6] float64"}));
  RNN rnn({.input_size = 2, .hidden_size = 3, .nonlinearity = RNNNonlinearity::relu});
  EXPECT_EQ(describe(rnn.named_parameters()),
            (std::vector<std::string>{"weight_ih_l0 [3, 2] float32", "weight_hh_l0 [3, 3] float32",
                                      "bias_ih_l0 [3] float32", "bias_hh_l0 [3] float32"}));
  EXPECT_EQ(rnn.options().mode, RNNMode::rnn_relu);
}

// uniform_(+-1/sqrt(hidden_size)) on each parameter in parameters() order.
TEST(RNN, DrawsUniformOnEveryParameterInOrder) {
  TorchGenerator built(9), replayed(9);
  LSTM lstm({.input_size = 3, .hidden_size = 4, .num_layers = 2, .bidirectional = true, .proj_size = 1},
            built);
  const double bound = 1 / std::sqrt(4.0);
  for (const NamedTensor& p : lstm.named_parameters()) {
    const Tensor t = Tensor::empty(p.tensor.sizes());
    init::uniform_(t, {.a = -bound, .b = bound}, replayed);
    EXPECT_EQ(t.to_doubles(), p.tensor.to_doubles()) << p.name;
  }
  EXPECT_EQ(built.get_state(), replayed.get_state());
}

TEST(RNN, Reprs) {
  EXPECT_EQ(RNN({.input_size = 3, .hidden_size = 5}).repr(), "RNN(3, 5)");
  // PyTorch's RNN repr does not show the nonlinearity.
  EXPECT_EQ(RNN({.input_size = 3,
                 .hidden_size = 5,
                 .num_layers = 2,
                 .nonlinearity = RNNNonlinearity::relu,
                 .bias = false,
                 .batch_first = true,
                 .dropout = 0.5,
                 .bidirectional = true})
                .repr(),
            "RNN(3, 5, num_layers=2, bias=False, batch_first=True, dropout=0.5, bidirectional=True)");
  EXPECT_EQ(LSTM({.input_size = 3, .hidden_size = 5, .proj_size = 2}).repr(), "LSTM(3, 5, proj_size=2)");
  EXPECT_EQ(GRU({.input_size = 3, .hidden_size = 5, .num_layers = 2}).repr(), "GRU(3, 5, num_layers=2)");
}

// Messages of PyTorch 1.13.1, 2.6 and 2.14.1 for the same arguments.
TEST(RNN, ChecksByRelease) {
  TorchGenerator v113 = torch_at(1, 13), v26 = torch_at(2, 6), v214 = torch_at(2, 14);
  auto gru = [](GRUOptions o, TorchGenerator& g) { return error_of([&] { GRU m(o, g); }); };
  EXPECT_EQ(gru({.input_size = 3, .hidden_size = 5, .dropout = 1.5}, v214),
            "ValueError: GRU: dropout should be a number in range [0, 1] representing the probability of an "
            "element "
            "being zeroed");
  EXPECT_EQ(gru({.input_size = 3, .hidden_size = 0}, v113),
            "ValueError: GRU: proj_size has to be smaller than hidden_size");
  EXPECT_EQ(gru({.input_size = 3, .hidden_size = 0}, v26),
            "ValueError: GRU: hidden_size must be greater than zero");
  EXPECT_EQ(gru({.input_size = 3, .hidden_size = 5, .num_layers = 0}, v113),
            "IndexError: GRU: list index out of range");
  EXPECT_EQ(gru({.input_size = 3, .hidden_size = 5, .num_layers = 0}, v26),
            "ValueError: GRU: num_layers must be greater than zero");
  EXPECT_EQ(gru({.input_size = 0, .hidden_size = 5}, v26), "no error");
  EXPECT_EQ(gru({.input_size = 0, .hidden_size = 5}, v214),
            "ValueError: GRU: input_size must be greater than zero");
  EXPECT_EQ(gru({.input_size = -1, .hidden_size = 5}, v113),
            "RuntimeError: Trying to create tensor with negative dimension -1: [15, -1]");
  EXPECT_EQ(error_of([&] { LSTM m({.input_size = 3, .hidden_size = 5, .proj_size = -1}, v214); }),
            "ValueError: LSTM: proj_size should be a positive integer or zero to disable projections");
  EXPECT_EQ(error_of([&] { LSTM m({.input_size = 3, .hidden_size = 5, .proj_size = 5}, v113); }),
            "ValueError: LSTM: proj_size has to be smaller than hidden_size");
  EXPECT_EQ(error_of([] { rnn_nonlinearity_from_name("sigmoid", "RNN"); }),
            "ValueError: RNN: Unknown nonlinearity 'sigmoid'. Select from 'tanh' or 'relu'.");
}

TEST(RNN, WarnsForDropoutWithOneLayer) {
  ScopedWarningCapture warnings;
  RNN rnn({.input_size = 3, .hidden_size = 5, .dropout = 0.5});
  ASSERT_EQ(warnings.warnings().size(), 1u);
  // PyTorch 1.13.1's text.
  EXPECT_EQ(warnings.warnings()[0].message,
            "dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects "
            "num_layers "
            "greater than 1, but got dropout=0.5 and num_layers=1");
}

TEST(RNNCell, ParametersDrawsAndRepr) {
  TorchGenerator built(4), replayed(4);
  LSTMCell cell({.input_size = 3, .hidden_size = 5}, built);
  EXPECT_EQ(describe(cell.named_parameters()),
            (std::vector<std::string>{"weight_ih [20, 3] float32", "weight_hh [20, 5] float32",
                                      "bias_ih [20] float32", "bias_hh [20] float32"}));
  const double bound = 1 / std::sqrt(5.0);
  for (const Shape& shape : {Shape{20, 3}, Shape{20, 5}, Shape{20}, Shape{20}}) {
    init::uniform_(Tensor::empty(shape), {.a = -bound, .b = bound}, replayed);
  }
  EXPECT_EQ(built.get_state(), replayed.get_state());
  // Reprs printed by PyTorch 1.13.1 and 2.14.1.
  EXPECT_EQ(cell.repr(), "LSTMCell(3, 5)");
  EXPECT_EQ(GRUCell({.input_size = 3, .hidden_size = 5}).repr(), "GRUCell(3, 5)");
  RNNCell plain({.input_size = 3, .hidden_size = 5, .bias = false, .nonlinearity = RNNNonlinearity::relu});
  EXPECT_EQ(plain.repr(), "RNNCell(3, 5, bias=False, nonlinearity=relu)");
  EXPECT_EQ(describe(plain.named_parameters()),
            (std::vector<std::string>{"weight_ih [5, 3] float32", "weight_hh [5, 5] float32"}));
  // No checks in the cells: hidden_size 0 builds (PyTorch 1.13.1 and 2.14.1), with bound 0.
  EXPECT_EQ(error_of([] { RNNCell c({.input_size = 3, .hidden_size = 0}); }), "no error");
}

TEST(ForgetGateBias, SetsOnlyTheForgetRows) {
  LSTM lstm({.input_size = 3, .hidden_size = 2});
  const std::vector<double> ih = lstm.parameter("bias_ih_l0").to_doubles();
  const std::vector<double> hh = lstm.parameter("bias_hh_l0").to_doubles();
  init_forget_gate_bias_(lstm, 1.0);
  const std::vector<double> new_ih = lstm.parameter("bias_ih_l0").to_doubles();
  const std::vector<double> new_hh = lstm.parameter("bias_hh_l0").to_doubles();
  for (std::size_t row = 0; row < 8; ++row) {
    const bool forget = row >= 2 && row < 4;  // gates [i, f, g, o], H = 2
    EXPECT_EQ(new_ih[row], forget ? 1.0 : ih[row]) << row;
    EXPECT_EQ(new_hh[row], forget ? 0.0 : hh[row]) << row;
  }
}

TEST(ForgetGateBias, FindsLSTMsInATreeAndRefusesOthers) {
  auto cell = std::make_shared<LSTMCell>(LSTMCellOptions{.input_size = 2, .hidden_size = 3});
  Sequential model({std::make_shared<Linear>(LinearOptions{.in_features = 2, .out_features = 2}), cell});
  init_forget_gate_bias_(model, 2.0);
  EXPECT_EQ(cell->parameter("bias_ih").narrow(0, 3, 3).to_doubles(), std::vector<double>(3, 2.0));
  EXPECT_EQ(cell->parameter("bias_hh").narrow(0, 3, 3).to_doubles(), std::vector<double>(3, 0.0));

  GRU gru({.input_size = 2, .hidden_size = 3});
  EXPECT_EQ(error_of([&] { init_forget_gate_bias_(gru, 1.0); }),
            "ValueError: init_forget_gate_bias_: GRU holds no LSTM or LSTMCell with biases");
  EXPECT_EQ(
      error_of([] { forget_gate_bias_(Tensor::zeros({8}), "lstm.weight_ih_l0", 1.0); }),
      "ValueError: forget_gate_bias_: 'lstm.weight_ih_l0' is not an LSTM bias; expected a parameter named "
      "bias_ih* or bias_hh*");
  EXPECT_EQ(
      error_of([] { forget_gate_bias_(Tensor::zeros({6}), "0.bias_hh_l1_reverse", 1.0); }),
      "ValueError: forget_gate_bias_: '0.bias_hh_l1_reverse' has shape [6]; an LSTM bias is 1-D with 4 * "
      "hidden_size rows [i, f, g, o]");
}

}  // namespace
}  // namespace nninit::nn
