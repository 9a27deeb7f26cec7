// Reading a sharded checkpoint's index, model.safetensors.index.json (the file ShardedSafetensorsWriter and
// transformers' save_pretrained write):
//   {"metadata": {"total_size": N, ...}, "weight_map": {"<tensor>": "<shard file>", ...}}
// The reading is strict, as the safetensors reader's: the text is UTF-8 JSON of at most 100 MB, an object
// without duplicate keys (at any depth); weight_map is an object of strings; each shard is a plain file
// name, resolved in the index's own folder (no '/', not '.' or '..': an index cannot point elsewhere);
// metadata, when present, is an object whose total_size, when present, is a non-negative integer. Other
// keys are allowed, as transformers allows them. Each violation is an IoError naming the index and the key.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nninit::io {

struct CheckpointIndex {
  std::optional<std::uint64_t> total_size;                      // metadata.total_size
  std::vector<std::pair<std::string, std::string>> weight_map;  // tensor -> shard file, sorted by tensor
  std::vector<std::string> files;                               // the shard files, sorted, each once

  // The tensors the index places in `file`, sorted.
  std::vector<std::string> tensors_in(std::string_view file) const;
};

// `source` names the text in messages.
CheckpointIndex parse_checkpoint_index(std::string_view text, std::string_view source);
CheckpointIndex read_checkpoint_index(const std::filesystem::path& path);

}  // namespace nninit::io
