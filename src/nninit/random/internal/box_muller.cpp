#include "nninit/random/internal/box_muller.h"

#include <bit>
#include <cmath>
#include <cstdint>

namespace nninit::box_muller {
namespace {

constexpr double two_pi_double = 2.0 * 3.14159265358979323846;

using namespace avx_mathfun;

}  // namespace

void glibc_float16(float* block, float mean, float std, bool fused) {
  for (int j = 0; j < 8; ++j) {
    const float u1 = 1.0f - block[j];
    const float u2 = block[j + 8];
    const float radius = std::sqrt(-2.0f * std::log(u1));
    // `2.0f * c10::pi<double> * u2` is evaluated in double and stored into a float.
    const auto theta = static_cast<float>(two_pi_double * static_cast<double>(u2));
    const float c = radius * std::cos(theta);
    const float s = radius * std::sin(theta);
    block[j] = fused ? std::fma(c, std, mean) : c * std + mean;
    block[j + 8] = fused ? std::fma(s, std, mean) : s * std + mean;
  }
}

float avx_mathfun_log(float x) {
  const float smallest_normal = std::bit_cast<float>(0x00800000u);
  x = x < smallest_normal ? smallest_normal : x;  // _mm256_max_ps(x, min_norm_pos)
  const std::uint32_t bits = std::bit_cast<std::uint32_t>(x);
  float e = static_cast<float>(static_cast<std::int32_t>(bits >> 23) - 127) + 1.0f;
  float m = std::bit_cast<float>((bits & ~0x7f800000u) | std::bit_cast<std::uint32_t>(0.5f));  // in [0.5, 1)
  // Below sqrt(1/2) the mantissa is doubled and the exponent lowered: m = (m - 1) + m.
  const bool small = m < sqrt_half;
  const float addend = small ? m : 0.0f;
  m = m - 1.0f;
  e = e - (small ? 1.0f : 0.0f);
  m = m + addend;
  const float z = m * m;
  float y = log_coefficients[0];
  for (int i = 1; i < 9; ++i) y = std::fma(y, m, log_coefficients[i]);
  y = y * m;
  y = std::fma(y, z, e * log_q1);  // GCC fused y*z with the separately rounded e*q1
  y = std::fma(-z, 0.5f, y);       // y - z/2
  float r = m + y;
  r = std::fma(e, log_q2, r);
  return r;
}

void avx_mathfun_sincos(float x, float& sine, float& cosine) {
  bool sine_negative = std::signbit(x);
  x = std::fabs(x);
  const auto octant = static_cast<std::int32_t>(x * four_over_pi);  // truncation, as cvttps
  const std::int32_t j = (octant + 1) & ~1;
  const auto y = static_cast<float>(j);
  const bool swap_sign_sine = (j & 4) != 0;
  const bool use_sine_polynomial_for_sine = (j & 2) == 0;
  // Extended-precision range reduction x - y*pi/4, in three fused steps.
  x = std::fma(y, reduction_1, x);
  x = std::fma(y, reduction_2, x);
  x = std::fma(y, reduction_3, x);
  const bool cosine_negative = ((~(j - 2)) & 4) != 0;
  sine_negative = sine_negative != swap_sign_sine;
  const float z = x * x;
  float c = std::fma(cos_coefficients[0], z, cos_coefficients[1]);
  c = std::fma(c, z, cos_coefficients[2]);
  c = c * z;
  c = std::fma(c, z, -(z * 0.5f));
  c = c + 1.0f;
  float s = std::fma(sin_coefficients[0], z, sin_coefficients[1]);
  s = std::fma(s, z, sin_coefficients[2]);
  s = s * z;
  s = std::fma(s, x, x);
  float sine_value = use_sine_polynomial_for_sine ? s : c;
  float cosine_value = use_sine_polynomial_for_sine ? c : s;
  sine = sine_negative ? -sine_value : sine_value;
  cosine = cosine_negative ? -cosine_value : cosine_value;
}

void avx_mathfun16(float* block, float mean, float std) {
  for (int j = 0; j < 8; ++j) {
    const float u1 = 1.0f - block[j];
    const float u2 = block[j + 8];
    const float radius = std::sqrt(-2.0f * avx_mathfun_log(u1));
    float sine;
    float cosine;
    avx_mathfun_sincos(two_pi * u2, sine, cosine);
    block[j] = std::fma(radius * cosine, std, mean);
    block[j + 8] = std::fma(radius * sine, std, mean);
  }
}

void glibc_double16(double* block, double mean, double std, bool fused) {
  for (int j = 0; j < 8; ++j) {
    const double u1 = 1.0 - block[j];
    const double u2 = block[j + 8];
    const double radius = std::sqrt(-2.0 * std::log(u1));
    const double theta = two_pi_double * u2;
    const double c = radius * std::cos(theta);
    const double s = radius * std::sin(theta);
    block[j] = fused ? std::fma(c, std, mean) : c * std + mean;
    block[j + 8] = fused ? std::fma(s, std, mean) : s * std + mean;
  }
}

template <class T>
void reduced16(T* block, T mean, T std, bool rounds_each_op, bool fused) {
  const float std_f = std;
  const float mean_f = mean;
  for (int j = 0; j < 8; ++j) {
    const T u1 = T(1.0f - static_cast<float>(block[j]));
    const T u2 = block[j + 8];
    // theta: `2.0f * c10::pi<double> * u2` is a double, narrowed through float to T.
    const T theta = T(static_cast<float>(two_pi_double * static_cast<double>(static_cast<float>(u2))));
    if (rounds_each_op) {
      const T log_u1 = T(std::log(static_cast<float>(u1)));
      const T radius = T(std::sqrt(static_cast<float>(T(-2.0f * static_cast<float>(log_u1)))));
      const T cosine = T(std::cos(static_cast<float>(theta)));
      const T sine = T(std::sin(static_cast<float>(theta)));
      auto scale = [&](T trig) {
        const T product = T(static_cast<float>(radius) * static_cast<float>(trig));
        return T(static_cast<float>(T(static_cast<float>(product) * std_f)) + mean_f);
      };
      block[j] = scale(cosine);
      block[j + 8] = scale(sine);
    } else {
      const T radius = T(std::sqrt(-2.0f * std::log(static_cast<float>(u1))));
      const float c = static_cast<float>(radius) * std::cos(static_cast<float>(theta));
      const float s = static_cast<float>(radius) * std::sin(static_cast<float>(theta));
      block[j] = T(fused ? std::fma(c, std_f, mean_f) : c * std_f + mean_f);
      block[j + 8] = T(fused ? std::fma(s, std_f, mean_f) : s * std_f + mean_f);
    }
  }
}

template void reduced16<Half>(Half*, Half, Half, bool, bool);
template void reduced16<BFloat16>(BFloat16*, BFloat16, BFloat16, bool, bool);

// The same expressions as reduced16, split where they stop depending on one uniform.
template <class T>
Reduced16Table<T>::Reduced16Table(std::span<const T> uniforms, bool rounds_each_op)
    : mask_(static_cast<std::uint32_t>(uniforms.size() - 1)), rounds_each_op_(rounds_each_op) {
  radius_.reserve(uniforms.size());
  cosine_.reserve(uniforms.size());
  sine_.reserve(uniforms.size());
  for (const T u : uniforms) {
    const T u1 = T(1.0f - static_cast<float>(u));
    const T theta = T(static_cast<float>(two_pi_double * static_cast<double>(static_cast<float>(u))));
    if (rounds_each_op) {
      const T log_u1 = T(std::log(static_cast<float>(u1)));
      radius_.push_back(T(std::sqrt(static_cast<float>(T(-2.0f * static_cast<float>(log_u1))))));
      cosine_.push_back(T(std::cos(static_cast<float>(theta))));
      sine_.push_back(T(std::sin(static_cast<float>(theta))));
    } else {
      radius_.push_back(T(std::sqrt(-2.0f * std::log(static_cast<float>(u1)))));
      cosine_.push_back(std::cos(static_cast<float>(theta)));
      sine_.push_back(std::sin(static_cast<float>(theta)));
    }
  }
}

template <class T>
void Reduced16Table<T>::pair(std::uint32_t k1, std::uint32_t k2, float mean, float std, bool fused, T& first,
                             T& second) const {
  const float radius = radius_[k1];
  if (rounds_each_op_) {
    auto scale = [&](float trig) {
      const T product = T(radius * trig);
      return T(static_cast<float>(T(static_cast<float>(product) * std)) + mean);
    };
    first = scale(cosine_[k2]);
    second = scale(sine_[k2]);
  } else {
    const float c = radius * cosine_[k2];
    const float s = radius * sine_[k2];
    first = T(fused ? std::fma(c, std, mean) : c * std + mean);
    second = T(fused ? std::fma(s, std, mean) : s * std + mean);
  }
}

template <class T>
void Reduced16Table<T>::block(const std::uint32_t* words, T* out, T mean, T std, bool fused) const {
  for (int j = 0; j < 8; ++j)
    pair(words[j] & mask_, words[j + 8] & mask_, mean, std, fused, out[j], out[j + 8]);
}

template <class T>
Reduced16PairTable<T>::Reduced16PairTable(const Reduced16Table<T>& table, T mean, T std, bool fused)
    : mask_(table.mask()), bits_(std::popcount(table.mask())) {
  const std::size_t n = std::size_t{mask_} + 1;
  first_.resize(n * n);
  second_.resize(n * n);
  for (std::uint32_t k1 = 0; k1 < n; ++k1) {
    for (std::uint32_t k2 = 0; k2 < n; ++k2) {
      const std::size_t i = std::size_t{k1} << bits_ | k2;
      table.pair(k1, k2, mean, std, fused, first_[i], second_[i]);
    }
  }
}

template <class T>
void Reduced16PairTable<T>::block(const std::uint32_t* words, T* out) const {
  for (int j = 0; j < 8; ++j) {
    const std::size_t i = std::size_t{words[j] & mask_} << bits_ | (words[j + 8] & mask_);
    out[j] = first_[i];
    out[j + 8] = second_[i];
  }
}

template class Reduced16Table<Half>;
template class Reduced16Table<BFloat16>;
template class Reduced16PairTable<BFloat16>;

}  // namespace nninit::box_muller
