#include "nninit/report/report.h"

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "nninit/core/error.h"
#include "nninit/random/torch_generator.h"
#include "nninit/report/charts.h"

namespace nninit::report {
namespace {

// Well-formed XML: balanced tags, entities that exist, attribute values quoted. Enough to catch a broken
// page; the browser test (tests/report) checks that it renders.
::testing::AssertionResult well_formed(const std::string& xml) {
  std::vector<std::string> open;
  std::size_t i = 0;
  while ((i = xml.find_first_of("<&", i)) != std::string::npos) {
    if (xml[i] == '&') {
      const std::size_t end = xml.find(';', i);
      const std::string entity = xml.substr(i + 1, end == std::string::npos ? 0 : end - i - 1);
      const bool numeric = entity.size() > 1 && entity[0] == '#' &&
                           entity.find_first_not_of("0123456789", 1) == std::string::npos;
      if (!numeric && entity != "amp" && entity != "lt" && entity != "gt" && entity != "quot" &&
          entity != "apos") {
        return ::testing::AssertionFailure() << "bad entity at " << i << ": " << xml.substr(i, 12);
      }
      ++i;
      continue;
    }
    if (xml.compare(i, 4, "<!--") == 0) {
      i = xml.find("-->", i);
      continue;
    }
    const std::size_t end = xml.find('>', i);
    if (end == std::string::npos) return ::testing::AssertionFailure() << "unterminated tag at " << i;
    const std::string tag = xml.substr(i + 1, end - i - 1);
    i = end + 1;
    if (tag.starts_with("!")) continue;  // <!DOCTYPE html>
    if (std::count(tag.begin(), tag.end(), '"') % 2 != 0) {
      return ::testing::AssertionFailure() << "unbalanced quotes in <" << tag << ">";
    }
    if (tag.starts_with("/")) {
      if (open.empty() || open.back() != tag.substr(1)) {
        return ::testing::AssertionFailure()
               << "</" << tag.substr(1) << "> closes <" << (open.empty() ? "" : open.back()) << ">";
      }
      open.pop_back();
    } else if (!tag.ends_with("/")) {
      open.push_back(tag.substr(0, tag.find_first_of(" \n")));
    }
  }
  if (!open.empty()) return ::testing::AssertionFailure() << "<" << open.back() << "> is never closed";
  return ::testing::AssertionSuccess();
}

std::size_t occurrences(const std::string& text, std::string_view what) {
  std::size_t n = 0;
  for (std::size_t i = text.find(what); i != std::string::npos; i = text.find(what, i + 1)) ++n;
  return n;
}

TEST(Svg, Ticks) {
  EXPECT_EQ(svg::linear_ticks(0, 49, 10), (std::vector<double>{0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50}));
  EXPECT_EQ(svg::linear_ticks(-0.3, 0.3, 4), (std::vector<double>{-0.4, -0.2, 0, 0.2, 0.4}));
  EXPECT_EQ(svg::log_ticks(2e-5, 3.0), (std::vector<int>{-5, -4, -3, -2, -1, 0, 1}));
  EXPECT_EQ(svg::log_ticks(1e-30, 1e2), (std::vector<int>{-30, -25, -20, -15, -10, -5, 0, 5}));
  EXPECT_EQ(svg::log_ticks(0.5, 0.5), (std::vector<int>{-1, 0}));
  EXPECT_EQ(svg::power_of_ten_label(-4), "10⁻⁴");
  EXPECT_EQ(svg::power_of_ten_label(12), "10¹²");
  EXPECT_EQ(svg::power_of_ten_label(0), "1");
  EXPECT_EQ(svg::escape("a<b & \"c\" 'd'>"), "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;");
}

TEST(Svg, LineChartDrawsWhatItCanAndSaysWhatItCannot) {
  svg::LineChart chart{.title = "std by depth", .x_label = "layer", .y_label = "std"};
  chart.series.push_back({.name = "ReLU <Kaiming>", .y = {1.0, 0.9, 1.1, 1.0}});
  chart.series.push_back({.name = "zeros", .y = {0.0, 0.0, 0.0, 0.0}});
  chart.series.push_back({.name = "gap", .y = {0.5, NAN, 0.25, 0.125}});
  const std::string out = svg::line_chart(chart);
  EXPECT_TRUE(well_formed(out));
  EXPECT_NE(out.find("data-colors=\"#0072B2,#009E73\""), std::string::npos) << out;  // zeros: not drawn
  EXPECT_NE(out.find("zeros (no positive values: not shown on a log scale)"), std::string::npos);
  EXPECT_NE(out.find("ReLU &lt;Kaiming&gt;"), std::string::npos);
  EXPECT_NE(out.find("class=\"plot-area\""), std::string::npos);
  EXPECT_EQ(occurrences(out, "<g class=\"series\""), 2u);
  EXPECT_NE(out.find("M"), std::string::npos);
  // The gap breaks the third line in two.
  const std::size_t gap = out.find("data-name=\"gap\"");
  ASSERT_NE(gap, std::string::npos);
  EXPECT_EQ(occurrences(out.substr(gap, out.find("</g>", gap) - gap), "M"), 2u);
}

TEST(Svg, LogRangeLeavesOutWhatFallsOutsideAndSaysFromWhere) {
  svg::LineChart chart{.title = "sweep", .log_floor = 1e-4, .log_ceiling = 1e4};
  chart.series.push_back({.name = "held", .x = {1, 2, 3, 4}, .y = {0.9, 0.8, 0.85, 0.8}});
  chart.series.push_back({.name = "vanishing", .x = {1, 2, 3, 4}, .y = {0.1, 1e-3, 1e-5, 1e-7}});
  chart.series.push_back({.name = "exploding", .x = {1, 2, 3, 4}, .y = {10, 1e3, 1e5, 1e7}});
  const std::string out = svg::line_chart(chart);
  EXPECT_TRUE(well_formed(out));
  EXPECT_NE(out.find("vanishing (below 10⁻⁴ at x = 3)"), std::string::npos) << out;
  EXPECT_NE(out.find("exploding (above 10⁴ at x = 3)"), std::string::npos) << out;
  // Two points of each drifting series are drawn, four of the held one (as markers).
  const std::size_t vanishing = out.find("data-name=\"vanishing\"");
  ASSERT_NE(vanishing, std::string::npos);
  EXPECT_EQ(occurrences(out.substr(vanishing, out.find("</g>", vanishing) - vanishing), "<circle"), 2u);
  // The axis spans the range the points need, with headroom, not the 1e-7 .. 1e7 of the data.
  EXPECT_EQ(out.find("10⁻⁷"), std::string::npos);
  EXPECT_EQ(out.find("10⁷"), std::string::npos);
}

TEST(Svg, CountedAxesHaveWholeTicks) {
  svg::LineChart chart{.title = "by layer", .log_y = false};
  chart.series.push_back({.name = "std", .y = {1.0, 0.5, 0.25, 0.125, 0.0625}});  // x = 0 .. 4
  const std::string out = svg::line_chart(chart);
  EXPECT_EQ(out.find(">0.5<"), std::string::npos) << "a half-layer tick";
  EXPECT_EQ(out.find(">1.5<"), std::string::npos);
  EXPECT_NE(out.find(">3<"), std::string::npos) << out;
}

TEST(Svg, CategoryAxisNamesTheLayers) {
  svg::LineChart chart{.title = "by layer"};
  chart.series.push_back({.name = "std", .x = {0, 1, 2}, .y = {1.0, 0.5, 0.25}});
  chart.x_categories = {"0 Linear", "1 ReLU", "layers.11.self_attn.out_proj Linear"};
  const std::string out = svg::line_chart(chart);
  EXPECT_TRUE(well_formed(out));
  EXPECT_NE(out.find(">0 Linear</text>"), std::string::npos) << out;
  EXPECT_NE(out.find("transform=\"rotate(-40"), std::string::npos);
  // A long name is cut in the middle on the axis, and is whole in the label's and the point's tooltips.
  EXPECT_NE(out.find(">layers.11.…out_proj Linear<title>layers.11.self_attn.out_proj Linear</title></text>"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("<title>layers.11.self_attn.out_proj Linear: 0.25</title>"), std::string::npos) << out;
  EXPECT_EQ(out.find(">0.5</text>"), std::string::npos) << "numeric x ticks";
  // The rotated names get room under the axis: the chart is taller than one with numbers.
  svg::LineChart numeric = chart;
  numeric.x_categories.clear();
  auto height = [](const std::string& svg_text) {
    const std::size_t at = svg_text.find("height=\"") + 8;
    return std::stoi(svg_text.substr(at, svg_text.find('"', at) - at));
  };
  EXPECT_GT(height(out), height(svg::line_chart(numeric)));
}

TEST(Svg, HistogramWithReference) {
  svg::Histogram h{.title = "0.weight",
                   .edges = {-1, 0, 1, 2},
                   .counts = {3, 0, 5},
                   .reference = {2, 2, 2},
                   .reference_name = "uniform"};
  const std::string out = svg::histogram(h);
  EXPECT_TRUE(well_formed(out));
  EXPECT_EQ(occurrences(out, "class=\"bar\""), 2u);  // empty bins draw nothing
  EXPECT_NE(out.find("data-colors=\"#0072B2,#D55E00\""), std::string::npos);
  EXPECT_NE(out.find("class=\"reference\""), std::string::npos);
}

ReportData full_report() {
  ReportData data;
  data.model = "Sequential(Linear(4, 3), ReLU(), Linear(3, 1))";
  data.summary = {{"seed", "0"}, {"input", "[32, 4]"}};
  const Tensor w = Tensor::empty({3, 4});
  TorchGenerator g(0);
  g.normal_(w, 0.0, 0.5);
  data.parameters.push_back(parameter_row("0.weight", w, "default"));
  data.parameters.push_back(parameter_row("0.bias", Tensor::zeros({3})));
  data.depth_profile = svg::LineChart{
      .title = "std",
      .series = {{.name = "activation", .y = {1, 0.5, 0.25}}, {.name = "gradient", .y = {0.1, 0.2, 0.4}}}};
  data.histograms.push_back(histogram_of("0.weight", w, 5));
  data.lint_ran = true;
  data.findings.push_back(
      {diag::Severity::error, "scale", "0.weight", "too <small>", "x0.41", "0.weight=zeros_()", "why"});
  data.training =
      svg::LineChart{.title = "loss", .log_y = false, .series = {{.name = "Kaiming", .y = {2.3, 1.2}}}};
  data.depth_sweep.push_back(
      svg::LineChart{.title = "tanh", .series = {{.name = "Xavier", .y = {1, 1}}}, .width = 575});
  data.depth_sweep_note = "50 layers of width 256";
  data.layers.push_back({.name = "0", .type = "Linear", .depth = 1, .std_ratio = 0.58, .grad_ratio = 1.7});
  data.layers.push_back({.name = "encoder.layers.11.self_attn.out_proj.parametrizations.weight",
                         .type = "Linear",
                         .depth = 2,
                         .std_ratio = 1.0});
  diag::ProbeResult probe;
  probe.data = "random teacher";
  probe.chance_loss = 2.302585;
  probe.options.steps = 3;
  probe.candidates.push_back({.label = "too large",
                              .steps = {0, 1, 2},
                              .losses = {5.0, 90.0, 4000.0},
                              .initial_loss = 5.0,
                              .diverged_at = 2,
                              .steps_run = 2});
  probe.candidates.push_back({.label = "matched",
                              .steps = {0, 1},
                              .losses = {2.3, 0.4},
                              .initial_loss = 2.3,
                              .steps_run = 3,
                              .held_out_loss = 0.45,
                              .held_out_accuracy = 0.9,
                              .identical_units_initial = 4,
                              .identical_units_final = 1,
                              .max_abs_weight_initial = 0.5,
                              .max_abs_weight_final = 0.75});
  data.probe = probe;
  return data;
}

TEST(Report, EverySectionIsOptional) {
  const std::string empty = render_report(ReportData{});
  EXPECT_TRUE(well_formed(empty));
  EXPECT_EQ(empty.find("<svg"), std::string::npos);
  EXPECT_EQ(empty.find("<table"), std::string::npos);
  EXPECT_EQ(empty.find("id=\"findings\""), std::string::npos);
  ReportData lint_only;
  lint_only.lint_ran = true;
  EXPECT_NE(render_report(lint_only).find("0 error(s), 0 warning(s), 0 note(s)"), std::string::npos);
}

TEST(Report, FullPageIsWellFormedAndSelfContained) {
  const std::string html = render_report(full_report());
  EXPECT_TRUE(well_formed(html));
  EXPECT_TRUE(html.starts_with("<!DOCTYPE html>"));
  EXPECT_EQ(occurrences(html, "<svg "), 4u);
  for (const char* id :
       {"parameters", "depth-profile", "histograms", "findings", "training", "depth-sweep"}) {
    EXPECT_NE(html.find(fmt::format("id=\"{}\"", id)), std::string::npos) << id;
  }
  EXPECT_NE(html.find("too &lt;small&gt;"), std::string::npos);
  EXPECT_NE(html.find("<code>0.weight=zeros_()</code>"), std::string::npos);
  // No external resource: the only URLs are XML namespaces.
  EXPECT_EQ(occurrences(html, "http"), occurrences(html, "xmlns=\"http"));
  EXPECT_EQ(html.find(" src="), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
}

TEST(Report, CarriesTheTerminalsTablesAndPutsTheLintAfterTheCharts) {
  ReportData data = full_report();
  // Two findings of one kind: the reason is given once, as the terminal gives it.
  data.findings.push_back(
      {diag::Severity::warning, "scale", "2.weight", "too small too", "x0.7", "2.weight=zeros_()", "why"});
  const std::string html = render_report(data);
  EXPECT_TRUE(well_formed(html));
  // The per-layer table, folded but open, with its ratios; the long name cut, whole in the title.
  EXPECT_NE(html.find("<details open=\"open\"><summary>Per-layer table (2 calls)</summary>"),
            std::string::npos);
  EXPECT_NE(html.find("<table class=\"layers\">"), std::string::npos);
  EXPECT_NE(html.find("<td>0.58</td><td>0</td><td>1.7</td>"), std::string::npos) << html;
  const std::string long_name = "encoder.layers.11.self_attn.out_proj.parametrizations.weight";
  EXPECT_NE(html.find(fmt::format("<td class=\"name\" title=\"{}\">&#160;&#160;{}</td>", long_name,
                                  svg::middle_ellipsis(long_name, 44))),
            std::string::npos)
      << html;
  // The probe's table (held-out loss and accuracy, identical units, weight growth) and its verdicts.
  EXPECT_NE(html.find("<table class=\"probe\">"), std::string::npos);
  EXPECT_NE(html.find("<th>held-out accuracy</th>"), std::string::npos);
  EXPECT_NE(html.find("<td>diverged at 2</td>"), std::string::npos) << html;
  EXPECT_NE(html.find("<td>0.45</td><td>90.0%</td><td>4/1</td><td>0.5/0.75</td>"), std::string::npos) << html;
  ASSERT_FALSE(diag::probe_verdicts(*data.probe).empty());
  EXPECT_NE(html.find(fmt::format("<li>{}</li>", svg::escape(diag::probe_verdicts(*data.probe).front()))),
            std::string::npos);
  // The lint after every chart, each reason once.
  EXPECT_GT(html.find("id=\"findings\""), html.rfind("<svg "));
  EXPECT_EQ(occurrences(html, "<div>Why: why</div>"), 1u);
  EXPECT_NE(html.find("[scale] too &lt;small&gt;"), std::string::npos);
}

TEST(Report, ParameterRow) {
  const ParameterRow row = parameter_row("w", Tensor::full({8, 2, 3}, 0.5));
  EXPECT_EQ(row.fan_in, 6);
  EXPECT_EQ(row.fan_out, 24);
  EXPECT_DOUBLE_EQ(row.statistics.mean, 0.5);
  EXPECT_DOUBLE_EQ(row.reference.lecun, 1.0 / std::sqrt(6.0));
}

TEST(Report, WritesAtomically) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("nninit_report_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "report.html").string();
  write_report(full_report(), path);
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  EXPECT_EQ(text.str(), render_report(full_report()));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator()),
            1);
  const std::string missing = (dir / "no" / "such" / "report.html").string();
  try {
    write_report(full_report(), missing);
    ADD_FAILURE() << "no error";
  } catch (const IoError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("write_report: cannot write '" + missing + "': the folder '", 0),
              0u)
        << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "no"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace nninit::report
