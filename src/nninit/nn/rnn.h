// Recurrent layers: RNN, LSTM, GRU and the cells RNNCell, LSTMCell, GRUCell (docs/rng.md §7).
//
// For layer k and direction d (forward, then "_reverse" when bidirectional), in registration order:
//   weight_ih_l{k}[_reverse]  (G*H, in_k)      in_0 = input_size, in_k = H_r * directions
//   weight_hh_l{k}[_reverse]  (G*H, H_r)       H_r = proj_size if proj_size > 0, else hidden_size H
//   bias_ih_l{k}[_reverse]    (G*H)            when bias
//   bias_hh_l{k}[_reverse]    (G*H)            when bias
//   weight_hr_l{k}[_reverse]  (proj_size, H)   LSTM with proj_size > 0
// G = 1 (RNN), 4 (LSTM, rows [i, f, g, o]), 3 (GRU, rows [r, z, n]). The cells have weight_ih,
// weight_hh, bias_ih, bias_hh with the same G.
//
// reset_parameters: uniform_(-1/sqrt(H), 1/sqrt(H)) on every parameter in parameters() order (bound 0
// when H == 0).
//
//   nn::LSTM lstm({.input_size = 32, .hidden_size = 64, .num_layers = 2, .batch_first = true});
//   lstm.parameter("weight_hh_l1").sizes();                        // {256, 64}: rows [i, f, g, o]
//   nn::init_forget_gate_bias_(lstm, 1.0);                         // every forget gate's bias 1
//   nn::GRUCell cell({.input_size = 32, .hidden_size = 64});
//   nn::RNN rnn({.input_size = 8, .hidden_size = 16, .nonlinearity = nn::RNNNonlinearity::relu});
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "nninit/nn/module.h"
#include "nninit/random/torch_generator.h"

namespace nninit::nn {

// `other`: an RNNCell built with a name PyTorch only rejects in forward (RNNCellOptions::nonlinearity_name).
enum class RNNNonlinearity { tanh, relu, other };

std::string_view rnn_nonlinearity_name(RNNNonlinearity nonlinearity);  // "tanh", "relu"
// ValueError "RNN: Unknown nonlinearity 'x'. Select from 'tanh' or 'relu'." (PyTorch 2.x's words).
RNNNonlinearity rnn_nonlinearity_from_name(std::string_view name, std::string_view layer);

// RNN(input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True, batch_first=False,
// dropout=0.0, bidirectional=False).
struct RNNOptions {
  std::int64_t input_size = 0;
  std::int64_t hidden_size = 0;
  std::int64_t num_layers = 1;
  RNNNonlinearity nonlinearity = RNNNonlinearity::tanh;
  bool bias = true;
  bool batch_first = false;
  double dropout = 0.0;
  bool bidirectional = false;
  DType dtype = DType::float32;
};

// LSTM(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
// bidirectional=False, proj_size=0).
struct LSTMOptions {
  std::int64_t input_size = 0;
  std::int64_t hidden_size = 0;
  std::int64_t num_layers = 1;
  bool bias = true;
  bool batch_first = false;
  double dropout = 0.0;
  bool bidirectional = false;
  std::int64_t proj_size = 0;
  DType dtype = DType::float32;
};

// GRU(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
// bidirectional=False).
struct GRUOptions {
  std::int64_t input_size = 0;
  std::int64_t hidden_size = 0;
  std::int64_t num_layers = 1;
  bool bias = true;
  bool batch_first = false;
  double dropout = 0.0;
  bool bidirectional = false;
  DType dtype = DType::float32;
};

enum class RNNMode { rnn_tanh, rnn_relu, lstm, gru };

// The arguments of PyTorch's RNNBase.
struct RNNBaseOptions {
  RNNMode mode = RNNMode::rnn_tanh;
  std::int64_t input_size = 0;
  std::int64_t hidden_size = 0;
  std::int64_t num_layers = 1;
  bool bias = true;
  bool batch_first = false;
  double dropout = 0.0;
  bool bidirectional = false;
  std::int64_t proj_size = 0;
  DType dtype = DType::float32;
};

// RNNBase's checks, in PyTorch's order: dropout in [0, 1] (ValueError), the warning for dropout with
// one layer, input_size > 0 (2.11+), hidden_size > 0 (2.1+), num_layers > 0 (2.2+), proj_size >= 0 and
// proj_size < hidden_size. Before 2.2, num_layers <= 0 fails as PyTorch's flatten_parameters does, with
// IndexError "list index out of range".
class RNNBase : public Module {
 public:
  RNNBase(std::string type_name, RNNBaseOptions options, Generator& generator);
  const RNNBaseOptions& options() const { return options_; }
  void reset_parameters(Generator& generator) override;
  std::string extra_repr() const override;

