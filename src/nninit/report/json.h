// The --json views of results: one JSON document per command, in the shape scripts read. Numbers that
// are not finite are null (JSON has none); every other field keeps its C++ name.
//
//   std::puts(to_json(diagnosis).dump(2).c_str());
//
//   Json document = {{"findings", to_json(findings)}, {"lsuv", to_json(lsuv_report)}};
//   document["diagnosis"] = to_json(diagnosis);  // {"inputs": ..., "layers": [...], "flags": [...], ...}
//   std::ofstream("out/run.json") << document.dump(2);
#pragma once

#include <span>

#include <nlohmann/json.hpp>

#include "nninit/core/tensor.h"
#include "nninit/core/tensor_statistics.h"
#include "nninit/diag/depth_sweep.h"
#include "nninit/diag/diagnose.h"
#include "nninit/diag/lint.h"
#include "nninit/diag/lsuv.h"
#include "nninit/diag/probe.h"

namespace nninit::report {

using Json = nlohmann::ordered_json;

// The version of the --json documents' layout (docs/diagnostics.md): raised when a field is renamed, removed
// or changes meaning, not when one is added.
inline constexpr int json_schema_version = 1;

// A number, or null where it is not finite.
Json json_number(double x);

Json to_json(const Shape& shape);
Json to_json(const TensorStatistics& statistics);
Json to_json(std::span<const diag::Finding> findings);
Json to_json(const diag::Diagnosis& diagnosis);
Json to_json(const diag::ProbeResult& result);
Json to_json(const diag::DepthSweep& sweep);
Json to_json(const diag::LsuvReport& report);

}  // namespace nninit::report
