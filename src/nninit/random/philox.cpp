// PhiloxGenerator's calls and philox_fill_slice: argument checks, the slice's place in the whole, and the
// draw count; the values themselves come from internal/philox_fill.h (docs/rng.md §11).
#include "nninit/random/philox.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include <fmt/format.h>

#include "nninit/core/error.h"
#include "nninit/random/internal/checks.h"
#include "nninit/random/internal/philox_fill.h"

namespace nninit {
namespace {

using philox_kernels::Stream;

void check_floating(const Tensor& tensor, const char* function) {
  if (!is_floating_point(tensor.dtype())) {
    throw TypeError(fmt::format("{}: Philox streams fill floating-point tensors, got {}", function,
                                dtype_name(tensor.dtype())));
  }
}

// `where` must describe `part` and stay inside the whole parameter.
void check_slice(const Tensor& part, const PhiloxSlice& where) {
  if (where.sizes != part.sizes()) {
    throw ValueError(fmt::format("philox_fill_slice: the slice has sizes {} but the tensor has sizes {}",
                                 shape_string(where.sizes), shape_string(part.sizes())));
  }
  if (where.strides.size() != where.sizes.size()) {
    throw ValueError(fmt::format("philox_fill_slice: {} strides for {} dimensions", where.strides.size(),
                                 where.sizes.size()));
  }
  const std::int64_t whole = shape_numel(where.whole);
  if (part.numel() == 0) return;
  std::int64_t last = where.offset;
  for (std::size_t d = 0; d < where.sizes.size(); ++d) {
    if (where.sizes[d] > 1 && where.strides[d] < 0) {
      throw ValueError(
          fmt::format("philox_fill_slice: stride {} of dimension {} is negative", where.strides[d], d));
    }
    last += (where.sizes[d] - 1) * where.strides[d];
  }
  if (where.offset < 0 || last >= whole) {
    throw ValueError(fmt::format(
        "philox_fill_slice: the slice reaches elements {} to {} of a parameter of shape {} ({} elements)",
        where.offset, last, shape_string(where.whole), whole));
  }
}

void fill(const Stream& stream, const Tensor& part, const PhiloxSlice& where, const PhiloxUniform& d) {
  check_floating(part, "uniform_");
  check_uniform_bounds(part.dtype(), d.from, d.to);
  if (part.dtype() != DType::float64 &&
      !std::isfinite(static_cast<float>(d.to) - static_cast<float>(d.from))) {
    throw RuntimeError(
        fmt::format("uniform_: to - from overflows float32 (from={:g}, to={:g})", d.from, d.to));
  }
  check_slice(part, where);
  if (part.numel() > 0) philox_fill::uniform(stream, part, where, d.from, d.to);
}

void fill(const Stream& stream, const Tensor& part, const PhiloxSlice& where, const PhiloxNormal& d) {
  check_floating(part, "normal_");
  if (!(d.std >= 0.0)) {
    throw RuntimeError(fmt::format("normal_: normal expects std >= 0.0, but found std {:g}", d.std));
  }
  if (!std::isfinite(d.mean) || !std::isfinite(d.std)) {
    throw ValueError(
        fmt::format("normal_: mean and std must be finite, got mean={:g}, std={:g}", d.mean, d.std));
  }
  check_slice(part, where);
  if (part.numel() > 0) philox_fill::normal(stream, part, where, d.mean, d.std);
}

void fill(const Stream& stream, const Tensor& part, const PhiloxSlice& where, const PhiloxTruncNormal& d) {
  check_floating(part, "trunc_normal_");
  if (d.std == 0.0) throw ZeroDivisionError("trunc_normal_: float division by zero");
  if (!(d.std > 0.0) || !std::isfinite(d.std) || !std::isfinite(d.mean)) {
    throw ValueError(fmt::format("trunc_normal_: expects a finite mean and std > 0, got mean={:g}, std={:g}",
                                 d.mean, d.std));
  }
  if (!(d.a <= d.b)) {
    throw ValueError(fmt::format("trunc_normal_: expects a <= b, got a={:g}, b={:g}", d.a, d.b));
  }
  // The window must hold a finite value of the type the values are computed in.
  const bool in_float = part.dtype() != DType::float64;
  const double low = in_float ? philox_fill::float_at_or_above(d.a) : d.a;
  const double high = in_float ? philox_fill::float_at_or_below(d.b) : d.b;
  if (!(low <= high) || low == std::numeric_limits<double>::infinity() ||
      high == -std::numeric_limits<double>::infinity()) {
    throw ValueError(fmt::format("trunc_normal_: no finite {} value lies in [a, b] = [{:g}, {:g}]",
                                 in_float ? "float32" : "float64", d.a, d.b));
  }
  check_slice(part, where);
  if (part.numel() > 0) philox_fill::trunc_normal(stream, part, where, d.mean, d.std, d.a, d.b);
}

void fill(const Stream& stream, const Tensor& part, const PhiloxSlice& where, const PhiloxRandom& d) {
  if (part.dtype() != DType::int64) {
    throw TypeError(fmt::format("random_: nninit draws integers into int64 tensors only, got {}",
                                dtype_name(part.dtype())));
  }
  if (d.from >= d.to) {
    throw RuntimeError(fmt::format(
        "random_: random_ expects 'from' to be less than 'to', but got from={} >= to={}", d.from, d.to));
  }
  check_slice(part, where);
  if (part.numel() > 0) philox_fill::random(stream, part, where, d.from, d.to);
}

void fill(const Stream& stream, const Tensor& part, const PhiloxSlice& where,
          const PhiloxDistribution& distribution) {
  std::visit([&](const auto& parameters) { fill(stream, part, where, parameters); }, distribution);
}

}  // namespace

PhiloxSlice PhiloxSlice::all(const Shape& whole) {
  return {.whole = whole, .sizes = whole, .strides = contiguous_strides(whole), .offset = 0};
}

PhiloxSlice PhiloxSlice::narrow(const Shape& whole, std::int64_t dim, std::int64_t start,
                                std::int64_t length) {
  const auto dims = static_cast<std::int64_t>(whole.size());
  if (dim < -dims || dim >= dims) {
    throw IndexError(fmt::format("PhiloxSlice::narrow: dimension {} of a {}-dimensional shape", dim, dims));
  }
  const auto d = static_cast<std::size_t>(dim < 0 ? dim + dims : dim);
  if (start < 0 || length < 0 || start + length > whole[d]) {
    throw IndexError(fmt::format("PhiloxSlice::narrow: [{}, {}) is outside dimension {} of size {}", start,
                                 start + length, dim, whole[d]));
  }
  PhiloxSlice slice = all(whole);
  slice.sizes[d] = length;
  slice.offset = start * slice.strides[d];
  return slice;
}

PhiloxSlice PhiloxSlice::of(const Tensor& part, const Tensor& whole) {
  if (!part.shares_storage_with(whole) || !whole.is_contiguous()) {
    throw ValueError("PhiloxSlice::of: `part` must be a view of the contiguous tensor `whole`");
  }
  return {.whole = whole.sizes(),
          .sizes = part.sizes(),
          .strides = part.strides(),
          .offset = part.storage_offset() - whole.storage_offset()};
}

PhiloxGenerator::PhiloxGenerator(std::uint64_t seed, std::string_view parameter_name)
    : seed_(seed), parameter_name_(parameter_name), key_(philox_key(seed, parameter_name)) {}

void PhiloxGenerator::draw(const Tensor& tensor, const PhiloxDistribution& distribution) {
  if (draws_ == std::numeric_limits<std::uint32_t>::max()) {
    throw RuntimeError(
        fmt::format("PhiloxGenerator: the stream of '{}' has made its 2^32 - 1 draws", parameter_name_));
  }
  fill(Stream{key_, draws_, 0}, tensor, PhiloxSlice::all(tensor.sizes()), distribution);
  ++draws_;
}

void PhiloxGenerator::skip_draws(std::uint32_t count) {
  if (count > std::numeric_limits<std::uint32_t>::max() - draws_) {
    throw RuntimeError(
        fmt::format("PhiloxGenerator: the stream of '{}' has made its 2^32 - 1 draws", parameter_name_));
  }
  draws_ += count;
}

void PhiloxGenerator::uniform_(const Tensor& tensor, double from, double to) {
  draw(tensor, PhiloxUniform{from, to});
}

void PhiloxGenerator::normal_(const Tensor& tensor, double mean, double std) {
  draw(tensor, PhiloxNormal{mean, std});
}

void PhiloxGenerator::trunc_normal_(const Tensor& tensor, double mean, double std, double a, double b) {
  draw(tensor, PhiloxTruncNormal{mean, std, a, b});
}

void PhiloxGenerator::random_(const Tensor& tensor, std::int64_t from, std::int64_t to) {
  draw(tensor, PhiloxRandom{from, to});
}

Tensor PhiloxGenerator::randperm(std::int64_t n) {
  if (n < 0) throw RuntimeError(fmt::format("randperm: n must be non-negative, got{}", n));
  if (draws_ == std::numeric_limits<std::uint32_t>::max()) {
    throw RuntimeError(
        fmt::format("PhiloxGenerator: the stream of '{}' has made its 2^32 - 1 draws", parameter_name_));
  }
  const Stream stream{key_, draws_, 0};
  ++draws_;
  // Sort the indices by their keys, ties by index (docs/rng.md §11.7).
  std::vector<std::pair<std::uint64_t, std::int64_t>> keyed(static_cast<std::size_t>(n));
  for (std::int64_t k = 0; k < n; ++k) {
    keyed[static_cast<std::size_t>(k)] = {philox_fill::permutation_key(stream, static_cast<std::uint64_t>(k)),
                                          k};
  }
  std::sort(keyed.begin(), keyed.end());
  Tensor result = Tensor::empty({n}, DType::int64);
  std::int64_t* r = result.data_ptr<std::int64_t>();
  for (std::int64_t k = 0; k < n; ++k) r[k] = keyed[static_cast<std::size_t>(k)].second;
  return result;
}

void philox_fill_slice(const PhiloxGenerator& stream, const Tensor& part, const PhiloxSlice& where,
                       const PhiloxDistribution& distribution) {
  fill(Stream{stream.key(), stream.draws(), 0}, part, where, distribution);
}

}  // namespace nninit
