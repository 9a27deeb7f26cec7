#include "nninit/report/text.h"

#include <string>

#include <gtest/gtest.h>

#include "nninit/engine/engine_test_support.h"
#include "nninit/expr/model_expression.h"
#include "nninit/random/torch_generator.h"

namespace nninit::report {
namespace {

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

nn::ModulePtr build(std::string_view expression) {
  TorchGenerator g(0);
  return expr::build_model(expression, g);
}

TEST(Text, FindingsForTerminals) {
  const std::vector<diag::Finding> findings =
      diag::check_initialization(*build("Sequential(Linear(20, 64), ReLU(), Linear(64, 1))"));
  const std::string text = format_findings(findings);
  EXPECT_TRUE(contains(text, "warning: [scale] 0.weight std")) << text;
  EXPECT_TRUE(contains(text, "    fix:    --init \"0.weight=kaiming_normal_(nonlinearity='relu')\"")) << text;
  EXPECT_TRUE(contains(text, "0 error(s), 1 warning(s)")) << text;
}

std::size_t occurrences(const std::string& text, std::string_view what) {
  std::size_t n = 0;
  for (std::size_t i = text.find(what); i != std::string::npos; i = text.find(what, i + 1)) ++n;
  return n;
}

// --min-severity hides the milder findings and the summary says how many; --quiet keeps one line each; a
// reason shared by several findings is printed once.
TEST(Text, FindingsViewFiltersAndShortens) {
  // PyTorch's default: a warning on 0.weight, notes on the output layer and the two biases (one reason).
  const std::vector<diag::Finding> findings =
      diag::check_initialization(*build("Sequential(Linear(20, 64), ReLU(), Linear(64, 1))"));
  const std::string all = format_findings(findings);
  EXPECT_EQ(occurrences(all, "Ordinary biases start at 0"), 1u) << all;
  const std::string warnings = format_findings(findings, {.minimum = diag::Severity::warning});
  EXPECT_FALSE(contains(warnings, "info:")) << warnings;
  EXPECT_TRUE(contains(warnings, "0 error(s), 1 warning(s), 3 note(s) (3 below warning not shown)"))
      << warnings;
  const std::string brief = format_findings(findings, {.brief = true});
  EXPECT_FALSE(contains(brief, "    fix:")) << brief;
  EXPECT_EQ(occurrences(brief, "\n"), findings.size() + 1) << brief;
}

TEST(Text, DiagnosisTablesAndVerdict) {
  nn::ModulePtr model = build("Sequential(LSTM(6, 5, num_layers=2, bidirectional=True))");
  TorchGenerator g(1);
  const diag::Diagnosis d = diag::diagnose(*model, {engine::testing::randn({12, 3, 6}, g)});
  const std::string text = format_diagnosis(d);
  EXPECT_TRUE(contains(text, "input [12, 3, 6]")) << text;
  EXPECT_TRUE(contains(text, "hidden std over 12 steps")) << text;
  EXPECT_TRUE(contains(text, "0 (LSTM) layer 1 reverse")) << text;
  for (const std::string& line : diag::signal_verdict(d)) EXPECT_TRUE(contains(text, line)) << text;
}

TEST(Text, ProbeTableEndsWithTheVerdicts) {
  diag::ProbeResult r;
  r.data = "a test";
  r.chance_loss = 2.302585;
  r.options.steps = 3;
  r.options.learning_rate = 0.1;
  r.candidates.push_back({.label = "too large",
                          .steps = {0, 1, 2},
                          .losses = {5.0, 90.0, 4000.0},
                          .initial_loss = 5.0,
                          .diverged_at = 2,
                          .steps_run = 2});
  r.candidates.push_back({.label = "matched",
                          .steps = {0, 1, 2, 3},
                          .losses = {2.3, 1.1, 0.6, 0.4},
                          .initial_loss = 2.3,
                          .steps_run = 3,
                          .train_loss = 0.4,
                          .held_out_accuracy = 0.9});
  const std::string text = format_probe(r);
  EXPECT_TRUE(contains(text, "training probe: a test\n")) << text;
  EXPECT_TRUE(contains(text, "diverged@2")) << text;
  EXPECT_TRUE(contains(text, "90.0%")) << text;
  ASSERT_EQ(diag::probe_verdicts(r).size(), 1u);
  EXPECT_TRUE(contains(text, "- " + diag::probe_verdicts(r).front() + "\n")) << text;
  EXPECT_TRUE(contains(text, "- too large: diverged at step 2 (batch loss 4000 against 5 at step 0)"))
      << text;
  EXPECT_FALSE(contains(text, "stopped early")) << text;
  // A probe the budget cut says so, under its settings.
  r.options.budget_seconds = 60;
  r.options.steps = 300;
  r.steps_per_candidate = 12;
  r.cut_by_budget = true;
  r.first_step_seconds = 0.93;
  r.estimated_seconds = 58.2;
  const std::string cut = format_probe(r);
  EXPECT_TRUE(contains(
      cut,
      "chance loss 2.303 (ln of the class count)\nstopped early: the time budget of 60 s allowed 12 of "
      "the 300 steps per candidate (the first step took 0.93 s; about 58.2 s in all)\n"))
      << cut;
}

TEST(Text, BlockSweepRowsForActivationAndGradient) {
  diag::DepthSweep sweep{.options = {.depth = 4, .width = 64, .batch = 16}};
  sweep.block = "layers.* (TransformerEncoderLayer)";
  sweep.block_input = {16, 32, 64};
  sweep.schemes.push_back({.name = "--init rules",
                           .init = "1 rule(s) drawn anew for every copy",
                           .activation_std = {1.0, 0.9, 0.8, 0.7},
                           .gradient_std = {0.4, 0.3, 0.2, 0.1}});
  EXPECT_EQ(
      format_sweep(sweep),
      "depth sweep of the model's block layers.* (TransformerEncoderLayer), 4 copies on input [16, 32, 64] "
      "(std after copies 1, 2, 4):\n"
      "  --init rules (1 rule(s) drawn anew for every copy):\n"
      "  activation std                      1        0.9        0.7\n"
      "  gradient std (block input)        0.4        0.3        0.1\n");
}

TEST(Text, SweepAndLsuv) {
  const diag::DepthSweep sweep = diag::run_depth_sweep(diag::SweepActivation::tanh, {.depth = 4, .width = 8});
  const std::string text = format_sweep(sweep);
  EXPECT_TRUE(contains(text, "depth sweep, 4 layers of tanh (activation std at layers 1, 2, 4):")) << text;
  EXPECT_TRUE(contains(text, "  Kaiming ")) << text;
  diag::LsuvReport lsuv;
  lsuv.layers.push_back({.path = "0",
                         .parameter = "0.weight",
                         .initial_std = 0.5,
                         .final_std = 1.0,
                         .iterations = 2,
                         .converged = true});
  lsuv.skipped.push_back({.path = "1", .reason = "recurrent"});
  const std::string lines = format_lsuv(lsuv);
  EXPECT_TRUE(contains(lines, "0.weight                 output std 0.5 -> 1 in 2 division(s)\n")) << lines;
  EXPECT_TRUE(contains(lines, "left as it is: recurrent")) << lines;
}

}  // namespace
}  // namespace nninit::report
