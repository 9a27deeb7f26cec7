// Where `-o` writes a command's tensors: one safetensors file, or a checkpoint directory as Hugging Face's
// save_pretrained writes it (model.safetensors, or shards and model.safetensors.index.json:
// io::ShardedSafetensorsWriter). `-o DIR/` (a trailing slash) or `--max-shard-size SIZE -o DIR` asks for the
// directory; any other `-o PATH` is a file.
//
//   // Before the work:
//   const OutputTarget target = output_target(options.output, options.max_shard_size, {input});
//   std::optional<SafetensorsOutput> out;
//   if (target) out.emplace(target, specs, metadata);  // hidden files of their final size exist from here
//   expression.apply(out->view("tensor"), generator);  // drawn straight into the output's mapping
//   out->commit();                                     // the file, or the whole checkpoint, appears now
#pragma once

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "nninit/core/tensor.h"
#include "nninit/io/safetensors_header.h"
#include "nninit/io/safetensors_layout.h"
#include "nninit/io/safetensors_writer.h"
#include "nninit/io/sharded_safetensors_writer.h"

namespace nninit::cli {

struct OutputTarget {
  std::filesystem::path path;  // empty: no output
  bool directory = false;
  std::optional<std::uint64_t> max_shard_size;  // with directory only

  explicit operator bool() const { return !path.empty(); }
};

// -o's value and --max-shard-size's ("" when absent), checked before any work: UsageError for a bad size,
// --max-shard-size without -o, or an output that is one of `inputs`; Failure (exit status 3) when the file,
// or the directory's parent, cannot be written or the directory path is not a directory.
OutputTarget output_target(const std::string& output, const std::string& max_shard_size,
                           std::initializer_list<std::string> inputs);

// The writer for a target (its IoErrors become Failure; ValueErrors, a bad declaration, stay).
class SafetensorsOutput {
 public:
  SafetensorsOutput(const OutputTarget& target, std::span<const io::TensorSpec> tensors,
                    const io::Metadata& metadata);

  Tensor view(std::string_view name);
  void write(std::string_view name, const Tensor& value);
  // The tensor's bytes are final: their pages may leave resident memory (SafetensorsWriter::release).
  void release(std::string_view name);
  void commit();
  // The files commit() made (or will make), as the command reports them.
  std::vector<std::filesystem::path> files() const;

 private:
  std::filesystem::path path_;
  std::unique_ptr<io::SafetensorsWriter> file_;
  std::unique_ptr<io::ShardedSafetensorsWriter> directory_;
};

}  // namespace nninit::cli
