// RNN, LSTM and GRU (layers, directions, batch_first, unbatched inputs, proj_size, dropout between
// layers in train mode) and the cells RNNCell, LSTMCell, GRUCell, stacked from RecurrentDirection.
//
//   RNN/GRU   (input[, h_0]) -> (output, h_n)       LSTM (input[, h_0, c_0]) -> (output, h_n, c_n)
//   input (T, N, I), or (N, T, I) with batch_first, or (T, I) unbatched; output (T, N, D * P) likewise;
//   h_0, h_n (L * D, N, P) or (L * D, P) unbatched; c_0, c_n (L * D, N, H).
//   RNNCell/GRUCell (input[, h]) -> h'              LSTMCell (input[, h, c]) -> (h', c')
// Layer l > 0 reads the concatenated outputs of both directions of layer l - 1.
#include <fmt/format.h>

#include "nninit/core/error.h"
#include "nninit/engine/dropout_mask.h"
#include "nninit/engine/kernels/kernel_support.h"
#include "nninit/engine/ops/recurrent_scan.h"
#include "nninit/nn/rnn.h"

namespace nninit::engine::detail {
namespace {

RecurrentCell cell_kind(nn::RNNMode mode) {
  switch (mode) {
    case nn::RNNMode::rnn_relu: return RecurrentCell::rnn_relu;
    case nn::RNNMode::lstm: return RecurrentCell::lstm;
    case nn::RNNMode::gru: return RecurrentCell::gru;
    default: return RecurrentCell::rnn_tanh;
  }
}

// Columns [begin, begin + width) of every row of a (rows, total) tensor, as a new (rows, width) tensor.
Tensor columns(const Tensor& t, std::int64_t begin, std::int64_t width) {
  const std::int64_t total = t.size(-1), rows = t.numel() / total;
  Shape shape = t.sizes();
  shape.back() = width;
  Tensor out = empty(shape);
  for (std::int64_t r = 0; r < rows; ++r) {
    std::copy(data(t) + r * total + begin, data(t) + r * total + begin + width, data(out) + r * width);
  }
  return out;
}

void set_columns(const Tensor& t, std::int64_t begin, const Tensor& part) {
  const std::int64_t total = t.size(-1), width = part.size(-1), rows = t.numel() / total;
  for (std::int64_t r = 0; r < rows; ++r) {
    std::copy(data(part) + r * width, data(part) + (r + 1) * width, data(t) + r * total + begin);
  }
}

void copy_into(const Tensor& stacked, std::int64_t index, const Tensor& part) {
  std::copy(data(part), data(part) + part.numel(), data(stacked) + index * part.numel());
}

class RecurrentKernel : public Kernel {
 public:
  explicit RecurrentKernel(const nn::RNNBase& module) : module_(module), o_(module.options()) {}

