#include "nninit/cli/options.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <filesystem>
#include <iterator>
#include <regex>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "nninit/cli/commands.h"
#include "nninit/core/error.h"
#include "nninit/io/file.h"

namespace nninit::cli {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string trim(std::string_view text) {
  const auto begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return "";
  const auto end = text.find_last_not_of(" \t");
  return std::string(text.substr(begin, end - begin + 1));
}

}  // namespace

std::uint64_t parse_seed(std::string_view text) {
  const std::string s = trim(text);
  if (s.empty()) throw UsageError("--seed: expected an integer, got an empty value");
  const bool negative = s[0] == '-';
  const std::string digits = negative || s[0] == '+' ? s.substr(1) : s;
  if (digits.empty() ||
      !std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return std::isdigit(c); })) {
    throw UsageError(fmt::format("--seed: expected an integer, got '{}'", s));
  }
  std::uint64_t magnitude = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), magnitude);
  const bool fits = error == std::errc() && end == digits.data() + digits.size() &&
                    (!negative || magnitude <= (std::uint64_t{1} << 63));
  if (!fits) {
    // torch.manual_seed's own words for a seed outside [-2^63, 2^64).
    throw UsageError(fmt::format("--seed: Overflow when unpacking long: {} is outside [-2^63, 2^64)", s));
  }
  return negative ? static_cast<std::uint64_t>(0) - magnitude : magnitude;
}

DType parse_dtype(std::string_view text) {
  std::string s = lower(trim(text));
  if (s.starts_with("torch.")) s = s.substr(6);
  if (s == "float32" || s == "float" || s == "f32") return DType::float32;
  if (s == "float64" || s == "double" || s == "f64") return DType::float64;
  if (s == "float16" || s == "half" || s == "f16") return DType::float16;
  if (s == "bfloat16" || s == "bf16") return DType::bfloat16;
  throw UsageError(
      fmt::format("--dtype: unknown dtype '{}'; expected float32, float64, float16 or bfloat16", text));
}

