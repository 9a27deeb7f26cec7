// `nninit fill -o`: a file, or a Hugging Face checkpoint directory (--max-shard-size, or -o DIR/).
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "cli_test_support.h"

namespace nninit::cli_test {
namespace {

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::set<std::string> entries(const fs::path& directory) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(directory)) names.insert(entry.path().filename());
  return names;
}

class FillOutput : public Cli {};

TEST_F(FillOutput, ACheckpointDirectoryHoldsTheSameFileAsDashO) {
  const std::string fill = "fill \"normal_(std=0.02)\" --shape 64,32 --seed 7 ";
  ASSERT_EQ(run(fill + "-o " + path("single.safetensors")).status, 0);
  // One tensor is one shard whatever the limit (a tensor over it gets a shard of its own): model.safetensors.
  const Result sharded = run(fill + "--max-shard-size 1KB -o " + path("sharded"));
  ASSERT_EQ(sharded.status, 0) << sharded.output;
  EXPECT_NE(sharded.output.find("wrote " + path("sharded/model.safetensors") + "\n"), std::string::npos)
      << sharded.output;
  EXPECT_EQ(entries(directory_ / "sharded"), std::set<std::string>{"model.safetensors"});
  EXPECT_EQ(read_file(directory_ / "sharded" / "model.safetensors"),
            read_file(directory_ / "single.safetensors"));

  ASSERT_EQ(run(fill + "-o " + path("slash") + "/").status, 0);
  EXPECT_EQ(read_file(directory_ / "slash" / "model.safetensors"),
            read_file(directory_ / "single.safetensors"));
}

TEST_F(FillOutput, BadSizesAndTargetsAreRefusedBeforeAnythingIsWritten) {
  const std::string fill = "fill \"zeros_()\" --shape 4 ";
  Result result = run(fill + "--max-shard-size 5XB -o " + path("out"));
  EXPECT_EQ(result.status, 2);
  EXPECT_NE(result.output.find("--max-shard-size: unknown unit 'xb' in '5XB'"), std::string::npos)
      << result.output;
  result = run(fill + "--max-shard-size 5GB");
  EXPECT_EQ(result.status, 2);
  EXPECT_NE(result.output.find("give the checkpoint directory with -o DIR"), std::string::npos)
      << result.output;
  EXPECT_TRUE(entries(directory_).empty());

  std::ofstream(directory_ / "file") << "kept";
  result = run(fill + "--max-shard-size 5GB -o " + path("file"));
  EXPECT_EQ(result.status, 3);
  EXPECT_NE(result.output.find("is not a directory"), std::string::npos) << result.output;
  EXPECT_EQ(read_file(directory_ / "file"), "kept");
  result = run(fill + "-o " + path("missing/out") + "/");
  EXPECT_EQ(result.status, 3);
  EXPECT_NE(result.output.find("cannot be used"), std::string::npos) << result.output;
  EXPECT_EQ(entries(directory_), std::set<std::string>{"file"});
}

// The bar's drawing is unit-tested with an injected clock (cli.Progress.*); here, the flags. A fill this
// small ends long before the bar's half-second delay, so even --progress draws nothing, and the last flag
// wins.
TEST_F(FillOutput, ProgressFlags) {
  const std::string fill = "fill \"ones_()\" --shape 2 --json ";
  const Result quiet = run(fill);
  ASSERT_EQ(quiet.status, 0) << quiet.output;
  for (const char* flags : {"--progress", "--no-progress", "--no-progress --progress"}) {
    const Result result = run(fill + flags);
    EXPECT_EQ(result.status, 0) << flags;
    EXPECT_EQ(result.output, quiet.output) << flags;
  }
}

}  // namespace
}  // namespace nninit::cli_test
