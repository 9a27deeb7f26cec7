// nninit_init_conformance FILE...: replays every case of torch_oracle.py's files in nninit and compares
// with what PyTorch did, bit for bit: every step's tensor (orthogonal_ within 1e-5, since its QR comes
// from a different LAPACK), every error (type and message), every warning, and the generator states
// afterwards. Prints a summary per file and per function; exits 1 on any mismatch.
#include <cmath>
#include <cstring>
#include <iostream>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "nninit/expr/init_expression.h"
#include "nninit/random/torch_generator.h"
#include "oracle_file.h"

namespace nninit::conformance {
namespace {

struct Tally {
  int steps = 0;
  int failures = 0;
};

struct StepOutcome {
  std::optional<Tensor> tensor;
  std::optional<std::string> error_text;
  std::unique_ptr<Error> error;
};

// " at element i: nninit <hex>, PyTorch <hex>" for the first differing element.
std::string first_difference(const Tensor& ours, const std::string& theirs) {
  const std::string mine = tensor_hex(ours);
  const std::size_t width = 2 * itemsize(ours.dtype());
  for (std::size_t i = 0; i * width < std::max(mine.size(), theirs.size()); ++i) {
    const std::string a = mine.substr(std::min(mine.size(), i * width), width);
    const std::string b = theirs.substr(std::min(theirs.size(), i * width), width);
    if (a != b) {
      std::size_t count = 0;
      for (std::size_t j = 0; (j + 1) * width <= std::min(mine.size(), theirs.size()); ++j) {
        count += mine.compare(j * width, width, theirs, j * width, width) != 0 ? 1 : 0;
      }
      return fmt::format(" at element {} of {} ({} differ): nninit {}, PyTorch {}", i, mine.size() / width,
                         count, a, b);
    }
  }
  return "";
}

class Runner {
 public:
  explicit Runner(int max_reports) : max_reports_(max_reports) {}

  bool run(const std::string& path) {
    OracleFile file(path);
    const TorchVariant variant = file.variant();
    std::map<std::string, Tally> tallies;
    int cases = 0;
    int failed_cases = 0;
    Json record;
    while (file.next(record)) {
      ++cases;
      if (!run_case(record, variant, tallies)) ++failed_cases;
    }
    int steps = 0;
    for (const auto& [name, tally] : tallies) steps += tally.steps;
    fmt::print("{}: {} cases, {} steps against {}: {} mismatching case(s)\n", path, cases, steps,
               file.describe(), failed_cases);
    for (const auto& [name, tally] : tallies) {
      fmt::print("  {:<18} {:>5} steps {}\n", name, tally.steps,
                 tally.failures == 0 ? "all equal" : fmt::format("{} MISMATCHED", tally.failures));
    }
    total_cases_ += cases;
    total_failures_ += failed_cases;
    return failed_cases == 0;
  }

  int total_cases() const { return total_cases_; }
  int total_failures() const { return total_failures_; }

 private:
  void report(const Json& record, const std::string& what) {
    if (reports_++ >= max_reports_) return;
    fmt::print("  MISMATCH case {} (seed {}): {}\n", record.at("id").get<int>(), record.at("seed").dump(),
               what);
  }

