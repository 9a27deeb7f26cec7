// nninit init MODEL: the state_dict of a PyTorch model expression, initialised as
//   torch.manual_seed(seed); model = eval(MODEL); model.apply(init_fn_of_the_rules); model.to(dtype)
// would initialise it, written as safetensors or summarised. MODEL may be a Hugging Face config.json:
//   torch.manual_seed(seed); model = AutoModelForCausalLM.from_config(AutoConfig.from_pretrained(MODEL))
// written as save_pretrained writes it (a tied lm_head.weight once, under its first name).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "nninit/cli/builtin_models.h"
#include "nninit/cli/commands.h"
#include "nninit/cli/config_model.h"
#include "nninit/cli/model.h"
#include "nninit/cli/options.h"
#include "nninit/cli/output.h"
#include "nninit/cli/print_python.h"
#include "nninit/cli/progress.h"
#include "nninit/cli/summary.h"
#include "nninit/core/error.h"
#include "nninit/core/threads.h"
#include "nninit/diag/diagnose.h"
#include "nninit/expr/model_expression.h"
#include "nninit/expr/rules.h"
#include "nninit/init/recording.h"
#include "nninit/io/safetensors.h"
#include "nninit/io/safetensors_writer.h"
#include "nninit/random/philox.h"
#include "nninit/random/torch_generator.h"
#include "nninit/report/json.h"
#include "nninit/report/text.h"

namespace nninit::cli {
namespace {

// A reusable buffer for tensors of any dtype and shape, grown as needed.
class Scratch {
 public:
  Tensor tensor(const Shape& sizes, DType dtype) {
    const std::size_t nbytes = storage_nbytes(sizes, dtype);
    if (storage_ == nullptr || storage_->nbytes() < nbytes) storage_ = Storage::allocate(nbytes);
    return Tensor(Storage::wrap(storage_->data(), nbytes, storage_), dtype, sizes, contiguous_strides(sizes),
                  0);
  }

