#include "nninit/cli/summary.h"

#include <cmath>

#include <fmt/format.h>

#include "nninit/report/json.h"

namespace nninit::cli {
namespace {

std::string number(double x) {
  if (std::isnan(x)) return "-";
  return fmt::format("{:.4g}", x);
}

std::string group_digits(std::int64_t n) {
  std::string digits = std::to_string(n);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3)
    digits.insert(static_cast<std::size_t>(i), ",");
  return digits;
}

}  // namespace

std::string printable(std::string_view text, bool keep_newlines) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n' && keep_newlines) {
      out += '\n';
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else if (c == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9f) {
      // U+0080..U+009F in UTF-8: the C1 controls, which include a one-byte CSI (U+009B).
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(text[++i]));
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

TensorSummary summarize(const std::string& name, const Tensor& tensor) {
  TensorSummary s;
  s.name = name;
  s.dtype = std::string(dtype_name(tensor.dtype()));
  s.shape = tensor.sizes();
  s.numel = tensor.numel();
  if (tensor.dim() >= 2) s.fans = init::calculate_fan_in_and_fan_out(tensor);
  s.statistics = nninit::statistics(tensor);
  s.reference = init::reference_stds(tensor);
  return s;
}

std::string format_table(const std::string& title, const std::vector<TensorSummary>& tensors) {
  std::int64_t total = 0;
  std::size_t name_width = 4;
  std::size_t dtype_width = 8;
  std::size_t shape_width = 5;
  for (const TensorSummary& t : tensors) {
    total += t.numel;
    name_width = std::max(name_width, printable(t.name).size());
    dtype_width = std::max(dtype_width, printable(t.dtype).size());
    shape_width = std::max(shape_width, shape_string(t.shape).size());
  }
  std::string out = fmt::format("{}: {} tensor{}, {} values\n", printable(title), tensors.size(),
                                tensors.size() == 1 ? "" : "s", group_digits(total));
  out += fmt::format(
      "{:<{}}  {:<{}}  {:<{}}  {:>7}  {:>7}  {:>10}  {:>10}  {:>10}  {:>10}  {:>6}  {:>7}  |  {:>9}  {:>9}  "
      "{:>9}\n",
      "name", name_width, "dtype", dtype_width, "shape", shape_width, "fan_in", "fan_out", "mean", "std",
      "min", "max", "zeros", "nan/inf", "default", "xavier", "kaiming");
  for (const TensorSummary& t : tensors) {
    const auto& st = t.statistics;
    // Over all elements, so that [nan, inf, -0.0] is 33% zeros, not 100%.
    const double zeros =
        st && t.numel > 0 ? st->zero_fraction * static_cast<double>(st->count) / static_cast<double>(t.numel)
                          : 0.0;
    out += fmt::format(
        "{:<{}}  {:<{}}  {:<{}}  {:>7}  {:>7}  {:>10}  {:>10}  {:>10}  {:>10}  {:>6}  {:>7}  |  {:>9}  {:>9} "
        " "
        "{:>9}\n",
        printable(t.name), name_width, printable(t.dtype), dtype_width, shape_string(t.shape), shape_width,
        t.fans ? std::to_string(t.fans->fan_in) : "-", t.fans ? std::to_string(t.fans->fan_out) : "-",
        !st             ? "n/a"
        : st->count > 0 ? number(st->mean)
                        : "-",
        !st             ? "n/a"
        : st->count > 1 ? number(st->std)
                        : "-",
        st ? number(st->min) : "n/a", st ? number(st->max) : "n/a",
        st ? fmt::format("{:.0f}%", 100 * zeros) : "n/a", st ? std::to_string(st->non_finite) : "n/a",
        number(t.reference.pytorch_default), number(t.reference.xavier), number(t.reference.kaiming_relu));
  }
  out +=
      "nan/inf: elements left out of mean, std, min and max (\"-\": no value). default: PyTorch's "
      "kaiming_uniform_(a=sqrt(5)) std; xavier: sqrt(2/(fan_in+fan_out)); kaiming: sqrt(2/fan_in)\n";
  return out;
}

nlohmann::ordered_json to_json(const std::vector<TensorSummary>& tensors) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const TensorSummary& t : tensors) {
    nlohmann::ordered_json j;
    j["name"] = t.name;
    j["dtype"] = t.dtype;
    j["shape"] = t.shape;
    j["numel"] = t.numel;
    j["fan_in"] = t.fans ? nlohmann::ordered_json(t.fans->fan_in) : nlohmann::ordered_json(nullptr);
    j["fan_out"] = t.fans ? nlohmann::ordered_json(t.fans->fan_out) : nlohmann::ordered_json(nullptr);
    if (t.statistics) {
      // null where there is no value: the mean of no finite element, the std of fewer than two.
      j["mean"] = t.statistics->count > 0 ? report::json_number(t.statistics->mean) : nullptr;
      j["std"] = t.statistics->count > 1 ? report::json_number(t.statistics->std) : nullptr;
      j["min"] = report::json_number(t.statistics->min);
      j["max"] = report::json_number(t.statistics->max);
      j["zero_fraction"] = t.statistics->zero_fraction;
      j["non_finite"] = t.statistics->non_finite;
    } else {
      j["mean"] = j["std"] = j["min"] = j["max"] = j["zero_fraction"] = nullptr;
    }
    j["reference_std"] = {{"pytorch_default", report::json_number(t.reference.pytorch_default)},
                          {"xavier", report::json_number(t.reference.xavier)},
                          {"kaiming_relu", report::json_number(t.reference.kaiming_relu)},
                          {"lecun", report::json_number(t.reference.lecun)}};
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace nninit::cli
