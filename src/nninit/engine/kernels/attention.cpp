// MultiheadAttention as F.multi_head_attention_forward computes it with need_weights=True and
// average_attn_weights=True, without masks. Shape legend: N batch, L target length, S source length
// (S2 = S + 1 with add_bias_kv, + 1 more with add_zero_attn), E embed_dim, h heads, d = E / h.
//
//   Q = q W_q^T + b_q (N, L, E)   K = k W_k^T + b_k, V = v W_v^T + b_v (N, S, E), then bias_k / bias_v rows
//   and zero rows appended (N, S2, E)
//   per batch n and head j:  P = softmax(Q_nj K_nj^T / sqrt(d)) (L, S2); dropout on P in train mode;
//                            A_nj = P V_nj (L, d), the head's columns of A (N, L, E)
//   output = A W_o^T + b_o; weights = P averaged over heads (N, L, S2)
// Everything is computed batch-major; seq-first and unbatched inputs are transposed in and out.
#include <cmath>

#include <fmt/format.h>

#include "nninit/core/error.h"
#include "nninit/engine/dropout_mask.h"
#include "nninit/engine/kernels/kernel_support.h"
#include "nninit/engine/ops/gemm.h"
#include "nninit/nn/attention.h"

namespace nninit::engine::detail {
namespace {

// rows (M, K) -> rows W^T + b (M, W.rows); W given as a pointer to `out` rows of K columns.
void project(const float* x, std::int64_t m, std::int64_t k, const float* w, const float* b, std::int64_t out,
             float* y) {
  gemm(Transpose::no, Transpose::yes, m, out, k, 1.0f, x, k, w, k, 0.0f, y, out);
  if (!b) return;
  for (std::int64_t i = 0; i < m; ++i)
    for (std::int64_t j = 0; j < out; ++j) y[i * out + j] += b[j];
}

class AttentionKernel : public Kernel {
 public:
  explicit AttentionKernel(const nn::MultiheadAttention& module) : module_(module) {}

  std::vector<Tensor> forward(const std::vector<Tensor>& inputs, ForwardContext& context) override {
    if (inputs.size() != 1 && inputs.size() != 3) {
      throw TypeError(
          fmt::format("MultiheadAttention: forward takes (query, key, value) or one input for "
                      "self-attention, got {} inputs",
                      inputs.size()));
    }
    const auto& o = module_.options();
    input_count_ = inputs.size();
    const Tensor query = float_input(module_, inputs, 0);
    const Tensor key = input_count_ == 1 ? query : float_input(module_, inputs, 1);
    const Tensor value = input_count_ == 1 ? query : float_input(module_, inputs, 2);
    if (query.dim() != 2 && query.dim() != 3) {
      throw AssertionError(
          fmt::format("query should be unbatched 2D or batched 3D tensor but received {}-D query "
                      "tensor",
                      query.dim()));
    }
    unbatched_ = query.dim() == 2;
    q_ = batch_major(query);
    k_ = batch_major(key);
    v_ = batch_major(value);
    const std::int64_t E = o.embed_dim;
    if (q_.size(2) != E || k_.size(2) != module_.kdim() || v_.size(2) != module_.vdim() ||
        k_.size(0) != q_.size(0) || v_.sizes().at(1) != k_.size(1)) {
      throw AssertionError(fmt::format(
          "MultiheadAttention: was expecting embedding dimension of {}, got query {}, "
          "key {}, value {}",
          E, shape_string(query.sizes()), shape_string(key.sizes()), shape_string(value.sizes())));
    }
    N_ = q_.size(0), L_ = q_.size(1), S_ = k_.size(1);
    heads_ = o.num_heads;
    d_ = module_.head_dim();
    S2_ = S_ + (o.add_bias_kv ? 1 : 0) + (o.add_zero_attn ? 1 : 0);
    load_weights(context);
    const Tensor qp = empty({N_, L_, E}), kp = empty({N_, S_, E}), vp = empty({N_, S_, E});
    project(data(q_), N_ * L_, E, w_[0], b_[0], E, data(qp));
    project(data(k_), N_ * S_, module_.kdim(), w_[1], b_[1], E, data(kp));
    project(data(v_), N_ * S_, module_.vdim(), w_[2], b_[2], E, data(vp));
    qp_ = qp;
    kx_ = extend(kp, "bias_k", context);
    vx_ = extend(vp, "bias_v", context);
    probs_ = empty({N_, heads_, L_, S2_});
    const bool drop = module_.is_training() && o.dropout > 0.0;
    if (drop) dropped_ = empty({N_, heads_, L_, S2_});
    const std::uint64_t key_stream = drop ? context.next_random_key() : 0;
    const float keep_scale = o.dropout >= 1.0 ? 0.0f : static_cast<float>(1.0 / (1.0 - o.dropout));
    attn_ = empty({N_, L_, E});
    Tensor weights = zeros({N_, L_, S2_});
    float* pw = data(weights);
    const float scale = 1.0f / std::sqrt(static_cast<float>(d_));
    for (std::int64_t n = 0; n < N_; ++n) {
      for (std::int64_t j = 0; j < heads_; ++j) {
        float* p = data(probs_) + (n * heads_ + j) * L_ * S2_;
        gemm(Transpose::no, Transpose::yes, L_, S2_, d_, scale, data(qp_) + n * L_ * E + j * d_, E,
             data(kx_) + n * S2_ * E + j * d_, E, 0.0f, p, S2_);
        for (std::int64_t r = 0; r < L_; ++r) softmax_row(p + r * S2_);
        const float* used = p;
        if (drop) {
          float* pd = data(dropped_) + (n * heads_ + j) * L_ * S2_;
          const std::uint64_t base = static_cast<std::uint64_t>((n * heads_ + j) * L_ * S2_);
          for (std::int64_t i = 0; i < L_ * S2_; ++i) {
            pd[i] = mask_uniform(key_stream, base + static_cast<std::uint64_t>(i)) >= o.dropout
                        ? p[i] * keep_scale
                        : 0.0f;
          }
          used = pd;
        }
        for (std::int64_t i = 0; i < L_ * S2_; ++i)
          pw[n * L_ * S2_ + i] += used[i] / static_cast<float>(heads_);
        gemm(Transpose::no, Transpose::no, L_, d_, S2_, 1.0f, used, S2_, data(vx_) + n * S2_ * E + j * d_, E,
             0.0f, data(attn_) + n * L_ * E + j * d_, E);
      }
    }
    Tensor out = empty({N_, L_, E});
    project(data(attn_), N_ * L_, E, data(out_weight_), out_bias_.defined() ? data(out_bias_) : nullptr, E,
            data(out));
    return {to_input_layout(out), unbatched_ ? weights.select(0, 0) : weights};
  }

