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

// The decimal units are huggingface_hub's parse_size_to_int (int(float(value) * 10**k)), the binary ones
// transformers' convert_file_size_to_int; the fractional expectations were computed with Python.
TEST(ParseShardSize, DecimalAndBinaryUnitsAsTransformers) {
  EXPECT_EQ(parse_shard_size("5GB"), 5'000'000'000u);
  EXPECT_EQ(parse_shard_size("500MB"), 500'000'000u);
  EXPECT_EQ(parse_shard_size("10kb"), 10'000u);
  EXPECT_EQ(parse_shard_size("2TB"), 2'000'000'000'000u);
  EXPECT_EQ(parse_shard_size("2GiB"), 2'147'483'648u);
  EXPECT_EQ(parse_shard_size("3 MiB"), 3'145'728u);
  EXPECT_EQ(parse_shard_size("1KiB"), 1'024u);
  EXPECT_EQ(parse_shard_size("1TiB"), 1'099'511'627'776u);
  EXPECT_EQ(parse_shard_size("123456789"), 123'456'789u);
  EXPECT_EQ(parse_shard_size("64B"), 64u);
  EXPECT_EQ(parse_shard_size("18446744073709551615"), 18'446'744'073'709'551'615u);
  EXPECT_EQ(parse_shard_size("1.5GB"), 1'500'000'000u);
  EXPECT_EQ(parse_shard_size("0.1MB"), 100'000u);
  EXPECT_EQ(parse_shard_size("0.3GiB"), 322'122'547u);
}

TEST(ParseShardSize, ErrorsSayWhatIsWrong) {
  auto message = [](const char* text) {
    try {
      parse_shard_size(text);
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(
      message("5XB"),
      "--max-shard-size: unknown unit 'xb' in '5XB'; expected bytes or a size such as 5GB, 500MB or 2GiB");
  EXPECT_NE(message("GB").find("no number"), std::string::npos);
  EXPECT_NE(message("-5GB").find("no number"), std::string::npos);
  EXPECT_NE(message("1.2.3MB").find("no number"), std::string::npos);
  EXPECT_NE(message("0").find("a shard of 0 bytes"), std::string::npos);
  EXPECT_NE(message("0.0001KB").find("a shard of 0 bytes"), std::string::npos);
  EXPECT_NE(message("18446744073709551616").find("beyond 2^64"), std::string::npos);
  EXPECT_NE(message("20000000000GB").find("beyond 2^64"), std::string::npos);
  EXPECT_NE(message("99999999999.5TB").find("beyond 2^64"), std::string::npos);
}

TEST(ParseRng, EnginesAndErrors) {
  EXPECT_EQ(parse_rng("torch"), RngEngine::torch);
  EXPECT_EQ(parse_rng(" Philox "), RngEngine::philox);
  EXPECT_EQ(rng_name(RngEngine::philox), "philox");
  try {
    parse_rng("mt19937");
    ADD_FAILURE() << "no error";
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "--rng: unknown engine 'mt19937'; expected torch or philox");
  }
}

TEST(ParseCapability, Names) {
  EXPECT_EQ(parse_capability("default"), TorchCapability::generic);
  EXPECT_EQ(parse_capability("AVX512"), TorchCapability::avx512);
  EXPECT_THROW(parse_capability("sse4"), UsageError);
}

}  // namespace
}  // namespace nninit::cli
