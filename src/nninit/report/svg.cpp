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

// How many characters of a `size` px font fit in `room` px (text_width's estimate).
std::size_t fitting_chars(double room, double size) {
  return static_cast<std::size_t>(std::max(room / (size * 0.58), 8.0));
}

std::string text(double x, double y, std::string_view content, std::string_view anchor, int size,
                 std::string_view extra = "") {
  return fmt::format(
      "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"{}\" font-size=\"{}\" {} "
      "fill=\"#222222\"{}{}>{}</text>\n",
      x, y, anchor, size, font, extra.empty() ? "" : " ", extra, escape(content));
}

// Text cut to `max_chars` in the middle where longer, with the whole text as its tooltip (a <title> child).
std::string shortened_text(double x, double y, std::string_view content, std::size_t max_chars,
                           std::string_view anchor, int size, std::string_view extra = "") {
  const std::string shown = middle_ellipsis(content, max_chars);
  std::string out = text(x, y, shown, anchor, size, extra);
  if (shown == content) return out;
  const std::size_t close = out.rfind("</text>");
  return out.insert(close, fmt::format("<title>{}</title>", escape(content)));
}

// `extra`: more attributes for the <svg> element.
std::string open_svg(int width, int height, const std::vector<std::string>& colors, std::string_view title,
                     std::string_view extra = "") {
  std::string colors_attr;
  for (const std::string& c : colors) colors_attr += (colors_attr.empty() ? "" : ",") + c;
  return fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"{0}\" height=\"{1}\" "
      "viewBox=\"0 0 {0} {1}\" role=\"img\" aria-label=\"{2}\" data-colors=\"{3}\"{4}{5}>\n"
      "<rect x=\"0\" y=\"0\" width=\"{0}\" height=\"{1}\" fill=\"#ffffff\"/>\n",
      width, height, escape(title), colors_attr, extra.empty() ? "" : " ", extra);
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

