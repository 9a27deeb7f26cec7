#include "nninit/io/sharded_safetensors_writer.h"

#include <algorithm>
#include <cerrno>
#include <regex>
#include <system_error>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "nninit/core/error.h"
#include "nninit/io/file.h"

namespace nninit::io {
namespace {

constexpr std::string_view writer_name = "ShardedSafetensorsWriter";

// save_pretrained's shard names: model-00001-of-00003.safetensors (five digits, one-based).
std::string shard_file_name(std::size_t number, std::size_t count) {
  return fmt::format("model-{:05d}-of-{:05d}.safetensors", number, count);
}

// A regular file itself, not a link to one: the only kind of entry the stale-file cleanup removes.
bool is_plain_file(const std::filesystem::path& path) {
  std::error_code error;
  return std::filesystem::symlink_status(path, error).type() == std::filesystem::file_type::regular;
}

}  // namespace

bool is_checkpoint_file_name(std::string_view name) {
  static const std::regex shard(R"(model-\d{5}-of-\d{5}\.safetensors)");
  return name == single_checkpoint_name || name == checkpoint_index_name ||
         std::regex_match(name.begin(), name.end(), shard);
}

ShardPlan plan_shards(std::span<const std::uint64_t> tensor_bytes,
                      std::optional<std::uint64_t> max_shard_size) {
  ShardPlan plan;
  std::vector<std::size_t> current;
  std::uint64_t current_bytes = 0;
  for (std::size_t i = 0; i < tensor_bytes.size(); ++i) {
    const std::uint64_t bytes = tensor_bytes[i];
    plan.total_size += bytes;
    if (max_shard_size && bytes > *max_shard_size) {
      // Its own shard, listed now: the shard being filled stays open and comes after it.
      plan.shards.push_back({i});
      continue;
    }
    if (max_shard_size && current_bytes + bytes > *max_shard_size) {
      plan.shards.push_back(std::move(current));
      current.clear();
      current_bytes = 0;
    }
    current.push_back(i);
    current_bytes += bytes;
  }
  if (!current.empty() || plan.shards.empty()) plan.shards.push_back(std::move(current));
  const std::size_t count = plan.shards.size();
  for (std::size_t k = 0; k < count; ++k)
    plan.file_names.push_back(count == 1 ? std::string(single_checkpoint_name)
                                         : shard_file_name(k + 1, count));
  return plan;
}

std::string checkpoint_index_json(const ShardPlan& plan, std::span<const TensorSpec> tensors) {
  // nlohmann's object keeps its keys sorted bytewise, which for UTF-8 is Python's sort_keys order.
  nlohmann::json weight_map = nlohmann::json::object();
  for (std::size_t k = 0; k < plan.shards.size(); ++k) {
    for (const std::size_t i : plan.shards[k]) weight_map[tensors[i].name] = plan.file_names[k];
  }
  nlohmann::json index = nlohmann::json::object();
  index["metadata"] = {{"total_size", plan.total_size}};
  index["weight_map"] = std::move(weight_map);
  return index.dump(2, ' ', /*ensure_ascii=*/true) + "\n";
}

ShardedSafetensorsWriter::ShardedSafetensorsWriter(std::filesystem::path directory,
                                                   std::span<const TensorSpec> tensors,
                                                   std::optional<std::uint64_t> max_shard_size,
                                                   const Metadata& metadata)
    : directory_(std::move(directory)), provided_(tensors.size(), false) {
  if (max_shard_size && *max_shard_size == 0)
    throw ValueError(fmt::format("{}: the maximum shard size must be at least 1 byte", writer_name));
  // One plan of every tensor checks names (duplicates across shards included), UTF-8 and sizes at once.
  const SafetensorsLayout whole = detail::plan_safetensors(tensors, metadata, writer_name);
  std::vector<std::uint64_t> bytes(tensors.size());
  for (std::size_t j = 0; j < whole.header.tensors.size(); ++j)
    bytes[whole.spec_index[j]] = whole.header.tensors[j].nbytes();
  plan_ = plan_shards(bytes, max_shard_size);
  if (plan_.shards.size() > 1) index_text_ = checkpoint_index_json(plan_, tensors);
  shard_of_position_.resize(tensors.size());
  for (std::size_t k = 0; k < plan_.shards.size(); ++k) {
    for (const std::size_t i : plan_.shards[k]) shard_of_position_[i] = k;
  }
  for (std::size_t i = 0; i < tensors.size(); ++i) position_.emplace(tensors[i].name, i);

  std::error_code error;
  const auto status = std::filesystem::status(directory_, error);
  if (status.type() == std::filesystem::file_type::not_found) {
    if (!std::filesystem::create_directory(directory_, error) && error) {
      throw IoError(fmt::format("{}: cannot create the directory '{}': {}", writer_name, directory_.string(),
                                error.message()));
    }
    created_directory_ = true;
  } else if (status.type() != std::filesystem::file_type::directory) {
    throw IoError(fmt::format("{}: '{}' is not a directory{}", writer_name, directory_.string(),
                              error ? ": " + error.message() : ""));
  }
  try {
    if (!index_text_.empty()) check_output_path(directory_ / checkpoint_index_name, writer_name);
    for (std::size_t k = 0; k < plan_.shards.size(); ++k) {
      std::vector<TensorSpec> shard_specs;
      for (const std::size_t i : plan_.shards[k]) shard_specs.push_back(tensors[i]);
      shards_.push_back(
          std::make_unique<SafetensorsWriter>(directory_ / plan_.file_names[k], shard_specs, metadata));
    }
  } catch (...) {
    shards_.clear();
    remove_partial({});
    throw;
  }
}

ShardedSafetensorsWriter::~ShardedSafetensorsWriter() {
  if (!finished_) {
    shards_.clear();  // each removes its temporary file
    remove_partial({});
  }
}

std::vector<std::filesystem::path> ShardedSafetensorsWriter::files() const {
  std::vector<std::filesystem::path> paths;
  for (const std::string& name : plan_.file_names) paths.push_back(directory_ / name);
  if (!index_text_.empty()) paths.push_back(directory_ / checkpoint_index_name);
  return paths;
}

void ShardedSafetensorsWriter::check_usable(std::string_view function) const {
  if (finished_) {
    throw RuntimeError(
        fmt::format("{}: '{}' was already committed (or its commit failed)", function, directory_.string()));
  }
}

std::size_t ShardedSafetensorsWriter::position_of(std::string_view name, std::string_view function) const {
  if (const auto found = position_.find(name); found != position_.end()) return found->second;
  throw ValueError(
      fmt::format("{}: '{}' declares no tensor named '{}'", function, directory_.string(), name));
}

void ShardedSafetensorsWriter::write(std::string_view name, const Tensor& value) {
  constexpr std::string_view function = "ShardedSafetensorsWriter::write";
  check_usable(function);
  const std::size_t position = position_of(name, function);
  shards_[shard_of_position_[position]]->write(name, value);
  provided_[position] = true;
}

Tensor ShardedSafetensorsWriter::view(std::string_view name) {
  constexpr std::string_view function = "ShardedSafetensorsWriter::view";
  check_usable(function);
  const std::size_t position = position_of(name, function);
  Tensor view = shards_[shard_of_position_[position]]->view(name);
  provided_[position] = true;
  return view;
}

void ShardedSafetensorsWriter::release(std::string_view name) {
  constexpr std::string_view function = "ShardedSafetensorsWriter::release";
  check_usable(function);
  shards_[shard_of_position_[position_of(name, function)]]->release(name);
}

void ShardedSafetensorsWriter::remove_partial(std::span<const std::filesystem::path> renamed) noexcept {
  std::error_code ignored;
  for (const std::filesystem::path& path : renamed) std::filesystem::remove(path, ignored);
  if (created_directory_) std::filesystem::remove(directory_, ignored);  // only when empty
}

void ShardedSafetensorsWriter::remove_stale_checkpoint_files() const {
  const std::vector<std::filesystem::path> ours = files();
  std::error_code error;
  std::vector<std::filesystem::path> stale;
  for (const auto& entry : std::filesystem::directory_iterator(directory_, error)) {
    if (is_checkpoint_file_name(entry.path().filename().string()) &&
        std::find(ours.begin(), ours.end(), entry.path()) == ours.end() && is_plain_file(entry.path())) {
      stale.push_back(entry.path());
    }
  }
  for (const std::filesystem::path& path : stale) {
    if (!std::filesystem::remove(path, error) && error) {
      throw IoError(fmt::format("{}: wrote '{}' but cannot remove the earlier checkpoint's '{}': {}",
                                "ShardedSafetensorsWriter::commit", directory_.string(), path.string(),
                                error.message()));
    }
  }
}

void ShardedSafetensorsWriter::commit() {
  constexpr std::string_view function = "ShardedSafetensorsWriter::commit";
  check_usable(function);
  finished_ = true;
  std::vector<std::string_view> missing;
  for (const auto& [name, position] : position_) {
    if (!provided_[position]) missing.push_back(name);
  }
  if (!missing.empty()) {
    shards_.clear();
    remove_partial({});
    constexpr std::size_t shown = 10;
    const std::size_t count = missing.size();
    if (count > shown) missing.resize(shown);
    throw ValueError(fmt::format("{}: '{}': {} declared tensor(s) never written: '{}'{}", function,
                                 directory_.string(), count, fmt::join(missing, "', '"),
                                 count > shown ? ", ..." : ""));
  }
  std::vector<std::filesystem::path> renamed;
  try {
    for (std::size_t k = 0; k < shards_.size(); ++k) {
      shards_[k]->commit();
      renamed.push_back(directory_ / plan_.file_names[k]);
    }
    if (!index_text_.empty()) {
      AtomicOutputFile index(directory_ / checkpoint_index_name, function);
      index.write(std::as_bytes(std::span<const char>(index_text_.data(), index_text_.size())));
      index.commit();
    }
  } catch (...) {
    shards_.clear();
    remove_partial(renamed);
    throw;
  }
  remove_stale_checkpoint_files();
}

}  // namespace nninit::io
