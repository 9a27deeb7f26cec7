// nninit inspect FILE.safetensors: every tensor's shape, fans, statistics and the reference stds, read
// one tensor at a time so that a checkpoint larger than memory can be inspected.
#include <cstdio>

#include <fmt/format.h>

#include "nninit/cli/commands.h"
#include "nninit/cli/summary.h"
#include "nninit/io/safetensors.h"

namespace nninit::cli {

int run_inspect(const InspectOptions& options) {
  const io::SafetensorsHeader header = io::read_safetensors_header(options.file);
  std::vector<TensorSummary> summaries;
  for (const io::TensorInfo& info : header.tensors) {
    if (info.nninit_dtype) {
      summaries.push_back(summarize(info.name, io::read_safetensors_tensor(options.file, info.name)));
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
      std::fputs(fmt::format("  {}: {}\n", key, value).c_str(), stdout);
  }
  return 0;
}

}  // namespace nninit::cli
