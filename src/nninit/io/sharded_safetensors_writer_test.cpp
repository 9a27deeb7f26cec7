#include "nninit/io/sharded_safetensors_writer.h"

#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "nninit/core/error.h"
#include "nninit/io/io_test_support.h"
#include "nninit/io/safetensors.h"

namespace nninit::io {
namespace {

using test_support::error_message;
using test_support::FileSizeLimit;
using test_support::has_substr;
using test_support::read_file;
using test_support::TempDirectory;
using test_support::write_file;

using Shards = std::vector<std::vector<std::size_t>>;

// The example of huggingface_hub's split_state_dict_into_shards_factory docstring: with a 10 GB limit,
// tensors of [6, 6, 2, 6, 2, 2] GB become [6], [6+2], [6+2+2], in order, with no packing.
TEST(PlanShards, SplitsInOrderWhenTheNextTensorWouldExceedTheLimit) {
  const std::uint64_t gb = 1'000'000'000;
  const std::vector<std::uint64_t> bytes = {6 * gb, 6 * gb, 2 * gb, 6 * gb, 2 * gb, 2 * gb};
  const ShardPlan plan = plan_shards(bytes, 10 * gb);
  EXPECT_EQ(plan.shards, (Shards{{0}, {1, 2}, {3, 4, 5}}));
  EXPECT_EQ(plan.file_names,
            (std::vector<std::string>{"model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
                                      "model-00003-of-00003.safetensors"}));
  EXPECT_EQ(plan.total_size, 24 * gb);
}

// A shard may reach the limit exactly: the split happens only when the sum would exceed it.
TEST(PlanShards, AShardMayHoldExactlyTheLimit) {
  const std::vector<std::uint64_t> bytes = {4, 6, 1};
  EXPECT_EQ(plan_shards(bytes, 10).shards, (Shards{{0, 1}, {2}}));
}

// huggingface_hub appends a tensor larger than the limit as its own shard at once, while the shard
// being filled stays open: the oversized tensor's shard comes first, and the small tensors on both
// sides of it share the next one.
TEST(PlanShards, ATensorLargerThanTheLimitGetsItsOwnShardBeforeTheOpenOne) {
  const std::vector<std::uint64_t> bytes = {2, 12, 3, 1};
  const ShardPlan plan = plan_shards(bytes, 5);
  EXPECT_EQ(plan.shards, (Shards{{1}, {0, 2}, {3}}));
  EXPECT_EQ(plan.total_size, 18U);
}

TEST(PlanShards, NoLimitOrEverythingFittingIsOnePlainFile) {
  const std::vector<std::uint64_t> bytes = {100, 200, 300};
  for (const std::optional<std::uint64_t> limit :
       {std::optional<std::uint64_t>{}, std::optional<std::uint64_t>{600}}) {
    const ShardPlan plan = plan_shards(bytes, limit);
    EXPECT_EQ(plan.shards, (Shards{{0, 1, 2}}));
    EXPECT_EQ(plan.file_names, std::vector<std::string>{"model.safetensors"});
  }
  EXPECT_EQ(plan_shards({}, 10).shards, (Shards{{}}));
  // A lone oversized tensor is one shard too, hence one plain file.
  const std::vector<std::uint64_t> one = {50};
  EXPECT_EQ(plan_shards(one, 10).file_names, std::vector<std::string>{"model.safetensors"});
}

TEST(CheckpointFileNames, TheFilesACommitMayReplaceOrRemove) {
  for (const char* name :
       {"model.safetensors", "model.safetensors.index.json", "model-00001-of-00003.safetensors"})
    EXPECT_TRUE(is_checkpoint_file_name(name)) << name;
  for (const char* name : {"config.json", "model-1-of-3.safetensors", "model-00001-of-00003.safetensors.bak",
                           "other.safetensors", "model-00001-of-00003.bin"})
    EXPECT_FALSE(is_checkpoint_file_name(name)) << name;
}

// Values that are exact in every dtype, different per tensor.
Tensor ramp(const Shape& shape, DType dtype, double start) {
  const std::int64_t n = shape_numel(shape);
  std::vector<double> values(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) values[static_cast<std::size_t>(i)] = start + static_cast<double>(i);
  return Tensor::from_values(values, shape, dtype);
}

// 64 + 32 + 256 + 16 + 8 bytes.
const std::vector<TensorSpec> specs = {
    {"wte.weight", DType::float32, {4, 4}},
    {"ln.weight", DType::bfloat16, {16}},
    {"big.weight", DType::float64, {32}},
    {"ln.bias", DType::float32, {4}},
    {"step", DType::int64, {}},
};

std::vector<NamedTensor> values_for(const std::vector<TensorSpec>& declared) {
  std::vector<NamedTensor> values;
  double start = 1;
  for (const TensorSpec& spec : declared) {
    values.push_back({spec.name, ramp(spec.shape, spec.dtype, start)});
    start += 100;
  }
  return values;
}

std::set<std::string> entries(const std::filesystem::path& directory) {
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(directory))
    names.insert(entry.path().filename());
  return names;
}

std::vector<NamedTensor> pick(const std::vector<NamedTensor>& values,
                              std::initializer_list<std::size_t> positions) {
  std::vector<NamedTensor> picked;
  for (const std::size_t i : positions) picked.push_back(values[i]);
  return picked;
}

// What Python's json.dumps(index, indent=2, sort_keys=True) + "\n" gives for this index (transformers'
// save_pretrained writes the index so), checked with /usr/bin/python3.
constexpr std::string_view expected_index = R"({
  "metadata": {
    "total_size": 376
  },
  "weight_map": {
    "big.weight": "model-00001-of-00003.safetensors",
    "ln.bias": "model-00003-of-00003.safetensors",
    "ln.weight": "model-00002-of-00003.safetensors",
    "step": "model-00003-of-00003.safetensors",
    "wte.weight": "model-00002-of-00003.safetensors"
  }
}
)";

