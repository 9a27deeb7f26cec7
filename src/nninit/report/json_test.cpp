#include "nninit/report/json.h"

#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "nninit/diag/lint.h"
#include "nninit/expr/model_expression.h"
#include "nninit/expr/rules.h"
#include "nninit/random/torch_generator.h"

namespace nninit::report {
namespace {

// A model and the rules applied after its construction; together the cases raise every check of lint.h.
struct LintCase {
  std::string expression;
  std::vector<std::string> rules{};
  bool poison_first_parameter = false;  // a NaN in the first parameter: non_finite
  bool lsuv_left_first_layer = false;   // LSUV scaled layer 0 and did not converge: lsuv
};

const LintCase lint_cases[] = {
    // scale (hidden, compounding; output too small), bias: the reference MLP under PyTorch's default.
    {.expression = "Sequential(Linear(784, 256), ReLU(), Linear(256, 128), ReLU(), Linear(128, 10))"},
    // scheme: Kaiming's ReLU gain before tanh (variance_keeping_std, gain).
    {.expression = "Sequential(Linear(32, 32), Tanh(), Linear(32, 32), Tanh(), Linear(32, 4))",
     .rules = {"*.weight=kaiming_normal_(nonlinearity='relu')"}},
    // normalization, scale before a normalisation (no compounding), symmetry (constant weights).
    {.expression =
         "Sequential(Linear(16, 16), BatchNorm1d(16), ReLU(), Linear(16, 16), ReLU(), Linear(16, 4))",
     .rules = {"0.weight=normal_(std=0.5)", "1.weight=normal_()", "1.bias=normal_()",
               "3.weight=constant_(val=0.1)", "3.bias=zeros_()"}},
    // forget_gate, recurrent.
    {.expression = "LSTM(8, 16)"},
    // transformer, a residual projection among them.
    {.expression = "TransformerEncoderLayer(16, 2, dim_feedforward=32)",
     .rules = {"linear2.weight=normal_(std=0.2)"}},
    {.expression = "Sequential(Linear(8, 8), ReLU(), Linear(8, 2))",
     .poison_first_parameter = true,
     .lsuv_left_first_layer = true},
};

// The names a finding of each check must have in `values` (lint.h), beyond which a finding may add others.
const std::map<std::string, std::vector<std::string>> required_values = {
    {"scale", {"fan_in", "fan_out"}},
    {"scheme", {"fan_in", "fan_out", "variance_keeping_std", "gain", "factor_per_layer"}},
    {"lsuv", {"initial_std", "final_std", "iterations"}},
    {"bias", {"mean", "std", "min", "max", "rms"}},
    {"normalization", {"mean", "std", "min", "max", "target"}},
    {"forget_gate", {"forget_bias", "forget_gate", "kept_after_10_steps"}},
    {"recurrent", {"mean_column_norm"}},
    {"transformer", {"lecun_std"}},
    {"symmetry", {"units", "distinct_units", "copied_units"}},
    {"non_finite", {"non_finite_values"}},
};

// Whether `text` states `value` in one of the ways the lint writes numbers.
bool states(const std::string& text, double value) {
  std::vector<std::string> forms = {fmt::format("{:.2f}", value), fmt::format("{:.2g}", value),
                                    fmt::format("{:.3g}", value), fmt::format("{:.4g}", value),
                                    fmt::format("{:.6g}", value), fmt::format("{:.1f}%", 100.0 * value)};
  for (const std::string& form : forms) {
    if (text.find(form) != std::string::npos) return true;
  }
  return false;
}

Json lint_json(const LintCase& c) {
  TorchGenerator generator(0);
  const nn::ModulePtr model = expr::build_model(c.expression, generator);
  std::vector<expr::Rule> rules;
  for (const std::string& r : c.rules) rules.push_back(expr::parse_rule(r));
  if (!rules.empty()) expr::apply_rules(*model, rules, generator);
  if (c.poison_first_parameter) model->named_parameters().front().tensor.fill_(NAN);
  std::vector<diag::LsuvLayer> lsuv;
  if (c.lsuv_left_first_layer) {
    lsuv.push_back(
        {.path = "0", .parameter = "0.weight", .initial_std = 0.31, .final_std = 0.62, .iterations = 10});
  }
  return to_json(diag::grouped_findings(*model, {.lsuv = lsuv}));
}

TEST(Json, EveryNumberAFindingStatesIsANumericField) {
  std::set<std::string> checks;
  for (const LintCase& c : lint_cases) {
    const Json findings = lint_json(c);
    ASSERT_FALSE(findings.empty()) << c.expression;
    for (const Json& f : findings) {
      const std::string check = f.at("check");
      checks.insert(check);
      const std::string where = fmt::format("{}: {}", c.expression, f.at("message").get<std::string>());
      for (const char* fixed : {"measured_std", "expected_std", "ratio", "end_to_end"})
        EXPECT_TRUE(f.at(fixed).is_null() || f.at(fixed).is_number_float()) << where;
      EXPECT_TRUE(f.at("compounding_layers").is_number_integer()) << where;
      const Json& values = f.at("values");
      ASSERT_TRUE(values.is_object()) << where;
      for (const std::string& name : required_values.at(check))
        EXPECT_TRUE(values.contains(name)) << name << " missing in " << where;
      // Each value is a number the finding's text states (or null where it is not finite).
      const std::string text = f.at("message").get<std::string>() + " " + f.at("effect").get<std::string>();
      for (const auto& [name, value] : values.items()) {
        if (value.is_null()) continue;
        ASSERT_TRUE(value.is_number()) << name << " in " << where;
        EXPECT_TRUE(states(text, value.get<double>()))
            << name << " = " << value << " is not stated in " << text;
      }
    }
  }
  // Every check of lint.h was exercised.
  std::set<std::string> all;
  for (const auto& [check, names] : required_values) all.insert(check);
  EXPECT_EQ(checks, all);
}

TEST(Json, ScaleFindingsStateTheirCompoundingAsNumbers) {
  // PyTorch's default before ReLU: 0.41x per layer over the 2 compounding layers of the reference MLP.
  const Json findings = lint_json(lint_cases[0]);
  const Json& hidden = findings.at(0);
  ASSERT_EQ(hidden.at("check"), "scale");
  EXPECT_EQ(hidden.at("compounding_layers"), 2);
  EXPECT_NEAR(hidden.at("values").at("factor_per_layer").get<double>(), 1.0 / std::sqrt(6.0), 0.01);
  EXPECT_NEAR(hidden.at("end_to_end").get<double>(), 1.0 / 6.0, 0.01);
  EXPECT_EQ(hidden.at("values").at("fan_in"), 784.0);
  EXPECT_EQ(hidden.at("values").at("fan_out"), 256.0);
}

}  // namespace
}  // namespace nninit::report
