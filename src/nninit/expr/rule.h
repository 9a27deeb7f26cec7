// Rules: PATTERN=EXPR, as given to --init and used by presets.
//
//   Linear.weight=kaiming_normal_(nonlinearity='relu')   a type's own parameter (glob allowed in the name)
//   LSTM.bias_*=forget_gate_bias_(1.0)
//   *.c_proj.weight=normal_(std=0.0028)                  a glob over the dotted parameter path
//   0.bias=constant_(val=0.1)
//
// A pattern of exactly two components whose first is a plain identifier starting with an uppercase letter
// (optionally after "nn." or "torch.nn.") is Type.param; every other pattern is a path glob. So a path such
// as "Mixed_5b.weight" (a child named with a capital) reads as a type rule; write it with a glob character
// ("Mixed_5b.weigh[t]") or a longer path to force the path reading. What the rules mean, the order they run
// in and which rule wins are the business of the layer that applies them (rules.h).
#pragma once

#include <string>
#include <string_view>

#include "nninit/lang/source.h"
#include "nninit/lang/value.h"

namespace nninit::expr {

enum class PatternKind { type_parameter, path };

struct Rule {
  PatternKind kind = PatternKind::path;
  std::string type_name{};  // type_parameter: "Linear", without an nn. or torch.nn. prefix
  std::string
      parameter_glob{};      // type_parameter: a glob over the type's own parameter names: "weight", "bias_*"
  std::string path_glob{};   // path: a glob over full parameter paths: "*.c_proj.weight", "0.bias"
  lang::Value expression{};  // the parsed, folded right-hand side (parser.h); ranges refer to `text`
  std::string text{};        // the rule as given
  lang::SourceRange pattern_range{};  // the pattern within `text`, surrounding spaces excluded
};

// Parses "PATTERN=EXPR". The '=' is the first one outside brackets and strings that is not part of "==",
// "<=", ">=" or "!=". Throws ParseError (with the column within the rule) for a missing '=', an empty pattern
// or expression, a character a pattern cannot hold, an unclosed '[' class, an empty name between dots, and
// any error of the expression (ParseError or ExpressionTypeError).
Rule parse_rule(std::string_view text);

// Shell-style matching of a whole string, as fnmatch does it without special treatment of dots: '*' matches
// any run of characters (dots included), '?' one character, "[abc]", "[a-z]" one character of a class and
// "[!abc]" one character outside it. A '[' without a closing ']' matches itself.
bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace nninit::expr
