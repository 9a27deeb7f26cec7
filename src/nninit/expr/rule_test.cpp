#include "nninit/expr/rule.h"

#include <string>

#include <gtest/gtest.h>

namespace nninit::expr {
namespace {

std::string rule_error(std::string_view text) {
  try {
    parse_rule(text);
    return "no error";
  } catch (const lang::ParseError& e) {
    return e.what();
  }
}

std::string at(std::string_view reason, std::string_view text, int column) {
  return std::string(reason) + " at column " + std::to_string(column) + "\n  " + std::string(text) + "\n  " +
         std::string(static_cast<std::size_t>(column - 1), ' ') + "^";
}

TEST(RuleParse, TypeParameterRules) {
  const Rule rule = parse_rule("Linear.weight=kaiming_normal_(nonlinearity='relu')");
  EXPECT_EQ(rule.kind, PatternKind::type_parameter);
  EXPECT_EQ(rule.type_name, "Linear");
  EXPECT_EQ(rule.parameter_glob, "weight");
  EXPECT_TRUE(rule.path_glob.empty());
  EXPECT_EQ(rule.expression.repr(), "kaiming_normal_(nonlinearity='relu')");
  EXPECT_EQ(rule.text, "Linear.weight=kaiming_normal_(nonlinearity='relu')");
  EXPECT_EQ(rule.pattern_range, (lang::SourceRange{0, 13}));
  EXPECT_EQ(rule.expression.range(), (lang::SourceRange{14, 50}));

  const Rule bias = parse_rule("Linear.bias=zeros_");
  EXPECT_EQ(bias.kind, PatternKind::type_parameter);
  EXPECT_EQ(bias.parameter_glob, "bias");
  EXPECT_EQ(bias.expression, lang::Value::make_name("zeros_"));

  const Rule lstm = parse_rule("LSTM.bias_*=forget_gate_bias_(1.0)");
  EXPECT_EQ(lstm.type_name, "LSTM");
  EXPECT_EQ(lstm.parameter_glob, "bias_*");

  const Rule prefixed = parse_rule("torch.nn.Conv2d.weight = nn.init.orthogonal_(gain=2**0.5)");
  EXPECT_EQ(prefixed.kind, PatternKind::type_parameter);
  EXPECT_EQ(prefixed.type_name, "Conv2d");
  EXPECT_EQ(prefixed.pattern_range, (lang::SourceRange{0, 22}));
  EXPECT_EQ(parse_rule("nn.Embedding.*=normal_()").type_name, "Embedding");
}

TEST(RuleParse, PathRules) {
  const Rule proj = parse_rule("*.c_proj.weight=normal_(std=0.0028)");
  EXPECT_EQ(proj.kind, PatternKind::path);
  EXPECT_EQ(proj.path_glob, "*.c_proj.weight");
  EXPECT_TRUE(proj.type_name.empty());
  EXPECT_EQ(*proj.expression.call().keyword("std"), lang::Value::make_float(0.0028));

  EXPECT_EQ(parse_rule("0.bias=constant_(val=0.1)").path_glob, "0.bias");
  EXPECT_EQ(parse_rule("layers.*.linear1.weight=xavier_uniform_").path_glob, "layers.*.linear1.weight");
  EXPECT_EQ(parse_rule("h.[0-3].attn.c_attn.weight=normal_(std=0.02)").path_glob,
            "h.[0-3].attn.c_attn.weight");
  EXPECT_EQ(parse_rule("bias=zeros_").path_glob, "bias");
  EXPECT_EQ(parse_rule("*=zeros_").path_glob, "*");
  // Three components read as a path even when the first has a capital (torchvision's Inception names).
  EXPECT_EQ(parse_rule("Conv2d_1a_3x3.conv.weight=zeros_").kind, PatternKind::path);
  EXPECT_EQ(parse_rule("Lin*.weight=zeros_").kind, PatternKind::path);
}

TEST(RuleParse, SplitsAtTheFirstTopLevelEquals) {
  const Rule rule = parse_rule("Linear.weight=kaiming_normal_(mode='fan_out', a=0)");
  EXPECT_EQ(rule.pattern_range, (lang::SourceRange{0, 13}));
  EXPECT_EQ(rule.expression.call().keywords.size(), 2u);
  // '=' inside brackets or strings, and '==', do not split.
  EXPECT_EQ(rule_error("kaiming_normal_(mode='fan_out')"),
            at("missing '=': a rule is PATTERN=EXPR, such as Linear.weight=zeros_",
               "kaiming_normal_(mode='fan_out')", 32));
  EXPECT_EQ(rule_error("a==b"),
            at("missing '=': a rule is PATTERN=EXPR, such as Linear.weight=zeros_", "a==b", 5));
  EXPECT_EQ(rule_error("weight=f(s='=')").substr(0, 9), "no error");
  EXPECT_EQ(parse_rule("weight=f(s='=')").expression.repr(), "f(s='=')");
}

TEST(RuleParse, ErrorsWithColumns) {
  EXPECT_EQ(rule_error("Linear.weight"),
            at("missing '=': a rule is PATTERN=EXPR, such as Linear.weight=zeros_", "Linear.weight", 14));
  EXPECT_EQ(rule_error("=zeros_"), at("empty pattern before '='", "=zeros_", 1));
  EXPECT_EQ(rule_error("  =zeros_"), at("empty pattern before '='", "  =zeros_", 3));
  EXPECT_EQ(rule_error("Linear.weight="), at("empty expression after '='", "Linear.weight=", 15));
  EXPECT_EQ(rule_error("Linear.weight=  "), at("empty expression after '='", "Linear.weight=  ", 15));
  EXPECT_EQ(rule_error("Linear weight=zeros_"),
            at("unexpected character ' ' in pattern", "Linear weight=zeros_", 7));
  EXPECT_EQ(rule_error("Linear.we-ight=zeros_"),
            at("unexpected character '-' in pattern", "Linear.we-ight=zeros_", 10));
  EXPECT_EQ(rule_error("h.[0-3.weight=zeros_"), at("unterminated '[' in pattern", "h.[0-3.weight=zeros_", 3));
  EXPECT_EQ(rule_error("h.[0+3].weight=zeros_"),
            at("unexpected character '+' in pattern", "h.[0+3].weight=zeros_", 5));
  EXPECT_EQ(rule_error("a..b=zeros_"), at("empty name in pattern", "a..b=zeros_", 3));
  EXPECT_EQ(rule_error(".bias=zeros_"), at("empty name in pattern", ".bias=zeros_", 1));
  EXPECT_EQ(rule_error("Linear.=zeros_"), at("empty name in pattern", "Linear.=zeros_", 8));
  EXPECT_EQ(
      rule_error("Linear=zeros_"),
      at("pattern 'Linear' names a type but no parameter: write Linear.weight, Linear.* or a path such as "
         "*.weight",
         "Linear=zeros_", 1));
}

TEST(RuleParse, ExpressionErrorsReportColumnsInTheRule) {
  EXPECT_EQ(rule_error("Linear.weight=normal_(std=0.02,,)"),
            at("expected an argument or ')'", "Linear.weight=normal_(std=0.02,,)", 32));
  EXPECT_EQ(rule_error("Linear.weight=normal_(std=1/0)"),
            at("division by zero", "Linear.weight=normal_(std=1/0)", 28));
  try {
    parse_rule("Linear.weight=normal_(std='a'+1)");
    FAIL() << "no error";
  } catch (const lang::ExpressionTypeError& e) {
    EXPECT_EQ(e.position().column, 30);
  }
}

TEST(RuleGlob, MatchesLikeFnmatch) {
  EXPECT_TRUE(glob_match("weight", "weight"));
  EXPECT_FALSE(glob_match("weight", "weights"));
  EXPECT_FALSE(glob_match("weight", "weigh"));
  EXPECT_TRUE(glob_match("*.c_proj.weight", "h.0.attn.c_proj.weight"));
  EXPECT_TRUE(glob_match("*.c_proj.weight", "h.11.mlp.c_proj.weight"));
  EXPECT_FALSE(glob_match("*.c_proj.weight", "c_proj.weight"));
  EXPECT_FALSE(glob_match("*.c_proj.weight", "h.0.attn.c_proj.bias"));
  EXPECT_TRUE(glob_match("layers.*.linear1.weight", "layers.3.linear1.weight"));
  EXPECT_TRUE(glob_match("layers.*.linear1.weight", "layers.3.x.linear1.weight"));  // '*' crosses dots
  EXPECT_TRUE(glob_match("bias_*", "bias_ih_l0"));
  EXPECT_TRUE(glob_match("bias_*", "bias_"));
  EXPECT_FALSE(glob_match("bias_*", "weight_ih_l0"));
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("*", "anything.at.all"));
  EXPECT_TRUE(glob_match("**", "a.b"));
  EXPECT_FALSE(glob_match("", "a"));
  EXPECT_TRUE(glob_match("", ""));
  EXPECT_TRUE(glob_match("?.bias", "0.bias"));
  EXPECT_FALSE(glob_match("?.bias", "10.bias"));
  EXPECT_TRUE(glob_match("h.[0-3].w", "h.2.w"));
  EXPECT_FALSE(glob_match("h.[0-3].w", "h.4.w"));
  EXPECT_TRUE(glob_match("h.[!0-3].w", "h.4.w"));
  EXPECT_FALSE(glob_match("h.[!0-3].w", "h.1.w"));
  EXPECT_TRUE(glob_match("[abc]x", "bx"));
  EXPECT_TRUE(glob_match("a[", "a["));  // an unclosed '[' is literal
  EXPECT_TRUE(glob_match("[]]", "]"));  // as in fnmatch, a leading ']' is a member
  EXPECT_TRUE(glob_match("*a*b*c", "xxaxxbxxc"));
  EXPECT_FALSE(glob_match("*a*b*c", "xxaxxcxxb"));
  EXPECT_TRUE(glob_match("a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"));
  EXPECT_FALSE(glob_match("a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}

}  // namespace
}  // namespace nninit::expr
