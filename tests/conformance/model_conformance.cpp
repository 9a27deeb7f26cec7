// nninit_model_conformance FILE...: replays every case of model_oracle.py's files in nninit and compares
// with what PyTorch did: the model built from the expression (expr::build_model) and the generator state
// after construction; the case's dtype and rules (expr::apply_rules), which parameters each rule
// initialised and the state afterwards; the state_dict (names, dtypes, shapes, bits; orthogonal_ within
// 1e-5 of the tensor's largest magnitude, since its QR comes from a different LAPACK); errors (type and
// message) and warnings. A rule set that matches nothing, which PyTorch ignores, must be an error in nninit;
// a rule that matches nothing while others match must warn. Prints a summary per file, per kind of
// mismatch and per layer class; exits 1 on any mismatch.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <iostream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "nninit/core/threads.h"
#include "nninit/expr/model_expression.h"
#include "nninit/expr/rules.h"
#include "nninit/init/recording.h"
#include "nninit/random/torch_generator.h"
#include "oracle_file.h"

namespace nninit::conformance {
namespace {

// PyTorch's message as the runner compares it: the first line only (torch's TypeErrors for bad sizes list
// every overload of torch.empty, which differ between releases), Python's set literals with their elements
// sorted (Python prints sets in hash order, which changes from one process to the next), then
// normalized_message (oracle_file.h).
std::string sort_set_literals(const std::string& message) {
  static const std::regex set_literal(R"(\{('[^']*'(, '[^']*')*)\})");
  std::string out;
  auto begin = message.cbegin();
  for (std::sregex_iterator it(message.begin(), message.end(), set_literal), end; it != end; ++it) {
    const std::smatch& m = *it;
    out.append(begin, m[0].first);
    std::vector<std::string> items;
    static const std::regex item(R"('[^']*')");
    const std::string body = m[1].str();
    for (std::sregex_iterator i(body.begin(), body.end(), item), e; i != e; ++i) items.push_back(i->str());
    std::sort(items.begin(), items.end());
    out += "{" + fmt::format("{}", fmt::join(items, ", ")) + "}";
    begin = m[0].second;
  }
  out.append(begin, message.cend());
  return out;
}

std::string comparable_message(const std::string& message) {
  const std::size_t newline = message.find('\n');
  return normalized_message(sort_set_literals(message.substr(0, newline)));
}

// Same type as PyTorch's error, and nninit's message contains PyTorch's. One exception: a constructor
// argument of the wrong type (`Linear(3, 4.5)`, `LSTMCell(2, None)`). PyTorch reports it from whichever
// internal call meets the value first (torch.empty's list of overloads, a comparison operator), in words that
// change from release to release; nninit names the argument ("argument 'out_features' must be int, not
// float"). Both are TypeErrors, and for these the type is what is compared.
bool error_matches(const Error& ours, const Json& theirs) {
  if (python_name(ours.kind()) != theirs.at("type").get<std::string>()) return false;
  static const std::regex named_argument_type(R"(argument '\w+' must be )");
  if (ours.kind() == ErrorKind::type && std::regex_search(ours.what(), named_argument_type)) return true;
  return comparable_message(ours.what()).find(comparable_message(theirs.at("message").get<std::string>())) !=
         std::string::npos;
}

std::string one_line(std::string text, std::size_t limit = 400) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  if (text.size() > limit) text = text.substr(0, limit) + "...";
  return text;
}

// " at element i of n (k differ): nninit <hex>, PyTorch <hex>" for the first differing element.
std::string first_difference(const std::string& mine, const std::string& theirs, std::size_t width) {
  std::size_t count = 0;
  std::optional<std::size_t> first;
  const std::size_t n = std::min(mine.size(), theirs.size()) / width;
  for (std::size_t j = 0; j < n; ++j) {
    if (mine.compare(j * width, width, theirs, j * width, width) != 0) {
      ++count;
      if (!first) first = j;
    }
  }
  if (!first) return mine.size() == theirs.size() ? "" : " (lengths differ)";
  return fmt::format(" at element {} of {} ({} differ): nninit {}, PyTorch {}", *first, n, count,
                     mine.substr(*first * width, width), theirs.substr(*first * width, width));
}

std::string shape_text(const Shape& shape) {
  return fmt::format("[{}]", fmt::join(shape, ", "));
}

struct LayerTally {
  int cases = 0;
  int failures = 0;
};

class Runner {
 public:
  explicit Runner(int max_reports) : max_reports_(max_reports) {}