TEST(ShardedSafetensorsWriter, WritesShardsAndTheIndexAsSavePretrained) {
  TempDirectory dir;
  const std::filesystem::path out = dir / "checkpoint";  // created by the writer
  const std::vector<NamedTensor> values = values_for(specs);
  {
    // 100 bytes: big.weight (256) is listed as a shard of its own as soon as it is met, before the open
    // one of wte.weight and ln.weight (64 + 32); ln.bias and step (16 + 8) follow.
    ShardedSafetensorsWriter writer(out, specs, 100);
    EXPECT_EQ(writer.plan().shards, (Shards{{2}, {0, 1}, {3, 4}}));
    for (const auto& [name, value] : values) {
      if (name == "step") {
        writer.write(name, value);
      } else {
        writer.view(name).copy_(value);
        writer.release(name);  // the bytes are final; the file still gets them
      }
    }
    EXPECT_EQ(entries(out).size(), 3U);  // the hidden temporary files only
    for (const std::string& name : entries(out)) EXPECT_EQ(name[0], '.') << name;
    writer.commit();
  }
  EXPECT_EQ(entries(out),
            (std::set<std::string>{"model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
                                   "model-00003-of-00003.safetensors", "model.safetensors.index.json"}));
  EXPECT_EQ(read_file(out / "model.safetensors.index.json"), expected_index);
  // Each shard is the file safetensors' save_file writes for its tensors (write_safetensors's bytes).
  const std::vector<std::vector<NamedTensor>> shards = {pick(values, {2}), pick(values, {0, 1}),
                                                        pick(values, {3, 4})};
  for (std::size_t k = 0; k < shards.size(); ++k) {
    write_safetensors(dir / "reference.safetensors", shards[k]);
    EXPECT_EQ(read_file(out / fmt::format("model-{:05d}-of-00003.safetensors", k + 1)),
              read_file(dir / "reference.safetensors"))
        << k;
  }
}

TEST(ShardedSafetensorsWriter, WithoutALimitWritesOnePlainFileAndNoIndex) {
  TempDirectory dir;
  const std::vector<NamedTensor> values = values_for(specs);
  for (const std::optional<std::uint64_t> limit :
       {std::optional<std::uint64_t>{}, std::optional<std::uint64_t>{376}}) {
    {
      ShardedSafetensorsWriter writer(dir.path(), specs, limit);
      for (const auto& [name, value] : values) writer.write(name, value);
      writer.commit();
    }
    EXPECT_EQ(dir.entries(), std::set<std::string>{"model.safetensors"});
    write_safetensors(dir / "reference", values);
    EXPECT_EQ(read_file(dir / "model.safetensors"), read_file(dir / "reference"));
    std::filesystem::remove(dir / "reference");
  }
}

TEST(ShardedSafetensorsWriter, TheIndexEscapesNonAsciiNamesAsPythonDoes) {
  TempDirectory dir;
  const std::vector<TensorSpec> unicode = {{"gr\xc3\xb6\xc3\x9f"
                                            "e",
                                            DType::float32,
                                            {2}},
                                           {"b", DType::float32, {2}}};
  ShardedSafetensorsWriter writer(dir.path(), unicode, 8);
  for (const TensorSpec& spec : unicode) writer.write(spec.name, Tensor::zeros(spec.shape));
  writer.commit();
  // json.dumps(..., indent=2, sort_keys=True) writes "\u00f6\u00df".
  EXPECT_PRED_FORMAT2(has_substr, read_file(dir / "model.safetensors.index.json"),
                      R"("gr\u00f6\u00dfe": "model-00001-of-00002.safetensors")");
}

