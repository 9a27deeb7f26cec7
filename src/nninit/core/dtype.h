// Element types and the 16-bit floating-point formats.
//
// Half (IEEE binary16) and BFloat16 are stored as their bit patterns. Conversions from float round to
// nearest even, giving the same bits as PyTorch's `.to()`; conversions from double go through float
// first, as c10::Half(double) and c10::BFloat16(double) do (the double is narrowed to float, then
// rounded again).
//
//   itemsize(DType::bfloat16);                     // 2 bytes
//   dtype_name(DType::float16);                    // "float16"; scalar_type_name(DType::float16): "Half"
//   const float x = Half(0.1f);                    // 0.0999755859375, binary16's nearest value to 0.1
//   float_to_bfloat16_bits(1.0f);                  // 0x3F80
//   dispatch_floating(tensor.dtype(), [&](auto zero) {
//     using T = decltype(zero);                    // float, double, Half or BFloat16
//     const T* data = tensor.data_ptr<T>();        // ...
//   });
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

namespace nninit {

enum class DType : std::uint8_t { float32, float64, float16, bfloat16, int64 };

std::size_t itemsize(DType dtype);
bool is_floating_point(DType dtype);
// The name nninit uses on its command line and in messages: "float32", "bfloat16", ...
std::string_view dtype_name(DType dtype);
// PyTorch's ScalarType name, as it appears in PyTorch error messages: "Float", "BFloat16", ...
std::string_view scalar_type_name(DType dtype);

// float -> binary16 bits, round to nearest even; overflow gives infinity, NaN gives a quiet NaN.
std::uint16_t float_to_half_bits(float value);
float half_bits_to_float(std::uint16_t bits);
// float -> bfloat16 bits, round to nearest even (NaN gives 0x7FC0, as in c10::BFloat16).
// Inline, so that a loop of conversions vectorises.
inline std::uint16_t float_to_bfloat16_bits(float value) {
  const std::uint32_t x = std::bit_cast<std::uint32_t>(value);
  const std::uint32_t rounding_bias = 0x7fffu + ((x >> 16) & 1u);
  return value != value ? std::uint16_t{0x7fc0} : static_cast<std::uint16_t>((x + rounding_bias) >> 16);
}
inline float bfloat16_bits_to_float(std::uint16_t bits) {
  return std::bit_cast<float>(static_cast<std::uint32_t>(bits) << 16);
}

struct Half {
  std::uint16_t bits = 0;
  Half() = default;
  explicit Half(float value) : bits(float_to_half_bits(value)) {}
  explicit Half(double value) : Half(static_cast<float>(value)) {}
  static Half from_bits(std::uint16_t b) {
    Half h;
    h.bits = b;
    return h;
  }
  operator float() const { return half_bits_to_float(bits); }
};

struct BFloat16 {
  std::uint16_t bits = 0;
  BFloat16() = default;
  explicit BFloat16(float value) : bits(float_to_bfloat16_bits(value)) {}
  explicit BFloat16(double value) : BFloat16(static_cast<float>(value)) {}
  static BFloat16 from_bits(std::uint16_t b) {
    BFloat16 h;
    h.bits = b;
    return h;
  }
  operator float() const { return bfloat16_bits_to_float(bits); }
};

// The C++ type stored for each dtype.
template <DType D>
struct StorageType;
template <>
struct StorageType<DType::float32> {
  using type = float;
};
template <>
struct StorageType<DType::float64> {
  using type = double;
};
template <>
struct StorageType<DType::float16> {
  using type = Half;
};
template <>
struct StorageType<DType::bfloat16> {
  using type = BFloat16;
};
template <>
struct StorageType<DType::int64> {
  using type = std::int64_t;
};

template <class T>
inline constexpr DType dtype_of = std::is_same_v<T, float>      ? DType::float32
                                  : std::is_same_v<T, double>   ? DType::float64
                                  : std::is_same_v<T, Half>     ? DType::float16
                                  : std::is_same_v<T, BFloat16> ? DType::bfloat16
                                                                : DType::int64;

// Narrows a value to element type T the way PyTorch's static_cast does (RNE for the 16-bit types).
template <class T, class From>
T narrow_to(From value) {
  if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) {
    return T(static_cast<float>(value));
  } else {
    return static_cast<T>(value);
  }
}

// Calls fn(T{}) with T the storage type of a floating dtype; one place instead of a switch per op.
template <class Fn>
decltype(auto) dispatch_floating(DType dtype, Fn&& fn) {
  switch (dtype) {
    case DType::float64: return fn(double{});
    case DType::float16: return fn(Half{});
    case DType::bfloat16: return fn(BFloat16{});
    default: return fn(float{});
  }
}

// Calls fn(T{}) with T the storage type of any dtype.
template <class Fn>
decltype(auto) dispatch_all(DType dtype, Fn&& fn) {
  if (dtype == DType::int64) return fn(std::int64_t{});
  return dispatch_floating(dtype, static_cast<Fn&&>(fn));
}

}  // namespace nninit
