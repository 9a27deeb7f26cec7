// The terminal views of results: what `nninit diagnose`, `check` and `init --preset lsuv` print. Plain text,
// fixed-width tables; numbers with four significant digits, "-" where a value is undefined.
//
//   std::fputs(format_diagnosis(diagnosis).c_str(), stdout);
//   std::fputs(format_findings(findings).c_str(), stdout);
#pragma once

#include <span>
#include <string>

#include "nninit/diag/depth_sweep.h"
#include "nninit/diag/diagnose.h"
#include "nninit/diag/lint.h"
#include "nninit/diag/lsuv.h"
#include "nninit/diag/probe.h"

namespace nninit::report {

// The forward and backward tables, the parameter table, recurrent layers over time, the signal verdict and
// the symmetries.
std::string format_diagnosis(const diag::Diagnosis& diagnosis);

// Which findings the text shows (--min-severity) and whether with their effect, fix and reason lines
// (not with --quiet).
struct FindingsView {
  diag::Severity minimum = diag::Severity::info;
  bool brief = false;
};

// "error: [scale] 0.weight: ...", then indented effect, fix and reason lines (a reason only where it first
// appears); a summary line last, which counts every finding and says how many were left out.
std::string format_findings(std::span<const diag::Finding> findings, const FindingsView& view = {});

// The probe's data and settings (and the budget's cut), one row per candidate (loss at the start and end,
// held-out numbers, identical units, weight growth), then the verdicts (diag::probe_verdicts), one per line.
std::string format_probe(const diag::ProbeResult& result);

// "stopped early: the time budget of 60 s allowed 12 of the 300 steps per candidate (...)", for a probe
// whose steps the budget cut (ProbeResult::cut_by_budget); format_probe and the page print it.
std::string budget_line(const diag::ProbeResult& result);

// A depth sweep's activation std at the first, middle and last layer, one row per scheme.
std::string format_sweep(const diag::DepthSweep& sweep);

// Each layer LSUV scaled (its output std before and after) and each it left alone, with the reason.
std::string format_lsuv(const diag::LsuvReport& report);

}  // namespace nninit::report
