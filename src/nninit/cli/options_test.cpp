#include "nninit/cli/options.h"

#include <string>

#include <gtest/gtest.h>

namespace nninit::cli {
namespace {

TEST(ParseSeed, PythonIntegerRange) {
  EXPECT_EQ(parse_seed("0"), 0u);
  EXPECT_EQ(parse_seed("42"), 42u);
  EXPECT_EQ(parse_seed("-1"), 0xffffffffffffffffu);  // torch.manual_seed(-1).initial_seed() == 2**64 - 1
  EXPECT_EQ(parse_seed("18446744073709551615"), 0xffffffffffffffffu);
  EXPECT_EQ(parse_seed("-9223372036854775808"), 0x8000000000000000u);
  EXPECT_THROW(parse_seed("18446744073709551616"), UsageError);
  EXPECT_THROW(parse_seed("-9223372036854775809"), UsageError);
  EXPECT_THROW(parse_seed("1.5"), UsageError);
  EXPECT_THROW(parse_seed(""), UsageError);
}

TEST(ParseShape, Forms) {
  EXPECT_EQ(parse_shape("256,784"), (Shape{256, 784}));
  EXPECT_EQ(parse_shape("[3, 4, 5]"), (Shape{3, 4, 5}));
  EXPECT_EQ(parse_shape("(7,)"), (Shape{7}));
  EXPECT_EQ(parse_shape(""), Shape{});
  EXPECT_EQ(parse_shape("0,5"), (Shape{0, 5}));
  EXPECT_THROW(parse_shape("3,,4"), UsageError);
  EXPECT_THROW(parse_shape("3,-4"), UsageError);
  EXPECT_THROW(parse_shape("three"), UsageError);
}

TEST(ParseDtype, NamesAndErrors) {
  EXPECT_EQ(parse_dtype("bfloat16"), DType::bfloat16);
  EXPECT_EQ(parse_dtype("torch.float64"), DType::float64);
  EXPECT_EQ(parse_dtype("half"), DType::float16);
  EXPECT_THROW(parse_dtype("int8"), UsageError);
}

TEST(ParseTorchVersion, KnownReleases) {
  EXPECT_EQ(parse_torch_version("1.13"), (TorchVersion{1, 13}));
  EXPECT_EQ(parse_torch_version("2.6.0+debian"), (TorchVersion{2, 6}));
  EXPECT_EQ(parse_torch_version("2.14"), (TorchVersion{2, 14}));
  EXPECT_THROW(parse_torch_version("1.12"), UsageError);
  EXPECT_THROW(parse_torch_version("3.0"), UsageError);
  EXPECT_THROW(parse_torch_version("latest"), UsageError);
}

TEST(ParseTorchVersion, NumbersTooLargeForAnIntAreUsageErrorsThatNameTheRange) {
  // These once escaped as std::stoi's std::out_of_range, printed as "stoi".
  for (const char* text : {"99999999999.0", "2.99999999999", "99999999999999999999999.1"}) {
    try {
      parse_torch_version(text);
      ADD_FAILURE() << text << " was accepted";
    } catch (const UsageError& e) {
      EXPECT_EQ(std::string(e.what()), std::string("--torch-version: nninit knows PyTorch 1.13 to ") +
                                           TorchVersion::newest().str() + ", not '" + text + "'");
    }
  }
}

TEST(ParseCapability, Names) {
  EXPECT_EQ(parse_capability("default"), TorchCapability::generic);
  EXPECT_EQ(parse_capability("AVX512"), TorchCapability::avx512);
  EXPECT_THROW(parse_capability("sse4"), UsageError);
}

}  // namespace
}  // namespace nninit::cli
