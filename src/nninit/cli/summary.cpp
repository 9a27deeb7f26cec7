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
  std::size_t shape_width = 5;
  for (const TensorSummary& t : tensors) {
    total += t.numel;
    name_width = std::max(name_width, t.name.size());
    shape_width = std::max(shape_width, shape_string(t.shape).size());
  }
  std::string out = fmt::format("{}: {} tensor{}, {} values\n", title, tensors.size(),
                                tensors.size() == 1 ? "" : "s", group_digits(total));
  out += fmt::format(
      "{:<{}}  {:<8}  {:<{}}  {:>7}  {:>7}  {:>10}  {:>10}  {:>10}  {:>10}  {:>6}  |  {:>9}  {:>9}  {:>9}\n",
      "name", name_width, "dtype", "shape", shape_width, "fan_in", "fan_out", "mean", "std", "min", "max",
      "zeros", "default", "xavier", "kaiming");
  for (const TensorSummary& t : tensors) {
    const auto& st = t.statistics;
    out += fmt::format(
        "{:<{}}  {:<8}  {:<{}}  {:>7}  {:>7}  {:>10}  {:>10}  {:>10}  {:>10}  {:>6}  |  {:>9}  {:>9}  "
        "{:>9}\n",
        t.name, name_width, t.dtype, shape_string(t.shape), shape_width,
        t.fans ? std::to_string(t.fans->fan_in) : "-", t.fans ? std::to_string(t.fans->fan_out) : "-",
        st ? number(st->mean) : "n/a", st ? number(st->std) : "n/a", st ? number(st->min) : "n/a",
        st ? number(st->max) : "n/a", st ? fmt::format("{:.0f}%", 100 * st->zero_fraction) : "n/a",
        number(t.reference.pytorch_default), number(t.reference.xavier), number(t.reference.kaiming_relu));
  }
  out +=
      "default: PyTorch's kaiming_uniform_(a=sqrt(5)) std; xavier: sqrt(2/(fan_in+fan_out)); kaiming: "
      "sqrt(2/fan_in)\n";
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
      j["mean"] = report::json_number(t.statistics->mean);
      j["std"] = report::json_number(t.statistics->std);
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
