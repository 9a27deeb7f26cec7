// Everything one `diagnose` run produced, and its three views: the HTML page, the --json document and the
// terminal text. The command line and the Python package both fill a DiagnosisRun and pick a view, so the
// three stay the same whoever ran the diagnosis.
//
//   DiagnosisRun run{.model = expression, .diagnosis = diagnose(model, inputs), .findings = lint};
//   write_report(diagnosis_page(run), "out/report.html");
//   std::puts(diagnosis_json(run).dump(2).c_str());
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "nninit/core/tensor.h"
#include "nninit/core/torch_release.h"
#include "nninit/diag/depth_sweep.h"
#include "nninit/diag/diagnose.h"
#include "nninit/diag/lint.h"
#include "nninit/diag/lsuv.h"
#include "nninit/diag/probe.h"
#include "nninit/report/json.h"
#include "nninit/report/report.h"
#include "nninit/report/text.h"

namespace nninit::report {

struct DiagnosisRun {
  std::string model{};       // the expression (or name) the user gave
  std::string model_repr{};  // PyTorch's repr of the module tree, printed first in the terminal
  std::uint64_t seed = 0;    // as torch.manual_seed takes it (a negative seed wrapped modulo 2^64)
  TorchVariant variant{};    // the generator's release and capability
  std::string inputs{};      // where the inputs came from, in words ("64,784, drawn as torch.randn ...")
  std::vector<std::string> rules{};       // --init rules, in order
  std::string preset{};                   // the named preset, or empty
  std::string weights{};                  // the safetensors state_dict loaded into the model, or empty
  std::vector<NamedTensor> parameters{};  // the model's parameters as the diagnosis saw them
  diag::Diagnosis diagnosis{};
  std::vector<diag::Finding> findings{};
  // Where the lint read what follows each layer, when not from the module tree alone (a recorded forward,
  // diag::ForwardCall), or empty.
  std::string lint_note{};
  std::optional<diag::LsuvReport> lsuv{};
  std::optional<diag::ProbeResult> probe{};
  std::vector<diag::DepthSweep> sweeps{};
  std::string sweep_note{};      // why the sweep ran what it ran ("no repeated block: ..."), or empty
  std::string report_path{};     // where the page was written, or empty
  FindingsView findings_view{};  // which findings the terminal text shows, and how
};

// The HTML page: the run's settings and verdicts, the parameter table, std by layer and over time,
// histograms, the lint, the probe's curves and the depth sweep (report.h lays them out).
ReportData diagnosis_page(const DiagnosisRun& run);

// The --json document (docs/diagnostics.md): schema_version, the settings, then each result (to_json of
// json.h); absent results are null.
Json diagnosis_json(const DiagnosisRun& run);

// The terminal text: the model's repr, LSUV's lines, the diagnosis, the lint, the probe and the sweep.
std::string diagnosis_text(const DiagnosisRun& run);

}  // namespace nninit::report