 private:
  std::shared_ptr<Storage> storage_;
};

// Makes the recorded model's tensors: into the output file's mapping when there is one (every tensor
// declared first; each released from memory once made), otherwise into a reused buffer, only to be
// summarised. A tensor converted to another dtype is made in its own dtype first (a second reused buffer),
// as Module.to converts a built model. With a Philox seed, each tensor is made from the stream of its name
// (--rng philox). Returns the summaries, in the state_dict's order.
//
// Each tensor's replay draws from its own copy of the generator as it stood at each of its calls, so tensors
// can be made in any order and side by side without changing a bit. They are made side by side, one per
// thread (each worker's fills, copies and statistics staying on its own thread), largest first, so that the
// serial part of PyTorch's stream and the small tensors' one-thread work overlap. A tensor whose buffers are
// so large that a worker's share of the memory the largest one needs would not hold them is made alone,
// with every thread: the buffers never exceed what one tensor at a time needs.
std::vector<TensorSummary> make_recorded(const std::vector<NamedTensor>& state,
                                         const init::InitRecording& recording, std::optional<DType> dtype,
                                         const OutputTarget& target, const io::Metadata& metadata,
                                         ProgressMode progress_mode, std::optional<std::uint64_t> philox_seed,
                                         std::vector<std::filesystem::path>* written) {
  // Module.to converts floating-point tensors only.
  auto stored_dtype = [&](const Tensor& t) {
    return dtype && is_floating_point(t.dtype()) ? *dtype : t.dtype();
  };
  std::vector<io::TensorSpec> specs;
  std::uint64_t total_bytes = 0;
  for (const NamedTensor& t : state) {
    specs.push_back({t.name, stored_dtype(t.tensor), t.tensor.sizes()});
    total_bytes += storage_nbytes(t.tensor.sizes(), specs.back().dtype);
  }
  std::optional<SafetensorsOutput> writer;
  if (target) writer.emplace(target, specs, metadata);
  // The writer's views are taken here, on one thread; the workers only write into them and release them.
  std::vector<Tensor> views;
  if (writer) {
    for (const NamedTensor& t : state) views.push_back(writer->view(t.name));
  }
  std::optional<Progress> progress = Progress::on_stderr(total_bytes, {.label = "init"}, progress_mode);
  std::mutex progress_mutex;

  // The buffer bytes a tensor needs beside the output: its values in their own dtype when they are
  // converted, and the stored values when there is no file to hold them.
  auto buffer_bytes = [&](const NamedTensor& t) {
    const DType stored = stored_dtype(t.tensor);
    std::size_t bytes = stored == t.tensor.dtype() ? 0 : storage_nbytes(t.tensor.sizes(), t.tensor.dtype());
    if (!writer) bytes += storage_nbytes(t.tensor.sizes(), stored);
    return bytes;
  };
  std::size_t largest = 0;
  for (const NamedTensor& t : state) largest = std::max(largest, buffer_bytes(t));
  const auto threads = static_cast<std::size_t>(thread_count());
  std::vector<std::size_t> alone;
  std::vector<std::size_t> side_by_side;
  for (std::size_t i = 0; i < state.size(); ++i) {
    (threads > 1 && buffer_bytes(state[i]) * threads <= largest ? side_by_side : alone).push_back(i);
  }
  std::stable_sort(side_by_side.begin(), side_by_side.end(), [&](std::size_t a, std::size_t b) {
    return state[a].tensor.numel() > state[b].tensor.numel();
  });

  std::vector<TensorSummary> summaries(state.size());
  struct Buffers {
    Scratch made;
    Scratch converted;
  };
  auto make = [&](std::size_t i, Buffers& buffers) {
    const NamedTensor& t = state[i];
    const DType stored = stored_dtype(t.tensor);
    const Tensor out = writer ? views[i] : buffers.converted.tensor(t.tensor.sizes(), stored);
    const Tensor values =
        stored == t.tensor.dtype() ? out : buffers.made.tensor(t.tensor.sizes(), t.tensor.dtype());
    if (philox_seed) {
      recording.materialize(t.tensor, values, PhiloxGenerator(*philox_seed, t.name));
    } else {
      recording.materialize(t.tensor, values);
    }
    if (values.raw_data() != out.raw_data()) out.copy_(values);
    summaries[i] = summarize(t.name, out);
    if (writer) writer->release(t.name);
    if (progress) {
      const std::lock_guard lock(progress_mutex);
      progress->advance(storage_nbytes(out.sizes(), out.dtype()));
    }
  };

  std::vector<Buffers> buffers(threads);
  for (const std::size_t i : alone) make(i, buffers[0]);
  run_side_by_side(side_by_side.size(), threads,
                   [&](std::size_t k, std::size_t worker) { make(side_by_side[k], buffers[worker]); });
  if (writer) {
    writer->commit();
    *written = writer->files();
  }
  return summaries;
}

}  // namespace

int run_init(const InitOptions& given) {
  InitOptions options = given;
  if (!options.config.empty()) {
    if (!options.model.empty()) throw UsageError("init takes MODEL or --config FILE, not both");
    if (!is_config_file(options.config)) {
      throw UsageError(
          fmt::format("--config: {} is not a JSON file (a Hugging Face config.json)", options.config));
    }
    options.model = options.config;
  } else if (options.model.empty()) {
    throw UsageError(
        "init needs MODEL (an expression, a file, a built-in name or a config.json) or --config FILE");
  }
  // Parsed before anything is built, so that a bad --dtype fails first. (A plain flag and value rather than
  // std::optional<DType>: GCC 12 at -O3 warns falsely that the optional's enum may be uninitialised.)
  bool convert = !options.dtype.empty();
  DType dtype = convert ? parse_dtype(options.dtype) : DType::float32;
  if (options.dry_run) {
    std::string title;
    const std::vector<ParameterRow> rows = parameter_rows(options, &title);
    std::fputs(
        options.json ? (rows_to_json(title, rows).dump(2) + "\n").c_str() : format_rows(title, rows).c_str(),
        stdout);
    return 0;
  }
  if (options.print_python) return print_python(options);
  // MODEL may be a file holding the expression; a config.json may sit in the checkpoint directory.
  const OutputTarget target = output_target(options.output, options.max_shard_size, {options.model});
  const bool from_config = is_config_file(options.model);
  if (options.print_rules && from_config) {
    std::fputs(format_rules(options.preset, config_rules(options), options.json).c_str(), stdout);
    return 0;
  }
  // transformers 5 builds a config in its torch_dtype (from_config), so that is the default here too.
  if (from_config && !convert) convert = saved_dtype(read_config_file(options.model), &dtype);
  // --rng philox: the model is built and recorded with PyTorch's generator (the newest release's modules),
  // and each tensor is made from the Philox stream of its name (InitRecording::materialize).
  std::optional<std::uint64_t> philox_seed;
  if (parse_rng(options.generator.rng) == RngEngine::philox) {
    check_philox_options(options.generator);
    if (options.preset == "lsuv") {
      throw UsageError("--rng philox: --preset lsuv scales layers on the way, which only --rng torch does");
    }
    philox_seed = parse_seed(options.generator.seed);
    options.generator.rng = "torch";
  }
  auto prepare = [&] { return from_config ? prepare_config_model(options) : prepare_model(options); };
  // The model is built under a recording (init/recording.h), which keeps no values: each tensor is made
  // afterwards, one at a time, straight into the output file (or a buffer, to be summarised), so memory
  // stays bounded by the largest tensor whatever the model's size, and draws that a later call overwrites
  // (construction's, before _init_weights or a rule) cost a discard. LSUV needs the values on the way
  // (forward passes); a recording that met something it cannot replay is built again the ordinary way.
  std::optional<init::InitRecording> recording;
  if (!options.print_rules && options.preset != "lsuv") recording.emplace();
  PreparedModel prepared = prepare();
  if (recording) {
    recording->finish();
    if (!recording->complete()) {
      if (philox_seed) {
        throw UsageError(
            fmt::format("--rng philox: {}, which only --rng torch reproduces", recording->refusal()));
      }
      recording.reset();
      prepared = prepare();
    }
  }
  if (options.print_rules) {
    std::fputs(format_rules(options.preset, prepared.rules, options.json).c_str(), stdout);
    return 0;
  }
  if (convert && !recording) prepared.model->to(dtype);
  const std::vector<NamedTensor> state =
      from_config ? without_tied_copies(prepared.model->state_dict()) : prepared.model->state_dict();

  std::vector<TensorSummary> summaries;
  std::vector<std::filesystem::path> written;
  io::Metadata metadata;
  if (target) {
    metadata = {{"format", "pt"},
                {"nninit.model", prepared.expression},
                {"nninit.seed", options.generator.seed},
                {"nninit.rng", philox_seed ? "philox" : "torch"}};
    if (!philox_seed) {
      metadata["nninit.torch_version"] = prepared.variant.version.str();
      metadata["nninit.capability"] = torch_capability_name(prepared.variant.capability);
    }
    for (std::size_t i = 0; i < options.rules.size(); ++i)
      metadata[fmt::format("nninit.rule.{}", i)] = options.rules[i];
    if (!options.preset.empty()) metadata["nninit.preset"] = options.preset;
  }
  try {
    if (recording) {
      summaries = make_recorded(state, *recording, convert ? std::optional(dtype) : std::nullopt, target,
                                metadata, options.progress, philox_seed, &written);
    } else if (target) {
      std::vector<io::TensorSpec> specs;
      for (const NamedTensor& t : state) specs.push_back({t.name, t.tensor.dtype(), t.tensor.sizes()});
      SafetensorsOutput writer(target, specs, metadata);
      for (const NamedTensor& t : state) writer.write(t.name, t.tensor);
      writer.commit();
      written = writer.files();
    }
  } catch (const IoError& e) {
    throw Failure(e.what());
  }
  if (summaries.empty()) {
    for (const NamedTensor& t : state) summaries.push_back(summarize(t.name, t.tensor));
  }
  if (options.json) {
    nlohmann::ordered_json out;
    out["model"] = prepared.expression;
    out["seed"] = options.generator.seed;
    out["rng"] = philox_seed ? "philox" : "torch";
    out["torch_version"] = philox_seed ? nlohmann::ordered_json(nullptr)
                                       : nlohmann::ordered_json(prepared.variant.version.str());
    out["capability"] = philox_seed
                            ? nlohmann::ordered_json(nullptr)
                            : nlohmann::ordered_json(torch_capability_name(prepared.variant.capability));
    out["dtype"] = convert ? nlohmann::ordered_json(dtype_name(dtype)) : nlohmann::ordered_json(nullptr);
    out["output"] =
        options.output.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(options.output);
    nlohmann::ordered_json rules = nlohmann::ordered_json::array();
    for (std::size_t i = 0; i < prepared.rules.size(); ++i) {
      rules.push_back({{"rule", prepared.rules[i].text},
                       {"initialised", prepared.report ? prepared.report->matches[i] : 0}});
    }
    out["rules"] = rules;
    out["lsuv"] = prepared.lsuv ? report::to_json(*prepared.lsuv) : nlohmann::ordered_json(nullptr);
    out["tensors"] = to_json(summaries);
    std::fputs((out.dump(2) + "\n").c_str(), stdout);
  } else {
    std::fputs(fmt::format("{}\n\n", prepared.model->repr()).c_str(), stdout);
    if (prepared.report) {
      for (std::size_t i = 0; i < prepared.rules.size(); ++i) {
        std::fputs(fmt::format("rule {}: {} initialised {} tensor(s)\n", i + 1, prepared.rules[i].text,
                               prepared.report->matches[i])
                       .c_str(),
                   stdout);
      }
      std::fputs("\n", stdout);
    }
    if (prepared.lsuv) std::fputs((report::format_lsuv(*prepared.lsuv) + "\n").c_str(), stdout);
    const std::string title =
        philox_seed
            ? fmt::format("state_dict (seed {}, philox streams)", options.generator.seed)
            : fmt::format("state_dict (seed {}, PyTorch {}, {})", options.generator.seed,
                          prepared.variant.version.str(), torch_capability_name(prepared.variant.capability));
    std::fputs(format_table(title, summaries).c_str(), stdout);
    for (const std::filesystem::path& file : written)
      std::fputs(fmt::format("wrote {}\n", file.string()).c_str(), stdout);
  }
  return 0;
}

}  // namespace nninit::cli
