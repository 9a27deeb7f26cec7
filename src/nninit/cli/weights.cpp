#include "nninit/cli/weights.h"

#include <algorithm>

#include <fmt/format.h>

#include "nninit/cli/options.h"
#include "nninit/core/error.h"
#include "nninit/io/safetensors.h"
#include "nninit/nn/load_state_dict.h"

namespace nninit::cli {

std::vector<NamedTensor> read_weights(const std::string& path) {
  std::vector<NamedTensor> tensors = io::read_safetensors(path).tensors;
  std::sort(tensors.begin(), tensors.end(),
            [](const NamedTensor& a, const NamedTensor& b) { return a.name < b.name; });
  return tensors;
}

void load_weights(nn::Module& model, const std::vector<NamedTensor>& weights, const std::string& path,
                  const ModelOptions& options) {
  if (!options.rules.empty() || !options.preset.empty()) {
    throw UsageError(fmt::format("--weights {} sets every parameter: it excludes {}", path,
                                 options.rules.empty() ? "--preset" : "--init"));
  }
  try {
    nn::load_state_dict(model, weights);
  } catch (const RuntimeError& e) {
    std::string message = e.what();
    for (std::size_t at = message.find('\t'); at != std::string::npos; at = message.find('\t', at))
      message.replace(at, 1, "    ");
    throw UsageError(fmt::format("--weights {}: {}", path, message));
  }
}

}  // namespace nninit::cli
