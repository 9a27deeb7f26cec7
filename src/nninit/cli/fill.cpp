// nninit fill EXPR --shape D0,D1,...: one tensor, initialised as `torch.manual_seed(seed);
// torch.nn.init.EXPR(torch.empty(shape, dtype=dtype))` would initialise it.
#include <cstdio>

#include <fmt/format.h>

#include "nninit/cli/commands.h"
#include "nninit/cli/model.h"
#include "nninit/cli/options.h"
#include "nninit/cli/summary.h"
#include "nninit/core/error.h"
#include "nninit/expr/init_expression.h"
#include "nninit/io/safetensors.h"
#include "nninit/random/torch_generator.h"

namespace nninit::cli {

int run_fill(const FillOptions& options) {
  check_output("-o", options.output, {});
  const Shape shape = [&] {
    try {
      return parse_shape(options.shape);
    } catch (const UsageError& e) {
      throw UsageError(fmt::format("--shape: {}", e.what()));
    }
  }();
  const DType dtype = parse_dtype(options.dtype);
  const TorchVariant variant = configure_default_generator(options.generator);
  const auto expression = expr::InitExpression::parse(options.expression, {.version = variant.version});
  const Tensor tensor = Tensor::empty(shape, dtype);
  expression.apply(tensor, default_generator());

  if (!options.output.empty()) {
    const io::Metadata metadata{{"format", "pt"},
                                {"nninit.expression", options.expression},
                                {"nninit.seed", options.generator.seed},
                                {"nninit.torch_version", variant.version.str()},
                                {"nninit.capability", torch_capability_name(variant.capability)}};
    const std::vector<NamedTensor> tensors{{"tensor", tensor}};
    try {
      io::write_safetensors(options.output, tensors, metadata);
    } catch (const IoError& e) {
      throw Failure(e.what());
    }
  }
  const std::vector<TensorSummary> summary{summarize("tensor", tensor)};
  if (options.json) {
    nlohmann::ordered_json out;
    out["expression"] = options.expression;
    out["seed"] = options.generator.seed;
    out["torch_version"] = variant.version.str();
    out["capability"] = torch_capability_name(variant.capability);
    out["output"] =
        options.output.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(options.output);
    out["tensors"] = to_json(summary);
    std::fputs((out.dump(2) + "\n").c_str(), stdout);
  } else {
    const std::string title =
        fmt::format("{} (seed {}, PyTorch {}, {})", expression.text(), options.generator.seed,
                    variant.version.str(), torch_capability_name(variant.capability));
    std::fputs(format_table(title, summary).c_str(), stdout);
    if (!options.output.empty()) std::fputs(fmt::format("wrote {}\n", options.output).c_str(), stdout);
  }
  return 0;
}

}  // namespace nninit::cli
