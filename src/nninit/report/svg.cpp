#include "nninit/report/svg.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>

#include <fmt/format.h>

namespace nninit::report::svg {
namespace {

constexpr std::string_view okabe_ito[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                          "#E69F00", "#56B4E9", "#000000"};
constexpr std::string_view dash_patterns[] = {"", "9 4", "2 3", "9 3 2 3"};
constexpr std::string_view grid_color = "#e3e3e3";
constexpr std::string_view axis_color = "#444444";
constexpr std::string_view font = "font-family=\"DejaVu Sans, Arial, Helvetica, sans-serif\"";

struct Box {
  double left = 0, top = 0, right = 0, bottom = 0;
  double width() const { return right - left; }
  double height() const { return bottom - top; }
};

// A linear or log10 map from data to pixels.
struct Scale {
  double low = 0, high = 1;  // the domain (log10 of it for a log scale)
  double from = 0, to = 1;   // pixels
  bool log = false;
  double operator()(double v) const {
    const double d = log ? std::log10(v) : v;
    return from + (d - low) / (high - low) * (to - from);
  }
};

std::string number(double v) {
  if (v == 0.0) return "0";
  return fmt::format("{:g}", v);
}

double text_width(std::string_view text, double size) {
  return static_cast<double>(text.size()) * size * 0.58;
}

std::string text(double x, double y, std::string_view content, std::string_view anchor, int size,
                 std::string_view extra = "") {
  return fmt::format(
      "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"{}\" font-size=\"{}\" {} "
      "fill=\"#222222\"{}{}>{}</text>\n",
      x, y, anchor, size, font, extra.empty() ? "" : " ", extra, escape(content));
}

std::string open_svg(int width, int height, const std::vector<std::string>& colors, std::string_view title) {
  std::string colors_attr;
  for (const std::string& c : colors) colors_attr += (colors_attr.empty() ? "" : ",") + c;
  return fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"{0}\" height=\"{1}\" "
      "viewBox=\"0 0 {0} {1}\" role=\"img\" aria-label=\"{2}\" data-colors=\"{3}\">\n"
      "<rect x=\"0\" y=\"0\" width=\"{0}\" height=\"{1}\" fill=\"#ffffff\"/>\n",
      width, height, escape(title), colors_attr);
}

std::string plot_area(const Box& box) {
  return fmt::format(
      "<rect class=\"plot-area\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
      "fill=\"#ffffff\" stroke=\"{}\"/>\n",
      box.left, box.top, box.width(), box.height(), axis_color);
}

// Horizontal grid lines with labels on the left, for a y scale.
std::string y_axis(const Box& box, const Scale& y, const std::vector<double>& values,
                   const std::vector<std::string>& labels) {
  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const double py = y(values[i]);
    out += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\"/>\n",
                       box.left, py, box.right, py, grid_color);
    out += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\"/>\n",
                       box.left - 5, py, box.left, py, axis_color);
    out += text(box.left - 8, py + 4, labels[i], "end", 12);
  }
  return out;
}

// Category names at whole x values, rotated so that long module paths fit side by side.
constexpr std::size_t category_chars = 26;
constexpr double category_slant = 40.0;  // degrees

// A name cut to category_chars, keeping its end ("...self_attn.out_proj"), where paths differ.
std::string category_label(const std::string& name) {
  if (name.size() <= category_chars) return name;
  return "…" + name.substr(name.size() - (category_chars - 1));
}

// The room the rotated category labels take under the axis.
double category_depth(const std::vector<std::string>& categories) {
  double widest = 0.0;
  for (const std::string& c : categories) widest = std::max(widest, text_width(category_label(c), 11));
  return widest * std::sin(category_slant * std::numbers::pi / 180.0) + 16.0;
}

