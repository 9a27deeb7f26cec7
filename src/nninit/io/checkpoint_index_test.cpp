#include "nninit/io/checkpoint_index.h"

#include <string>

#include <gtest/gtest.h>

#include "nninit/core/error.h"
#include "nninit/io/io_test_support.h"
#include "nninit/io/sharded_safetensors_writer.h"

namespace nninit::io {
namespace {

using test_support::error_message;
using test_support::has_substr;
using test_support::read_file;
using test_support::TempDirectory;

using Map = std::vector<std::pair<std::string, std::string>>;

TEST(CheckpointIndex, ReadsWhatTheShardedWriterWrites) {
  TempDirectory dir;
  const std::vector<TensorSpec> specs = {
      {"b", DType::float32, {16}}, {"a", DType::float32, {16}}, {"c", DType::float64, {4}}};
  ShardedSafetensorsWriter writer(dir.path(), specs, 64);
  for (const TensorSpec& spec : specs) writer.write(spec.name, Tensor::zeros(spec.shape, spec.dtype));
  writer.commit();
  const CheckpointIndex index = read_checkpoint_index(dir / "model.safetensors.index.json");
  EXPECT_EQ(index.total_size, 160U);
  EXPECT_EQ(index.weight_map, (Map{{"a", "model-00002-of-00003.safetensors"},
                                   {"b", "model-00001-of-00003.safetensors"},
                                   {"c", "model-00003-of-00003.safetensors"}}));
  EXPECT_EQ(index.files,
            (std::vector<std::string>{"model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
                                      "model-00003-of-00003.safetensors"}));
  EXPECT_EQ(index.tensors_in("model-00002-of-00003.safetensors"), std::vector<std::string>{"a"});
}

TEST(CheckpointIndex, OtherKeysAndNoMetadataAreAllowed) {
  // transformers' own indexes may carry more metadata (total_parameters) or none.
  const CheckpointIndex index = parse_checkpoint_index(
      R"({"metadata": {"total_size": 8, "total_parameters": 2}, "weight_map": {"w": "x.safetensors"}, "extra": 1})",
      "i");
  EXPECT_EQ(index.total_size, 8U);
  EXPECT_FALSE(parse_checkpoint_index(R"({"weight_map": {}})", "i").total_size.has_value());
}

TEST(CheckpointIndex, RefusesWhatALoaderCouldMisread) {
  const auto refusal = [](std::string_view text) {
    return error_message<IoError>([&] { parse_checkpoint_index(text, "index.json"); });
  };
  EXPECT_PRED_FORMAT2(has_substr, refusal("{"), "read_checkpoint_index: 'index.json': not JSON");
  EXPECT_PRED_FORMAT2(has_substr, refusal("[]"), "not a JSON object");
  EXPECT_PRED_FORMAT2(has_substr, refusal(R"({"metadata": {}})"), "'weight_map' is missing or not an object");
  EXPECT_PRED_FORMAT2(has_substr, refusal(R"({"weight_map": {"w": 3}})"), "weight_map['w'] is not a string");
  EXPECT_PRED_FORMAT2(has_substr, refusal(R"({"weight_map": {"w": "a", "w": "b"}})"),
                      "the key 'w' appears twice in one object");
  EXPECT_PRED_FORMAT2(has_substr, refusal(R"({"metadata": {"total_size": -1}, "weight_map": {}})"),
                      "'metadata.total_size' is not a non-negative integer");
  for (const char* file : {"../secret.safetensors", "/etc/passwd", "..", ""}) {
    EXPECT_PRED_FORMAT2(has_substr, refusal(std::string(R"({"weight_map": {"w": ")") + file + "\"}}"),
                        "is not a file name in the index's folder");
  }
  EXPECT_PRED_FORMAT2(has_substr, refusal("{\"weight_map\": {\"\xff\": \"a\"}}"),
                      "not valid UTF-8 (byte 17)");
}

}  // namespace
}  // namespace nninit::io