 private:
  RNNBaseOptions options_;
};

class RNN : public Layer<RNN, RNNBase> {
 public:
  explicit RNN(RNNOptions options, Generator& generator = default_generator());
};
class LSTM : public Layer<LSTM, RNNBase> {
 public:
  explicit LSTM(LSTMOptions options, Generator& generator = default_generator());
};
class GRU : public Layer<GRU, RNNBase> {
 public:
  explicit GRU(GRUOptions options, Generator& generator = default_generator());
};

// RNNCell(input_size, hidden_size, bias=True, nonlinearity='tanh'); LSTMCell and GRUCell have no
// nonlinearity (it stays tanh and is not shown).
struct RNNCellOptions {
  std::int64_t input_size = 0;
  std::int64_t hidden_size = 0;
  bool bias = true;
  RNNNonlinearity nonlinearity = RNNNonlinearity::tanh;
  // The name when nonlinearity is `other`: nn.RNNCell accepts any string and fails only in forward
  // ("Unknown nonlinearity: sigmoid"), after its construction has drawn.
  std::string nonlinearity_name{};
  DType dtype = DType::float32;
};
struct LSTMCellOptions {
  std::int64_t input_size = 0;
  std::int64_t hidden_size = 0;
  bool bias = true;
  DType dtype = DType::float32;
};
using GRUCellOptions = LSTMCellOptions;

// PyTorch's RNNCellBase: no checks; `num_chunks` is G.
class RNNCellBase : public Module {
 public:
  RNNCellBase(std::string type_name, RNNCellOptions options, std::int64_t num_chunks, Generator& generator);
  const RNNCellOptions& options() const { return options_; }
  std::int64_t num_chunks() const { return num_chunks_; }
  void reset_parameters(Generator& generator) override;
  std::string extra_repr() const override;

 private:
  RNNCellOptions options_;
  std::int64_t num_chunks_;
};

class RNNCell : public Layer<RNNCell, RNNCellBase> {
 public:
  explicit RNNCell(RNNCellOptions options, Generator& generator = default_generator());
};
class LSTMCell : public Layer<LSTMCell, RNNCellBase> {
 public:
  explicit LSTMCell(LSTMCellOptions options, Generator& generator = default_generator());
};
class GRUCell : public Layer<GRUCell, RNNCellBase> {
 public:
  explicit GRUCell(GRUCellOptions options, Generator& generator = default_generator());
};

// The forget-gate bias of an LSTM (Gers, Schmidhuber and Cummins 2000; Jozefowicz, Zaremba and
// Sutskever 2015 recommend 1). LSTM gates are stacked [i, f, g, o], so the forget rows of a bias of
// length 4H are [H, 2H). The gate sees bias_ih + bias_hh, so the forget rows of a `bias_ih*` tensor are
// set to `value` and those of a `bias_hh*` tensor to 0: the forget gate's bias is then exactly `value`.
// The other gates' rows are left as they are. `parameter_name` is the parameter's name or dotted path
// ("bias_ih_l0", "0.lstm.bias_hh_l1_reverse"); its last component must start with bias_ih or bias_hh
// (ValueError otherwise), and the tensor must be 1-D with a length divisible by 4 (ValueError).
void forget_gate_bias_(const Tensor& bias, std::string_view parameter_name, double value);

// forget_gate_bias_ on every bias of every LSTM and LSTMCell in `module` (itself included). ValueError
// when the tree holds none, or only bias-free ones.
void init_forget_gate_bias_(Module& module, double value);

}  // namespace nninit::nn
