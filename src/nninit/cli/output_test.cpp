#include "nninit/cli/output.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "nninit/cli/commands.h"
#include "nninit/cli/options.h"

namespace nninit::cli {
namespace {

namespace fs = std::filesystem;

class OutputTargetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = fs::temp_directory_path() / ("nninit-output-test-" + std::to_string(::getpid()));
    fs::remove_all(directory_);
    fs::create_directories(directory_ / "model");
    std::ofstream(directory_ / "model" / "config.json") << "{}";
    std::ofstream(directory_ / "model" / "model.safetensors") << "";
  }
  void TearDown() override { fs::remove_all(directory_); }
  std::string path(const std::string& name) const { return (directory_ / name).string(); }
  fs::path directory_;
};

TEST_F(OutputTargetTest, AFileADirectoryOrNothing) {
  EXPECT_FALSE(output_target("", "", {}));
  const OutputTarget file = output_target(path("out.safetensors"), "", {});
  EXPECT_FALSE(file.directory);
  EXPECT_EQ(file.path, directory_ / "out.safetensors");
  const OutputTarget slash = output_target(path("new") + "//", "", {});
  EXPECT_TRUE(slash.directory);
  EXPECT_EQ(slash.path, directory_ / "new");
  EXPECT_FALSE(slash.max_shard_size.has_value());
  const OutputTarget sharded = output_target(path("model"), "2GiB", {});
  EXPECT_TRUE(sharded.directory);
  EXPECT_EQ(sharded.max_shard_size, std::uint64_t{1} << 31);
  EXPECT_FALSE(fs::exists(directory_ / "new"));  // checked, not created
}

// save_pretrained keeps config.json beside the weights, so `init DIR/config.json -o DIR/` must work; an input
// that the checkpoint replaces or removes must not be read while it is written.
TEST_F(OutputTargetTest, AnInputBesideTheCheckpointIsFineUnlessItIsOneOfItsFiles) {
  EXPECT_NO_THROW(output_target(path("model") + "/", "", {path("model/config.json")}));
  EXPECT_THROW(output_target(path("model") + "/", "", {path("model/model.safetensors")}), UsageError);
  EXPECT_THROW(output_target(path("model"), "5GB", {path("model/../model/model.safetensors")}), UsageError);
  EXPECT_THROW(output_target(path("model") + "/", "", {path("model/model-00001-of-00002.safetensors")}),
               UsageError);
}

TEST_F(OutputTargetTest, BadTargets) {
  EXPECT_THROW(output_target("", "5GB", {}), UsageError);
  EXPECT_THROW(output_target(path("model"), "5XB", {}), UsageError);
  EXPECT_THROW(output_target(path("model/config.json"), "5GB", {}), Failure);  // a file, not a directory
  EXPECT_THROW(output_target(path("absent/model") + "/", "", {}), Failure);    // no parent
}

}  // namespace
}  // namespace nninit::cli
