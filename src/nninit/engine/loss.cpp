#include "nninit/engine/loss.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "nninit/core/error.h"

namespace nninit::engine {

Loss cross_entropy(const Tensor& logits, const Tensor& targets) {
  if (logits.dim() != 2) {
    throw ValueError(
        fmt::format("cross_entropy: expected logits of shape (N, C), got {}", shape_string(logits.sizes())));
  }
  const std::int64_t n = logits.size(0), c = logits.size(1);
  if (targets.dtype() != DType::int64 || targets.dim() != 1 || targets.size(0) != n) {
    throw ValueError(fmt::format("cross_entropy: expected int64 targets of shape ({}), got {} {}", n,
                                 dtype_name(targets.dtype()), shape_string(targets.sizes())));
  }
  const std::vector<double> x = logits.contiguous().to_doubles();
  const Tensor t = targets.contiguous();
  const std::int64_t* target = t.data_ptr<std::int64_t>();
  Loss loss{.value = 0.0, .grad = Tensor::empty({n, c})};
  float* g = loss.grad.data_ptr<float>();
  for (std::int64_t i = 0; i < n; ++i) {
    if (target[i] < 0 || target[i] >= c)
      throw IndexError(fmt::format("Target {} is out of bounds.", target[i]));
    const double* row = x.data() + i * c;
    const double max = *std::max_element(row, row + c);
    double sum = 0.0;
    for (std::int64_t j = 0; j < c; ++j) sum += std::exp(row[j] - max);
    const double log_sum = max + std::log(sum);
    loss.value += log_sum - row[target[i]];
    for (std::int64_t j = 0; j < c; ++j) {
      const double p = std::exp(row[j] - log_sum);
      g[i * c + j] = static_cast<float>((p - (j == target[i] ? 1.0 : 0.0)) / static_cast<double>(n));
    }
  }
  loss.value /= static_cast<double>(n);
  return loss;
}

Loss mse_loss(const Tensor& output, const Tensor& target) {
  if (output.sizes() != target.sizes()) {
    throw ValueError(fmt::format("mse_loss: output {} and target {} differ in shape",
                                 shape_string(output.sizes()), shape_string(target.sizes())));
  }
  const std::vector<double> a = output.contiguous().to_doubles(), b = target.contiguous().to_doubles();
  const double n = static_cast<double>(std::max<std::size_t>(a.size(), 1));
  Loss loss{.value = 0.0, .grad = Tensor::empty(output.sizes())};
  float* g = loss.grad.data_ptr<float>();
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double d = a[i] - b[i];
    loss.value += d * d;
    g[i] = static_cast<float>(2.0 * d / n);
  }
  loss.value /= n;
  return loss;
}

}  // namespace nninit::engine
