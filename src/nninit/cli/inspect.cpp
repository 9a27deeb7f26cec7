// nninit inspect FILE.safetensors | DIR | INDEX.json: every tensor's shape, fans, statistics and the
// reference stds, read one tensor at a time so that a checkpoint larger than memory can be inspected. A
// checkpoint directory (or its model.safetensors.index.json) is read across all its shards.
#include <cstdio>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "nninit/cli/commands.h"
#include "nninit/cli/options.h"
#include "nninit/cli/summary.h"
#include "nninit/core/error.h"
#include "nninit/io/checkpoint_index.h"
#include "nninit/io/safetensors.h"
#include "nninit/io/sharded_safetensors_writer.h"

namespace nninit::cli {
namespace {

struct InspectedFile {
  std::string name;  // as given, or the shard's file name
  io::Metadata metadata;
  std::size_t tensors = 0;
  std::uint64_t bytes = 0;
};

// Appends the summaries of every tensor of `file`, in header order. The header is parsed once: reading it
// again per tensor made inspect quadratic in the tensor count.
InspectedFile inspect_file(const std::filesystem::path& path, std::string name,
                           std::vector<TensorSummary>& summaries,
                           const std::vector<std::string>* expected_tensors = nullptr,
                           const std::string& index_name = "") {
  const io::SafetensorsFile file(path);
  const io::SafetensorsHeader& header = file.header();
  if (expected_tensors != nullptr) {
    // The index and the shard must agree on what the shard holds.
    const std::set<std::string> expected(expected_tensors->begin(), expected_tensors->end());
    std::set<std::string> held;
    for (const io::TensorInfo& info : header.tensors) held.insert(info.name);
    for (const std::string& tensor : expected) {
      if (!held.contains(tensor)) {
        throw IoError(fmt::format("inspect: '{}' places '{}' in '{}', which does not hold it", index_name,
                                  tensor, path.string()));
      }
    }
    for (const std::string& tensor : held) {
      if (!expected.contains(tensor)) {
        throw IoError(fmt::format("inspect: '{}' holds '{}', which '{}' does not place there", path.string(),
                                  tensor, index_name));
      }
    }
  }
  InspectedFile inspected{std::move(name), header.metadata, header.tensors.size(), 0};
  for (const io::TensorInfo& info : header.tensors) {
    inspected.bytes += info.nbytes();
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
  return inspected;
}

}  // namespace

int run_inspect(const InspectOptions& options) {
  const std::filesystem::path path = options.file;
  std::filesystem::path index_path;
  std::filesystem::path single_path = path;
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    // transformers' from_pretrained loads model.safetensors when there is one, the index otherwise.
    if (std::filesystem::exists(path / io::single_checkpoint_name, error)) {
      single_path = path / io::single_checkpoint_name;
    } else if (std::filesystem::exists(path / io::checkpoint_index_name, error)) {
      index_path = path / io::checkpoint_index_name;
    } else {
      throw UsageError(
          fmt::format("inspect: '{}' is not a regular file (a directory), and holds neither {} nor {}",
                      path.string(), io::checkpoint_index_name, io::single_checkpoint_name));
    }
  } else if (path.extension() == ".json") {
    index_path = path;
  }

  std::vector<TensorSummary> summaries;
  std::vector<InspectedFile> files;
  std::optional<io::CheckpointIndex> index;
  if (!index_path.empty()) {
    index = io::read_checkpoint_index(index_path);
    const std::filesystem::path folder = index_path.parent_path();
    for (const std::string& file : index->files) {
      const std::vector<std::string> tensors = index->tensors_in(file);
      files.push_back(inspect_file(folder / file, file, summaries, &tensors, index_path.string()));
    }
  } else {
    files.push_back(inspect_file(single_path, single_path.string(), summaries));
  }

  if (options.json) {
    nlohmann::ordered_json out;
    out["file"] = options.file;
    if (index) {
      out["index"] = {
          {"file", index_path.string()},
          {"total_size", index->total_size ? nlohmann::ordered_json(*index->total_size) : nullptr}};
      out["shards"] = nlohmann::ordered_json::array();
      for (const InspectedFile& file : files) {
        out["shards"].push_back(
            {{"file", file.name}, {"metadata", file.metadata}, {"tensors", file.tensors}});
      }
    } else {
      out["metadata"] = files.front().metadata;
    }
    out["tensors"] = to_json(summaries);
    std::fputs((out.dump(2) + "\n").c_str(), stdout);
    return 0;
  }
  std::fputs(format_table(options.file, summaries).c_str(), stdout);
  if (index) {
    std::uint64_t bytes = 0;
    for (const InspectedFile& file : files) bytes += file.bytes;
    std::fputs(fmt::format("  {} shard(s) from {}; index total_size {}; the tensors hold {} bytes\n",
                           files.size(), printable(index_path.string()),
                           index->total_size ? std::to_string(*index->total_size) : "absent", bytes)
                   .c_str(),
               stdout);
  }
  for (const InspectedFile& file : files) {
    const std::string indent = index ? "    " : "  ";
    if (index)
      std::fputs(fmt::format("  {}: {} tensor(s)\n", printable(file.name), file.tensors).c_str(), stdout);
    for (const auto& [key, value] : file.metadata)
      std::fputs(fmt::format("{}{}: {}\n", indent, printable(key), printable(value)).c_str(), stdout);
  }
  return 0;
}

}  // namespace nninit::cli
