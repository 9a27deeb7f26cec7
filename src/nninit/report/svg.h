// Inline SVG charts for the HTML report: line charts (linear or log-scale y, several series) and
// histograms, drawn as static markup that needs no script and no external resource.
//
// Every chart is one <svg class="chart"> carrying data-colors (the colours of what it actually drew), a
// histogram also data-x-domain (its x range, "low,high"), and a <rect class="plot-area">; the browser test
// reads them to check, in a screenshot, that the series rendered.
// Colours come from the Okabe-Ito palette, distinguishable with the common colour-vision deficiencies
// (Okabe and Ito 2008). A chart with four or more series also gives them dash patterns, which tell apart
// lines that coincide (Kaiming and LSUV in a depth sweep) and series beyond the palette's seven colours.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace nninit::report::svg {

// Blue, vermillion, bluish green, reddish purple, orange, sky blue, black: the Okabe-Ito colours without the
// yellow, which is too light on white.
std::span<const std::string_view> palette();

// Text escaped for XML content and attribute values (& < > " ').
std::string escape(std::string_view text);

// `text` cut to at most `max_chars` characters (code points) by replacing its middle with "…", keeping 2/5
// of the room for the start and the rest for the end ("encoder.layers.11.self_attn.out_proj" to 29:
// "encoder.lay…elf_attn.out_proj"), because module paths differ at both ends: the block's index near the
// start, the layer's role at the end. Unchanged when it fits.
std::string middle_ellipsis(std::string_view text, std::size_t max_chars);

struct Series {
  std::string name{};
  std::vector<double> x{};  // empty: 0, 1, 2, ...
  std::vector<double> y{};
  std::string color{};  // empty: the palette's next colour
  bool dashed = false;  // force a dashed line (otherwise dashes only come with four or more series)
};

struct LineChart {
  std::string title{};
  std::string x_label{};
  std::string y_label{};
  bool log_y = true;  // points with y <= 0 or non-finite are left out (the line breaks there)
  // On a log scale, the range shown (0: the data's own). A point outside it is left out and the series'
  // legend says where it first leaves it, so that one series that vanishes to 1e-40 or explodes to 1e23 does
  // not squeeze the others into a few pixels.
  double log_floor = 0.0;
  double log_ceiling = 0.0;
  std::vector<Series> series{};
  // Names for whole x values (layers): x = i is labelled x_categories[i] on the axis (rotated; every k-th
  // where they would not fit; a long name cut in the middle, whole in the label's tooltip) and in the
  // tooltip of each point.
  std::vector<std::string> x_categories{};
  int width = 1160;
  int height = 420;
};

struct Histogram {
  std::string title{};  // cut in the middle where it would not fit the chart's width, whole in a tooltip
  std::string x_label{};
  std::vector<double> edges{};   // bins + 1 increasing edges
  std::vector<double> counts{};  // one per bin
  std::string color{};           // empty: the palette's first colour
  // Optional: an expected count per bin (e.g. the scheme's distribution), drawn as a line over the bars.
  std::vector<double> reference{};
  std::string reference_name{};
  int width = 380;
  int height = 280;
};

std::string line_chart(const LineChart& chart);
std::string histogram(const Histogram& histogram);

// Axis helpers, exposed for the tests.
// About `target` round tick values (1, 2 or 5 times a power of 10) covering [low, high].
std::vector<double> linear_ticks(double low, double high, int target = 6);
// The powers of ten to label on a log axis spanning [low, high] (both > 0), at most `max_ticks` of them.
std::vector<int> log_ticks(double low, double high, int max_ticks = 9);
// "10⁻⁴" for -4, "1" for 0, "10" for 1.
std::string power_of_ten_label(int exponent);

}  // namespace nninit::report::svg