TEST(ShardedSafetensorsWriter, AMissingTensorLeavesNothingAndTheEarlierCheckpointUntouched) {
  TempDirectory dir;
  write_file(dir / "model.safetensors", "earlier");
  write_file(dir / "model-00001-of-00002.safetensors", "earlier shard");
  {
    ShardedSafetensorsWriter writer(dir.path(), specs, 100);
    writer.write("wte.weight", Tensor::zeros({4, 4}));
    const std::string message = error_message<ValueError>([&] { writer.commit(); });
    EXPECT_PRED_FORMAT2(has_substr, message, "4 declared tensor(s) never written: 'big.weight', 'ln.bias'");
    EXPECT_PRED_FORMAT2(has_substr, error_message<RuntimeError>([&] { writer.commit(); }),
                        "already committed");
  }
  EXPECT_EQ(dir.entries(), (std::set<std::string>{"model.safetensors", "model-00001-of-00002.safetensors"}));
  EXPECT_EQ(read_file(dir / "model.safetensors"), "earlier");

  // A directory the writer made is removed again.
  { ShardedSafetensorsWriter writer(dir / "new", specs, 100); }
  EXPECT_FALSE(std::filesystem::exists(dir / "new"));
}

TEST(ShardedSafetensorsWriter, AFullDiskFailsAtConstructionAndLeavesNothing) {
  TempDirectory dir;
  // 100 bytes: [a], [b alone, listed when met], [c]. The first shard's file (about 100 bytes) is made, the
  // second's (over 600) cannot be allocated, and the first is removed again.
  const std::vector<TensorSpec> declared = {
      {"a", DType::float32, {8}}, {"c", DType::float32, {20}}, {"b", DType::float64, {64}}};
  const std::string message = error_message<IoError>([&] {
    const FileSizeLimit limit(300);
    ShardedSafetensorsWriter writer(dir / "checkpoint", declared, 100);
  });
  EXPECT_PRED_FORMAT2(has_substr, message, "model-00002-of-00003.safetensors");
  EXPECT_EQ(dir.entries(), std::set<std::string>{});
}

TEST(ShardedSafetensorsWriter, ACommitReplacesTheEarlierCheckpointWhole) {
  TempDirectory dir;
  const std::vector<NamedTensor> values = values_for(specs);
  auto write_checkpoint = [&](std::optional<std::uint64_t> limit) {
    ShardedSafetensorsWriter writer(dir.path(), specs, limit);
    for (const auto& [name, value] : values) writer.write(name, value);
    writer.commit();
  };
  write_file(dir / "model.safetensors", "earlier single file");
  write_file(dir / "model-00004-of-00004.safetensors", "earlier shard");
  write_file(dir / "notes.txt", "the user's");
  std::filesystem::create_symlink("notes.txt", dir / "model-00009-of-00009.safetensors");
  write_checkpoint(100);
  // transformers would load a model.safetensors in place of the new shards: it goes, with the stale shard;
  // what is not a checkpoint file, or not a plain file, stays.
  EXPECT_EQ(dir.entries(),
            (std::set<std::string>{"model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
                                   "model-00003-of-00003.safetensors", "model.safetensors.index.json",
                                   "notes.txt", "model-00009-of-00009.safetensors"}));
  write_checkpoint(std::nullopt);
  EXPECT_EQ(dir.entries(),
            (std::set<std::string>{"model.safetensors", "notes.txt", "model-00009-of-00009.safetensors"}));
  EXPECT_EQ(read_safetensors(dir / "model.safetensors").tensors.size(), specs.size());
}

TEST(ShardedSafetensorsWriter, RefusesBadDeclarationsBeforeWritingAnything) {
  TempDirectory dir;
  // Duplicates in different shards are found too.
  const std::vector<TensorSpec> duplicate = {{"a", DType::float32, {64}}, {"a", DType::float32, {64}}};
  EXPECT_PRED_FORMAT2(has_substr,
                      error_message<ValueError>([&] { ShardedSafetensorsWriter(dir / "x", duplicate, 100); }),
                      "'a'");
  EXPECT_PRED_FORMAT2(has_substr,
                      error_message<ValueError>([&] { ShardedSafetensorsWriter(dir / "x", specs, 0); }),
                      "at least 1 byte");
  write_file(dir / "file", "");
  EXPECT_PRED_FORMAT2(has_substr,
                      error_message<IoError>([&] { ShardedSafetensorsWriter(dir / "file", specs, 100); }),
                      "is not a directory");
  EXPECT_PRED_FORMAT2(
      has_substr, error_message<IoError>([&] { ShardedSafetensorsWriter(dir / "no" / "such", specs, 100); }),
      "cannot create the directory");
  EXPECT_EQ(dir.entries(), std::set<std::string>{"file"});
  ShardedSafetensorsWriter writer(dir / "x", specs, 100);
  EXPECT_PRED_FORMAT2(has_substr, error_message<ValueError>([&] { writer.view("nope"); }),
                      "no tensor named 'nope'");
  EXPECT_PRED_FORMAT2(
      has_substr, error_message<ValueError>([&] { writer.release("nope"); }),
      "ShardedSafetensorsWriter::release: '" + (dir / "x").string() + "' declares no tensor named 'nope'");
}

}  // namespace
}  // namespace nninit::io