// Ticks and grid lines at `values`, labelled with the numbers, or with the names of `categories` (rotated)
// where the chart has them.
std::string x_axis(const Box& box, const Scale& x, const std::vector<double>& values,
                   const std::vector<std::string>& categories) {
  std::string out;
  for (double v : values) {
    const double px = x(v);
    out += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\"/>\n", px,
                       box.top, px, box.bottom, grid_color);
    out += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\"/>\n", px,
                       box.bottom, px, box.bottom + 5, axis_color);
    if (categories.empty()) {
      out += text(px, box.bottom + 19, number(v), "middle", 12);
      continue;
    }
    const auto i = static_cast<std::size_t>(v);
    if (i >= categories.size()) continue;
    const double ty = box.bottom + 15;
    out += text(px + 3, ty, category_label(categories[i]), "end", 11,
                fmt::format("transform=\"rotate(-{:.0f} {:.1f} {:.1f})\"", category_slant, px + 3, ty));
  }
  return out;
}

std::string axis_labels(const Box& box, std::string_view x_label, std::string_view y_label,
                        double x_label_offset = 0.0) {
  std::string out;
  if (!x_label.empty())
    out += text((box.left + box.right) / 2, box.bottom + 40 + x_label_offset, x_label, "middle", 13);
  if (!y_label.empty()) {
    const double cx = box.left - 60;
    const double cy = (box.top + box.bottom) / 2;
    out +=
        text(cx, cy, y_label, "middle", 13, fmt::format("transform=\"rotate(-90 {:.1f} {:.1f})\"", cx, cy));
  }
  return out;
}

std::string dash_attribute(std::string_view dash) {
  return dash.empty() ? std::string() : fmt::format(" stroke-dasharray=\"{}\"", dash);
}

bool plottable(double y, bool log) {
  return std::isfinite(y) && (!log || y > 0.0);
}

// Outside the log chart's chosen range (LineChart::log_floor, log_ceiling).
bool out_of_range(double y, const LineChart& chart) {
  return chart.log_y && ((chart.log_floor > 0.0 && y < chart.log_floor) ||
                         (chart.log_ceiling > 0.0 && y > chart.log_ceiling));
}

bool shown(double y, const LineChart& chart) {
  return plottable(y, chart.log_y) && !out_of_range(y, chart);
}

// " (below 10⁻⁴ at x = 12)" for the first point outside the chart's range, or "".
std::string range_note(const Series& s, const LineChart& chart) {
  for (std::size_t k = 0; k < s.y.size(); ++k) {
    if (!plottable(s.y[k], chart.log_y) || !out_of_range(s.y[k], chart)) continue;
    const bool below = chart.log_floor > 0.0 && s.y[k] < chart.log_floor;
    const double bound = below ? chart.log_floor : chart.log_ceiling;
    const double x = s.x.empty() ? static_cast<double>(k) : s.x[k];
    return fmt::format(" ({} {} at x = {:g})", below ? "below" : "above",
                       power_of_ten_label(static_cast<int>(std::lround(std::log10(bound)))), x);
  }
  return "";
}

}  // namespace

std::span<const std::string_view> palette() {
  return okabe_ito;
}

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::vector<double> linear_ticks(double low, double high, int target) {
  if (!std::isfinite(low) || !std::isfinite(high)) return {};
  if (high < low) std::swap(low, high);
  if (high == low) {
    low -= 0.5;
    high += 0.5;
  }
  const double raw = (high - low) / std::max(target, 1);
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    step = m * magnitude;
    if (step >= raw) break;
  }
  // Integer multiples of the step, so that 0.2 * 2 is 0.4 and not 0.2 + 0.2.
  std::vector<double> ticks;
  const auto first = static_cast<std::int64_t>(std::floor(low / step + 1e-9));
  const auto last = static_cast<std::int64_t>(std::ceil(high / step - 1e-9));
  for (std::int64_t i = first; i <= last; ++i) ticks.push_back(static_cast<double>(i) * step);
  return ticks;
}

