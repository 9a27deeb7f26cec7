#include "nninit/io/checkpoint_index.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "nninit/core/error.h"
#include "nninit/io/file.h"
#include "nninit/io/safetensors_header.h"
#include "nninit/io/utf8.h"

namespace nninit::io {
namespace {

constexpr std::string_view reader_name = "read_checkpoint_index";

[[noreturn]] void refuse(std::string_view source, std::string_view what) {
  throw IoError(fmt::format("{}: '{}': {}", reader_name, source, what));
}

}  // namespace

std::vector<std::string> CheckpointIndex::tensors_in(std::string_view file) const {
  std::vector<std::string> names;
  for (const auto& [tensor, shard] : weight_map) {
    if (shard == file) names.push_back(tensor);
  }
  return names;
}

CheckpointIndex parse_checkpoint_index(std::string_view text, std::string_view source) {
  if (text.size() > max_header_size) refuse(source, fmt::format("larger than {} bytes", max_header_size));
  if (const auto bad = find_invalid_utf8(std::as_bytes(std::span<const char>(text.data(), text.size())))) {
    refuse(source, fmt::format("not valid UTF-8 (byte {})", *bad));
  }
  // nlohmann keeps the last of duplicate keys silently; one key set per open object finds them.
  std::vector<std::set<std::string>> open_objects;
  std::string duplicate;
  const auto callback = [&](int /*depth*/, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    if (event == nlohmann::json::parse_event_t::object_start) open_objects.emplace_back();
    if (event == nlohmann::json::parse_event_t::object_end) open_objects.pop_back();
    if (event == nlohmann::json::parse_event_t::key &&
        !open_objects.back().insert(parsed.get<std::string>()).second && duplicate.empty()) {
      duplicate = parsed.get<std::string>();
    }
    return true;
  };
  nlohmann::json index;
  try {
    index = nlohmann::json::parse(text.begin(), text.end(), callback);
  } catch (const nlohmann::json::parse_error& e) {
    refuse(source, fmt::format("not JSON: {}", e.what()));
  }
  if (!duplicate.empty()) refuse(source, fmt::format("the key '{}' appears twice in one object", duplicate));
  if (!index.is_object()) refuse(source, "not a JSON object");
  CheckpointIndex result;
  if (const auto metadata = index.find("metadata"); metadata != index.end()) {
    if (!metadata->is_object()) refuse(source, "'metadata' is not an object");
    if (const auto total = metadata->find("total_size"); total != metadata->end()) {
      if (!total->is_number_unsigned()) refuse(source, "'metadata.total_size' is not a non-negative integer");
      result.total_size = total->get<std::uint64_t>();
    }
  }
  const auto weight_map = index.find("weight_map");
  if (weight_map == index.end() || !weight_map->is_object())
    refuse(source, "'weight_map' is missing or not an object");
  std::set<std::string> files;
  for (const auto& [tensor, file] : weight_map->items()) {
    if (!file.is_string()) refuse(source, fmt::format("weight_map['{}'] is not a string", tensor));
    const std::string name = file.get<std::string>();
    if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos ||
        name.find('\0') != std::string::npos) {
      refuse(source,
             fmt::format("weight_map['{}'] = '{}' is not a file name in the index's folder", tensor, name));
    }
    result.weight_map.emplace_back(tensor, name);
    files.insert(name);
  }
  result.files.assign(files.begin(), files.end());
  return result;
}

CheckpointIndex read_checkpoint_index(const std::filesystem::path& path) {
  const InputFile file(path, reader_name);
  if (file.size() > max_header_size)
    refuse(path.string(), fmt::format("larger than {} bytes", max_header_size));
  std::string text(static_cast<std::size_t>(file.size()), '\0');
  file.read_at(0, std::as_writable_bytes(std::span<char>(text.data(), text.size())));
  return parse_checkpoint_index(text, path.string());
}

}  // namespace nninit::io