  std::vector<Tensor> backward(const std::vector<Tensor>& grad_outputs,
                               BackwardContext& context) const override;

 private:
  void load_weights(ForwardContext& context) {
    const std::int64_t E = module_.options().embed_dim;
    packed_ = module_.qkv_same_embed_dim();
    if (packed_) {
      in_weight_ = context.parameter(module_, "in_proj_weight");
      for (int i = 0; i < 3; ++i) w_[i] = data(in_weight_) + i * E * E;
    } else {
      separate_[0] = context.parameter(module_, "q_proj_weight");
      separate_[1] = context.parameter(module_, "k_proj_weight");
      separate_[2] = context.parameter(module_, "v_proj_weight");
      for (int i = 0; i < 3; ++i) w_[i] = data(separate_[i]);
    }
    in_bias_ = module_.options().bias ? context.parameter(module_, "in_proj_bias") : Tensor();
    for (int i = 0; i < 3; ++i) b_[i] = in_bias_.defined() ? data(in_bias_) + i * E : nullptr;
    const nn::Module& out_proj = module_.child("out_proj");
    out_weight_ = context.parameter(out_proj, "weight");
    out_bias_ = out_proj.has_parameter("bias") ? context.parameter(out_proj, "bias") : Tensor();
  }

  Tensor batch_major(const Tensor& t) const {
    if (t.dim() == 2) return t.unsqueeze(0).contiguous();
    return module_.options().batch_first ? t.contiguous() : t.transpose(0, 1).contiguous();
  }
  Tensor to_input_layout(const Tensor& t) const {
    if (unbatched_) return t.select(0, 0);
    return module_.options().batch_first ? t : t.transpose(0, 1).contiguous();
  }

  // (N, S, E) -> (N, S2, E): bias_k (or bias_v) as row S, then a zero row.
  Tensor extend(const Tensor& projected, std::string_view bias_name, ForwardContext& context) const {
    if (S2_ == S_) return projected;
    const std::int64_t E = module_.options().embed_dim;
    Tensor out = zeros({N_, S2_, E});
    const Tensor bias = module_.options().add_bias_kv ? context.parameter(module_, bias_name) : Tensor();
    for (std::int64_t n = 0; n < N_; ++n) {
      std::copy(data(projected) + n * S_ * E, data(projected) + (n + 1) * S_ * E, data(out) + n * S2_ * E);
      if (bias.defined()) std::copy(data(bias), data(bias) + E, data(out) + (n * S2_ + S_) * E);
    }
    return out;
  }