std::vector<int> log_ticks(double low, double high, int max_ticks) {
  if (!(low > 0.0) || !(high > 0.0) || !std::isfinite(low) || !std::isfinite(high)) return {};
  const int lo = static_cast<int>(std::floor(std::log10(low) + 1e-9));
  int hi = static_cast<int>(std::ceil(std::log10(high) - 1e-9));
  if (hi <= lo) hi = lo + 1;
  // Every decade, or every 2nd, 5th, 10th, ... so that at most max_ticks are labelled, on multiples of the
  // step.
  int step = 1;
  for (int candidate : {1, 2, 5, 10, 20, 50, 100, 200, 500}) {
    step = candidate;
    const int first = static_cast<int>(std::floor(static_cast<double>(lo) / step)) * step;
    const int last = static_cast<int>(std::ceil(static_cast<double>(hi) / step)) * step;
    if ((last - first) / step + 1 <= std::max(max_ticks, 2)) break;
  }
  std::vector<int> ticks;
  const int first = static_cast<int>(std::floor(static_cast<double>(lo) / step)) * step;
  for (int e = first; ticks.empty() || ticks.back() < hi; e += step) ticks.push_back(e);
  return ticks;
}

std::string power_of_ten_label(int exponent) {
  if (exponent == 0) return "1";
  if (exponent == 1) return "10";
  static constexpr std::string_view superscripts[] = {"⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"};
  std::string label = "10";
  if (exponent < 0) label += "⁻";
  for (char c : std::to_string(std::abs(exponent))) label += superscripts[c - '0'];
  return label;
}