  bool run(const std::string& path) {
    OracleFile file(path);
    if (file.header().value("suite", "") != "models") {
      throw IoError(
          fmt::format("conformance: {} is not a model oracle file (no \"suite\": \"models\")", path));
    }
    const TorchVariant variant = file.variant();
    std::map<std::string, LayerTally> layers;
    kinds_.clear();
    int cases = 0, failed = 0, built = 0, construction_errors = 0, rule_errors = 0, rules = 0;
    Json record;
    while (file.next(record)) {
      ++cases;
      const Json& result = record.at("result");
      if (result.contains("error")) {
        (result["error"].value("phase", "") == "rules" ? rule_errors : construction_errors) += 1;
      }
      if (!result.contains("error") || result["error"].value("phase", "") == "rules") ++built;
      rules += static_cast<int>(record.at("rules").size());
      const bool ok = run_case(record, variant);
      if (!ok) ++failed;
      for (const Json& name : record.at("layers")) {
        LayerTally& t = layers[name.get<std::string>()];
        ++t.cases;
        if (!ok) ++t.failures;
      }
    }
    fmt::print(
        "{}: {} cases against {} ({} built, {} construction errors, {} rule errors, {} rules): "
        "{} mismatching case(s); {} also built under a recording\n",
        path, cases, file.describe(), built, construction_errors, rule_errors, rules, failed, replayed_);
    replayed_ = 0;
    if (!kinds_.empty()) {
      fmt::print("  mismatches by kind:");
      for (const auto& [kind, count] : kinds_) fmt::print(" {} {};", kind, count);
      fmt::print("\n");
    }
    std::string line = "  cases per class:";
    for (const auto& [name, t] : layers) {
      line += t.failures == 0 ? fmt::format(" {} {};", name, t.cases)
                              : fmt::format(" {} {} ({} MISMATCHED);", name, t.cases, t.failures);
    }
    fmt::print("{}\n", line);
    total_cases_ += cases;
    total_failures_ += failed;
    return failed == 0;
  }

  int total_cases() const { return total_cases_; }
  int total_failures() const { return total_failures_; }

 private:
  // Records one mismatch of a case: counted by kind, printed up to --max-reports.
  void mismatch(const Json& record, const std::string& plain_kind, const std::string& what) {
    const std::string kind = kind_prefix_ + plain_kind;
    ++kinds_[kind];
    case_ok_ = false;
    if (reports_++ >= max_reports_) return;
    fmt::print("  MISMATCH case {} (seed {}) [{}]: {}\n    expr: {}\n", record.at("id").get<int>(),
               record.at("seed").dump(), kind, what, record.at("expr").get<std::string>());
    if (!record.at("rules").empty()) fmt::print("    rules: {}\n", record.at("rules").dump());
    if (!record.at("dtype").is_null()) fmt::print("    dtype: {}\n", record.at("dtype").get<std::string>());
  }

  static std::string pytorch_error(const Json& error) {
    return fmt::format("{}: {}", error.at("type").get<std::string>(),
                       one_line(error.at("message").get<std::string>()));
  }