std::string category_label(const std::string& name) {
  return middle_ellipsis(name, category_chars);
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
    // Checked as a double: converting a negative value to size_t is undefined.
    if (!(v >= 0.0 && v < static_cast<double>(categories.size()))) continue;
    const auto i = static_cast<std::size_t>(v);
    const double ty = box.bottom + 15;
    out += shortened_text(
        px + 3, ty, categories[i], category_chars, "end", 11,
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

std::string middle_ellipsis(std::string_view text, std::size_t max_chars) {
  // Where each code point starts (UTF-8 continuation bytes are 10xxxxxx).
  std::vector<std::size_t> starts;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) starts.push_back(i);
  }
  if (starts.size() <= max_chars) return std::string(text);
  if (max_chars == 0) return {};
  const std::size_t kept = max_chars - 1;  // the ellipsis takes one
  const std::size_t head = kept * 2 / 5;
  const std::size_t tail = kept - head;
  const std::size_t head_end = starts[head];
  const std::size_t tail_start = starts[starts.size() - tail];
  return fmt::format("{}…{}", text.substr(0, head_end), text.substr(tail_start));
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

namespace {

// line_chart's steps, in the order it takes them.

// The left margin: room for the y axis' labels, and for the first rotated category name, which reaches
// past them.
double left_margin(const LineChart& chart) {
  if (chart.x_categories.empty()) return 84.0;
  return std::max(84.0, text_width(category_label(chart.x_categories.front()), 11) *
                                std::cos(category_slant * std::numbers::pi / 180.0) +
                            4.0);
}

bool draws_any(const Series& s, const LineChart& chart) {
  return std::any_of(s.y.begin(), s.y.end(), [&](double y) { return shown(y, chart); });
}

// The series' own colour, or the palette's, in turn.
std::string series_color(const LineChart& chart, std::size_t i) {
  const Series& s = chart.series[i];
  return s.color.empty() ? std::string(okabe_ito[i % std::size(okabe_ito)]) : s.color;
}

// With four or more series, dash patterns tell coinciding lines apart where colour alone cannot. Series i
// and i + 7k share a colour; their patterns differ by 9k = k (mod 4) steps, so every series up to the 28th
// has a look of its own (a shift of one step per round of the palette would be 8 = 0 (mod 4) steps).
std::string_view series_dash(const LineChart& chart, std::size_t i) {
  if (chart.series[i].dashed) return "7 4";
  if (chart.series.size() < 4) return "";
  return dash_patterns[(i + 2 * (i / std::size(okabe_ito))) % std::size(dash_patterns)];
}

// The series' name, and where it leaves the chart's range, or why nothing of it is drawn.
std::string legend_label(const Series& s, const LineChart& chart) {
  const std::string note = range_note(s, chart);
  if (!note.empty() || draws_any(s, chart)) return s.name + note;
  return s.name + (chart.log_y ? " (no positive values: not shown on a log scale)" : " (no finite values)");
}

// A series' entry in the legend, which also carries the look of its line.
struct LegendItem {
  std::string label, color;
  std::string_view dash;
  double x, y;  // where the sample line starts, and the label's baseline
};

// One item per series, in rows under the title wrapped to the plot's width.
struct Legend {
  std::vector<LegendItem> items;
  std::vector<std::string> drawn_colors;  // of the series with a point to draw, once each (data-colors)
  double last_row = 46;                   // the baseline of the last row
};

Legend lay_out_legend(const LineChart& chart, double left, double right) {
  Legend legend;
  double x = left;
  for (std::size_t i = 0; i < chart.series.size(); ++i) {
    const Series& s = chart.series[i];
    const std::string color = series_color(chart, i);
    std::string label = legend_label(s, chart);
    const double width = 34 + text_width(label, 12) + 22;
    if (x + width > right && x > left) {
      x = left;
      legend.last_row += 20;
    }
    legend.items.push_back({std::move(label), color, series_dash(chart, i), x, legend.last_row});
    x += width;
    const bool new_color =
        std::find(legend.drawn_colors.begin(), legend.drawn_colors.end(), color) == legend.drawn_colors.end();
    if (draws_any(s, chart) && new_color) legend.drawn_colors.push_back(color);
  }
  return legend;
}

// The chart's height and its plot area, between the legend and the x axis' labels.
struct Frame {
  Box box;
  double below;  // the room under the plot area, for the x axis' tick labels and its label
  int height;
};

Frame frame_for(const LineChart& chart, const Legend& legend, double left, double right) {
  const double top = (legend.items.empty() ? 34 : legend.last_row + 16);
  // Rotated names need more room under the axis than numbers (which take 25 px of the 58).
  const double below =
      chart.x_categories.empty() ? 58.0 : 58.0 + std::max(0.0, category_depth(chart.x_categories) - 25.0);
  const int height = std::max(chart.height, static_cast<int>(top + 200 + below));
  return {.box = {left, top, right, height - below}, .below = below, .height = height};
}

// The range of the points drawn, or the unit square when there are none.
struct Domain {
  double x_low, x_high, y_low, y_high;
};

Domain shown_domain(const LineChart& chart) {
  const double inf = std::numeric_limits<double>::infinity();
  Domain d{inf, -inf, inf, -inf};
  for (const Series& s : chart.series) {
    for (std::size_t i = 0; i < s.y.size(); ++i) {
      if (!shown(s.y[i], chart)) continue;
      const double xv = s.x.empty() ? static_cast<double>(i) : s.x[i];
      d.x_low = std::min(d.x_low, xv);
      d.x_high = std::max(d.x_high, xv);
      d.y_low = std::min(d.y_low, s.y[i]);
      d.y_high = std::max(d.y_high, s.y[i]);
    }
  }
  if (!std::isfinite(d.x_low)) d = {0, 1, chart.log_y ? 0.1 : 0.0, 1};
  return d;
}

// An axis: the scale and the values where it has ticks, with their labels (the y axis only: the x axis'
// markup labels its ticks itself).
struct Axis {
  Scale scale;
  std::vector<double> values;
  std::vector<std::string> labels;
};

// Layers and steps are counted: when every x is a whole number, so is every tick (no "layer 2.5").
bool counted_x(const LineChart& chart) {
  bool whole_x = true;
  for (const Series& s : chart.series) {
    for (std::size_t i = 0; i < s.x.size(); ++i) whole_x = whole_x && s.x[i] == std::floor(s.x[i]);
  }
  return whole_x;
}

// Ticks at every category name where they fit 16 px apart, else at every k-th; otherwise at round numbers.
Axis fit_x_axis(const LineChart& chart, const Domain& d, const Box& box) {
  std::vector<double> xt;
  if (!chart.x_categories.empty()) {
    const double span = std::max(d.x_high - d.x_low, 1.0);
    const auto step = static_cast<std::int64_t>(std::ceil(16.0 * span / (box.right - box.left)));
    for (auto v = static_cast<std::int64_t>(std::ceil(d.x_low)); v <= static_cast<std::int64_t>(d.x_high);
         v += step)
      xt.push_back(static_cast<double>(v));
    if (xt.empty()) xt = {d.x_low};
  } else {
    xt = linear_ticks(d.x_low, d.x_high, 10);
    if (counted_x(chart)) {
      std::erase_if(xt, [](double t) { return t != std::floor(t); });
      if (xt.empty()) xt = {d.x_low, d.x_high};
    }
  }
  const Scale x{std::min(xt.front(), d.x_low), std::max(xt.back(), d.x_high), box.left, box.right, false};
  return {.scale = x, .values = std::move(xt), .labels = {}};
}

// Powers of ten on a log chart, round numbers on a linear one.
Axis fit_y_axis(const LineChart& chart, const Domain& d, const Box& box) {
  Axis y;
  if (chart.log_y) {
    // A factor 1.4 of headroom, so that a series at 0.97 does not run along the plot area's top border.
    const std::vector<int> decades = log_ticks(d.y_low / 1.4, d.y_high * 1.4);
    for (int e : decades) {
      y.values.push_back(std::pow(10.0, e));
      y.labels.push_back(power_of_ten_label(e));
    }
    y.scale = {static_cast<double>(decades.front()), static_cast<double>(decades.back()), box.bottom, box.top,
               true};
  } else {
    y.values = linear_ticks(d.y_low, d.y_high, 6);
    for (double v : y.values) y.labels.push_back(number(v));
    y.scale = {std::min(y.values.front(), d.y_low), std::max(y.values.back(), d.y_high), box.bottom, box.top,
               false};
  }
  return y;
}

std::string legend_markup(const Legend& legend) {
  std::string out;
  for (const LegendItem& item : legend.items) {
    out += fmt::format(
        "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\" "
        "stroke-width=\"3\"{}/>\n",
        item.x, item.y - 4, item.x + 28, item.y - 4, item.color, dash_attribute(item.dash));
    out += text(item.x + 34, item.y, item.label, "start", 12);
  }
  return out;
}

// A point's marker. On a category axis it carries a tooltip with the category's full name, since the axis
// may show only every k-th name, cut short.
std::string point_marker(const LineChart& chart, double xv, double yv, double px, double py,
                         std::string_view color) {
  if (xv >= 0.0 && xv < static_cast<double>(chart.x_categories.size())) {
    return fmt::format(
        "<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3.5\" fill=\"{}\"><title>{}: {}</title></circle>\n", px, py,
        color, escape(chart.x_categories[static_cast<std::size_t>(xv)]), number(yv));
  }
  return fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3.5\" fill=\"{}\"/>\n", px, py, color);
}

// A series as a <g class="series">: its line, broken where a point is not shown, and its points' markers
// when it has at most 30; nothing when no point is shown.
std::string series_markup(const LineChart& chart, const Series& s, const LegendItem& item, const Scale& x,
                          const Scale& y) {
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
    markers += point_marker(chart, xv, s.y[k], px, py, item.color);
    pen_down = true;
    ++points;
  }
  if (points == 0) return "";
  std::string out = fmt::format(
      "<g class=\"series\" data-name=\"{}\">\n<path d=\"{}\" fill=\"none\" stroke=\"{}\" "
      "stroke-width=\"2.5\" stroke-linejoin=\"round\"{}/>\n",
      escape(s.name), d, item.color, dash_attribute(item.dash));
  if (points <= 30) out += markers;
  return out + "</g>\n";
}

}  // namespace