  std::vector<Tensor> forward(const std::vector<Tensor>& inputs, ForwardContext& context) override {
    const bool lstm = o_.mode == nn::RNNMode::lstm;
    if (lstm && inputs.size() == 2) throw TypeError("LSTM: h_0 and c_0 must be given together");
    check_input_count(module_, inputs, 1, lstm ? 3 : 2);
    Tensor x = float_input(module_, inputs, 0);
    if (x.dim() != 2 && x.dim() != 3) {
      throw ValueError(
          fmt::format("{}: Expected input to be 2D or 3D, got {}D instead", module_.type_name(), x.dim()));
    }
    unbatched_ = x.dim() == 2;
    x = unbatched_ ? x.unsqueeze(1) : (o_.batch_first ? x.transpose(0, 1).contiguous() : x);
    if (x.size(2) != o_.input_size) {
      throw RuntimeError(fmt::format("input.size(-1) must be equal to input_size. Expected {}, got {}",
                                     o_.input_size, x.size(2)));
    }
    const std::int64_t T = x.size(0), N = x.size(1), H = o_.hidden_size;
    const std::int64_t P = o_.proj_size > 0 ? o_.proj_size : H, D = o_.bidirectional ? 2 : 1,
                       L = o_.num_layers;
    const Tensor h0 = initial_state(inputs, 1, {L * D, N, P});
    const Tensor c0 = lstm ? initial_state(inputs, 2, {L * D, N, H}) : Tensor();
    has_initial_ = inputs.size() > 1 && inputs[1].defined();
    RecurrentStates states{.num_layers = L, .num_directions = D, .hidden = empty({L * D, T, N, P})};
    if (lstm) states.cell = empty({L * D, T, N, H});
    Tensor h_n = empty({L * D, N, P}), c_n = lstm ? empty({L * D, N, H}) : Tensor();
    Tensor layer_input = x;
    const bool drop = module_.is_training() && o_.dropout > 0.0 && L > 1;
    for (std::int64_t l = 0; l < L; ++l) {
      Tensor layer_output = empty({T, N, D * P});
      for (std::int64_t d = 0; d < D; ++d) {
        const std::int64_t k = l * D + d;
        directions_.emplace_back(cell_kind(o_.mode), weights(context, l, d == 1), H, d == 1);
        RecurrentDirection& dir = directions_.back();
        dir.forward(layer_input, h0.select(0, k).contiguous(),
                    lstm ? c0.select(0, k).contiguous() : Tensor());
        set_columns(layer_output, d * P, dir.hidden());
        copy_into(states.hidden, k, dir.hidden());
        copy_into(h_n, k, dir.last_hidden());
        if (lstm) {
          copy_into(states.cell, k, dir.cell());
          copy_into(c_n, k, dir.last_cell());
        }
      }
      if (drop && l + 1 < L) {
        const std::uint64_t key = context.next_random_key();
        Tensor mask = empty(layer_output.sizes());
        const float scale = o_.dropout >= 1.0 ? 0.0f : static_cast<float>(1.0 / (1.0 - o_.dropout));
        float *m = data(mask), *out = data(layer_output);
        for (std::int64_t i = 0, n = mask.numel(); i < n; ++i) {
          m[i] = mask_uniform(key, static_cast<std::uint64_t>(i)) >= o_.dropout ? scale : 0.0f;
          out[i] *= m[i];
        }
        masks_.push_back(mask);
      }
      layer_input = layer_output;
    }
    context.record_recurrent(states);
    std::vector<Tensor> outputs{from_time_major(layer_input), unbatched_ ? h_n.select(1, 0) : h_n};
    if (lstm) outputs.push_back(unbatched_ ? c_n.select(1, 0) : c_n);
    return outputs;
  }

  std::vector<Tensor> backward(const std::vector<Tensor>& grad_outputs,
                               BackwardContext& context) const override {
    const bool lstm = o_.mode == nn::RNNMode::lstm;
    const std::int64_t D = o_.bidirectional ? 2 : 1, L = o_.num_layers;
    Tensor d_layer = to_time_major(grad_outputs[0]);
    Tensor d_h_n = grad_outputs[1].contiguous(), d_c_n = lstm ? grad_outputs[2].contiguous() : Tensor();
    if (unbatched_) {
      d_h_n = d_h_n.unsqueeze(1);
      if (lstm) d_c_n = d_c_n.unsqueeze(1);
    }
    const RecurrentDirection& first = directions_.front();
    const std::int64_t T = first.hidden().size(0), N = first.hidden().size(1), P = first.hidden().size(2);
    Tensor d_h0 = empty(d_h_n.sizes()), d_c0 = lstm ? empty(d_c_n.sizes()) : Tensor();
    Tensor hidden_grads = empty({L * D, T, N, P});
    for (std::int64_t l = L - 1; l >= 0; --l) {
      Tensor d_input;
      for (std::int64_t d = 0; d < D; ++d) {
        const std::int64_t k = l * D + d;
        const DirectionGrads g = directions_[static_cast<std::size_t>(k)].backward(
            columns(d_layer, d * P, P), d_h_n.select(0, k).contiguous(),
            lstm ? d_c_n.select(0, k).contiguous() : Tensor(), context);
        if (d_input.defined()) {
          add_into(d_input, g.x);
        } else {
          d_input = g.x;
        }
        copy_into(d_h0, k, g.h0);
        if (lstm) copy_into(d_c0, k, g.c0);
        copy_into(hidden_grads, k, g.hidden);
      }
      if (l > 0 && !masks_.empty()) {
        const Tensor& mask = masks_[static_cast<std::size_t>(l - 1)];
        const float* m = data(mask);
        float* d = data(d_input);
        for (std::int64_t i = 0, n = d_input.numel(); i < n; ++i) d[i] *= m[i];
      }
      d_layer = d_input;
    }
    context.record_recurrent_grad(hidden_grads);
    std::vector<Tensor> grads{from_time_major(d_layer)};
    if (has_initial_) {
      grads.push_back(unbatched_ ? d_h0.select(1, 0) : d_h0);
      if (lstm) grads.push_back(unbatched_ ? d_c0.select(1, 0) : d_c0);
    }
    return grads;
  }