  void softmax_row(float* row) const {
    float max = -INFINITY, sum = 0.0f;
    for (std::int64_t i = 0; i < S2_; ++i) max = std::max(max, row[i]);
    for (std::int64_t i = 0; i < S2_; ++i) sum += (row[i] = std::exp(row[i] - max));
    for (std::int64_t i = 0; i < S2_; ++i) row[i] /= sum;
  }

  const nn::MultiheadAttention& module_;
  std::size_t input_count_ = 3;
  bool unbatched_ = false, packed_ = true;
  std::int64_t N_ = 0, L_ = 0, S_ = 0, S2_ = 0, heads_ = 1, d_ = 0;
  Tensor q_, k_, v_;               // inputs, batch-major
  Tensor qp_, kx_, vx_;            // projections (K and V extended)
  Tensor probs_, dropped_, attn_;  // softmax (N, h, L, S2); after dropout; heads' outputs (N, L, E)
  Tensor in_weight_, separate_[3], in_bias_, out_weight_, out_bias_;
  const float* w_[3] = {};
  const float* b_[3] = {};
};

std::vector<Tensor> AttentionKernel::backward(const std::vector<Tensor>& grad_outputs,
                                              BackwardContext& context) const {
  const auto& o = module_.options();
  const std::int64_t E = o.embed_dim;
  const Tensor dy = batch_major(grad_outputs[0]);
  const nn::Module& out_proj = module_.child("out_proj");
  Tensor d_out_weight = empty({E, E});
  gemm(Transpose::yes, Transpose::no, E, E, N_ * L_, 1.0f, data(dy), E, data(attn_), E, 0.0f,
       data(d_out_weight), E);
  context.accumulate(out_proj, "weight", d_out_weight);
  if (out_bias_.defined()) {
    Tensor db = zeros({E});
    float* pdb = data(db);
    const float* pdy = data(dy);
    for (std::int64_t i = 0; i < N_ * L_; ++i)
      for (std::int64_t j = 0; j < E; ++j) pdb[j] += pdy[i * E + j];
    context.accumulate(out_proj, "bias", db);
  }
  Tensor d_attn = empty({N_, L_, E});
  gemm(Transpose::no, Transpose::no, N_ * L_, E, E, 1.0f, data(dy), E, data(out_weight_), E, 0.0f,
       data(d_attn), E);
  const Tensor d_weights =
      unbatched_ ? grad_outputs[1].unsqueeze(0).contiguous() : grad_outputs[1].contiguous();
  Tensor dq = empty({N_, L_, E}), dk = empty({N_, S2_, E}), dv = empty({N_, S2_, E});
  std::vector<float> dp(static_cast<std::size_t>(L_ * S2_));
  const float* pdw = data(d_weights);
  const float scale = 1.0f / std::sqrt(static_cast<float>(d_));
  const float keep_scale = o.dropout >= 1.0 ? 0.0f : static_cast<float>(1.0 / (1.0 - o.dropout));
  for (std::int64_t n = 0; n < N_; ++n) {
    for (std::int64_t j = 0; j < heads_; ++j) {
      const std::int64_t head = (n * heads_ + j) * L_ * S2_;
      const float* p = data(probs_) + head;
      const float* used = dropped_.defined() ? data(dropped_) + head : p;
      const float* da = data(d_attn) + n * L_ * E + j * d_;
      // d(used) = dA V^T + d(weights) / h;  dV = used^T dA
      for (std::int64_t i = 0; i < L_ * S2_; ++i) dp[i] = pdw[n * L_ * S2_ + i] / static_cast<float>(heads_);
      gemm(Transpose::no, Transpose::yes, L_, S2_, d_, 1.0f, da, E, data(vx_) + n * S2_ * E + j * d_, E, 1.0f,
           dp.data(), S2_);
      gemm(Transpose::yes, Transpose::no, S2_, d_, L_, 1.0f, used, S2_, da, E, 0.0f,
           data(dv) + n * S2_ * E + j * d_, E);
      for (std::int64_t r = 0; r < L_; ++r) {
        float* row = dp.data() + r * S2_;
        const float* pr = p + r * S2_;
        if (dropped_.defined()) {
          for (std::int64_t i = 0; i < S2_; ++i) row[i] *= used[r * S2_ + i] != 0.0f ? keep_scale : 0.0f;
        }
        float dot = 0.0f;
        for (std::int64_t i = 0; i < S2_; ++i) dot += row[i] * pr[i];
        for (std::int64_t i = 0; i < S2_; ++i) row[i] = pr[i] * (row[i] - dot);
      }
      gemm(Transpose::no, Transpose::no, L_, d_, S2_, scale, dp.data(), S2_, data(kx_) + n * S2_ * E + j * d_,
           E, 0.0f, data(dq) + n * L_ * E + j * d_, E);
      gemm(Transpose::yes, Transpose::no, S2_, d_, L_, scale, dp.data(), S2_, data(qp_) + n * L_ * E + j * d_,
           E, 0.0f, data(dk) + n * S2_ * E + j * d_, E);
    }
  }
  // bias_k and bias_v: the appended row of every batch element.
  if (o.add_bias_kv) {
    Tensor dbk = zeros({1, 1, E}), dbv = zeros({1, 1, E});
    float *pbk = data(dbk), *pbv = data(dbv);
    const float *pk = data(dk), *pv = data(dv);
    for (std::int64_t n = 0; n < N_; ++n)
      for (std::int64_t e = 0; e < E; ++e) {
        pbk[e] += pk[(n * S2_ + S_) * E + e];
        pbv[e] += pv[(n * S2_ + S_) * E + e];
      }
    context.accumulate(module_, "bias_k", dbk);
    context.accumulate(module_, "bias_v", dbv);
  }
  // Back through the input projections. Rows of dk/dv beyond S are dropped by reading only the first S.
  const Tensor* inputs[3] = {&q_, &k_, &v_};
  const Tensor* grads[3] = {&dq, &dk, &dv};
  const std::int64_t lengths[3] = {L_, S_, S_};
  const std::int64_t widths[3] = {E, module_.kdim(), module_.vdim()};
  Tensor d_in_weight = packed_ ? empty({3 * E, E}) : Tensor();
  Tensor d_in_bias = in_bias_.defined() ? zeros({3 * E}) : Tensor();
  std::vector<Tensor> d_inputs;
  for (int i = 0; i < 3; ++i) {
    // Gather the first `lengths[i]` rows of each batch element into (N * len, E).
    const std::int64_t len = lengths[i], rows_per = grads[i]->size(1);
    Tensor g = len == rows_per ? *grads[i] : empty({N_, len, E});
    if (len != rows_per) {
      for (std::int64_t n = 0; n < N_; ++n)
        std::copy(data(*grads[i]) + n * rows_per * E, data(*grads[i]) + (n * rows_per + len) * E,
                  data(g) + n * len * E);
    }
    Tensor dx = empty({N_, len, widths[i]});
    gemm(Transpose::no, Transpose::no, N_ * len, widths[i], E, 1.0f, data(g), E, w_[i], widths[i], 0.0f,
         data(dx), widths[i]);
    d_inputs.push_back(dx);
    Tensor dw = packed_ ? d_in_weight.narrow(0, i * E, E) : empty({E, widths[i]});
    gemm(Transpose::yes, Transpose::no, E, widths[i], N_ * len, 1.0f, data(g), E, data(*inputs[i]), widths[i],
         0.0f, data(dw), widths[i]);
    if (!packed_)
      context.accumulate(module_, i == 0 ? "q_proj_weight" : i == 1 ? "k_proj_weight" : "v_proj_weight", dw);
    if (d_in_bias.defined()) {
      float* pb = data(d_in_bias) + i * E;
      const float* pg = data(g);
      for (std::int64_t r = 0; r < N_ * len; ++r)
        for (std::int64_t e = 0; e < E; ++e) pb[e] += pg[r * E + e];
    }
  }
  if (packed_) context.accumulate(module_, "in_proj_weight", d_in_weight);
  if (d_in_bias.defined()) context.accumulate(module_, "in_proj_bias", d_in_bias);
  if (input_count_ == 1) {
    add_into(d_inputs[0], d_inputs[1]);
    add_into(d_inputs[0], d_inputs[2]);
    return {to_input_layout(d_inputs[0])};
  }
  return {to_input_layout(d_inputs[0]), to_input_layout(d_inputs[1]), to_input_layout(d_inputs[2])};
}

}  // namespace

std::unique_ptr<Kernel> make_attention_kernel(nn::Module& m) {
  if (auto* a = dynamic_cast<nn::MultiheadAttention*>(&m)) return std::make_unique<AttentionKernel>(*a);
  return nullptr;
}

}  // namespace nninit::engine::detail