std::string line_chart(const LineChart& chart) {
  const double left = left_margin(chart);
  const double right = chart.width - 24.0;
  const Legend legend = lay_out_legend(chart, left, right);
  const Frame frame = frame_for(chart, legend, left, right);
  const Domain domain = shown_domain(chart);
  const Axis x = fit_x_axis(chart, domain, frame.box);
  const Axis y = fit_y_axis(chart, domain, frame.box);

  std::string out = open_svg(chart.width, frame.height, legend.drawn_colors, chart.title);
  out += shortened_text(left, 22, chart.title, fitting_chars(chart.width - left - 8.0, 15), "start", 15,
                        "font-weight=\"bold\"");
  out += legend_markup(legend);
  out += plot_area(frame.box);
  out += y_axis(frame.box, y.scale, y.values, y.labels);
  out += x_axis(frame.box, x.scale, x.values, chart.x_categories);
  out += axis_labels(frame.box, chart.x_label, chart.y_label, frame.below - 58.0);
  for (std::size_t i = 0; i < chart.series.size(); ++i)
    out += series_markup(chart, chart.series[i], legend.items[i], x.scale, y.scale);
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
  // The x range drawn, for the browser test to see that histograms meant to share a scale do.
  const std::string domain =
      h.edges.size() >= 2 ? fmt::format("data-x-domain=\"{:g},{:g}\"", h.edges.front(), h.edges.back()) : "";
  std::string out = open_svg(h.width, h.height, colors, h.title, domain);
  out += shortened_text(box.left, 20, h.title, fitting_chars(h.width - box.left - 8.0, 13), "start", 13,
                        "font-weight=\"bold\"");
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
