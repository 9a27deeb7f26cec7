#include "nninit/diag/auto_preset.h"

#include <gtest/gtest.h>

#include "nninit/diag/lint.h"
#include "nninit/expr/model_expression.h"
#include "nninit/expr/rules.h"
#include "nninit/random/torch_generator.h"

namespace nninit::diag {
namespace {

// The findings' messages, one per line, for failure messages.
std::string messages(const std::vector<Finding>& findings) {
  std::string text;
  for (const Finding& f : findings) text += f.message + "\n";
  return text;
}

nn::ModulePtr build(std::string_view expression) {
  TorchGenerator g(0);
  return expr::build_model(expression, g);
}

std::vector<std::string> texts(const std::vector<expr::Rule>& rules) {
  std::vector<std::string> out;
  for (const expr::Rule& r : rules) out.push_back(r.text);
  return out;
}

// Applies the preset and lints the result.
std::vector<Finding> lint_after_auto(nn::Module& model) {
  const std::vector<expr::Rule> rules = auto_rules(model);
  TorchGenerator g(7);
  expr::apply_rules(model, rules, g);
  return check_initialization(model);
}

TEST(AutoPreset, ReluMlp) {
  const nn::ModulePtr model =
      build("Sequential(Linear(784, 256), ReLU(), Linear(256, 128), ReLU(), Linear(128, 10))");
  EXPECT_EQ(texts(auto_rules(*model)), (std::vector<std::string>{
                                           "0.weight=kaiming_normal_(nonlinearity='relu')",
                                           "2.weight=kaiming_normal_(nonlinearity='relu')",
                                           "4.weight=xavier_uniform_()",
                                           "Linear.bias=zeros_()",
                                       }));
  const std::vector<Finding> findings = lint_after_auto(*model);
  EXPECT_TRUE(findings.empty()) << messages(findings);
}

TEST(AutoPreset, UniformTypesGetTypeRules) {
  const nn::ModulePtr model = build("Sequential(Linear(8, 8), LeakyReLU(0.2), Linear(8, 8), LeakyReLU(0.2))");
  EXPECT_EQ(texts(auto_rules(*model)), (std::vector<std::string>{
                                           "Linear.weight=kaiming_normal_(a=0.2, nonlinearity='leaky_relu')",
                                           "Linear.bias=zeros_()",
                                       }));
}

TEST(AutoPreset, EachReferenceModelLintsWithoutErrorsOrWarnings) {
  const char* examples[] = {
      "Sequential(Linear(784, 256), Tanh(), Linear(256, 128), Tanh(), Linear(128, 10))",
      "Sequential(Linear(784, 256), Sigmoid(), Linear(256, 10))",
      "Sequential(Linear(784, 256), SELU(), Linear(256, 256), SELU(), Linear(256, 10))",
      "Sequential(Linear(64, 64), GELU(), Linear(64, 64), SiLU(), Linear(64, 64), ELU(), Linear(64, 10))",
      "Sequential(Linear(64, 64), PReLU(), Linear(64, 64), LeakyReLU(0.1), Linear(64, 2), Softmax(dim=1))",
      "Sequential(Conv2d(3, 16, 3), BatchNorm2d(16), ReLU(), Conv2d(16, 16, 3), ReLU(), Flatten(), "
      "Linear(64, 10))",
      "Sequential(Linear(16, 16), LayerNorm(16), ReLU(), Linear(16, 2))",
      "LSTM(10, 20, 2)",
      "Sequential(GRU(10, 20), Linear(20, 2))",
      "Sequential(Embedding(100, 32), TransformerEncoderLayer(32, 4, 64), Linear(32, 100))",
      "Transformer(32, 4, 2, 2, 64)",
  };
  for (const char* expression : examples) {
    SCOPED_TRACE(expression);
    const nn::ModulePtr model = build(expression);
    const std::vector<Finding> findings = lint_after_auto(*model);
    EXPECT_FALSE(has_errors(findings)) << messages(findings);
    EXPECT_EQ(count(findings, Severity::warning), 0u) << messages(findings);
  }
}

TEST(AutoPreset, FixesTheLintsFindings) {
  const nn::ModulePtr zero =
      build("Sequential(Linear(784, 256), ReLU(), Linear(256, 128), ReLU(), Linear(128, 10))");
  for (const NamedTensor& p : zero->named_parameters()) p.tensor.zero_();
  ASSERT_TRUE(has_errors(check_initialization(*zero)));
  const std::vector<Finding> findings = lint_after_auto(*zero);
  EXPECT_TRUE(findings.empty()) << messages(findings);
}

TEST(AutoPreset, RecurrentRules) {
  const nn::ModulePtr model = build("Sequential(LSTM(10, 20, 2), GRU(20, 5))");
  EXPECT_EQ(texts(auto_rules(*model)), (std::vector<std::string>{
                                           "LSTM.weight_ih*=xavier_uniform_()",
                                           "LSTM.weight_hh*=orthogonal_()",
                                           "LSTM.bias_*=forget_gate_bias_(1.0)",
                                           "GRU.weight_ih*=xavier_uniform_()",
                                           "GRU.weight_hh*=orthogonal_()",
                                           "GRU.bias_*=zeros_()",
                                       }));
  const std::vector<Finding> findings = lint_after_auto(*model);
  EXPECT_TRUE(findings.empty()) << messages(findings);
  // forget_gate_bias_: bias_ih's forget rows 1, bias_hh's 0; the other gates keep PyTorch's draws.
  EXPECT_EQ(model->child("0").parameter("bias_ih_l0").at({25}), 1.0);
  EXPECT_EQ(model->child("0").parameter("bias_hh_l1").at({25}), 0.0);
}

// MultiheadAttention's out_proj is a NonDynamicallyQuantizableLinear, a class PyTorch keeps internal: its
// rules name it by path.
TEST(AutoPreset, TransformerAndAttention) {
  const nn::ModulePtr model = build("Sequential(Embedding(100, 16), TransformerEncoderLayer(16, 2, 32))");
  const std::vector<std::string> rules = texts(auto_rules(*model));
  EXPECT_EQ(rules, (std::vector<std::string>{
                       "Embedding.weight=normal_(std=0.02)",
                       "MultiheadAttention.in_proj_weight=normal_(std=0.02)",
                       "MultiheadAttention.in_proj_bias=zeros_()",
                       "*.out_proj.weight=normal_(std=0.02)",
                       "*.out_proj.bias=zeros_()",
                       "Linear.weight=normal_(std=0.02)",
                       "Linear.bias=zeros_()",
                       "LayerNorm.weight=ones_()",
                       "LayerNorm.bias=zeros_()",
                   }))
      << ::testing::PrintToString(rules);
}

TEST(AutoPreset, LeavesPaddingRowsAndModuleListsAlone) {
  const nn::ModulePtr model = build("Sequential(Embedding(10, 4, padding_idx=0), Linear(4, 2))");
  for (const expr::Rule& r : auto_rules(*model))
    EXPECT_EQ(r.text.find("Embedding"), std::string::npos) << r.text;
  const nn::ModulePtr list = build("ModuleList([Linear(2, 2), ReLU()])");
  EXPECT_EQ(texts(auto_rules(*list)), (std::vector<std::string>{"Linear.bias=zeros_()"}));
}

TEST(AutoPreset, ExplanationsAndPatterns) {
  const nn::ModulePtr model = build("Sequential(Linear(4, 4), Tanh(), Linear(4, 1))");
  const std::vector<AutoRule> rules = auto_rules_explained(*model);
  ASSERT_EQ(rules.size(), 3u);
  EXPECT_EQ(rules[0].rule.text, "0.weight=xavier_uniform_(gain=calculate_gain('tanh'))");
  EXPECT_NE(rules[0].explanation.find("Tanh follows: Xavier, with PyTorch's gain 5/3"), std::string::npos);
  EXPECT_EQ(path_pattern("Mixed", "weight"), "[M]ixed.weight");
  EXPECT_EQ(expr::parse_rule(path_pattern("Mixed", "weight") + "=zeros_").kind, expr::PatternKind::path);
  EXPECT_TRUE(expr::glob_match(path_pattern("Mixed", "weight"), "Mixed.weight"));
  EXPECT_EQ(path_pattern("", "bias_*"), "bias_*");
  EXPECT_EQ(path_pattern("encoder.Block", "weight"), "encoder.Block.weight");
}

}  // namespace
}  // namespace nninit::diag
