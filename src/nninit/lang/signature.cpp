#include "nninit/lang/signature.h"

#include <algorithm>
#include <cassert>

#include <fmt/format.h>

#include "nninit/lang/suggest.h"

namespace nninit::lang {
namespace {

using Kind = Value::Kind;

std::string_view plural(std::size_t n) {
  return n == 1 ? "" : "s";
}

// CPython's list of missing names: 'a' / 'a' and 'b' / 'a', 'b', and 'c'.
std::string quoted_names(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += names.size() == 2 ? " and " : i + 1 == names.size() ? ", and " : ", ";
    out += fmt::format("'{}'", names[i]);
  }
  return out;
}

std::string_view kind_label(Kind kind) {
  return kind == Kind::none ? "None" : kind_type_name(kind);
}

bool kind_accepted(const Parameter& parameter, const Value& value) {
  if (parameter.accepted_kinds.empty()) return true;
  for (Kind kind : parameter.accepted_kinds) {
    if (value.kind() == kind || (kind == Kind::integer && value.kind() == Kind::boolean)) return true;
  }
  return false;
}

SourceRange range_or(const Value& value, SourceRange fallback) {
  return value.range().empty() ? fallback : value.range();
}

}  // namespace

BoundArguments bind(const Signature& signature, const Call& call) {
  const std::vector<Parameter>& parameters = signature.parameters;
  const std::size_t positional_count = static_cast<std::size_t>(
      std::find_if(parameters.begin(), parameters.end(), [](const Parameter& p) { return p.keyword_only; }) -
      parameters.begin());
  assert(std::all_of(parameters.begin() + static_cast<long>(positional_count), parameters.end(),
                     [](const Parameter& p) { return p.keyword_only; }));
  const std::string& function = signature.name;

  BoundArguments bound;
  bound.function_ = function;
  std::vector<std::optional<Value>> values(parameters.size());

  // 1. Positional arguments fill the positional parameters in order; the rest go to *args, if any.
  for (std::size_t i = 0; i < call.args.size(); ++i) {
    if (i < positional_count) {
      values[i] = call.args[i];
    } else if (!signature.var_positional.empty()) {
      bound.var_positional_.push_back(call.args[i]);
    }
  }

  // 2. Keyword arguments, in the call's order, as CPython checks them: unknown names first come first.
  for (const KeywordArgument& keyword : call.keywords) {
    const auto found = std::find_if(parameters.begin(), parameters.end(),
                                    [&](const Parameter& p) { return p.name == keyword.name; });
    if (found == parameters.end()) {
      if (!signature.var_keyword.empty()) {
        bound.var_keyword_.push_back(keyword);
        continue;
      }
      std::vector<std::string_view> names;
      for (const Parameter& p : parameters) names.push_back(p.name);
      throw BindError(fmt::format("{}() got an unexpected keyword argument '{}'{}", function, keyword.name,
                                  did_you_mean(keyword.name, names)),
                      keyword.name_range);
    }
    std::optional<Value>& slot = values[static_cast<std::size_t>(found - parameters.begin())];
    if (slot) {
      throw BindError(fmt::format("{}() got multiple values for argument '{}'", function, keyword.name),
                      keyword.name_range);
    }
    slot = keyword.value;
  }

  // 3. Too many positional arguments, counted as CPython counts them (self and the tensor included).
  if (call.args.size() > positional_count && signature.var_positional.empty()) {
    const auto implicit = static_cast<std::size_t>(signature.implicit_positional);
    const std::size_t given = call.args.size() + implicit;
    const std::size_t takes = positional_count + implicit;
    const auto defaults = static_cast<std::size_t>(
        std::count_if(parameters.begin(), parameters.begin() + static_cast<long>(positional_count),
                      [](const Parameter& p) { return p.default_value.has_value(); }));
    std::size_t keyword_only_given = 0;
    for (std::size_t i = positional_count; i < parameters.size(); ++i)
      keyword_only_given += values[i] ? 1 : 0;
    const std::string takes_text =
        defaults > 0 ? fmt::format("from {} to {} positional arguments", takes - defaults, takes)
                     : fmt::format("{} positional argument{}", takes, plural(takes));
    const std::string keyword_only_text =
        keyword_only_given > 0 ? fmt::format(" positional argument{} (and {} keyword-only argument{})",
                                             plural(given), keyword_only_given, plural(keyword_only_given))
                               : "";
    throw BindError(fmt::format("{}() takes {} but {}{} {} given", function, takes_text, given,
                                keyword_only_text, given == 1 && keyword_only_given == 0 ? "was" : "were"),
                    range_or(call.args[positional_count], call.callee_range));
  }

  // 4. Required arguments not given: positional ones first, then keyword-only ones, as CPython reports them.
  for (const bool keyword_only : {false, true}) {
    std::vector<std::string> missing;
    for (std::size_t i = 0; i < parameters.size(); ++i) {
      if (parameters[i].keyword_only == keyword_only && !values[i] && !parameters[i].default_value) {
        missing.push_back(parameters[i].name);
      }
    }
    if (!missing.empty()) {
      throw BindError(fmt::format("{}() missing {} required {} argument{}: {}", function, missing.size(),
                                  keyword_only ? "keyword-only" : "positional", plural(missing.size()),
                                  quoted_names(missing)),
                      call.callee_range);
    }
  }

  // 5. Defaults, then the kinds each parameter accepts.
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    const Parameter& parameter = parameters[i];
    const bool given = values[i].has_value();
    Value value = given ? *values[i] : *parameter.default_value;
    if (given && !kind_accepted(parameter, value)) {
      std::string expected;
      for (std::size_t k = 0; k < parameter.accepted_kinds.size(); ++k) {
        if (k > 0) expected += " or ";
        expected += kind_label(parameter.accepted_kinds[k]);
      }
      throw BindError(fmt::format("{}() argument '{}' must be {}, not {}", function, parameter.name, expected,
                                  value.type_name()),
                      range_or(value, call.callee_range));
    }
    bound.entries_.push_back({parameter.name, std::move(value), given});
  }
  return bound;
}