 private:
  Tensor initial_state(const std::vector<Tensor>& inputs, std::size_t index, const Shape& shape) const {
    if (inputs.size() <= index || !inputs[index].defined()) return zeros(shape);
    Tensor h = float_input(module_, inputs, index);
    if (unbatched_) h = h.dim() == 2 ? h.unsqueeze(1) : h;
    if (h.sizes() != shape) {
      Shape expected = shape;
      if (unbatched_) expected.erase(expected.begin() + 1);
      throw RuntimeError(fmt::format("Expected hidden size {}, got {}", shape_string(expected),
                                     shape_string(inputs[index].sizes())));
    }
    return h.contiguous();
  }

  RecurrentWeights weights(ForwardContext& context, std::int64_t layer, bool reverse) const {
    const std::string suffix = fmt::format("_l{}{}", layer, reverse ? "_reverse" : "");
    RecurrentWeights w{.w_ih_name = "weight_ih" + suffix,
                       .w_hh_name = "weight_hh" + suffix,
                       .b_ih_name = "bias_ih" + suffix,
                       .b_hh_name = "bias_hh" + suffix,
                       .w_hr_name = "weight_hr" + suffix,
                       .module = &module_};
    w.w_ih = context.parameter(module_, w.w_ih_name);
    w.w_hh = context.parameter(module_, w.w_hh_name);
    if (o_.bias) {
      w.b_ih = context.parameter(module_, w.b_ih_name);
      w.b_hh = context.parameter(module_, w.b_hh_name);
    }
    if (o_.proj_size > 0) w.w_hr = context.parameter(module_, w.w_hr_name);
    return w;
  }

  Tensor from_time_major(const Tensor& t) const {
    if (unbatched_) return t.select(1, 0);
    return o_.batch_first ? t.transpose(0, 1).contiguous() : t;
  }
  Tensor to_time_major(const Tensor& t) const {
    if (unbatched_) return t.unsqueeze(1).contiguous();
    return o_.batch_first ? t.transpose(0, 1).contiguous() : t.contiguous();
  }

  const nn::RNNBase& module_;
  nn::RNNBaseOptions o_;
  std::vector<RecurrentDirection> directions_;  // layer l, direction d at l * D + d
  std::vector<Tensor> masks_;                   // dropout after layer l, for l < L - 1 (train mode)
  bool unbatched_ = false;
  bool has_initial_ = false;
};

class CellKernel : public Kernel {
 public:
  explicit CellKernel(const nn::RNNCellBase& module) : module_(module) {}