  bool run_case(const Json& record, const TorchVariant& variant) {
    case_ok_ = true;
    TorchGenerator& generator = default_generator();
    generator.set_variant(variant);
    generator.manual_seed(seed_from_json(record.at("seed")));
    const Json& result = record.at("result");
    const Json* expected_error = result.contains("error") ? &result["error"] : nullptr;
    const std::string phase = expected_error ? expected_error->value("phase", "construction") : "";
    ScopedWarningCapture capture;

    // Construction.
    nn::ModulePtr model;
    try {
      model = expr::build_model(record.at("expr").get<std::string>(), generator);
      if (phase == "construction") {
        mismatch(record, "construction error missing",
                 fmt::format("PyTorch raised {}, nninit built the model", pytorch_error(*expected_error)));
      }
    } catch (const Error& e) {
      if (phase != "construction") {
        mismatch(record, "construction error unexpected",
                 fmt::format("nninit raised {}: {}; PyTorch built the model", python_name(e.kind()),
                             one_line(e.what())));
      } else if (!error_matches(e, *expected_error)) {
        mismatch(record, "construction error differs",
                 fmt::format("nninit raised {}: {}; PyTorch raised {}", python_name(e.kind()),
                             one_line(e.what()), pytorch_error(*expected_error)));
      }
    }
    if (bytes_hex(generator.get_state()) != record.at("state_after_construction").get<std::string>()) {
      mismatch(record,
               phase == "construction" ? "state after a construction error" : "state after construction",
               "the generator state after construction differs (draw count or cached normal sample)");
    }
    const std::size_t construction_warnings = capture.warnings().size();

    // dtype and rules.
    std::vector<std::size_t> unmatched;  // rules that initialised nothing, by PyTorch's script
    bool rules_ok = model != nullptr;
    if (model) {
      if (!record.at("dtype").is_null()) model->to(dtype_from_name(record.at("dtype").get<std::string>()));
      rules_ok =
          apply_rules(record, *model, generator, phase == "rules" ? expected_error : nullptr, unmatched);
    }
    // (After a construction error there were no rules: the state after construction said it all.)
    if (model && bytes_hex(generator.get_state()) != record.at("state").get<std::string>()) {
      mismatch(record, "state after rules", "the generator state after the rules differs");
    }

    // The state_dict.
    if (model && rules_ok && result.contains("state_dict")) compare_state_dict(record, *model);
    // The same, built under an InitRecording and made tensor by tensor afterwards (how `nninit init -o`
    // builds). A dtype conversion between construction and rules converts values that do not exist yet, so
    // those cases are built the ordinary way by nninit and skipped here.
    if (model && rules_ok && result.contains("state_dict") && record.at("dtype").is_null())
      compare_recorded_replay(record, variant);

    compare_warnings(record, capture.warnings(), construction_warnings, unmatched);
    return case_ok_;
  }

  void compare_recorded_replay(const Json& record, const TorchVariant& variant) {
    TorchGenerator& generator = default_generator();
    generator.set_variant(variant);
    generator.manual_seed(seed_from_json(record.at("seed")));
    const ScopedWarningCapture already_compared;
    init::InitRecording recording;
    const nn::ModulePtr model = expr::build_model(record.at("expr").get<std::string>(), generator);
    std::vector<expr::Rule> rules;
    for (const Json& text : record.at("rules")) rules.push_back(expr::parse_rule(text.get<std::string>()));
    if (!rules.empty()) expr::apply_rules(*model, rules, generator);
    recording.finish();
    ++replayed_;
    if (!recording.complete()) return;  // sparse_: nninit init builds such a model the ordinary way
    if (bytes_hex(generator.get_state()) != record.at("state").get<std::string>()) {
      mismatch(record, "recorded: state after rules", "the generator state after recording differs");
    }
    // Made as `nninit init` makes them: side by side on threads, in another order than construction's
    // (here the reverse, three workers taking the next tensor each), each worker's fills on its own thread.
    const std::vector<NamedTensor> state = model->state_dict();
    std::vector<Tensor> made(state.size());
    run_side_by_side(state.size(), 3, [&](std::size_t k, std::size_t) {
      const std::size_t i = state.size() - 1 - k;
      made[i] = Tensor::empty(state[i].tensor.sizes(), state[i].tensor.dtype());
      recording.materialize(state[i].tensor, made[i]);
    });
    for (std::size_t i = 0; i < state.size(); ++i) {
      if (made[i].numel() > 0)
        std::memcpy(state[i].tensor.raw_data(), made[i].raw_data(), state[i].tensor.storage()->nbytes());
    }
    kind_prefix_ = "recorded: ";
    compare_state_dict(record, *model);
    kind_prefix_.clear();
  }

