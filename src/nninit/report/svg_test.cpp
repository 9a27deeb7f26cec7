#include "nninit/report/svg.h"

#include <cmath>
#include <limits>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace nninit::report::svg {
namespace {

// Properties of line_chart's markup that hold whatever its layout: what is drawn, where and how often.
// (Byte-for-byte output is not pinned: a layout change is not a regression. report_test.cpp checks the
// markup is well formed; tests/report checks that it renders.)

constexpr double nan = std::numeric_limits<double>::quiet_NaN();
constexpr double inf = std::numeric_limits<double>::infinity();

// The value of attribute `name` in the tag that starts at `at`.
double attribute(const std::string& markup, std::size_t at, std::string_view name) {
  const std::size_t end = markup.find('>', at);
  const std::size_t key = markup.find(" " + std::string(name) + "=\"", at);
  EXPECT_LT(key, end) << name << " missing in " << markup.substr(at, end - at);
  return std::stod(markup.substr(key + name.size() + 3));
}

// The <g class="series"> of the series named `name`, or "" when it was not drawn.
std::string series_group(const std::string& markup, std::string_view name) {
  const std::size_t at = markup.find("<g class=\"series\" data-name=\"" + std::string(name) + "\"");
  if (at == std::string::npos) return "";
  return markup.substr(at, markup.find("</g>", at) - at);
}

struct Point {
  double x, y;
};

// The points of a group's path, and how many runs (M commands) they form.
struct Path {
  std::vector<Point> points;
  int runs = 0;
};

Path path_of(const std::string& group) {
  const std::size_t d = group.find(" d=\"") + 4;
  std::istringstream commands(group.substr(d, group.find('"', d) - d));
  Path path;
  std::string command;
  while (commands >> command) {
    if (command[0] == 'M') ++path.runs;
    Point p{std::stod(command.substr(1)), 0.0};
    commands >> p.y;
    path.points.push_back(p);
  }
  return path;
}

std::vector<Point> markers_of(const std::string& group) {
  std::vector<Point> markers;
  for (std::size_t at = group.find("<circle"); at != std::string::npos; at = group.find("<circle", at + 1))
    markers.push_back({attribute(group, at, "cx"), attribute(group, at, "cy")});
  return markers;
}

// The stroke-dasharray of the tag that starts at `at`, or "".
std::string dashes(const std::string& markup, std::size_t at) {
  const std::size_t end = markup.find('>', at);
  const std::size_t key = markup.find(" stroke-dasharray=\"", at);
  if (key > end) return "";
  const std::size_t value = key + 19;
  return markup.substr(value, markup.find('"', value) - value);
}

std::size_t occurrences(const std::string& text, std::string_view what) {
  std::size_t n = 0;
  for (std::size_t i = text.find(what); i != std::string::npos; i = text.find(what, i + 1)) ++n;
  return n;
}

// Every point of every series lies in the plot area (the coordinates are written to 0.1 px).
void expect_inside_plot_area(const std::string& markup, const LineChart& chart) {
  const std::size_t area = markup.find("<rect class=\"plot-area\"");
  ASSERT_NE(area, std::string::npos);
  const double left = attribute(markup, area, "x");
  const double top = attribute(markup, area, "y");
  const double right = left + attribute(markup, area, "width");
  const double bottom = top + attribute(markup, area, "height");
  for (const Series& s : chart.series) {
    const std::string group = series_group(markup, s.name);
    if (group.empty()) continue;
    std::vector<Point> points = path_of(group).points;
    for (Point p : markers_of(group)) points.push_back(p);
    for (Point p : points) {
      EXPECT_GE(p.x, left - 0.051) << s.name;
      EXPECT_LE(p.x, right + 0.051) << s.name;
      EXPECT_GE(p.y, top - 0.051) << s.name;
      EXPECT_LE(p.y, bottom + 0.051) << s.name;
    }
  }
  EXPECT_EQ(markup.find("nan"), std::string::npos);
  EXPECT_EQ(markup.find("inf"), std::string::npos);
}

TEST(Svg, LineChartDrawsEveryShownPointInsideThePlotArea) {
  LineChart log{.title = "log", .log_floor = 1e-4, .log_ceiling = 1e4};
  log.series.push_back({.name = "wide", .x = {1, 2, 3, 4, 5}, .y = {1e-9, 1e-3, 2.0, 3e3, 1e9}});
  log.series.push_back({.name = "odd", .x = {1, 2, 3, 4, 5}, .y = {0.5, nan, -1.0, inf, 0.0}});
  LineChart linear{.title = "linear", .log_y = false};
  linear.series.push_back({.name = "signed", .x = {-2.5, 0.25, 7.75}, .y = {-3.0, 0.1, 12.5}});
  linear.series.push_back({.name = "flat", .y = {4.0, 4.0, 4.0, -inf}});
  LineChart categories{.title = "profile", .x_categories = {"embedding", "layers.0.linear", "head"}};
  categories.series.push_back({.name = "std", .y = {0.5, 0.25, 0.125}});
  for (const LineChart* chart : {&log, &linear, &categories}) {
    SCOPED_TRACE(chart->title);
    expect_inside_plot_area(line_chart(*chart), *chart);
  }
}

TEST(Svg, LineChartBreaksTheLineWhereAPointIsNotShown) {
  LineChart chart{.title = "gaps"};
  chart.series.push_back({.name = "gaps", .y = {1.0, 0.5, nan, 0.25, -1.0, 0.0, 0.2, 0.1, inf}});
  chart.series.push_back({.name = "long", .y = std::vector<double>(31, 0.5)});
  const std::string out = line_chart(chart);
  const std::string gaps = series_group(out, "gaps");
  const Path path = path_of(gaps);
  EXPECT_EQ(path.points.size(), 5u);  // 1, 0.5 | 0.25 | 0.2, 0.1
  EXPECT_EQ(path.runs, 3);
  EXPECT_EQ(markers_of(gaps).size(), 5u);
  // Markers only for series of at most 30 points; the line is still there.
  const std::string long_series = series_group(out, "long");
  EXPECT_EQ(path_of(long_series).points.size(), 31u);
  EXPECT_TRUE(markers_of(long_series).empty());
}

TEST(Svg, LineChartLegendNamesEverySeriesInOrderWithItsLook) {
  LineChart chart{.title = "legend", .log_y = false};
  chart.series.push_back({.name = "first", .y = {1, 2}});
  chart.series.push_back({.name = "forced dash", .y = {2, 3}, .dashed = true});
  chart.series.push_back({.name = "own colour", .y = {3, 4}, .color = "#123456"});
  chart.series.push_back({.name = "same colour", .y = {4, 5}, .color = "#123456"});
  chart.series.push_back({.name = "nothing", .y = {nan}});
  const std::string out = line_chart(chart);
  // One legend line per series, in order, before the plot area.
  const std::size_t plot = out.find("class=\"plot-area\"");
  EXPECT_EQ(occurrences(out.substr(0, plot), "stroke-width=\"3\""), 5u);
  std::size_t previous = 0;
  for (const Series& s : chart.series) {
    const std::size_t at = out.find(">" + s.name, previous);
    EXPECT_LT(at, plot) << s.name;
    previous = at;
  }
  EXPECT_NE(out.find(">nothing (no finite values)<"), std::string::npos);
  // The colours of what was drawn, once each; "nothing" draws nothing.
  EXPECT_NE(out.find("data-colors=\"#0072B2,#D55E00,#123456\""), std::string::npos) << out;
  EXPECT_TRUE(series_group(out, "nothing").empty());
  // The line in the legend has the series' dashes (from four series on, every series may have some).
  for (const Series& s : chart.series) {
    const std::string group = series_group(out, s.name);
    if (group.empty()) continue;
    const std::size_t legend_line = out.rfind("<line", out.find(">" + s.name));
    EXPECT_EQ(dashes(out, legend_line), dashes(group, group.find("<path"))) << s.name;
  }
  const std::string forced = series_group(out, "forced dash");
  EXPECT_EQ(dashes(forced, forced.find("<path")), "7 4");
}

// Seven colours and four dash patterns: 28 series each get a colour and dash pair of their own (series i
// and i + 7 used to share both).
TEST(Svg, LineChartSeriesLookDistinctUpToTwentyEight) {
  LineChart chart{.title = "many", .log_y = false};
  for (int i = 0; i < 28; ++i)
    chart.series.push_back({.name = "s" + std::to_string(i), .y = {1.0 * i, 2.0 * i}});
  const std::string out = line_chart(chart);
  std::set<std::pair<std::string, std::string>> looks;
  for (const Series& s : chart.series) {
    const std::string group = series_group(out, s.name);
    ASSERT_FALSE(group.empty()) << s.name;
    const std::size_t path = group.find("<path");
    const std::size_t stroke = group.find(" stroke=\"", path) + 9;
    looks.insert({group.substr(stroke, group.find('"', stroke) - stroke), dashes(group, path)});
  }
  EXPECT_EQ(looks.size(), 28u);
}

TEST(Svg, LineChartWithFewSeriesDashesOnlyWhatAsksForIt) {
  LineChart chart{.title = "three", .log_y = false};
  chart.series.push_back({.name = "a", .y = {1, 2}});
  chart.series.push_back({.name = "b", .y = {2, 3}, .dashed = true});
  chart.series.push_back({.name = "c", .y = {3, 4}});
  const std::string out = line_chart(chart);
  EXPECT_EQ(occurrences(out, "stroke-dasharray"), 2u);  // b's legend line and b's line
}

TEST(Svg, CategoryPointsNameTheirCategoryInFull) {
  LineChart chart{.title = "profile"};
  chart.x_categories = {"encoder.layers.0.self_attn.out_proj Linear", "encoder.layers.0.linear1 Linear"};
  // x = -1 and x = 2 have no category (a negative x once went through an undefined conversion to size_t,
  // which UBSan reports with -fsanitize=float-cast-overflow).
  chart.series.push_back({.name = "std", .x = {-1, 0, 1, 2}, .y = {1.0, 0.5, 0.25, 0.125}});
  const std::string out = line_chart(chart);
  const std::string group = series_group(out, "std");
  EXPECT_EQ(occurrences(group, "<circle"), 4u);
  EXPECT_NE(group.find("<title>encoder.layers.0.self_attn.out_proj Linear: 0.5</title>"), std::string::npos);
  EXPECT_NE(group.find("<title>encoder.layers.0.linear1 Linear: 0.25</title>"), std::string::npos);
  EXPECT_EQ(occurrences(group, "<title>"), 2u);
}

TEST(Svg, MiddleEllipsisKeepsBothEndsOfAPath) {
  EXPECT_EQ(middle_ellipsis("encoder.layers.11.self_attn.out_proj", 29), "encoder.lay…elf_attn.out_proj");
  EXPECT_EQ(middle_ellipsis("layers.1.linear1", 16), "layers.1.linear1");  // fits: unchanged
  EXPECT_EQ(middle_ellipsis("abcdefghijk", 6), "ab…ijk");                  // 2 of the 5 kept at the start
  // Counted in code points, never cut inside one: "é" is two bytes.
  EXPECT_EQ(middle_ellipsis("ééééééééé", 5), "é…ééé");
}

TEST(Svg, HistogramTitleTooLongIsCutWithTheWholeTitleAsTooltip) {
  const Histogram h{.title = "output of encoder.layers.11.self_attn.out_proj.some_long_suffix",
                    .edges = {0, 1},
                    .counts = {3}};
  const std::string out = histogram(h);
  EXPECT_NE(out.find("…"), std::string::npos) << out;
  EXPECT_NE(out.find("<title>output of encoder.layers.11.self_attn.out_proj.some_long_suffix</title></text>"),
            std::string::npos)
      << out;
  const Histogram short_title{.title = "output of 0", .edges = {0, 1}, .counts = {3}};
  EXPECT_NE(histogram(short_title).find(">output of 0</text>"), std::string::npos);
}

}  // namespace
}  // namespace nninit::report::svg
