// nninit check MODEL: the lint alone (diag/lint.h), for a CI gate: exit status 1 when it finds errors. With
// --weights FILE the parameters are the file's (cli/weights.h), not an initialisation's.
#include <cstdio>

#include <nlohmann/json.hpp>

#include "nninit/cli/commands.h"
#include "nninit/cli/model.h"
#include "nninit/cli/options.h"
#include "nninit/cli/weights.h"
#include "nninit/diag/lint.h"
#include "nninit/report/json.h"
#include "nninit/report/text.h"

namespace nninit::cli {

using Json = nlohmann::ordered_json;

int run_check(const CheckOptions& options) {
  const report::FindingsView view = findings_view(options.lint_text);
  PreparedModel prepared = prepare_model(options);
  if (!options.weights.empty())
    load_weights(*prepared.model, read_weights(options.weights), options.weights, options);
  const std::vector<diag::Finding> findings = lint_prepared(prepared);
  if (options.json) {
    Json out;
    out["schema_version"] = report::json_schema_version;
    out["model"] = prepared.expression;
    out["seed"] = parse_seed(options.generator.seed);
    out["weights"] = options.weights.empty() ? Json(nullptr) : Json(options.weights);
    out["findings"] = report::to_json(findings);
    out["errors"] = diag::count(findings, diag::Severity::error);
    out["warnings"] = diag::count(findings, diag::Severity::warning);
    out["infos"] = diag::count(findings, diag::Severity::info);
    std::fputs((out.dump(2) + "\n").c_str(), stdout);
  } else {
    std::fputs(report::format_findings(findings, view).c_str(), stdout);
  }
  return diag::has_errors(findings) ? 1 : 0;
}

}  // namespace nninit::cli
