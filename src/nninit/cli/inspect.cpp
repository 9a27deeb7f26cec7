// nninit inspect FILE.safetensors: every tensor's shape, fans, statistics and the reference stds, read
// one tensor at a time so that a checkpoint larger than memory can be inspected.
#include <cstdio>

#include <fmt/format.h>

#include "nninit/cli/commands.h"
#include "nninit/cli/summary.h"
#include "nninit/io/safetensors.h"

namespace nninit::cli {

int run_inspect(const InspectOptions& options) {
  // The header is parsed once: reading it again per tensor made inspect quadratic in the tensor count.
  const io::SafetensorsFile file(options.file);
  const io::SafetensorsHeader& header = file.header();
  std::vector<TensorSummary> summaries;
  for (const io::TensorInfo& info : header.tensors) {
    if (info.nninit_dtype) {
      summaries.push_back(summarize(info.name, file.read(info)));
    } else {
      TensorSummary s;
      s.name = info.name;
      s.dtype = info.dtype;
      s.shape = info.shape;
      s.numel = static_cast<std::int64_t>(info.numel);
      summaries.push_back(s);
    }
  }
  if (options.json) {
    nlohmann::ordered_json out;
    out["file"] = options.file;
    out["metadata"] = header.metadata;
    out["tensors"] = to_json(summaries);
    std::fputs((out.dump(2) + "\n").c_str(), stdout);
  } else {
    std::fputs(format_table(options.file, summaries).c_str(), stdout);
    for (const auto& [key, value] : header.metadata)
      std::fputs(fmt::format("  {}: {}\n", printable(key), printable(value)).c_str(), stdout);
  }
  return 0;
}

}  // namespace nninit::cli
