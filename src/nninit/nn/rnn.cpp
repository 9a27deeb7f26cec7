#include "nninit/nn/rnn.h"

#include <cmath>
#include <utility>

#include <fmt/format.h>

#include "nninit/core/error.h"
#include "nninit/core/warning.h"
#include "nninit/init/init.h"
#include "nninit/nn/python_repr.h"

namespace nninit::nn {
namespace {

std::int64_t gate_count(RNNMode mode) {
  switch (mode) {
    case RNNMode::lstm: return 4;
    case RNNMode::gru: return 3;
    case RNNMode::rnn_tanh:
    case RNNMode::rnn_relu: return 1;
  }
  return 1;
}

// uniform_(+-1/sqrt(hidden_size)) on every parameter, in parameters() order.
void reset_uniform(const Module& m, std::int64_t hidden_size, Generator& generator) {
  const double stdv = hidden_size > 0 ? 1.0 / std::sqrt(static_cast<double>(hidden_size)) : 0.0;
  for (const NamedTensor& p : m.named_parameters())
    init::uniform_(p.tensor, {.a = -stdv, .b = stdv}, generator);
}

std::string_view last_component(std::string_view path) {
  const std::size_t dot = path.rfind('.');
  return dot == std::string_view::npos ? path : path.substr(dot + 1);
}

// The RNNBase options of RNN, LSTM and GRU, whose own options share these fields.
template <class Options>
RNNBaseOptions base_options(RNNMode mode, const Options& o, std::int64_t proj_size) {
  return {.mode = mode,
          .input_size = o.input_size,
          .hidden_size = o.hidden_size,
          .num_layers = o.num_layers,
          .bias = o.bias,
          .batch_first = o.batch_first,
          .dropout = o.dropout,
          .bidirectional = o.bidirectional,
          .proj_size = proj_size,
          .dtype = o.dtype};
}

}  // namespace

std::string_view rnn_nonlinearity_name(RNNNonlinearity nonlinearity) {
  return nonlinearity == RNNNonlinearity::relu ? "relu" : "tanh";
}

RNNNonlinearity rnn_nonlinearity_from_name(std::string_view name, std::string_view layer) {
  if (name == "tanh") return RNNNonlinearity::tanh;
  if (name == "relu") return RNNNonlinearity::relu;
  throw ValueError(fmt::format("{}: Unknown nonlinearity '{}'. Select from 'tanh' or 'relu'.", layer, name));
}

RNNBase::RNNBase(std::string type_name, RNNBaseOptions options, Generator& generator)
    : Module(std::move(type_name)), options_(options) {
  const RNNBaseOptions& o = options_;
  const std::string& layer = this->type_name();
  const TorchRelease& release = generator.release();
  if (!(0 <= o.dropout && o.dropout <= 1)) {
    throw ValueError(
        layer +
        ": dropout should be a number in range [0, 1] representing the probability of an element "
        "being zeroed");
  }
  if (o.dropout > 0 && o.num_layers == 1) {
    warn(fmt::format(
        "dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects "
        "num_layers greater than 1, but got dropout={} and num_layers={}",
        python_float(o.dropout), o.num_layers));
  }
  if (release.modules.rnn_checks_input_size && o.input_size <= 0) {
    throw ValueError(layer + ": input_size must be greater than zero");
  }
  if (release.modules.rnn_checks_hidden_size && o.hidden_size <= 0) {
    throw ValueError(layer + ": hidden_size must be greater than zero");
  }
  if (release.modules.rnn_checks_num_layers && o.num_layers <= 0) {
    throw ValueError(layer + ": num_layers must be greater than zero");
  }
  if (o.proj_size < 0) {
    throw ValueError(layer + ": proj_size should be a positive integer or zero to disable projections");
  }
  if (o.proj_size >= o.hidden_size)
    throw ValueError(layer + ": proj_size has to be smaller than hidden_size");
  // Without the num_layers check, PyTorch's flatten_parameters reads the first of no weights.
  if (o.num_layers <= 0) throw IndexError(layer + ": list index out of range");

  const std::int64_t gate_size = size_product(gate_count(o.mode), o.hidden_size, 1);
  const std::int64_t directions = o.bidirectional ? 2 : 1;
  const std::int64_t real_hidden_size = o.proj_size > 0 ? o.proj_size : o.hidden_size;
  for (std::int64_t k = 0; k < o.num_layers; ++k) {
    for (std::int64_t direction = 0; direction < directions; ++direction) {
      const std::string suffix = fmt::format("_l{}{}", k, direction == 1 ? "_reverse" : "");
      const std::int64_t layer_input_size =
          k == 0 ? o.input_size : size_product(real_hidden_size, directions, 2);
      register_parameter("weight_ih" + suffix, Tensor::empty({gate_size, layer_input_size}, o.dtype));
      register_parameter("weight_hh" + suffix, Tensor::empty({gate_size, real_hidden_size}, o.dtype));
      if (o.bias) {
        register_parameter("bias_ih" + suffix, Tensor::empty({gate_size}, o.dtype));
        register_parameter("bias_hh" + suffix, Tensor::empty({gate_size}, o.dtype));
      }
      if (o.proj_size > 0) {
        register_parameter("weight_hr" + suffix, Tensor::empty({o.proj_size, o.hidden_size}, o.dtype));
      }
    }
  }
  reset_parameters(generator);
}

void RNNBase::reset_parameters(Generator& generator) {
  reset_uniform(*this, options_.hidden_size, generator);
}

std::string RNNBase::extra_repr() const {
  const RNNBaseOptions& o = options_;
  std::string s = fmt::format("{}, {}", o.input_size, o.hidden_size);
  if (o.proj_size != 0) s += fmt::format(", proj_size={}", o.proj_size);
  if (o.num_layers != 1) s += fmt::format(", num_layers={}", o.num_layers);
  if (!o.bias) s += ", bias=False";
  if (o.batch_first) s += ", batch_first=True";
  if (o.dropout != 0) s += ", dropout=" + python_float(o.dropout);
  if (o.bidirectional) s += ", bidirectional=True";
  return s;
}

RNN::RNN(RNNOptions o, Generator& generator)
    : Layer(
          "RNN",
          base_options(o.nonlinearity == RNNNonlinearity::relu ? RNNMode::rnn_relu : RNNMode::rnn_tanh, o, 0),
          generator) {}

LSTM::LSTM(LSTMOptions o, Generator& generator)
    : Layer("LSTM", base_options(RNNMode::lstm, o, o.proj_size), generator) {}

GRU::GRU(GRUOptions o, Generator& generator) : Layer("GRU", base_options(RNNMode::gru, o, 0), generator) {}

RNNCellBase::RNNCellBase(std::string type_name, RNNCellOptions options, std::int64_t num_chunks,
                         Generator& generator)
    : Module(std::move(type_name)), options_(options), num_chunks_(num_chunks) {
  const std::int64_t gates = size_product(num_chunks, options.hidden_size, 1);
  register_parameter("weight_ih", Tensor::empty({gates, options.input_size}, options.dtype));
  register_parameter("weight_hh", Tensor::empty({gates, options.hidden_size}, options.dtype));
  register_parameter("bias_ih", options.bias ? Tensor::empty({gates}, options.dtype) : Tensor());
  register_parameter("bias_hh", options.bias ? Tensor::empty({gates}, options.dtype) : Tensor());
  reset_parameters(generator);
}

void RNNCellBase::reset_parameters(Generator& generator) {
  reset_uniform(*this, options_.hidden_size, generator);
}

std::string RNNCellBase::extra_repr() const {
  std::string s = fmt::format("{}, {}", options_.input_size, options_.hidden_size);
  if (!options_.bias) s += ", bias=False";
  if (options_.nonlinearity == RNNNonlinearity::other) {
    s += fmt::format(", nonlinearity={}", options_.nonlinearity_name);
  } else if (options_.nonlinearity != RNNNonlinearity::tanh) {
    s += fmt::format(", nonlinearity={}", rnn_nonlinearity_name(options_.nonlinearity));
  }
  return s;
}

RNNCell::RNNCell(RNNCellOptions options, Generator& generator) : Layer("RNNCell", options, 1, generator) {}

LSTMCell::LSTMCell(LSTMCellOptions o, Generator& generator)
    : Layer("LSTMCell",
            {.input_size = o.input_size, .hidden_size = o.hidden_size, .bias = o.bias, .dtype = o.dtype}, 4,
            generator) {}

GRUCell::GRUCell(GRUCellOptions o, Generator& generator)
    : Layer("GRUCell",
            {.input_size = o.input_size, .hidden_size = o.hidden_size, .bias = o.bias, .dtype = o.dtype}, 3,
            generator) {}

void forget_gate_bias_(const Tensor& bias, std::string_view parameter_name, double value) {
  const std::string_view name = last_component(parameter_name);
  const bool input_bias = name.starts_with("bias_ih");
  if (!input_bias && !name.starts_with("bias_hh")) {
    throw ValueError(fmt::format(
        "forget_gate_bias_: '{}' is not an LSTM bias; expected a parameter named bias_ih* or bias_hh*",
        parameter_name));
  }
  if (bias.dim() != 1 || bias.size(0) % 4 != 0) {
    throw ValueError(fmt::format(
        "forget_gate_bias_: '{}' has shape {}; an LSTM bias is 1-D with 4 * hidden_size rows [i, f, g, o]",
        parameter_name, shape_string(bias.sizes())));
  }
  const std::int64_t hidden_size = bias.size(0) / 4;
  init::constant_(bias.narrow(0, hidden_size, hidden_size), input_bias ? value : 0.0);
}

void init_forget_gate_bias_(Module& module, double value) {
  int biases = 0;
  for (const NamedModule& m : module.named_modules()) {
    if (dynamic_cast<const LSTM*>(m.module) == nullptr && dynamic_cast<const LSTMCell*>(m.module) == nullptr)
      continue;
    for (const NamedTensor& p : m.module->named_parameters(false)) {
      if (!p.name.starts_with("bias_ih") && !p.name.starts_with("bias_hh")) continue;
      forget_gate_bias_(p.tensor, p.name, value);
      ++biases;
    }
  }
  if (biases == 0) {
    throw ValueError(
        fmt::format("init_forget_gate_bias_: {} holds no LSTM or LSTMCell with biases", module.type_name()));
  }
}

}  // namespace nninit::nn
