// One direction of one recurrent layer over a whole sequence, forward and backward: the core that
// kernels_recurrent.cpp stacks into RNN, LSTM and GRU (layers, directions) and runs once for the cells.
//
// Shape legend: T steps, N batch, I input features, H hidden_size, P = H_out (proj_size when an LSTM has
// one, else H), G gates (1 RNN, 4 LSTM [i, f, g, o], 3 GRU [r, z, n]). Sequences are time-major and
// contiguous: x (T, N, I), hidden (T, N, P). Step t of a reverse direction is processed after step t + 1,
// but every sequence is stored in input order.
//
//   RNN   h_t = act(W_ih x_t + b_ih + W_hh h_prev + b_hh)                     act = tanh or relu
//   LSTM  i, f, g, o = sigma, sigma, tanh, sigma of (W_ih x_t + b_ih + W_hh h_prev + b_hh)
//         c_t = f c_prev + i g;  m_t = o tanh(c_t);  h_t = W_hr m_t (or m_t without projection)
//   GRU   r, z = sigma(W_i{r,z} x_t + b_i{r,z} + W_h{r,z} h_prev + b_h{r,z})
//         n = tanh(W_in x_t + b_in + r (W_hn h_prev + b_hn));  h_t = (1 - z) n + z h_prev
#pragma once

#include <cstdint>
#include <string>

#include "nninit/core/tensor.h"
#include "nninit/engine/kernel.h"

namespace nninit::engine {

enum class RecurrentCell { rnn_tanh, rnn_relu, lstm, gru };

struct RecurrentWeights {
  // float32; biases and w_hr may be undefined.
  Tensor w_ih{}, w_hh{}, b_ih{}, b_hh{}, w_hr{};
  // Parameter names for the gradients ("weight_ih_l0_reverse", ...); the module that owns them.
  std::string w_ih_name{}, w_hh_name{}, b_ih_name{}, b_hh_name{}, w_hr_name{};
  const nn::Module* module = nullptr;
};

struct DirectionGrads {
  Tensor x;       // (T, N, I)
  Tensor h0;      // (N, P)
  Tensor c0;      // (N, H), LSTM only
  Tensor hidden;  // (T, N, P): the total gradient reaching each h_t
};

class RecurrentDirection {
 public:
  RecurrentDirection(RecurrentCell cell, RecurrentWeights weights, std::int64_t hidden_size, bool reverse);

  // x (T, N, I), h0 (N, P), c0 (N, H) for an LSTM (undefined for the others). Fills hidden() and cell().
  void forward(const Tensor& x, const Tensor& h0, const Tensor& c0);
  const Tensor& hidden() const { return hidden_; }  // (T, N, P)
  const Tensor& cell() const { return cell_; }      // (T, N, H), LSTM only
  // The state after the last processed step (h_n, c_n).
  Tensor last_hidden() const;
  Tensor last_cell() const;

  // d_hidden (T, N, P) from the outputs; d_h_n (N, P) and d_c_n (N, H) may be undefined. Adds the weights'
  // gradients through the context.
  DirectionGrads backward(const Tensor& d_hidden, const Tensor& d_h_n, const Tensor& d_c_n,
                          BackwardContext& context) const;

 private:
  std::int64_t step_at(std::int64_t s) const { return reverse_ ? steps_ - 1 - s : s; }
  // h_prev of step t (in input order): h0 for the first processed step.
  const float* previous_hidden(std::int64_t t) const;
  const float* previous_cell(std::int64_t t) const;

  RecurrentCell kind_;
  RecurrentWeights w_;
  std::int64_t hidden_size_;  // H
  std::int64_t output_size_;  // P
  std::int64_t gates_;        // G
  bool reverse_;
  std::int64_t steps_ = 0, batch_ = 0, input_size_ = 0;
  Tensor x_, h0_, c0_;
  Tensor hidden_, cell_;
  Tensor activations_;     // (T, N, G*H): the gates after their nonlinearity (RNN: h_t before projection)
  Tensor hidden_gate_;     // GRU: (T, N, H) W_hn h_prev + b_hn
  Tensor pre_projection_;  // LSTM with proj_size: (T, N, H) m_t
};

}  // namespace nninit::engine