std::string line_chart(const LineChart& chart) {
  // Room on the left for the y axis, and for the first rotated category name, which reaches past it.
  const double left = chart.x_categories.empty()
                          ? 84.0
                          : std::max(84.0, text_width(category_label(chart.x_categories.front()), 11) *
                                                   std::cos(category_slant * std::numbers::pi / 180.0) +
                                               4.0);
  const double right = chart.width - 24.0;
  // Legend rows under the title, wrapped to the plot's width.
  struct LegendItem {
    std::string label, color;
    std::string_view dash;
    double x, y;
  };
  std::vector<LegendItem> legend;
  std::vector<std::string> colors;
  double lx = left;
  double ly = 46;
  for (std::size_t i = 0; i < chart.series.size(); ++i) {
    const Series& s = chart.series[i];
    const std::string color = s.color.empty() ? std::string(okabe_ito[i % std::size(okabe_ito)]) : s.color;
    // With four or more series, dash patterns tell coinciding lines apart where colour alone cannot.
    std::string_view dash = s.dashed ? "7 4" : "";
    if (!s.dashed && chart.series.size() >= 4)
      dash = dash_patterns[(i + i / std::size(okabe_ito)) % std::size(dash_patterns)];
    std::size_t drawn = 0;
    for (double y : s.y) drawn += shown(y, chart) ? 1 : 0;
    std::string label = s.name + range_note(s, chart);
    if (drawn == 0 && label == s.name)
      label += chart.log_y ? " (no positive values: not shown on a log scale)" : " (no finite values)";
    const double w = 34 + text_width(label, 12) + 22;
    if (lx + w > right && lx > left) {
      lx = left;
      ly += 20;
    }
    legend.push_back({label, color, dash, lx, ly});
    lx += w;
    if (drawn > 0 && std::find(colors.begin(), colors.end(), color) == colors.end()) colors.push_back(color);
  }
  const double top = (legend.empty() ? 34 : ly + 16);
  const bool categorical = !chart.x_categories.empty();
  // Rotated names need more room under the axis than numbers (which take 25 px of the 58).
  const double below = categorical ? 58.0 + std::max(0.0, category_depth(chart.x_categories) - 25.0) : 58.0;
  const int height = std::max(chart.height, static_cast<int>(top + 200 + below));
  const Box box{left, top, right, height - below};

  // Domains.
  double x_low = std::numeric_limits<double>::infinity(), x_high = -x_low;
  double y_low = x_low, y_high = -x_low;
  for (const Series& s : chart.series) {
    for (std::size_t i = 0; i < s.y.size(); ++i) {
      if (!shown(s.y[i], chart)) continue;
      const double xv = s.x.empty() ? static_cast<double>(i) : s.x[i];
      x_low = std::min(x_low, xv);
      x_high = std::max(x_high, xv);
      y_low = std::min(y_low, s.y[i]);
      y_high = std::max(y_high, s.y[i]);
    }
  }
  if (!std::isfinite(x_low)) {
    x_low = 0, x_high = 1;
    y_low = chart.log_y ? 0.1 : 0.0;
    y_high = 1;
  }
  // Layers and steps are counted: when every x is a whole number, so is every tick (no "layer 2.5").
  bool whole_x = true;
  for (const Series& s : chart.series) {
    for (std::size_t i = 0; i < s.x.size(); ++i) whole_x = whole_x && s.x[i] == std::floor(s.x[i]);
  }
  std::vector<double> xt;
  if (categorical) {
    // Every name where they fit at 16 px apart, else every k-th.
    const double span = std::max(x_high - x_low, 1.0);
    const auto step = static_cast<std::int64_t>(std::ceil(16.0 * span / (right - left)));
    for (auto v = static_cast<std::int64_t>(std::ceil(x_low)); v <= static_cast<std::int64_t>(x_high);
         v += step)
      xt.push_back(static_cast<double>(v));
    if (xt.empty()) xt = {x_low};
  } else {
    xt = linear_ticks(x_low, x_high, 10);
    if (whole_x) {
      std::erase_if(xt, [](double t) { return t != std::floor(t); });
      if (xt.empty()) xt = {x_low, x_high};
    }
  }
  const Scale x{std::min(xt.front(), x_low), std::max(xt.back(), x_high), box.left, box.right, false};
  std::vector<double> y_values;
  std::vector<std::string> y_labels;
  Scale y;
  if (chart.log_y) {
    // A factor 1.4 of headroom, so that a series at 0.97 does not run along the plot area's top border.
    const std::vector<int> decades = log_ticks(y_low / 1.4, y_high * 1.4);
    for (int e : decades) {
      y_values.push_back(std::pow(10.0, e));
      y_labels.push_back(power_of_ten_label(e));
    }
    y = {static_cast<double>(decades.front()), static_cast<double>(decades.back()), box.bottom, box.top,
         true};
  } else {
    y_values = linear_ticks(y_low, y_high, 6);
    for (double v : y_values) y_labels.push_back(number(v));
    y = {std::min(y_values.front(), y_low), std::max(y_values.back(), y_high), box.bottom, box.top, false};
  }

  std::string out = open_svg(chart.width, height, colors, chart.title);
  out += text(left, 22, chart.title, "start", 15, "font-weight=\"bold\"");
  for (const LegendItem& item : legend) {
    out += fmt::format(
        "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\" "
        "stroke-width=\"3\"{}/>\n",
        item.x, item.y - 4, item.x + 28, item.y - 4, item.color, dash_attribute(item.dash));
    out += text(item.x + 34, item.y, item.label, "start", 12);
  }
  out += plot_area(box);
  out += y_axis(box, y, y_values, y_labels);
  out += x_axis(box, x, xt, chart.x_categories);
  out += axis_labels(box, chart.x_label, chart.y_label, below - 58.0);
  for (std::size_t i = 0; i < chart.series.size(); ++i) {
    const Series& s = chart.series[i];
    const LegendItem& item = legend[i];
    std::string d;
    std::string markers;
    bool pen_down = false;
    std::size_t points = 0;
    for (std::size_t k = 0; k < s.y.size(); ++k) {
      if (!shown(s.y[k], chart)) {
        pen_down = false;
        continue;
      }
      const double xv = s.x.empty() ? static_cast<double>(k) : s.x[k];
      const double px = x(xv);
      const double py = y(s.y[k]);
      d += fmt::format("{}{:.1f} {:.1f} ", pen_down ? "L" : "M", px, py);
      const auto category = static_cast<std::size_t>(xv);
      if (categorical && xv >= 0.0 && category < chart.x_categories.size()) {
        // A tooltip with the full name: the axis may show every k-th, cut short.
        markers += fmt::format(
            "<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3.5\" fill=\"{}\"><title>{}: {}</title></circle>\n", px,
            py, item.color, escape(chart.x_categories[category]), number(s.y[k]));
      } else {
        markers +=
            fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3.5\" fill=\"{}\"/>\n", px, py, item.color);
      }
      pen_down = true;
      ++points;
    }
    if (points == 0) continue;
    out += fmt::format(
        "<g class=\"series\" data-name=\"{}\">\n<path d=\"{}\" fill=\"none\" stroke=\"{}\" "
        "stroke-width=\"2.5\" stroke-linejoin=\"round\"{}/>\n",
        escape(s.name), d, item.color, dash_attribute(item.dash));
    if (points <= 30) out += markers;
    out += "</g>\n";
  }
  out += "</svg>\n";
  return out;
}

