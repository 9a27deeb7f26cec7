// libFuzzer entry point for the expression language from text to initialised parameters (built with
// -DNNINIT_FUZZ=ON and clang). The input's first line is a model expression, each further line a rule
// PATTERN=EXPR. Each line must parse or throw one of nninit's typed errors; a model whose sizes are small
// is then built, the rules are applied to it, and its state_dict is read. Crashes, sanitizer reports, hangs
// (libFuzzer's -timeout) and blow-ups (-rss_limit_mb, -malloc_limit_mb; scripts/fuzz sets both) and
// exceptions other than nninit's typed errors are bugs.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "nninit/core/error.h"
#include "nninit/core/warning.h"
#include "nninit/expr/model_expression.h"
#include "nninit/expr/rules.h"
#include "nninit/lang/parser.h"
#include "nninit/random/torch_generator.h"

namespace {

// A model is built only when every integer in it is at most this large and it makes at most this many
// calls: larger sizes make the input about how much memory a model takes, which is proportional to what it
// asks for (and tested in core), instead of about construction and rule logic.
constexpr std::int64_t kMaxInteger = 64;
constexpr int kMaxCalls = 32;

bool small_enough(const nninit::lang::Value& value, int& calls) {
  using Kind = nninit::lang::Value::Kind;
  switch (value.kind()) {
    case Kind::integer: return value.int_value() >= -kMaxInteger && value.int_value() <= kMaxInteger;
    case Kind::tuple:
    case Kind::list:
    case Kind::dict:
      for (const nninit::lang::Value& item : value.items()) {
        if (!small_enough(item, calls)) return false;
      }
      return true;
    case Kind::call: {
      if (++calls > kMaxCalls) return false;
      const nninit::lang::Call& call = value.call();
      for (const nninit::lang::Value& argument : call.args) {
        if (!small_enough(argument, calls)) return false;
      }
      for (const nninit::lang::KeywordArgument& keyword : call.keywords) {
        if (!small_enough(keyword.value, calls)) return false;
      }
      return true;
    }
    default: return true;
  }
}

void build_and_initialise(std::string_view model_text, const std::vector<std::string_view>& rule_lines) {
  int calls = 0;
  if (!small_enough(nninit::lang::parse_expression(model_text), calls)) return;
  nninit::TorchGenerator generator(0);
  const nninit::nn::ModulePtr model = nninit::expr::build_model(model_text, generator);
  (void)model->repr();
  std::vector<nninit::expr::Rule> rules;
  for (const std::string_view line : rule_lines) rules.push_back(nninit::expr::parse_rule(line));
  if (!rules.empty()) (void)nninit::expr::apply_rules(*model, rules, generator);
  (void)model->state_dict();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool quiet = [] {
    nninit::set_warning_handler([](const nninit::Warning&) {});
    return true;
  }();
  (void)quiet;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = text.find('\n');
  const std::string_view first = text.substr(0, newline);
  std::vector<std::string_view> rest;
  for (std::size_t start = newline; start != std::string_view::npos && start < text.size();) {
    const std::size_t end = text.find('\n', start + 1);
    const std::string_view line =
        text.substr(start + 1, end == std::string_view::npos ? end : end - start - 1);
    if (!line.empty()) rest.push_back(line);
    start = end;
  }
  try {
    (void)nninit::lang::parse_expression(first).repr();
  } catch (const nninit::Error&) {
  }
  for (const std::string_view line : rest) {
    try {
      (void)nninit::expr::parse_rule(line).expression.repr();
    } catch (const nninit::Error&) {
    }
  }
  try {
    (void)nninit::expr::glob_match(first.substr(0, first.size() / 2), first.substr(first.size() / 2));
  } catch (const nninit::Error&) {
  }
  try {
    build_and_initialise(first, rest);
  } catch (const nninit::Error&) {
  }
  return 0;
}