  // Applies the case's rules; false when nninit raised (as expected or not).
  bool apply_rules(const Json& record, nn::Module& model, Generator& generator, const Json* expected_error,
                   std::vector<std::size_t>& unmatched) {
    const Json& texts = record.at("rules");
    std::vector<expr::Rule> rules;
    try {
      for (const Json& text : texts) rules.push_back(expr::parse_rule(text.get<std::string>()));
    } catch (const Error& e) {
      mismatch(
          record, "rule parse error",
          fmt::format("nninit could not parse a rule: {}: {}", python_name(e.kind()), one_line(e.what())));
      return false;
    }
    // What PyTorch's script did: the (parameter, rule) pairs in order, and which rules initialised nothing.
    const Json& applied = record.at("applied");
    std::vector<std::size_t> hits(rules.size(), 0);
    for (const Json& a : applied) ++hits.at(a.at(1).get<std::size_t>());
    for (std::size_t k = 0; k < rules.size(); ++k) {
      if (hits[k] == 0) unmatched.push_back(k);
    }
    // No rule initialised anything (and none raised): nninit must refuse the rule set.
    const bool nothing_matched = !rules.empty() && applied.empty() && expected_error == nullptr;

    std::optional<expr::RuleReport> report;
    try {
      if (!rules.empty()) report = expr::apply_rules(model, rules, generator);
    } catch (const Error& e) {
      if (nothing_matched) {
        if (e.kind() != ErrorKind::value) {
          mismatch(record, "unmatched rule set",
                   fmt::format("no rule matches a parameter: nninit raised {}: {}, expected a ValueError",
                               python_name(e.kind()), one_line(e.what())));
        }
      } else if (expected_error == nullptr) {
        mismatch(record, "rule error unexpected",
                 fmt::format("nninit raised {}: {}; PyTorch applied the rules", python_name(e.kind()),
                             one_line(e.what())));
      } else if (!error_matches(e, *expected_error)) {
        mismatch(record, "rule error differs",
                 fmt::format("nninit raised {}: {}; PyTorch raised {}", python_name(e.kind()),
                             one_line(e.what()), pytorch_error(*expected_error)));
      }
      unmatched.clear();  // nninit stopped: no unmatched-rule warnings to expect
      return false;
    }
    if (nothing_matched) {
      mismatch(record, "unmatched rule set", "no rule matches a parameter: nninit must raise, it did not");
      unmatched.clear();
      return true;
    }
    if (expected_error != nullptr) {
      mismatch(record, "rule error missing",
               fmt::format("PyTorch raised {}, nninit applied the rules", pytorch_error(*expected_error)));
      return true;
    }
    if (!report) return true;
    // The applications, in order.
    std::vector<std::pair<std::string, std::size_t>> theirs, ours;
    for (const Json& a : applied) theirs.emplace_back(a.at(0).get<std::string>(), a.at(1).get<std::size_t>());
    for (const expr::RuleApplication& a : report->applications) ours.emplace_back(a.parameter, a.rule);
    if (theirs != ours) {
      std::size_t i = 0;
      while (i < theirs.size() && i < ours.size() && theirs[i] == ours[i]) ++i;
      const auto show = [](const auto& list, std::size_t at) {
        return at < list.size() ? fmt::format("{} <- rule {}", list[at].first, list[at].second)
                                : std::string("(none)");
      };
      mismatch(
          record, "rule applications",
          fmt::format("{} applications in nninit, {} in PyTorch; the first difference at #{}: nninit {}, "
                      "PyTorch {}",
                      ours.size(), theirs.size(), i, show(ours, i), show(theirs, i)));
    }
    std::vector<std::size_t> reported = report->unmatched_rules;
    std::sort(reported.begin(), reported.end());
    if (reported != unmatched) {
      mismatch(record, "unmatched rules",
               fmt::format("rules that initialise nothing: nninit [{}], PyTorch's script [{}]",
                           fmt::join(reported, ", "), fmt::join(unmatched, ", ")));
    }
    return true;
  }