std::string histogram(const Histogram& h) {
  const std::size_t bins = h.counts.size();
  const std::string color = h.color.empty() ? std::string(okabe_ito[0]) : h.color;
  const std::string reference_color(okabe_ito[1]);
  const bool has_reference = h.reference.size() == bins && bins > 0;
  double top_count = 0;
  for (double c : h.counts) top_count = std::max(top_count, c);
  if (has_reference) {
    for (double c : h.reference) top_count = std::max(top_count, c);
  }
  std::vector<std::string> colors;
  if (top_count > 0 && std::any_of(h.counts.begin(), h.counts.end(), [](double c) { return c > 0; })) {
    colors.push_back(color);
  }
  if (has_reference) colors.push_back(reference_color);
  const Box box{62, 48, h.width - 14.0, h.height - 46.0};
  std::string out = open_svg(h.width, h.height, colors, h.title);
  out += text(box.left, 20, h.title, "start", 13, "font-weight=\"bold\"");
  if (has_reference) {
    out += fmt::format(
        "<line x1=\"{:.1f}\" y1=\"36\" x2=\"{:.1f}\" y2=\"36\" stroke=\"{}\" stroke-width=\"2.5\"/>\n",
        box.left, box.left + 22, reference_color);
    out += text(box.left + 28, 40, h.reference_name.empty() ? "expected" : h.reference_name, "start", 11);
  }
  out += plot_area(box);
  if (bins == 0 || h.edges.size() != bins + 1) return out + "</svg>\n";
  const std::vector<double> yt = linear_ticks(0, std::max(top_count, 1.0), 4);
  const Scale y{0, yt.back(), box.bottom, box.top, false};
  std::vector<std::string> labels;
  for (double v : yt) labels.push_back(number(v));
  out += y_axis(box, y, yt, labels);
  const Scale x{h.edges.front(), h.edges.back(), box.left, box.right, false};
  std::vector<double> xt;
  for (double t : linear_ticks(h.edges.front(), h.edges.back(), 4)) {
    if (t >= h.edges.front() - 1e-12 && t <= h.edges.back() + 1e-12) xt.push_back(t);
  }
  out += x_axis(box, x, xt, {});
  out += axis_labels(box, h.x_label, "");
  for (std::size_t i = 0; i < bins; ++i) {
    if (!(h.counts[i] > 0)) continue;
    const double x0 = x(h.edges[i]);
    const double x1 = x(h.edges[i + 1]);
    const double y0 = y(h.counts[i]);
    out += fmt::format(
        "<rect class=\"bar\" x=\"{:.2f}\" y=\"{:.2f}\" width=\"{:.2f}\" height=\"{:.2f}\" fill=\"{}\"/>\n",
        x0 + 0.3, y0, std::max(x1 - x0 - 0.6, 0.6), box.bottom - y0, color);
  }
  if (has_reference) {
    std::string d;
    for (std::size_t i = 0; i < bins; ++i) {
      d += fmt::format("{}{:.1f} {:.1f} ", i == 0 ? "M" : "L", x((h.edges[i] + h.edges[i + 1]) / 2),
                       y(h.reference[i]));
    }
    out +=
        fmt::format("<path class=\"reference\" d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2.5\"/>\n",
                    d, reference_color);
  }
  return out + "</svg>\n";
}

}  // namespace nninit::report::svg