  bool run_case(const Json& record, const TorchVariant& variant, std::map<std::string, Tally>& tallies) {
    TorchGenerator& global = default_generator();
    global.set_variant(variant);
    global.manual_seed(seed_from_json(record.at("seed")));
    std::optional<TorchGenerator> own;
    if (!record.at("generator_seed").is_null()) {
      own.emplace(TorchGenerator::default_seed, variant);
      own->manual_seed(seed_from_json(record.at("generator_seed")));
    }
    bool ok = true;
    ScopedWarningCapture warnings;
    const Json& steps = record.at("steps");
    const Json& results = record.at("results");
    for (std::size_t k = 0; k < steps.size(); ++k) {
      const Json& step = steps[k];
      const Json& expected = results[k];
      std::string name = step.at("kind").get<std::string>();
      std::optional<Tensor> tensor;
      std::optional<std::string> function;
      try {
        if (name == "init") {
          const bool with_generator = step.value("generator", false);
          const auto expression =
              expr::InitExpression::parse(step.at("expr").get<std::string>(),
                                          {.version = variant.version, .pass_generator = with_generator});
          name = expression.function();
          const Tensor base = Tensor::empty(step.at("shape").get<Shape>(), dtype_from_name(step.at("dtype")));
          const Tensor view = apply_view_ops(base, step.at("view"));
          expression.apply(view, with_generator ? static_cast<Generator&>(*own) : global);
          tensor = view;
        } else if (name == "randn") {
          tensor = Tensor::empty(step.at("shape").get<Shape>());
          global.normal_(*tensor, 0.0, 1.0);
        } else if (name == "rand") {
          tensor = Tensor::empty(step.at("shape").get<Shape>(), dtype_from_name(step.at("dtype")));
          global.uniform_(*tensor, 0.0, 1.0);
        } else if (name == "randperm") {
          tensor = global.randperm(step.at("n").get<std::int64_t>());
        }
        Tally& tally = tallies[name];
        ++tally.steps;
        if (expected.contains("error")) {
          ++tally.failures;
          ok = false;
          report(record, fmt::format("step {} ({}): PyTorch raised {}: {}, nninit did not", k, step.dump(),
                                     expected["error"]["type"].get<std::string>(),
                                     expected["error"]["message"].get<std::string>()));
          continue;
        }
        const bool shape_ok = tensor->sizes() == expected.at("shape").get<Shape>() &&
                              dtype_name(tensor->dtype()) == expected.at("dtype").get<std::string>();
        const std::string& theirs = expected.at("hex").get_ref<const std::string&>();
        const bool values_ok =
            name == "orthogonal_" ? close_within(*tensor, theirs, 1e-5) : tensor_hex(*tensor) == theirs;
        if (!shape_ok || !values_ok) {
          ++tally.failures;
          ok = false;
          report(record, fmt::format("step {} ({}): values differ{}", k, step.dump(),
                                     first_difference(*tensor, theirs)));
        }
      } catch (const Error& e) {
        Tally& tally = tallies[name];
        ++tally.steps;
        if (!expected.contains("error") || !same_error(e, expected["error"])) {
          ++tally.failures;
          ok = false;
          report(record, fmt::format("step {} ({}): nninit raised {}: {}; PyTorch: {}", k, step.dump(),
                                     python_name(e.kind()), e.what(),
                                     expected.contains("error") ? expected["error"].dump() : "no error"));
        }
      }
    }
    // Warnings, in order, with their category.
    const Json& expected_warnings = record.at("warnings");
    bool warnings_ok = expected_warnings.size() == warnings.warnings().size();
    for (std::size_t w = 0; warnings_ok && w < expected_warnings.size(); ++w) {
      warnings_ok = expected_warnings[w][0].get<std::string>() ==
                        warning_category_name(warnings.warnings()[w].category) &&
                    expected_warnings[w][1].get<std::string>() == warnings.warnings()[w].message;
    }
    if (!warnings_ok) {
      ok = false;
      std::string ours;
      for (const Warning& w : warnings.warnings())
        ours += fmt::format("[{}: {}] ", warning_category_name(w.category), w.message);
      report(record, fmt::format("warnings differ: PyTorch {}, nninit {}", expected_warnings.dump(), ours));
    }
    if (bytes_hex(global.get_state()) != record.at("state").get<std::string>()) {
      ok = false;
      report(record, "the global generator state differs (draw count or cached normal sample)");
    }
    if (own && bytes_hex(own->get_state()) != record.at("generator_state").get<std::string>()) {
      ok = false;
      report(record, "the case generator's state differs");
    }
    return ok;
  }

  int max_reports_;
  int reports_ = 0;
  int total_cases_ = 0;
  int total_failures_ = 0;
};

}  // namespace
}  // namespace nninit::conformance

int main(int argc, char** argv) {
  return nninit::conformance::run_oracle_files<nninit::conformance::Runner>(argc, argv, "init");
}
