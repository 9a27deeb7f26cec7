// ShardedSafetensorsWriter: a checkpoint directory as Hugging Face's save_pretrained writes it, one
// tensor at a time.
//
// The tensors are declared up front, in the checkpoint's order (a state_dict's), and split into shards
// by huggingface_hub's rule (split_state_dict_into_shards_factory, which transformers' save_pretrained
// uses): walking the tensors in order, a tensor whose bytes exceed the maximum gets a shard of its own
// (added to the list at once, while the shard being filled stays open), and any other tensor closes the
// shard being filled when adding it would take that shard past the maximum. One shard is written as
// `model.safetensors`; several as `model-00001-of-0000N.safetensors` ... plus
// `model.safetensors.index.json`:
//   {"metadata": {"total_size": <the tensors' bytes>}, "weight_map": {"<tensor>": "<shard file>", ...}}
// with the keys sorted and two-space indentation, as transformers writes it (json.dumps(indent=2,
// sort_keys=True), non-ASCII escaped). Each shard is a SafetensorsWriter file, so it is byte-identical
// to what safetensors' save_file writes for the tensors it holds.
//
// The contract is SafetensorsWriter's, for the whole directory: write(name, value) or view(name)
// provides each tensor, in any order; commit() makes the checkpoint appear. commit() checks that every
// tensor was provided before it renames anything; then it commits the shards in order (each flushed,
// then renamed) and writes the index last, so that a loader that finds the index finds every shard it
// names. A missing tensor, any failure before the first rename, or destruction without commit() removes
// every temporary file (and the directory, when the writer created it), leaving what was in the
// directory untouched; a failure during the renames (rare: the blocks were allocated at construction)
// also removes the shards already renamed (an earlier checkpoint's files of the same names are then
// gone too). SIGINT, SIGTERM and SIGHUP remove the temporary files as SafetensorsWriter's do; a directory
// the writer created then stays, empty. After a successful commit the directory holds one
// checkpoint: the files of an earlier one that the new one does not replace are removed, as
// save_pretrained removes stale shards (model.safetensors beside new shards, since transformers would
// load it in their place; `model-NNNNN-of-NNNNN.safetensors` files and the index beside a new single
// file or another number of shards).
//
//   const io::TensorSpec specs[] = {{"wte.weight", DType::bfloat16, {50257, 768}},
//                                   {"ln_f.weight", DType::bfloat16, {768}}};
//   io::ShardedSafetensorsWriter writer("gpt2-init", specs, 50'000'000);  // 50 MB shards
//   init::normal_(writer.view("wte.weight"), {.std = 0.02});  // drawn straight into its shard's mapping
//   writer.write("ln_f.weight", Tensor::full({768}, 1.0, DType::bfloat16));
//   writer.commit();  // model-00001-of-00002.safetensors, ...-00002-..., model.safetensors.index.json
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
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

namespace nninit::io {

// The file names of a checkpoint directory.
inline constexpr std::string_view single_checkpoint_name = "model.safetensors";
inline constexpr std::string_view checkpoint_index_name = "model.safetensors.index.json";

// Whether a checkpoint's commit may write or remove a file of this name in its directory: model.safetensors,
// the index, or a shard `model-NNNNN-of-NNNNN.safetensors`.
bool is_checkpoint_file_name(std::string_view name);

// How the tensors are split: shards[k] lists the positions (in the declared order) of shard k's tensors,
// in the declared order.
struct ShardPlan {
  std::vector<std::vector<std::size_t>> shards;
  std::vector<std::string> file_names;  // per shard: model.safetensors, or model-0000k-of-0000N.safetensors
  std::uint64_t total_size = 0;         // the bytes of every tensor
};

// huggingface_hub's split of tensors of these byte sizes (in the checkpoint's order) into shards of at most
// `max_shard_size` bytes (no maximum: one shard). No tensor at all is one empty shard.
ShardPlan plan_shards(std::span<const std::uint64_t> tensor_bytes,
                      std::optional<std::uint64_t> max_shard_size);

// The index file's text for a plan whose tensors have these names (in the declared order).
std::string checkpoint_index_json(const ShardPlan& plan, std::span<const TensorSpec> tensors);

class ShardedSafetensorsWriter {
 public:
  // Plans the shards (ValueError as plan_safetensors: empty, reserved, duplicate or non-UTF-8 names,
  // impossible shapes), creates `directory` when it does not exist (its parent must) and every shard's
  // temporary file, of its final size (IoError, and nothing left behind). Every shard carries `metadata`.
  ShardedSafetensorsWriter(std::filesystem::path directory, std::span<const TensorSpec> tensors,
                           std::optional<std::uint64_t> max_shard_size,
                           const Metadata& metadata = Metadata{{"format", "pt"}});
  ~ShardedSafetensorsWriter();
  ShardedSafetensorsWriter(const ShardedSafetensorsWriter&) = delete;
  ShardedSafetensorsWriter& operator=(const ShardedSafetensorsWriter&) = delete;

  const std::filesystem::path& directory() const { return directory_; }
  const ShardPlan& plan() const { return plan_; }
  // The files commit() makes, in the order it renames them: the shards, then the index if there is one.
  std::vector<std::filesystem::path> files() const;

  // As SafetensorsWriter's, on the shard that holds `name` (ValueError for an undeclared name).
  void write(std::string_view name, const Tensor& value);
  Tensor view(std::string_view name);
  // SafetensorsWriter::release on the shard that holds `name`: its bytes are final, their pages may leave
  // resident memory.
  void release(std::string_view name);

  // See the header comment. ValueError, and nothing written, when a declared tensor was never provided;
  // IoError when flushing or renaming fails. Anything after a commit() or a failed one is an error.
  void commit();

 private:
  std::size_t position_of(std::string_view name, std::string_view function) const;
  void check_usable(std::string_view function) const;
  // Removes what the writer made: its temporary files, the files it renamed, the directory it created.
  void remove_partial(std::span<const std::filesystem::path> renamed) noexcept;
  void remove_stale_checkpoint_files() const;

  std::filesystem::path directory_;
  bool created_directory_ = false;
  ShardPlan plan_;
  std::string index_text_;  // empty for a single file
  std::vector<std::unique_ptr<SafetensorsWriter>> shards_;
  std::map<std::string, std::size_t, std::less<>> position_;  // tensor name -> position in the declared order
  std::vector<std::size_t> shard_of_position_;
  std::vector<bool> provided_;  // by position in the declared order
  bool finished_ = false;
};

}  // namespace nninit::io