const BoundArguments::Entry& BoundArguments::entry(std::string_view name) const {
  const auto found =
      std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.name == name; });
  assert(found != entries_.end() && "no such parameter in the signature");
  return *found;
}

void BoundArguments::wrong_type(const Entry& entry, std::string_view expected) const {
  throw BindError(fmt::format("{}() argument '{}' must be {}, not {}", function_, entry.name, expected,
                              entry.value.type_name()),
                  entry.value.range());
}

const Value& BoundArguments::operator[](std::string_view name) const {
  return entry(name).value;
}

bool BoundArguments::given(std::string_view name) const {
  return entry(name).given;
}

std::int64_t BoundArguments::as_int(std::string_view name, BoolAsNumber bools) const {
  const Entry& e = entry(name);
  if (e.value.kind() == Kind::integer) return e.value.int_value();
  if (e.value.kind() == Kind::boolean && bools == BoolAsNumber::accept) return e.value.bool_value() ? 1 : 0;
  wrong_type(e, "int");
}

double BoundArguments::as_double(std::string_view name, BoolAsNumber bools) const {
  const Entry& e = entry(name);
  if (e.value.kind() == Kind::floating) return e.value.float_value();
  if (e.value.kind() == Kind::integer) return static_cast<double>(e.value.int_value());
  if (e.value.kind() == Kind::boolean && bools == BoolAsNumber::accept)
    return e.value.bool_value() ? 1.0 : 0.0;
  wrong_type(e, "real number");
}

bool BoundArguments::as_bool(std::string_view name) const {
  const Entry& e = entry(name);
  if (e.value.kind() == Kind::boolean) return e.value.bool_value();
  if (e.value.kind() == Kind::integer) return e.value.int_value() != 0;
  wrong_type(e, "bool");
}

const std::string& BoundArguments::as_string(std::string_view name) const {
  const Entry& e = entry(name);
  if (e.value.kind() == Kind::string) return e.value.string_value();
  wrong_type(e, "str");
}

std::vector<std::int64_t> BoundArguments::as_int_tuple(std::string_view name, std::size_t n) const {
  const Entry& e = entry(name);
  const std::string expected = fmt::format("int or tuple of {} ints", n);
  const auto element = [](const Value& v) -> std::optional<std::int64_t> {
    if (v.kind() == Kind::integer) return v.int_value();
    if (v.kind() == Kind::boolean) return v.bool_value() ? 1 : 0;
    return std::nullopt;
  };
  if (const auto single = element(e.value)) return std::vector<std::int64_t>(n, *single);
  if (!e.value.is_sequence()) wrong_type(e, expected);
  const std::vector<Value>& items = e.value.items();
  if (items.size() != n) {
    throw BindError(fmt::format("{}() argument '{}' must be {}, not {} of {} element{}", function_, e.name,
                                expected, e.value.type_name(), items.size(), plural(items.size())),
                    e.value.range());
  }
  std::vector<std::int64_t> out;
  for (std::size_t i = 0; i < n; ++i) {
    const auto v = element(items[i]);
    if (!v) {
      throw BindError(fmt::format("{}() argument '{}' must be {}, but element {} is {}", function_, e.name,
                                  expected, i, items[i].type_name()),
                      range_or(items[i], e.value.range()));
    }
    out.push_back(*v);
  }
  return out;
}

std::optional<std::int64_t> BoundArguments::as_optional_int(std::string_view name, BoolAsNumber bools) const {
  if (entry(name).value.is_none()) return std::nullopt;
  return as_int(name, bools);
}

std::optional<double> BoundArguments::as_optional_double(std::string_view name, BoolAsNumber bools) const {
  if (entry(name).value.is_none()) return std::nullopt;
  return as_double(name, bools);
}

std::optional<bool> BoundArguments::as_optional_bool(std::string_view name) const {
  if (entry(name).value.is_none()) return std::nullopt;
  return as_bool(name);
}

std::optional<std::string> BoundArguments::as_optional_string(std::string_view name) const {
  if (entry(name).value.is_none()) return std::nullopt;
  return as_string(name);
}

std::optional<std::vector<std::int64_t>> BoundArguments::as_optional_int_tuple(std::string_view name,
                                                                               std::size_t n) const {
  if (entry(name).value.is_none()) return std::nullopt;
  return as_int_tuple(name, n);
}

}  // namespace nninit::lang
