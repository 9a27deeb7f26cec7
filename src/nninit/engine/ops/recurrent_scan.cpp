#include "nninit/engine/ops/recurrent_scan.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "nninit/engine/kernels/kernel_support.h"
#include "nninit/engine/ops/gemm.h"

namespace nninit::engine {
namespace {

using detail::data;

float sigmoid(float v) {
  return 1.0f / (1.0f + std::exp(-v));
}

// rows (M x K) times w^T, w (N x K), plus bias (N) when defined, written to out (M x N) with `beta`.
void project(const float* rows, std::int64_t m, std::int64_t k, const Tensor& w, const Tensor& bias,
             float beta, float* out) {
  const std::int64_t n = w.size(0);
  gemm(Transpose::no, Transpose::yes, m, n, k, 1.0f, rows, k, data(w), k, beta, out, n);
  if (!bias.defined()) return;
  const float* b = data(bias);
  for (std::int64_t i = 0; i < m; ++i) {
    for (std::int64_t j = 0; j < n; ++j) out[i * n + j] += b[j];
  }
}

Tensor column_sums(const Tensor& rows) {
  const std::int64_t n = rows.size(-1), m = rows.numel() / std::max<std::int64_t>(n, 1);
  Tensor out = detail::zeros({n});
  float* s = data(out);
  const float* r = data(rows);
  for (std::int64_t i = 0; i < m; ++i) {
    for (std::int64_t j = 0; j < n; ++j) s[j] += r[i * n + j];
  }
  return out;
}

}  // namespace

RecurrentDirection::RecurrentDirection(RecurrentCell cell, RecurrentWeights weights, std::int64_t hidden_size,
                                       bool reverse)
    : kind_(cell),
      w_(std::move(weights)),
      hidden_size_(hidden_size),
      output_size_(w_.w_hr.defined() ? w_.w_hr.size(0) : hidden_size),
      gates_(cell == RecurrentCell::lstm  ? 4
             : cell == RecurrentCell::gru ? 3
                                          : 1),
      reverse_(reverse) {}

const float* RecurrentDirection::previous_hidden(std::int64_t t) const {
  const bool first = reverse_ ? t == steps_ - 1 : t == 0;
  return first ? data(h0_) : data(hidden_) + (reverse_ ? t + 1 : t - 1) * batch_ * output_size_;
}

const float* RecurrentDirection::previous_cell(std::int64_t t) const {
  const bool first = reverse_ ? t == steps_ - 1 : t == 0;
  return first ? data(c0_) : data(cell_) + (reverse_ ? t + 1 : t - 1) * batch_ * hidden_size_;
}

void RecurrentDirection::forward(const Tensor& x, const Tensor& h0, const Tensor& c0) {
  x_ = x;
  h0_ = h0;
  c0_ = c0;
  steps_ = x.size(0);
  batch_ = x.size(1);
  input_size_ = x.size(2);
  const std::int64_t H = hidden_size_, P = output_size_, GH = gates_ * H, N = batch_;
  hidden_ = detail::empty({steps_, N, P});
  activations_ = detail::empty({steps_, N, GH});
  if (kind_ == RecurrentCell::lstm) cell_ = detail::empty({steps_, N, H});
  if (kind_ == RecurrentCell::gru) hidden_gate_ = detail::empty({steps_, N, H});
  if (w_.w_hr.defined()) pre_projection_ = detail::empty({steps_, N, H});
  // All input projections at once: (T*N, I) x W_ih^T -> (T*N, G*H), kept in activations_ until each step
  // replaces them by the gates.
  project(data(x_), steps_ * N, input_size_, w_.w_ih, w_.b_ih, 0.0f, data(activations_));
  std::vector<float> recurrent(static_cast<std::size_t>(N * GH));
  for (std::int64_t s = 0; s < steps_; ++s) {
    const std::int64_t t = step_at(s);
    const float* hp = previous_hidden(t);
    project(hp, N, P, w_.w_hh, w_.b_hh, 0.0f, recurrent.data());
    float* a = data(activations_) + t * N * GH;
    float* h = data(hidden_) + t * N * P;
    for (std::int64_t n = 0; n < N; ++n) {
      float* an = a + n * GH;
      const float* rn = recurrent.data() + n * GH;
      if (kind_ == RecurrentCell::rnn_tanh || kind_ == RecurrentCell::rnn_relu) {
        for (std::int64_t j = 0; j < H; ++j) {
          const float v = an[j] + rn[j];
          an[j] = kind_ == RecurrentCell::rnn_tanh ? std::tanh(v) : std::max(v, 0.0f);
          h[n * P + j] = an[j];
        }
      } else if (kind_ == RecurrentCell::lstm) {
        const float* cp = previous_cell(t) + n * H;
        float* c = data(cell_) + (t * N + n) * H;
        float* m = w_.w_hr.defined() ? data(pre_projection_) + (t * N + n) * H : h + n * P;
        for (std::int64_t j = 0; j < H; ++j) {
          const float i = sigmoid(an[j] + rn[j]);
          const float f = sigmoid(an[H + j] + rn[H + j]);
          const float g = std::tanh(an[2 * H + j] + rn[2 * H + j]);
          const float o = sigmoid(an[3 * H + j] + rn[3 * H + j]);
          an[j] = i, an[H + j] = f, an[2 * H + j] = g, an[3 * H + j] = o;
          c[j] = f * cp[j] + i * g;
          m[j] = o * std::tanh(c[j]);
        }
      } else {
        const float* hpn = hp + n * P;
        float* hn_gate = data(hidden_gate_) + (t * N + n) * H;
        for (std::int64_t j = 0; j < H; ++j) {
          const float r = sigmoid(an[j] + rn[j]);
          const float z = sigmoid(an[H + j] + rn[H + j]);
          const float nn_ = std::tanh(an[2 * H + j] + r * rn[2 * H + j]);
          an[j] = r, an[H + j] = z, an[2 * H + j] = nn_;
          hn_gate[j] = rn[2 * H + j];
          h[n * P + j] = nn_ + z * (hpn[j] - nn_);
        }
      }
    }
    if (w_.w_hr.defined()) project(data(pre_projection_) + t * N * H, N, H, w_.w_hr, Tensor(), 0.0f, h);
  }
}

Tensor RecurrentDirection::last_hidden() const {
  if (steps_ == 0) return h0_.clone();
  return hidden_.select(0, reverse_ ? 0 : steps_ - 1).clone();
}

Tensor RecurrentDirection::last_cell() const {
  if (steps_ == 0) return c0_.clone();
  return cell_.select(0, reverse_ ? 0 : steps_ - 1).clone();
}

DirectionGrads RecurrentDirection::backward(const Tensor& d_hidden, const Tensor& d_h_n, const Tensor& d_c_n,
                                            BackwardContext& context) const {
  const std::int64_t H = hidden_size_, P = output_size_, GH = gates_ * H, N = batch_, T = steps_;
  const bool lstm = kind_ == RecurrentCell::lstm, gru = kind_ == RecurrentCell::gru;
  DirectionGrads out;
  out.hidden = detail::empty({T, N, P});
  Tensor d_input_gates = detail::empty({T, N, GH});
  Tensor d_hidden_gates = gru ? detail::empty({T, N, GH}) : d_input_gates;
  Tensor dh_next = d_h_n.defined() ? d_h_n.clone() : detail::zeros({N, P});
  Tensor dc_next = lstm ? (d_c_n.defined() ? d_c_n.clone() : detail::zeros({N, H})) : Tensor();
  std::vector<float> dm(static_cast<std::size_t>(N * H));
  for (std::int64_t s = T - 1; s >= 0; --s) {
    const std::int64_t t = step_at(s);
    float* dh = data(out.hidden) + t * N * P;
    const float* from_output = data(d_hidden) + t * N * P;
    const float* carried = data(dh_next);
    for (std::int64_t i = 0; i < N * P; ++i) dh[i] = from_output[i] + carried[i];
    // d m_t: through the projection, or d h_t itself.
    const float* dmt = dh;
    if (w_.w_hr.defined()) {
      gemm(Transpose::no, Transpose::no, N, H, P, 1.0f, dh, P, data(w_.w_hr), H, 0.0f, dm.data(), H);
      dmt = dm.data();
    }
    const float* a = data(activations_) + t * N * GH;
    float* dgi = data(d_input_gates) + t * N * GH;
    float* dgh = data(d_hidden_gates) + t * N * GH;
    const float* hp = previous_hidden(t);
    for (std::int64_t n = 0; n < N; ++n) {
      const float* an = a + n * GH;
      float* gi = dgi + n * GH;
      float* gh = dgh + n * GH;
      if (!lstm && !gru) {
        for (std::int64_t j = 0; j < H; ++j) {
          const float h = an[j], d = dmt[n * H + j];
          gi[j] = kind_ == RecurrentCell::rnn_tanh ? d * (1.0f - h * h) : (h > 0.0f ? d : 0.0f);
        }
      } else if (lstm) {
        const float* c = data(cell_) + (t * N + n) * H;
        const float* cp = previous_cell(t) + n * H;
        float* dc = data(dc_next) + n * H;
        for (std::int64_t j = 0; j < H; ++j) {
          const float i = an[j], f = an[H + j], g = an[2 * H + j], o = an[3 * H + j];
          const float tc = std::tanh(c[j]);
          const float d = dmt[n * H + j];
          const float dct = dc[j] + d * o * (1.0f - tc * tc);
          gi[j] = dct * g * i * (1.0f - i);
          gi[H + j] = dct * cp[j] * f * (1.0f - f);
          gi[2 * H + j] = dct * i * (1.0f - g * g);
          gi[3 * H + j] = d * tc * o * (1.0f - o);
          dc[j] = dct * f;  // d c_prev
        }
      } else {
        const float* hpn = hp + n * P;
        const float* hn_gate = data(hidden_gate_) + (t * N + n) * H;
        float* dhp = data(dh_next) + n * P;
        for (std::int64_t j = 0; j < H; ++j) {
          const float r = an[j], z = an[H + j], nn_ = an[2 * H + j];
          const float d = dh[n * P + j];
          const float dn = d * (1.0f - z) * (1.0f - nn_ * nn_);
          const float dz = d * (hpn[j] - nn_) * z * (1.0f - z);
          const float dr = dn * hn_gate[j] * r * (1.0f - r);
          gi[j] = gh[j] = dr;
          gi[H + j] = gh[H + j] = dz;
          gi[2 * H + j] = dn;
          gh[2 * H + j] = dn * r;
          dhp[j] = d * z;  // the direct path h_prev -> h_t; the gates' path is added below
        }
      }
    }
    // d h_prev = dGH_t W_hh (+ the GRU's direct path, already in dh_next).
    gemm(Transpose::no, Transpose::no, N, P, GH, 1.0f, dgh, GH, data(w_.w_hh), P, gru ? 1.0f : 0.0f,
         data(dh_next), P);
  }
  out.h0 = dh_next;
  out.c0 = dc_next;
  // Weight gradients, each one GEMM over all steps.
  out.x = detail::empty({T, N, input_size_});
  gemm(Transpose::no, Transpose::no, T * N, input_size_, GH, 1.0f, data(d_input_gates), GH, data(w_.w_ih),
       input_size_, 0.0f, data(out.x), input_size_);
  Tensor dw_ih = detail::empty(w_.w_ih.sizes());
  gemm(Transpose::yes, Transpose::no, GH, input_size_, T * N, 1.0f, data(d_input_gates), GH, data(x_),
       input_size_, 0.0f, data(dw_ih), input_size_);
  context.accumulate(*w_.module, w_.w_ih_name, dw_ih);
  Tensor previous = detail::empty({T, N, P});
  for (std::int64_t t = 0; t < T; ++t) {
    std::copy(previous_hidden(t), previous_hidden(t) + N * P, data(previous) + t * N * P);
  }
  Tensor dw_hh = detail::empty(w_.w_hh.sizes());
  gemm(Transpose::yes, Transpose::no, GH, P, T * N, 1.0f, data(d_hidden_gates), GH, data(previous), P, 0.0f,
       data(dw_hh), P);
  context.accumulate(*w_.module, w_.w_hh_name, dw_hh);
  if (w_.b_ih.defined()) context.accumulate(*w_.module, w_.b_ih_name, column_sums(d_input_gates));
  if (w_.b_hh.defined()) context.accumulate(*w_.module, w_.b_hh_name, column_sums(d_hidden_gates));
  if (w_.w_hr.defined()) {
    Tensor dw_hr = detail::empty(w_.w_hr.sizes());
    gemm(Transpose::yes, Transpose::no, P, H, T * N, 1.0f, data(out.hidden), P, data(pre_projection_), H,
         0.0f, data(dw_hr), H);
    context.accumulate(*w_.module, w_.w_hr_name, dw_hr);
  }
  return out;
}

}  // namespace nninit::engine