  void compare_state_dict(const Json& record, nn::Module& model) {
    const Json& expected = record.at("result").at("state_dict");
    // Parameters a rule filled with orthogonal_: compared within a tolerance.
    std::set<std::string> orthogonal;
    const Json& rules = record.at("rules");
    for (const Json& a : record.at("applied")) {
      const std::string text = rules.at(a.at(1).get<std::size_t>()).get<std::string>();
      const std::size_t eq = text.find('=');
      if (text.find("orthogonal", eq) != std::string::npos) orthogonal.insert(a.at(0).get<std::string>());
    }
    const std::vector<NamedTensor> ours = model.state_dict();
    if (ours.size() != expected.size()) {
      std::vector<std::string> a, b;
      for (const NamedTensor& t : ours) a.push_back(t.name);
      for (const Json& e : expected) b.push_back(e.at(0).get<std::string>());
      mismatch(record, "state_dict names",
               fmt::format("{} entries in nninit [{}], {} in PyTorch [{}]", a.size(), fmt::join(a, ", "),
                           b.size(), fmt::join(b, ", ")));
      return;
    }
    for (std::size_t i = 0; i < ours.size(); ++i) {
      const NamedTensor& t = ours[i];
      const std::string name = expected[i].at(0).get<std::string>();
      const std::string dtype = expected[i].at(1).get<std::string>();
      const Shape shape = expected[i].at(2).get<Shape>();
      const std::string& theirs = expected[i].at(3).get_ref<const std::string&>();
      if (t.name != name) {
        mismatch(record, "state_dict names",
                 fmt::format("entry {}: nninit '{}', PyTorch '{}'", i, t.name, name));
        return;
      }
      if (dtype_name(t.tensor.dtype()) != dtype || t.tensor.sizes() != shape) {
        mismatch(record, "state_dict dtype/shape",
                 fmt::format("{}: nninit {} {}, PyTorch {} {}", name, dtype_name(t.tensor.dtype()),
                             shape_text(t.tensor.sizes()), dtype, shape_text(shape)));
        continue;
      }
      const std::string mine = tensor_hex(t.tensor);
      if (mine == theirs) continue;
      if (orthogonal.contains(name) && close_within(t.tensor, theirs, 1e-5)) continue;
      mismatch(record, orthogonal.contains(name) ? "values (orthogonal_)" : "values",
               fmt::format("{} ({} {}) differs{}", name, dtype, shape_text(shape),
                           first_difference(mine, theirs, 2 * itemsize(t.tensor.dtype()))));
    }
  }

  // PyTorch's warnings, phase by phase, against nninit's; nninit also warns once for each rule that
  // initialised nothing while others did (a message that names the rule), which PyTorch does not.
  void compare_warnings(const Json& record, const std::vector<Warning>& warnings,
                        std::size_t construction_count, const std::vector<std::size_t>& unmatched) {
    std::vector<std::pair<std::string, std::string>> theirs[2], ours[2];
    for (const Json& w : record.at("warnings")) {
      const int phase = w.size() > 2 && w[2].get<std::string>() == "rules" ? 1 : 0;
      theirs[phase].emplace_back(w[0].get<std::string>(), w[1].get<std::string>());
    }
    for (std::size_t i = 0; i < warnings.size(); ++i) {
      ours[i < construction_count ? 0 : 1].emplace_back(
          std::string(warning_category_name(warnings[i].category)), warnings[i].message);
    }
    // Take out one warning per unmatched rule: the first that quotes the rule's pattern.
    const Json& rules = record.at("rules");
    for (std::size_t k : unmatched) {
      const std::string text = rules.at(k).get<std::string>();
      const std::string pattern = text.substr(0, text.find('='));
      const std::string trimmed = pattern.substr(0, pattern.find_last_not_of(' ') + 1);
      auto it = std::find_if(ours[1].begin(), ours[1].end(),
                             [&](const auto& w) { return w.second.find(trimmed) != std::string::npos; });
      if (it == ours[1].end()) {
        mismatch(record, "unmatched rule warning",
                 fmt::format("rule {} ({}) initialises nothing, but nninit did not warn about it", k, text));
      } else {
        ours[1].erase(it);
      }
    }
    static const char* const names[2] = {"construction", "rules"};
    for (int phase = 0; phase < 2; ++phase) {
      if (theirs[phase] == ours[phase]) continue;
      std::string a, b;
      for (const auto& [c, m] : ours[phase]) a += fmt::format("[{}: {}] ", c, one_line(m, 200));
      for (const auto& [c, m] : theirs[phase]) b += fmt::format("[{}: {}] ", c, one_line(m, 200));
      mismatch(record, fmt::format("warnings ({})", names[phase]),
               fmt::format("nninit {}; PyTorch {}", a.empty() ? "none" : a, b.empty() ? "none" : b));
    }
  }

  int max_reports_;
  int reports_ = 0;
  int total_cases_ = 0;
  int total_failures_ = 0;
  int replayed_ = 0;         // cases also built under an InitRecording
  std::string kind_prefix_;  // "recorded: " while comparing a recorded build
  bool case_ok_ = true;
  std::map<std::string, int> kinds_;
};

}  // namespace
}  // namespace nninit::conformance

int main(int argc, char** argv) {
  return nninit::conformance::run_oracle_files<nninit::conformance::Runner>(argc, argv, "model");
}
