// nninit fill EXPR --shape D0,D1,...: one tensor, initialised as `torch.manual_seed(seed);
// torch.nn.init.EXPR(torch.empty(shape, dtype=dtype))` would initialise it, or with --rng philox from the
// Philox stream of (seed, the tensor's name).
#include <cstdio>
#include <optional>
#include <span>

#include <fmt/format.h>

#include "nninit/cli/commands.h"
#include "nninit/cli/model.h"
#include "nninit/cli/options.h"
#include "nninit/cli/output.h"
#include "nninit/cli/progress.h"
#include "nninit/cli/summary.h"
#include "nninit/core/error.h"
#include "nninit/expr/init_expression.h"
#include "nninit/random/philox.h"
#include "nninit/random/torch_generator.h"

namespace nninit::cli {

int run_fill(const FillOptions& options) {
  const OutputTarget target = output_target(options.output, options.max_shard_size, {});
  const Shape shape = [&] {
    try {
      return parse_shape(options.shape);
    } catch (const UsageError& e) {
      throw UsageError(fmt::format("--shape: {}", e.what()));
    }
  }();
  const DType dtype = parse_dtype(options.dtype);
  const RngEngine engine = parse_rng(options.generator.rng);
  // A Philox stream follows the newest release's semantics (Generator::release()), and so do the checks.
  std::optional<PhiloxGenerator> philox;
  TorchVariant variant;
  if (engine == RngEngine::philox) {
    check_philox_options(options.generator);
    philox.emplace(parse_seed(options.generator.seed), options.name);
  } else {
    variant = configure_default_generator(options.generator);
  }
  Generator& generator = philox ? static_cast<Generator&>(*philox) : default_generator();
  const auto expression = expr::InitExpression::parse(options.expression, {.version = variant.version});
  const std::size_t nbytes =
      storage_nbytes(shape, dtype);  // an impossible size is PyTorch's error, with or without -o

  // With -o the values are drawn straight into the output file's memory mapping (SafetensorsWriter::view):
  // a fill of 10^9 elements needs no 4 GB copy on the heap, and a full disk fails before the work.
  std::optional<SafetensorsOutput> writer;
  if (target) {
    io::Metadata metadata{{"format", "pt"},
                          {"nninit.expression", options.expression},
                          {"nninit.seed", options.generator.seed},
                          {"nninit.rng", std::string(rng_name(engine))}};
    if (!philox) {
      metadata.emplace("nninit.torch_version", variant.version.str());
      metadata.emplace("nninit.capability", torch_capability_name(variant.capability));
    }
    const io::TensorSpec spec{options.name, dtype, shape};
    writer.emplace(target, std::span<const io::TensorSpec>(&spec, 1), metadata);
  }
  const Tensor tensor = writer ? writer->view(options.name) : Tensor::empty(shape, dtype);
  {
    // One tensor is drawn in one call, so the bar moves from start to end; until then it shows how long the
    // fill has run.
    std::optional<Progress> progress = Progress::on_stderr(nbytes, {.label = "fill"}, options.progress);
    std::optional<ProgressTicker> ticker;
    if (progress) ticker.emplace(*progress);
    expression.apply(tensor, generator);
    if (writer) writer->commit();
    ticker.reset();
    if (progress) progress->advance(nbytes);
  }
  const std::vector<TensorSummary> summary{summarize(options.name, tensor)};
  if (options.json) {
    nlohmann::ordered_json out;
    out["expression"] = options.expression;
    out["seed"] = options.generator.seed;
    out["rng"] = rng_name(engine);
    // PyTorch's release and capability choose torch streams; a Philox stream has neither.
    out["torch_version"] =
        philox ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(variant.version.str());
    out["capability"] = philox ? nlohmann::ordered_json(nullptr)
                               : nlohmann::ordered_json(torch_capability_name(variant.capability));
    out["output"] =
        options.output.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(options.output);
    out["tensors"] = to_json(summary);
    std::fputs((out.dump(2) + "\n").c_str(), stdout);
  } else {
    const std::string title =
        philox ? fmt::format("{} (seed {}, Philox stream '{}')", expression.text(), options.generator.seed,
                             printable(options.name))
               : fmt::format("{} (seed {}, PyTorch {}, {})", expression.text(), options.generator.seed,
                             variant.version.str(), torch_capability_name(variant.capability));
    std::fputs(format_table(title, summary).c_str(), stdout);
    if (writer) {
      for (const auto& file : writer->files())
        std::fputs(fmt::format("wrote {}\n", file.string()).c_str(), stdout);
    }
  }
  return 0;
}

}  // namespace nninit::cli
