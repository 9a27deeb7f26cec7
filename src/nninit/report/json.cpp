#include "nninit/report/json.h"

#include <cmath>
#include <vector>

namespace nninit::report {

Json json_number(double x) {
  if (!std::isfinite(x)) return nullptr;
  return x;
}

Json to_json(const Shape& shape) {
  return Json(std::vector<std::int64_t>(shape.begin(), shape.end()));
}

Json to_json(const TensorStatistics& s) {
  return {{"mean", json_number(s.mean)}, {"std", json_number(s.std)},        {"min", json_number(s.min)},
          {"max", json_number(s.max)},   {"zero_fraction", s.zero_fraction}, {"non_finite", s.non_finite}};
}

Json to_json(std::span<const diag::Finding> findings) {
  Json out = Json::array();
  for (const diag::Finding& f : findings) {
    Json values = Json::object();
    for (const auto& [name, value] : f.numbers.values) values[name] = json_number(value);
    out.push_back({{"severity", diag::severity_name(f.severity)},
                   {"check", f.check},
                   {"path", f.path},
                   {"message", f.message},
                   {"effect", f.effect},
                   {"fix", f.fix},
                   {"reason", f.reason},
                   {"covers", f.covers},
                   {"measured_std", json_number(f.numbers.measured_std)},
                   {"expected_std", json_number(f.numbers.expected_std)},
                   {"ratio", json_number(f.numbers.ratio)},
                   {"end_to_end", json_number(f.numbers.end_to_end)},
                   {"compounding_layers", f.numbers.compounding_layers},
                   {"values", values}});
  }
  return out;
}

Json to_json(const diag::Diagnosis& d) {
  Json inputs = Json::array();
  for (const Shape& s : d.input_shapes) inputs.push_back(to_json(s));
  Json layers = Json::array();
  for (const diag::LayerDiagnosis& l : d.layers) {
    layers.push_back({{"name", l.name},
                      {"type", l.type},
                      {"depth", l.depth},
                      {"output_shape", to_json(l.output_shape)},
                      {"output", to_json(l.output)},
                      {"std_ratio", json_number(l.std_ratio)},
                      {"output_grad_std", json_number(l.output_grad_std)},
                      {"input_grad_std", json_number(l.input_grad_std)},
                      {"grad_ratio", json_number(l.grad_ratio)}});
  }
  Json parameters = Json::array();
  for (const diag::ParameterDiagnosis& p : d.parameters) {
    parameters.push_back({{"name", p.name},
                          {"shape", to_json(p.shape)},
                          {"value", to_json(p.value)},
                          {"grad", to_json(p.grad)},
                          {"grad_to_weight", json_number(p.grad_to_weight)}});
  }
  Json recurrent = Json::array();
  for (const diag::RecurrentDiagnosis& r : d.recurrent) {
    Json hidden = Json::array(), grads = Json::array();
    for (double v : r.hidden_std) hidden.push_back(json_number(v));
    for (double v : r.grad_std) grads.push_back(json_number(v));
    recurrent.push_back({{"name", r.name},
                         {"type", r.type},
                         {"layer", r.layer},
                         {"direction", r.direction},
                         {"hidden_std", hidden},
                         {"grad_std", grads}});
  }
  Json flags = Json::array();
  for (const diag::SignalFlag& f : d.flags) {
    flags.push_back({{"direction", diag::signal_direction_name(f.direction)},
                     {"trend", diag::signal_trend_name(f.trend)},
                     {"starts_at", f.starts_at},
                     {"crosses_at", f.crosses_at},
                     {"factor", json_number(f.factor)},
                     {"message", f.message}});
  }
  Json symmetries = Json::array();
  for (const diag::SymmetryFinding& s : d.symmetries) {
    symmetries.push_back({{"layer", s.layer},
                          {"parameter", s.parameter},
                          {"units", s.units},
                          {"groups", s.groups},
                          {"stays_identical", s.stays_identical},
                          {"message", s.message}});
  }
  return {{"inputs", inputs},
          {"input_std", json_number(d.input_std)},
          {"mode", d.train ? "train" : "eval"},
          {"gradient", d.gradient_note},
          {"layers", layers},
          {"parameters", parameters},
          {"recurrent", recurrent},
          {"flags", flags},
          {"symmetries", d.symmetries_checked ? symmetries : Json(nullptr)}};
}

Json to_json(const diag::ProbeResult& r) {
  Json candidates = Json::array();
  for (const diag::CandidateResult& c : r.candidates) {
    Json curve = Json::array();
    for (std::size_t i = 0; i < c.steps.size(); ++i) curve.push_back({c.steps[i], json_number(c.losses[i])});
    candidates.push_back({{"label", c.label},
                          {"initial_loss", json_number(c.initial_loss)},
                          {"diverged_at", c.diverged_at ? Json(*c.diverged_at) : Json(nullptr)},
                          {"steps_run", c.steps_run},
                          {"train_loss", json_number(c.train_loss)},
                          {"held_out_loss", json_number(c.held_out_loss)},
                          {"held_out_accuracy", json_number(c.held_out_accuracy)},
                          {"identical_units_initial", c.identical_units_initial},
                          {"identical_units_final", c.identical_units_final},
                          {"max_abs_weight_initial", json_number(c.max_abs_weight_initial)},
                          {"max_abs_weight_final", json_number(c.max_abs_weight_final)},
                          {"curve", curve}});
  }
  return {{"data", r.data},
          {"optimizer", r.options.optimizer == diag::Optimizer::sgd ? "sgd" : "adam"},
          {"learning_rate", r.options.learning_rate},
          {"steps", r.options.steps},
          {"steps_per_candidate", r.steps_per_candidate},
          {"budget_seconds", r.options.budget_seconds > 0.0 ? Json(r.options.budget_seconds) : Json(nullptr)},
          {"cut_by_budget", r.cut_by_budget},
          {"first_step_seconds", json_number(r.first_step_seconds)},
          {"estimated_seconds", json_number(r.estimated_seconds)},
          {"chance_loss", json_number(r.chance_loss)},
          {"candidates", candidates}};
}

Json to_json(const diag::DepthSweep& sweep) {
  Json schemes = Json::array();
  for (const diag::SweepScheme& s : sweep.schemes) {
    Json act = Json::array(), grad = Json::array();
    for (double v : s.activation_std) act.push_back(json_number(v));
    for (double v : s.gradient_std) grad.push_back(json_number(v));
    schemes.push_back({{"name", s.name}, {"init", s.init}, {"activation_std", act}, {"gradient_std", grad}});
  }
  return {{"activation",
           sweep.block.empty() ? Json(diag::sweep_activation_name(sweep.activation)) : Json(nullptr)},
          {"depth", sweep.options.depth},
          {"width", sweep.options.width},
          {"batch", sweep.options.batch},
          {"block", sweep.block.empty() ? Json(nullptr) : Json(sweep.block)},
          {"block_input", sweep.block.empty() ? Json(nullptr) : to_json(sweep.block_input)},
          {"schemes", schemes}};
}

Json to_json(const diag::LsuvReport& report) {
  Json layers = Json::array();
  for (const diag::LsuvLayer& l : report.layers) {
    layers.push_back({{"layer", l.path},
                      {"parameter", l.parameter},
                      {"initial_std", json_number(l.initial_std)},
                      {"final_std", json_number(l.final_std)},
                      {"iterations", l.iterations},
                      {"converged", l.converged}});
  }
  Json skipped = Json::array();
  for (const diag::LsuvSkip& s : report.skipped) skipped.push_back({{"layer", s.path}, {"reason", s.reason}});
  return {{"layers", layers}, {"skipped", skipped}};
}

}  // namespace nninit::report