Shape parse_shape(std::string_view text) {
  std::string s = trim(text);
  if (s.size() >= 2 && ((s.front() == '[' && s.back() == ']') || (s.front() == '(' && s.back() == ')'))) {
    s = s.substr(1, s.size() - 2);
  }
  Shape shape;
  if (trim(s).empty()) return shape;
  std::size_t start = 0;
  while (start <= s.size()) {
    const std::size_t comma = s.find(',', start);
    const std::string item = trim(
        std::string_view(s).substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (item.empty()) {
      if (comma == std::string::npos && !shape.empty()) break;  // a trailing comma, as in (3,)
      throw UsageError(fmt::format("empty size at position {} of '{}'", shape.size() + 1, text));
    }
    std::int64_t size = 0;
    const auto [end, error] = std::from_chars(item.data(), item.data() + item.size(), size);
    if (error != std::errc() || end != item.data() + item.size() || size < 0) {
      throw UsageError(fmt::format("'{}' is not a non-negative integer (in '{}')", item, text));
    }
    shape.push_back(size);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return shape;
}

TorchVersion parse_torch_version(std::string_view text) {
  std::smatch m;
  const std::string s = trim(text);
  const std::regex pattern(R"(^v?(\d+)\.(\d+)(\.\d+)?([a-z+].*)?$)");
  if (!std::regex_match(s, m, pattern)) {
    throw UsageError(fmt::format("--torch-version: expected a release such as 1.13 or 2.6, got '{}'", text));
  }
  // A number too large for an int names no release either; from_chars says so instead of throwing.
  auto number = [&](const std::string& digits) {
    int value = 0;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (error != std::errc() || end != digits.data() + digits.size()) {
      throw UsageError(fmt::format("--torch-version: nninit knows PyTorch {} to {}, not '{}'",
                                   TorchVersion::oldest().str(), TorchVersion::newest().str(), s));
    }
    return value;
  };
  const TorchVersion version{number(m[1].str()), number(m[2].str())};
  if (!version.is_known()) {
    throw UsageError(fmt::format("--torch-version: nninit knows PyTorch {} to {}, not {}",
                                 TorchVersion::oldest().str(), TorchVersion::newest().str(), version.str()));
  }
  return version;
}

void check_output(std::string_view option, const std::string& output,
                  std::initializer_list<std::string> inputs) {
  if (output.empty()) return;
  for (const std::string& input : inputs) {
    std::error_code error;
    if (!input.empty() && std::filesystem::equivalent(input, output, error)) {
      throw UsageError(fmt::format("{} {}: is also an input ('{}'); writing it would destroy what is read",
                                   option, output, input));
    }
  }
  try {
    io::check_output_path(output, option);
  } catch (const IoError& e) {
    throw Failure(e.what());
  }
}

std::uint64_t parse_shard_size(std::string_view text) {
  const std::string s = trim(text);
  const auto bad = [&](std::string_view why) {
    return UsageError(
        fmt::format("--max-shard-size: {} in '{}'; expected bytes or a size such as 5GB, 500MB or "
                    "2GiB",
                    why, text));
  };
  const std::size_t number_end = s.find_first_not_of("0123456789.");
  const std::string number = s.substr(0, number_end);
  const std::string unit = lower(trim(number_end == std::string::npos ? "" : s.substr(number_end)));
  static const std::pair<std::string_view, std::uint64_t> units[] = {
      {"", 1},
      {"b", 1},
      {"kb", 1'000},
      {"mb", 1'000'000},
      {"gb", 1'000'000'000},
      {"tb", 1'000'000'000'000},
      {"kib", std::uint64_t{1} << 10},
      {"mib", std::uint64_t{1} << 20},
      {"gib", std::uint64_t{1} << 30},
      {"tib", std::uint64_t{1} << 40},
  };
  const std::size_t point = number.find('.');
  const std::string whole = number.substr(0, point);
  const std::string fraction = point == std::string::npos ? "" : number.substr(point + 1);
  if ((whole.empty() && fraction.empty()) || fraction.find('.') != std::string::npos) throw bad("no number");
  const auto found =
      std::find_if(std::begin(units), std::end(units), [&](const auto& u) { return u.first == unit; });
  if (found == std::end(units)) throw bad(fmt::format("unknown unit '{}'", unit));
  const std::uint64_t multiplier = found->second;
  std::uint64_t bytes = 0;
  if (fraction.empty()) {
    // Whole numbers exactly, however large.
    const auto [end, error] = std::from_chars(whole.data(), whole.data() + whole.size(), bytes);
    if (error != std::errc() || end != whole.data() + whole.size() ||
        __builtin_mul_overflow(bytes, multiplier, &bytes)) {
      throw bad("a size beyond 2^64 bytes");
    }
  } else {
    // A fraction as huggingface_hub computes it: int(float(number) * multiplier).
    double value = 0;
    std::from_chars(number.data(), number.data() + number.size(), value);
    const double product = value * static_cast<double>(multiplier);
    if (!(product < 18446744073709551616.0)) throw bad("a size beyond 2^64 bytes");
    bytes = static_cast<std::uint64_t>(product);
  }
  if (bytes == 0) throw bad("a shard of 0 bytes");
  return bytes;
}

RngEngine parse_rng(std::string_view text) {
  const std::string s = lower(trim(text));
  if (s == "torch") return RngEngine::torch;
  if (s == "philox") return RngEngine::philox;
  throw UsageError(fmt::format("--rng: unknown engine '{}'; expected torch or philox", text));
}

std::string_view rng_name(RngEngine engine) {
  return engine == RngEngine::torch ? "torch" : "philox";
}

TorchCapability parse_capability(std::string_view text) {
  const std::string s = lower(trim(text));
  if (s == "default" || s == "generic") return TorchCapability::generic;
  if (s == "avx2") return TorchCapability::avx2;
  if (s == "avx512") return TorchCapability::avx512;
  throw UsageError(
      fmt::format("--capability: unknown capability '{}'; expected default, avx2 or avx512", text));
}

}  // namespace nninit::cli
