#include "nninit/report/report.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <span>

#include <fmt/format.h>

#include "nninit/core/error.h"
#include "nninit/init/fan.h"
#include "nninit/io/file.h"
#include "nninit/report/text.h"

namespace nninit::report {
namespace {

using svg::escape;

constexpr std::string_view style = R"(
body { font-family: "DejaVu Sans", Arial, Helvetica, sans-serif; color: #222222; background: #ffffff;
       max-width: 1200px; margin: 0 auto; padding: 16px 20px 40px 20px; line-height: 1.4; }
h1 { font-size: 24px; margin: 8px 0 4px 0; }
h2 { font-size: 19px; margin: 28px 0 8px 0; border-bottom: 1px solid #dddddd; padding-bottom: 4px; }
p.note { color: #555555; font-size: 13px; margin: 4px 0 10px 0; }
nav a { margin-right: 14px; font-size: 13px; color: #0072B2; }
table { border-collapse: collapse; font-size: 12.5px; width: 100%; }
th, td { border: 1px solid #dddddd; padding: 3px 6px; text-align: right; white-space: nowrap; }
th { background: #f3f3f3; }
td.name, th.name { text-align: left; font-family: "DejaVu Sans Mono", monospace; white-space: normal; }
table.summary { width: auto; }
table.summary td { text-align: left; }
.charts { display: flex; flex-wrap: wrap; gap: 10px; }
.finding { border-left: 5px solid #999999; padding: 6px 10px; margin: 8px 0; background: #fafafa; font-size: 13.5px; }
.finding.error { border-color: #D55E00; }
.finding.warning { border-color: #E69F00; }
.finding.info { border-color: #0072B2; }
.badge { display: inline-block; min-width: 62px; font-weight: bold; }
.error .badge { color: #B34700; }
.warning .badge { color: #8A5A00; }
.info .badge { color: #0072B2; }
.finding div { margin-left: 66px; color: #444444; }
details { margin: 8px 0; }
summary { cursor: pointer; font-size: 13px; color: #0072B2; }
ul.verdicts { font-size: 13.5px; margin: 8px 0; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: 12.5px; background: #eeeeee; padding: 0 3px; }
)";

// Records each chart's page box (and its plot area's) for the browser test; display needs none of it.
constexpr std::string_view script = R"(
(function () {
  function box(e) {
    var r = e.getBoundingClientRect();
    return [r.left + window.scrollX, r.top + window.scrollY, r.width, r.height].map(Math.round).join(",");
  }
  document.querySelectorAll("svg.chart").forEach(function (s) {
    s.setAttribute("data-box", box(s));
    var p = s.querySelector(".plot-area");
    s.setAttribute("data-plot-box", box(p ? p : s));
  });
  document.querySelectorAll("table, .finding, ul.verdicts").forEach(function (t) {
    t.setAttribute("data-box", box(t));
  });
  document.body.setAttribute("data-charts-measured", "yes");
})();
)";

std::string cell(double v) {
  if (std::isnan(v)) return "&#8212;";
  return escape(fmt::format("{:.4g}", v));
}

// Room for a name in a table cell before it is cut in the middle (the full name goes in the title).
constexpr std::size_t name_chars = 44;

// A name cell: the name, cut in the middle where longer than `name_chars`, whole in the title attribute.
std::string name_cell(std::string_view name, std::string_view indent = "") {
  const std::string shown = svg::middle_ellipsis(name, name_chars);
  if (shown == name) return fmt::format("<td class=\"name\">{}{}</td>", indent, escape(name));
  return fmt::format("<td class=\"name\" title=\"{}\">{}{}</td>", escape(name), indent, escape(shown));
}

// Four significant digits; "nan" and "inf" spelled out (the probe's table, where they mean divergence).
std::string probe_cell(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return fmt::format("{:.4g}", v);
}

std::string summary_section(const ReportData& data) {
  if (data.model.empty() && data.summary.empty()) return "";
  std::string out = "<table class=\"summary\">\n";
  if (!data.model.empty())
    out += fmt::format("<tr><th>model</th><td class=\"name\">{}</td></tr>\n", escape(data.model));
  for (const auto& [key, value] : data.summary) {
    out += fmt::format("<tr><th>{}</th><td class=\"name\">{}</td></tr>\n", escape(key), escape(value));
  }
  return out + "</table>\n";
}

std::string parameter_section(const std::vector<ParameterRow>& rows) {
  std::string out =
      "<h2 id=\"parameters\">Parameters</h2>\n"
      "<p class=\"note\">Reference stds for the tensor's shape: PyTorch's default "
      "(U(&#177;1/&#8730;fan_in)), Xavier (gain 1), Kaiming (ReLU, fan_in) and LeCun.</p>\n"
      "<table class=\"parameters\">\n<tr><th class=\"name\">name</th><th>shape</th><th>fan_in</th>"
      "<th>fan_out</th><th>mean</th><th>std</th><th>min</th><th>max</th><th>default</th>"
      "<th>Xavier</th><th>Kaiming</th><th>LeCun</th><th class=\"name\">init</th></tr>\n";
  for (const ParameterRow& r : rows) {
    const auto fan = [](std::int64_t f) { return f > 0 ? std::to_string(f) : std::string("&#8212;"); };
    out += fmt::format(
        "<tr>{}<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
        "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"name\">{}</td></tr>\n",
        name_cell(r.name), escape(shape_string(r.shape)), fan(r.fan_in), fan(r.fan_out),
        cell(r.statistics.mean), cell(r.statistics.std), cell(r.statistics.min), cell(r.statistics.max),
        cell(r.reference.pytorch_default), cell(r.reference.xavier), cell(r.reference.kaiming_relu),
        cell(r.reference.lecun), escape(r.init));
  }
  return out + "</table>\n";
}

std::string findings_section(const std::vector<diag::Finding>& findings) {
  std::string out = "<h2 id=\"findings\">Lint findings</h2>\n";
  out += fmt::format(
      "<p class=\"note\">{} error(s), {} warning(s), {} note(s). Each fix is a rule for "
      "<code>--init</code>.</p>\n",
      diag::count(findings, diag::Severity::error), diag::count(findings, diag::Severity::warning),
      diag::count(findings, diag::Severity::info));
  std::vector<std::string_view> reasons;  // given once, as the terminal does: a kind's findings share it
  for (const diag::Finding& f : findings) {
    const std::string_view severity = diag::severity_name(f.severity);
    out += fmt::format("<div class=\"finding {0}\"><span class=\"badge\">{0}</span> [{1}] {2}\n", severity,
                       escape(f.check), escape(f.message));
    if (!f.covers.empty()) {
      out += fmt::format("<div>Covers: {} parameters ({} ... {}); the numbers are the first's</div>\n",
                         f.covers.size(), escape(f.covers.front()), escape(f.covers.back()));
    }
    if (!f.effect.empty()) out += fmt::format("<div>Effect: {}</div>\n", escape(f.effect));
    if (!f.fix.empty()) out += fmt::format("<div>Fix: <code>{}</code></div>\n", escape(f.fix));
    if (!f.reason.empty() && std::find(reasons.begin(), reasons.end(), f.reason) == reasons.end()) {
      out += fmt::format("<div>Why: {}</div>\n", escape(f.reason));
      reasons.push_back(f.reason);
    }
    out += "</div>\n";
  }
  return out;
}

// The terminal's per-layer table: each call's output statistics and the std ratios, forward and backward.
std::string layer_section(const std::vector<diag::LayerDiagnosis>& layers) {
  std::string out = fmt::format(
      "<details open=\"open\"><summary>Per-layer table ({} calls)</summary>\n"
      "<p class=\"note\">ratio: the output's std over the layer's own input's (a residual sum, the block's "
      "input); grad std: the gradient reaching the layer's input; grad ratio: over the gradient reaching its "
      "output.</p>\n"
      "<table class=\"layers\">\n<tr><th class=\"name\">layer</th><th class=\"name\">type</th><th>mean</th>"
      "<th>std</th><th>min</th><th>max</th><th>zeros</th><th>ratio</th><th>grad std</th>"
      "<th>grad ratio</th></tr>\n",
      layers.size());
  for (const diag::LayerDiagnosis& l : layers) {
    std::string indent;
    for (int d = 1; d < l.depth; ++d) indent += "&#160;&#160;";
    out += fmt::format(
        "<tr>{}<td class=\"name\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.0f}%</td>"
        "<td>{}</td><td>{}</td><td>{}</td></tr>\n",
        name_cell(l.name, indent), escape(l.type), cell(l.output.mean), cell(l.output.std),
        cell(l.output.min), cell(l.output.max), 100.0 * l.output.zero_fraction, cell(l.std_ratio),
        cell(l.input_grad_std), cell(l.grad_ratio));
  }
  return out + "</table>\n</details>\n";
}

// The terminal's probe table (format_probe) and verdicts, under the loss curves.
std::string probe_section(const diag::ProbeResult& result) {
  const diag::ProbeOptions& o = result.options;
  const bool classification = result.task == diag::ProbeTask::classification;
  std::string out = fmt::format(
      "<p class=\"note\">{}. {} steps of {} (lr {}), batch {}, seed {}; chance loss {} ({}). Train and "
      "held-out numbers are measured after training, in eval mode.</p>\n",
      escape(result.data), o.steps, o.optimizer == diag::Optimizer::sgd ? "SGD" : "Adam",
      probe_cell(o.learning_rate), o.batch_size, o.seed, probe_cell(result.chance_loss),
      classification ? "ln of the class count" : "predicting 0");
  if (result.cut_by_budget) out += fmt::format("<p class=\"note\">{}.</p>\n", escape(budget_line(result)));
  out += fmt::format(
      "<table class=\"probe\">\n<tr><th class=\"name\">candidate</th><th>loss start</th><th>loss end</th>"
      "<th>train loss</th><th>held-out loss</th>{}<th>identical units start/end</th>"
      "<th>max |W| start/end</th></tr>\n",
      classification ? "<th>held-out accuracy</th>" : "");
  for (const diag::CandidateResult& c : result.candidates) {
    const std::string end =
        c.diverged_at
            ? fmt::format("diverged at {}", *c.diverged_at)
            : probe_cell(c.losses.empty() ? std::numeric_limits<double>::quiet_NaN() : c.losses.back());
    out +=
        fmt::format("<tr>{}<td>{}</td><td>{}</td><td>{}</td><td>{}</td>{}<td>{}/{}</td><td>{}/{}</td></tr>\n",
                    name_cell(c.label), probe_cell(c.initial_loss), end, probe_cell(c.train_loss),
                    probe_cell(c.held_out_loss),
                    classification ? fmt::format("<td>{:.1f}%</td>", 100.0 * c.held_out_accuracy) : "",
                    c.identical_units_initial, c.identical_units_final, probe_cell(c.max_abs_weight_initial),
                    probe_cell(c.max_abs_weight_final));
  }
  out += "</table>\n";
  const std::vector<std::string> verdicts = diag::probe_verdicts(result);
  if (!verdicts.empty()) {
    out += "<ul class=\"verdicts\">\n";
    for (const std::string& v : verdicts) out += fmt::format("<li>{}</li>\n", escape(v));
    out += "</ul>\n";
  }
  return out;
}

}  // namespace

ParameterRow parameter_row(std::string name, const Tensor& tensor, std::string init) {
  ParameterRow row;
  row.name = std::move(name);
  row.shape = tensor.sizes();
  row.statistics = statistics(tensor);
  row.init = std::move(init);
  if (tensor.dim() >= 2) {
    const init::Fans fans = init::calculate_fan_in_and_fan_out(tensor);
    row.fan_in = fans.fan_in;
    row.fan_out = fans.fan_out;
    row.reference = init::reference_stds(tensor);
  }
  return row;
}

std::string render_report(const ReportData& data) {
  std::string nav;
  const auto link = [&](bool present, std::string_view id, std::string_view label) {
    if (present) nav += fmt::format("<a href=\"#{}\">{}</a>", id, label);
  };
  link(data.depth_profile.has_value() || !data.layers.empty(), "depth-profile", "Std by depth");
  link(!data.over_time.empty(), "over-time", "Over time");
  link(!data.histograms.empty(), "histograms", "Histograms");
  link(data.training.has_value() || data.probe.has_value(), "training", "Training probe");
  link(!data.depth_sweep.empty(), "depth-sweep", "Depth sweep");
  link(data.lint_ran, "findings", "Findings");
  link(!data.parameters.empty(), "parameters", "Parameters");

  std::string body = fmt::format("<h1>{}</h1>\n", escape(data.title));
  if (!nav.empty()) body += "<nav>" + nav + "</nav>\n";
  body += summary_section(data);
  if (data.depth_profile || !data.layers.empty()) {
    body += "<h2 id=\"depth-profile\">Activation and gradient std by depth</h2>\n";
    if (data.depth_profile) {
      body += "<p class=\"note\">Log scale: a straight line is a constant factor per layer.</p>\n";
      body += svg::line_chart(*data.depth_profile);
    }
    if (!data.layers.empty()) body += layer_section(data.layers);
  }
  if (!data.over_time.empty()) {
    body +=
        "<h2 id=\"over-time\">Recurrent layers over time</h2>\n"
        "<p class=\"note\">The hidden state's std and the std of the gradient reaching it, per time "
        "step.</p>\n";
    for (const svg::LineChart& chart : data.over_time) body += svg::line_chart(chart);
  }
  if (!data.histograms.empty()) {
    body += "<h2 id=\"histograms\">Histograms</h2>\n";
    if (!data.histograms_note.empty())
      body += fmt::format("<p class=\"note\">{}</p>\n", escape(data.histograms_note));
    body += "<div class=\"charts\">\n";
    for (const svg::Histogram& h : data.histograms) body += svg::histogram(h);
    body += "</div>\n";
  }
  if (data.training || data.probe) {
    body += "<h2 id=\"training\">Training probe</h2>\n";
    if (data.training) body += svg::line_chart(*data.training);
    if (data.probe) body += probe_section(*data.probe);
  }
  if (!data.depth_sweep.empty()) {
    body += "<h2 id=\"depth-sweep\">Depth sweep</h2>\n";
    if (!data.depth_sweep_note.empty())
      body += fmt::format("<p class=\"note\">{}</p>\n", escape(data.depth_sweep_note));
    body += "<div class=\"charts\">\n";
    for (const svg::LineChart& chart : data.depth_sweep) body += svg::line_chart(chart);
    body += "</div>\n";
  }
  if (data.lint_ran) body += findings_section(data.findings);
  if (!data.parameters.empty()) body += parameter_section(data.parameters);

  return fmt::format(
      "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n"
      "<meta charset=\"utf-8\"/>\n<meta name=\"viewport\" content=\"width=device-width\"/>\n"
      "<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n{}<script>{}</script>\n</body>\n</html>\n",
      escape(data.title), style, body, script);
}

void write_report(const ReportData& data, const std::string& path) {
  const std::string html = render_report(data);
  io::AtomicOutputFile file(path, "write_report");
  file.write(std::as_bytes(std::span<const char>(html.data(), html.size())));
  file.commit();
}

}  // namespace nninit::report