  std::vector<Tensor> forward(const std::vector<Tensor>& inputs, ForwardContext& context) override {
    const auto& o = module_.options();
    const bool lstm = module_.num_chunks() == 4;
    if (lstm && inputs.size() == 2) throw TypeError("LSTMCell: h and c must be given together");
    check_input_count(module_, inputs, 1, lstm ? 3 : 2);
    Tensor x = float_input(module_, inputs, 0);
    if (x.dim() != 1 && x.dim() != 2) {
      throw ValueError(
          fmt::format("{}: Expected input to be 1D or 2D, got {}D instead", module_.type_name(), x.dim()));
    }
    unbatched_ = x.dim() == 1;
    if (unbatched_) x = x.unsqueeze(0);
    if (x.size(1) != o.input_size) {
      throw RuntimeError(
          fmt::format("input has inconsistent input_size: got {} expected {}", x.size(1), o.input_size));
    }
    const std::int64_t N = x.size(0), H = o.hidden_size;
    auto state = [&](std::size_t i) {
      if (inputs.size() <= i || !inputs[i].defined()) return zeros({N, H});
      Tensor h = float_input(module_, inputs, i);
      if (unbatched_) h = h.unsqueeze(0);
      if (h.sizes() != Shape{N, H}) {
        throw RuntimeError(fmt::format("hidden{} has inconsistent hidden_size: got {}, expected {}",
                                       i == 1 ? "[0]" : "[1]", shape_string(inputs[i].sizes()), H));
      }
      return h.contiguous();
    };
    has_initial_ = inputs.size() > 1 && inputs[1].defined();
    RecurrentCell kind = lstm                                          ? RecurrentCell::lstm
                         : module_.num_chunks() == 3                   ? RecurrentCell::gru
                         : o.nonlinearity == nn::RNNNonlinearity::relu ? RecurrentCell::rnn_relu
                                                                       : RecurrentCell::rnn_tanh;
    RecurrentWeights w{.w_ih = context.parameter(module_, "weight_ih"),
                       .w_hh = context.parameter(module_, "weight_hh"),
                       .w_ih_name = "weight_ih",
                       .w_hh_name = "weight_hh",
                       .b_ih_name = "bias_ih",
                       .b_hh_name = "bias_hh",
                       .module = &module_};
    if (o.bias) {
      w.b_ih = context.parameter(module_, "bias_ih");
      w.b_hh = context.parameter(module_, "bias_hh");
    }
    direction_.emplace(kind, w, H, false);
    direction_->forward(x.unsqueeze(0), state(1), lstm ? state(2) : Tensor());
    auto shaped = [&](Tensor t) { return unbatched_ ? t.select(0, 0) : t; };
    if (lstm) return {shaped(direction_->last_hidden()), shaped(direction_->last_cell())};
    return {shaped(direction_->last_hidden())};
  }

  std::vector<Tensor> backward(const std::vector<Tensor>& grad_outputs,
                               BackwardContext& context) const override {
    const bool lstm = module_.num_chunks() == 4;
    auto batched = [&](const Tensor& t) { return unbatched_ ? t.unsqueeze(0).contiguous() : t.contiguous(); };
    const Tensor dh = batched(grad_outputs[0]);
    const DirectionGrads g =
        direction_->backward(dh.unsqueeze(0), Tensor(), lstm ? batched(grad_outputs[1]) : Tensor(), context);
    auto shaped = [&](const Tensor& t) { return unbatched_ ? t.select(0, 0) : t; };
    std::vector<Tensor> grads{shaped(g.x.select(0, 0))};
    if (has_initial_) {
      grads.push_back(shaped(g.h0));
      if (lstm) grads.push_back(shaped(g.c0));
    }
    return grads;
  }

 private:
  const nn::RNNCellBase& module_;
  std::optional<RecurrentDirection> direction_;
  bool unbatched_ = false;
  bool has_initial_ = false;
};

}  // namespace

std::unique_ptr<Kernel> make_recurrent_kernel(nn::Module& m) {
  if (auto* rnn = dynamic_cast<nn::RNNBase*>(&m)) return std::make_unique<RecurrentKernel>(*rnn);
  if (auto* cell = dynamic_cast<nn::RNNCellBase*>(&m)) return std::make_unique<CellKernel>(*cell);
  return nullptr;
}

}  // namespace nninit::engine::detail
