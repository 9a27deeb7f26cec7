#include "nninit/expr/rule.h"

#include <vector>

#include <fmt/format.h>

#include "nninit/lang/parser.h"

namespace nninit::expr {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
bool is_identifier_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
bool is_identifier(std::string_view s) {
  if (s.empty() || (s.front() >= '0' && s.front() <= '9')) return false;
  for (char c : s) {
    if (!is_identifier_char(c)) return false;
  }
  return true;
}

// The offset of the '=' that separates pattern and expression, or npos. Before the first '(' a '[' opens a
// pattern's character class, not a bracket, so it does not hide the '=' when it is left unclosed.
std::size_t find_separator(std::string_view text) {
  int depth = 0;
  char quote = '\0';
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quote != '\0') {
      if (c == '\\') {
        ++i;
      } else if (c == quote) {
        quote = '\0';
      }
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '(' || c == '{' || (c == '[' && depth > 0)) {
      ++depth;
    } else if (c == ')' || c == '}' || (c == ']' && depth > 0)) {
      if (depth > 0) --depth;
    } else if (c == '=' && depth == 0) {
      if (i + 1 < text.size() && text[i + 1] == '=') {
        ++i;
        continue;
      }
      if (i > 0 && (text[i - 1] == '<' || text[i - 1] == '>' || text[i - 1] == '!')) continue;
      return i;
    }
  }
  return std::string_view::npos;
}

// The end of the class starting at pattern[open] == '[' (just past its ']'), or npos when it is not closed.
// A ']' right after "[" or "[!" is a member, as in fnmatch.
std::size_t class_end(std::string_view pattern, std::size_t open) {
  std::size_t i = open + 1;
  if (i < pattern.size() && pattern[i] == '!') ++i;
  if (i < pattern.size() && pattern[i] == ']') ++i;
  const std::size_t close = pattern.find(']', i);
  return close == std::string_view::npos ? close : close + 1;
}

bool class_matches(std::string_view klass, char c) {
  // klass is "[...]" including the brackets
  std::size_t i = 1;
  const std::size_t end = klass.size() - 1;
  const bool negate = klass[i] == '!';
  if (negate) ++i;
  bool found = false;
  for (; i < end; ++i) {
    if (i + 2 < end && klass[i + 1] == '-') {  // a range such as a-z
      if (klass[i] <= c && c <= klass[i + 2]) found = true;
      i += 2;
    } else if (klass[i] == c) {
      found = true;
    }
  }
  return found != negate;
}

// Checks a pattern's characters, classes and components; offsets are into the whole rule.
void check_pattern(std::string_view rule, std::size_t begin, std::size_t end) {
  const std::string_view pattern = rule.substr(begin, end - begin);
  std::size_t component_start = 0;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '.') {
      if (i == component_start) throw lang::ParseError("empty name in pattern", rule, begin + i);
      component_start = i + 1;
    } else if (c == '[') {
      const std::size_t close = class_end(pattern, i);
      if (close == std::string_view::npos)
        throw lang::ParseError("unterminated '[' in pattern", rule, begin + i);
      for (std::size_t k = i + 1; k + 1 < close; ++k) {
        if (!is_identifier_char(pattern[k]) && pattern[k] != '-' && !(k == i + 1 && pattern[k] == '!')) {
          throw lang::ParseError(fmt::format("unexpected character '{}' in pattern", pattern[k]), rule,
                                 begin + k);
        }
      }
      i = close - 1;
    } else if (!is_identifier_char(c) && c != '*' && c != '?') {
      throw lang::ParseError(fmt::format("unexpected character '{}' in pattern", c), rule, begin + i);
    }
  }
  if (component_start == pattern.size()) throw lang::ParseError("empty name in pattern", rule, end);
}

}  // namespace

Rule parse_rule(std::string_view text) {
  const std::size_t separator = find_separator(text);
  if (separator == std::string_view::npos) {
    throw lang::ParseError("missing '=': a rule is PATTERN=EXPR, such as Linear.weight=zeros_", text,
                           text.size());
  }
  std::size_t begin = 0;
  std::size_t end = separator;
  while (begin < end && is_space(text[begin])) ++begin;
  while (end > begin && is_space(text[end - 1])) --end;
  if (begin == end) throw lang::ParseError("empty pattern before '='", text, separator);
  std::size_t expression_begin = separator + 1;
  while (expression_begin < text.size() && is_space(text[expression_begin])) ++expression_begin;
  if (expression_begin == text.size())
    throw lang::ParseError("empty expression after '='", text, separator + 1);
  check_pattern(text, begin, end);

  Rule rule;
  rule.text = std::string(text);
  rule.pattern_range = {begin, end};
  std::string_view pattern = text.substr(begin, end - begin);
  for (std::string_view prefix : {"torch.nn.", "nn."}) {
    const std::string_view rest = pattern.substr(pattern.starts_with(prefix) ? prefix.size() : 0);
    const std::size_t dot = rest.find('.');
    if (dot != std::string_view::npos && rest.find('.', dot + 1) == std::string_view::npos &&
        is_identifier(rest.substr(0, dot)) && rest.front() >= 'A' && rest.front() <= 'Z') {
      rule.kind = PatternKind::type_parameter;
      rule.type_name = std::string(rest.substr(0, dot));
      rule.parameter_glob = std::string(rest.substr(dot + 1));
      break;
    }
  }
  if (rule.kind == PatternKind::path) {
    if (is_identifier(pattern) && pattern.front() >= 'A' && pattern.front() <= 'Z') {
      throw lang::ParseError(
          fmt::format("pattern '{0}' names a type but no parameter: write {0}.weight, {0}.* or a path "
                      "such as *.weight",
                      pattern),
          text, begin);
    }
    rule.path_glob = std::string(pattern);
  }
  rule.expression = lang::parse_expression(rule.text, {expression_begin, rule.text.size()});
  return rule;
}

bool glob_match(std::string_view pattern, std::string_view text) {
  std::size_t p = 0;
  std::size_t t = 0;
  std::size_t star = std::string_view::npos;  // the last '*' seen, to backtrack to
  std::size_t star_text = 0;                  // where the text stood when it was seen
  while (t < text.size()) {
    if (p < pattern.size()) {
      const char c = pattern[p];
      if (c == '*') {
        star = p++;
        star_text = t;
        continue;
      }
      if (c == '?') {
        ++p;
        ++t;
        continue;
      }
      if (c == '[') {
        const std::size_t close = class_end(pattern, p);
        if (close != std::string_view::npos) {
          if (class_matches(pattern.substr(p, close - p), text[t])) {
            p = close;
            ++t;
            continue;
          }
        } else if (text[t] == '[') {
          ++p;
          ++t;
          continue;
        }
      } else if (c == text[t]) {
        ++p;
        ++t;
        continue;
      }
    }
    if (star == std::string_view::npos) return false;
    p = star + 1;
    t = ++star_text;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace nninit::expr
