// `nninit inspect` of a checkpoint directory or its index: every tensor across the shards.
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_test_support.h"
#include "nninit/io/sharded_safetensors_writer.h"

namespace nninit::cli_test {
namespace {

class InspectCheckpoint : public Cli {
 protected:
  // Three shards of 64 bytes at most: [a.weight], [a.bias, b.weight] (32 + 32), [c.weight].
  void SetUp() override {
    Cli::SetUp();
    const std::vector<io::TensorSpec> specs = {{"a.weight", DType::float32, {4, 4}},
                                               {"a.bias", DType::float32, {8}},
                                               {"b.weight", DType::bfloat16, {4, 4}},
                                               {"c.weight", DType::float64, {2, 4}}};
    io::ShardedSafetensorsWriter writer(directory_ / "checkpoint", specs, 64);
    for (const io::TensorSpec& spec : specs)
      writer.write(spec.name, Tensor::full(spec.shape, 0.5, spec.dtype));
    writer.commit();
  }
  std::string checkpoint() const { return path("checkpoint"); }
  void write_index(const std::string& text) const {
    std::ofstream(directory_ / "checkpoint" / "model.safetensors.index.json") << text;
  }
};

TEST_F(InspectCheckpoint, ADirectoryOrItsIndexListsEveryTensorOfEveryShard) {
  for (const std::string& target : {checkpoint(), checkpoint() + "/model.safetensors.index.json"}) {
    const Result result = run("inspect --json " + target);
    ASSERT_EQ(result.status, 0) << result.output;
    const nlohmann::json out = nlohmann::json::parse(result.output);
    std::set<std::string> names;
    for (const auto& tensor : out["tensors"]) names.insert(tensor["name"].get<std::string>());
    EXPECT_EQ(names, (std::set<std::string>{"a.weight", "a.bias", "b.weight", "c.weight"}));
    EXPECT_EQ(out["index"]["total_size"], 64 + 32 + 32 + 64);
    ASSERT_EQ(out["shards"].size(), 3U);
    EXPECT_EQ(out["shards"][1]["file"], "model-00002-of-00003.safetensors");
    EXPECT_EQ(out["shards"][1]["tensors"], 2);
    EXPECT_EQ(out["tensors"][0]["mean"], 0.5);
  }
  const Result table = run("inspect " + checkpoint());
  EXPECT_EQ(table.status, 0);
  EXPECT_NE(table.output.find(": 4 tensors, 48 values"), std::string::npos) << table.output;
  EXPECT_NE(table.output.find("3 shard(s) from"), std::string::npos) << table.output;
}

TEST_F(InspectCheckpoint, AnIndexThatDisagreesWithItsShardsOrPointsElsewhereIsRefused) {
  write_index(R"({"weight_map": {"a.weight": "model-00002-of-00003.safetensors"}})");
  Result result = run("inspect " + checkpoint());
  EXPECT_EQ(result.status, 2);
  EXPECT_NE(result.output.find("places 'a.weight' in '" + checkpoint() +
                               "/model-00002-of-00003.safetensors', which does not hold it"),
            std::string::npos)
      << result.output;

  write_index(R"({"weight_map": {"a.weight": "model-00001-of-00003.safetensors"}})");
  EXPECT_EQ(run("inspect " + checkpoint()).status, 0);  // a shard the index does not name is not read
  write_index(
      R"({"weight_map": {"a.weight": "model-00001-of-00003.safetensors", "x": "model-00001-of-00003.safetensors"}})");
  result = run("inspect " + checkpoint());
  EXPECT_EQ(result.status, 2);
  EXPECT_NE(result.output.find("places 'x' in"), std::string::npos) << result.output;

  write_index(R"({"weight_map": {"b.weight": "model-00002-of-00003.safetensors"}})");
  result = run("inspect " + checkpoint());
  EXPECT_EQ(result.status, 2);
  EXPECT_NE(result.output.find("holds 'a.bias', which '" + checkpoint() +
                               "/model.safetensors.index.json' does not place there"),
            std::string::npos)
      << result.output;

  write_index(R"({"weight_map": {"a.weight": "../elsewhere.safetensors"}})");
  result = run("inspect " + checkpoint());
  EXPECT_EQ(result.status, 2);
  EXPECT_NE(result.output.find("is not a file name in the index's folder"), std::string::npos)
      << result.output;

  write_index(R"({"weight_map": {"a.weight": "absent.safetensors"}})");
  result = run("inspect " + checkpoint());
  EXPECT_EQ(result.status, 2);
  EXPECT_NE(result.output.find("absent.safetensors"), std::string::npos) << result.output;
}

TEST_F(InspectCheckpoint, ASingleFileDirectoryIsItsModelSafetensors) {
  ASSERT_EQ(run("fill \"ones_()\" --shape 3 -o " + path("single") + "/").status, 0);
  const Result result = run("inspect --json " + path("single"));
  ASSERT_EQ(result.status, 0) << result.output;
  const nlohmann::json out = nlohmann::json::parse(result.output);
  EXPECT_EQ(out["tensors"].size(), 1U);
  EXPECT_EQ(out["metadata"]["nninit.rng"], "torch");
  EXPECT_FALSE(out.contains("shards"));
}

}  // namespace
}  // namespace nninit::cli_test
