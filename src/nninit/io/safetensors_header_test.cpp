// Strict header validation. Each malformed file is built byte by byte and must be refused for the
// reason named (checked by message), not for some other fault it happens to have.
#include "nninit/io/safetensors_header.h"

#include <cstdint>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "nninit/core/error.h"
#include "nninit/io/io_test_support.h"
#include "nninit/io/safetensors.h"

namespace nninit::io {
namespace {

using test_support::has_substr;
using test_support::starts_with;

std::span<const std::byte> bytes_of(const std::string& text) {
  return std::as_bytes(std::span<const char>(text.data(), text.size()));
}

std::string u64_le(std::uint64_t n) {
  std::string out(8, '\0');
  for (char& c : out) {
    c = static_cast<char>(n & 0xFF);
    n >>= 8;
  }
  return out;
}

// A file image: the length prefix, the header JSON exactly as given, then the data bytes.
std::string image(const std::string& json, const std::string& data = "") {
  return u64_le(json.size()) + json + data;
}

// One header entry.
std::string entry(const std::string& dtype, const std::string& shape, const std::string& offsets) {
  return R"({"dtype":")" + dtype + R"(","shape":)" + shape + R"(,"data_offsets":)" + offsets + "}";
}

SafetensorsHeader parse(const std::string& file) {
  return parse_safetensors_header(bytes_of(file), file.size(), "bad.safetensors");
}

// The message of the IoError that parsing `file` must raise; checks that it names the function and file.
std::string header_error(const std::string& file) {
  const std::string message = test_support::error_message<IoError>([&] { parse(file); });
  // "...: bad.safetensors: fault", or "...: not a safetensors file: bad.safetensors (why)".
  if (message.find("not a safetensors file") == std::string::npos) {
    EXPECT_PRED_FORMAT2(starts_with, message, "parse_safetensors_header: bad.safetensors: ");
  } else {
    EXPECT_PRED_FORMAT2(starts_with, message,
                        "parse_safetensors_header: not a safetensors file: bad.safetensors (");
  }
  return message;
}

const std::string f32_pair = entry("F32", "[2]", "[0,8]");  // with 8 data bytes

TEST(SafetensorsHeader, AcceptsAWellFormedFileAndKeepsHeaderOrder) {
  const std::string json =
      R"({"z":)" + entry("F32", "[2]", "[4,12]") + R"(,"a":)" + entry("F16", "[2]", "[0,4]") +
      R"(,"__metadata__":{"format":"pt","seed":"7"},"m":)" + entry("I64", "[]", "[12,20]") + "}";
  const SafetensorsHeader header = parse(image(json, std::string(20, 'x')));
  ASSERT_EQ(header.tensors.size(), 3U);
  EXPECT_EQ(header.tensors[0].name, "z");
  EXPECT_EQ(header.tensors[1].name, "a");
  EXPECT_EQ(header.tensors[2].name, "m");
  EXPECT_EQ(header.tensors[1].dtype, "F16");
  EXPECT_EQ(header.tensors[1].nninit_dtype, DType::float16);
  EXPECT_EQ(header.tensors[2].shape, Shape{});
  EXPECT_EQ(header.tensors[2].numel, 1U);
  EXPECT_EQ(header.tensors[0].begin, 4U);
  EXPECT_EQ(header.tensors[0].end, 12U);
  EXPECT_EQ(header.offset_order(), (std::vector<std::size_t>{1, 0, 2}));
  EXPECT_EQ(header.metadata, (Metadata{{"format", "pt"}, {"seed", "7"}}));
  EXPECT_EQ(header.header_size, json.size());
  EXPECT_EQ(header.data_start(), 8 + json.size());
  ASSERT_NE(header.find("m"), nullptr);
  EXPECT_EQ(header.find("m")->dtype, "I64");
  EXPECT_EQ(header.find("q"), nullptr);
}

TEST(SafetensorsHeader, ToleratesWhitespaceAroundTheJson) {
  const SafetensorsHeader header =
      parse(image(" \n\t\r{\"w\":" + f32_pair + "} \n  \t ", std::string(8, 'x')));
  ASSERT_EQ(header.tensors.size(), 1U);
  EXPECT_EQ(header.tensors[0].name, "w");
}

TEST(SafetensorsHeader, AcceptsAnEmptyFile) {
  const SafetensorsHeader header = parse(image("{}      "));
  EXPECT_TRUE(header.tensors.empty());
  EXPECT_TRUE(header.metadata.empty());
}

TEST(SafetensorsHeader, AcceptsZeroSizeTensorsAnywhere) {
  const std::string json = R"({"e":)" + entry("F32", "[0,3]", "[8,8]") + R"(,"w":)" + f32_pair + R"(,"f":)" +
                           entry("BF16", "[2,0]", "[0,0]") + "}";
  const SafetensorsHeader header = parse(image(json, std::string(8, 'x')));
  EXPECT_EQ(header.tensors.size(), 3U);
  EXPECT_EQ(header.tensors[0].numel, 0U);
}

TEST(SafetensorsHeader, RecognisesEveryDtypeOfTheFormat) {
  for (const SafetensorsDType& dtype : safetensors_dtypes()) {
    const std::uint64_t nbytes = 8 * dtype.bits / 8;  // 8 elements end on a byte boundary for every width
    const std::string json =
        R"({"t":)" + entry(std::string(dtype.name), "[2,4]", fmt::format("[0,{}]", nbytes)) + "}";
    const SafetensorsHeader header = parse(image(json, std::string(nbytes, 'x')));
    EXPECT_EQ(header.tensors[0].dtype, dtype.name);
    EXPECT_EQ(header.tensors[0].nninit_dtype, dtype.dtype) << dtype.name;
  }
  EXPECT_EQ(safetensors_dtypes().size(), 22U);
  EXPECT_EQ(find_safetensors_dtype("F8_E4M3")->bits, 8U);
  EXPECT_EQ(find_safetensors_dtype("F4")->bits, 4U);
  EXPECT_EQ(find_safetensors_dtype("BF16")->dtype, DType::bfloat16);
  EXPECT_EQ(find_safetensors_dtype("f32"), nullptr);  // the names are case-sensitive
  EXPECT_EQ(safetensors_dtype_name(DType::int64), "I64");
  EXPECT_EQ(safetensors_dtype_name(DType::float64), "F64");
}

TEST(SafetensorsHeader, FileShorterThanTheLengthPrefix) {
  EXPECT_PRED_FORMAT2(
      has_substr, header_error(""),
      "not a safetensors file: bad.safetensors (the file is 0 bytes, too short for the 8-byte header "
      "length)");
  EXPECT_PRED_FORMAT2(has_substr, header_error("1234567"), "the file is 7 bytes");
}

TEST(SafetensorsHeader, HeaderLengthOverTheLimit) {
  const std::string file = u64_le(100'000'001) + "{}";
  EXPECT_PRED_FORMAT2(
      has_substr, header_error(file),
      "not a safetensors file: bad.safetensors (its first 8 bytes give a header length of 100000001, "
      "which exceeds the limit of 100000000 bytes)");
  // A huge length must not be taken for a small one by overflow.
  EXPECT_PRED_FORMAT2(has_substr, header_error(u64_le(UINT64_MAX) + "{}"), "exceeds the limit");
}

TEST(SafetensorsHeader, HeaderLengthPastTheEndOfTheFile) {
  const std::string file = u64_le(10) + "{}";
  EXPECT_PRED_FORMAT2(
      has_substr, header_error(file),
      "not a safetensors file: bad.safetensors (its first 8 bytes give a header length of 10, which "
      "runs past the end of the file: 10 + 8 > 10 bytes)");
}

TEST(SafetensorsHeader, NotUtf8) {
  // 0xFF can never appear in UTF-8; here it sits in a key, at byte 2 of the header.
  EXPECT_PRED_FORMAT2(has_substr, header_error(image("{\"\xff\":" + f32_pair + "}", std::string(8, 'x'))),
                      "the header is not valid UTF-8 (byte 2 of the header, file byte 10)");
  // An overlong encoding of '/', a UTF-16 surrogate, and a sequence cut short by the end.
  EXPECT_PRED_FORMAT2(has_substr, header_error(image("{\"\xc0\xaf\":1}")), "not valid UTF-8 (byte 2");
  EXPECT_PRED_FORMAT2(has_substr, header_error(image("{\"\xed\xa0\x80\":1}")), "not valid UTF-8 (byte 2");
  EXPECT_PRED_FORMAT2(has_substr, header_error(image("{}\xe2\x82")), "not valid UTF-8 (byte 2");
}

TEST(SafetensorsHeader, InvalidJsonNamesTheColumn) {
  const std::string message = header_error(image(R"({"w": })"));
  EXPECT_PRED_FORMAT2(has_substr, message, "the header is not valid JSON");
  EXPECT_PRED_FORMAT2(has_substr, message, "line 1, column 7");
  EXPECT_PRED_FORMAT2(has_substr, header_error(image("{\"w\":" + f32_pair + "} x")), "not valid JSON");
  // NUL padding is not JSON whitespace, and nothing may hide behind a NUL (nlohmann would stop there).
  EXPECT_PRED_FORMAT2(has_substr, header_error(image(std::string("{}\0\0", 4))),
                      "not valid JSON: a NUL byte at byte 2 of the header (file byte 10)");
  EXPECT_PRED_FORMAT2(has_substr, header_error(image(std::string("{}\0{\"x\":5}", 10))),
                      "a NUL byte at byte 2");
}

TEST(SafetensorsHeader, EmptyOrWhitespaceOnlyHeader) {
  EXPECT_PRED_FORMAT2(has_substr, header_error(image("")), "the header is empty");
  EXPECT_PRED_FORMAT2(has_substr, header_error(image("        ")), "the header is empty");
}

TEST(SafetensorsHeader, ByteOrderMark) {
  EXPECT_PRED_FORMAT2(has_substr, header_error(image("\xef\xbb\xbf{}")), "byte-order mark");
}

TEST(SafetensorsHeader, HeaderNotAnObject) {
  EXPECT_PRED_FORMAT2(has_substr, header_error(image("[1, 2]")),
                      "the header is not a JSON object (it is array)");
  EXPECT_PRED_FORMAT2(has_substr, header_error(image("\"x\"")), "not a JSON object (it is string)");
  EXPECT_PRED_FORMAT2(has_substr, header_error(image("5")), "not a JSON object (it is number)");
}

TEST(SafetensorsHeader, EntryNotAnObject) {
  EXPECT_PRED_FORMAT2(has_substr, header_error(image(R"({"w":[1,2]})")), "the entry 'w' must be an object");
  EXPECT_PRED_FORMAT2(has_substr, header_error(image(R"({"w":"F32"})")), "the entry 'w' must be an object");
}

TEST(SafetensorsHeader, MissingKeys) {
  EXPECT_PRED_FORMAT2(has_substr,
                      header_error(image(R"({"w":{"shape":[2],"data_offsets":[0,8]}})", "12345678")),
                      "the entry 'w' is missing the key 'dtype'");
  EXPECT_PRED_FORMAT2(has_substr,
                      header_error(image(R"({"w":{"dtype":"F32","data_offsets":[0,8]}})", "12345678")),
                      "the entry 'w' is missing the key 'shape'");
  EXPECT_PRED_FORMAT2(has_substr, header_error(image(R"({"w":{"dtype":"F32","shape":[2]}})", "12345678")),
                      "the entry 'w' is missing the key 'data_offsets'");
}

TEST(SafetensorsHeader, ExtraKey) {
  const std::string json = R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"offset":0}})";
  EXPECT_PRED_FORMAT2(has_substr, header_error(image(json, "12345678")),
                      "the entry 'w' has an unexpected key 'offset'");
}

TEST(SafetensorsHeader, ShapeOfTheWrongType) {
  for (const std::string shape :
       {"\"2\"", "2", "[2.0]", "[-2]", "[true]", "[null]", "[[2]]", "[9223372036854775808]"}) {
    const std::string message =
        header_error(image(R"({"w":)" + entry("F32", shape, "[0,8]") + "}", "12345678"));
    EXPECT_PRED_FORMAT2(has_substr, message,
                        "tensor 'w': shape must be a list of non-negative integers, got");
  }
}

TEST(SafetensorsHeader, DeepNestingIsRefusedBeforeParsing) {
  // nlohmann would recurse once per bracket; the header is refused before it gets the chance.
  const std::string deep = std::string(200000, '[') + std::string(200000, ']');
  const std::string json = R"({"w":)" + entry("F32", deep, "[0,8]") + "}";
  EXPECT_PRED_FORMAT2(has_substr, header_error(image(json, "12345678")),
                      "the header nests JSON values more than 64 deep (at byte 90 of the header)");
  // Brackets inside strings do not count.
  const std::string quoted = R"({"__metadata__":{"k":")" + std::string(100, '[') + R"(\"["}})";
  EXPECT_EQ(parse(image(quoted)).metadata.at("k"), std::string(100, '[') + "\"[");
}

TEST(SafetensorsHeader, NestedValuesAreDescribedInMessages) {
  EXPECT_PRED_FORMAT2(has_substr,
                      header_error(image(R"({"w":)" + entry("F32", "[[2],[3]]", "[0,8]") + "}", "12345678")),
                      "shape must be a list of non-negative integers, got a nested array of 2 element(s)");
}

TEST(SafetensorsHeader, LongValuesAreShortenedInMessages) {
  std::string shape = "[1.5";
  for (int i = 0; i < 200; ++i) shape += ",1.5";
  const std::string message =
      header_error(image(R"({"w":)" + entry("F32", shape + "]", "[0,8]") + "}", "12345678"));
  EXPECT_PRED_FORMAT2(has_substr, message, "got array [1.5,1.5,");
  EXPECT_PRED_FORMAT2(has_substr, message, "...");
  EXPECT_LT(message.size(), 200U);
  // nlohmann quotes the token it failed on; a huge one is cut short too.
  const std::string overflow = header_error(image(R"({"w":)" + std::string(5000, '9') + "e999}"));
  EXPECT_PRED_FORMAT2(has_substr, overflow, "not valid JSON: number overflow parsing '999");
  EXPECT_LT(overflow.size(), 400U);
}

TEST(SafetensorsHeader, OffsetsOfTheWrongType) {
  for (const std::string offsets :
       {"[0]", "[0,8,8]", "[-1,7]", "[0.0,8]", "\"0,8\"", "{}", "[0,18446744073709551616]", "[null,8]"}) {
    const std::string message =
        header_error(image(R"({"w":)" + entry("F32", "[2]", offsets) + "}", "12345678"));
    EXPECT_PRED_FORMAT2(has_substr, message,
                        "tensor 'w': data_offsets must be a list of two non-negative integers");
  }
}

TEST(SafetensorsHeader, UnknownDtype) {
  EXPECT_PRED_FORMAT2(has_substr,
                      header_error(image(R"({"w":)" + entry("F128", "[2]", "[0,8]") + "}", "12345678")),
                      "tensor 'w': unknown dtype 'F128'");
  EXPECT_PRED_FORMAT2(has_substr,
                      header_error(image(R"({"w":)" + entry("f32", "[2]", "[0,8]") + "}", "12345678")),
                      "unknown dtype 'f32'");
  const std::string json = R"({"w":{"dtype":32,"shape":[2],"data_offsets":[0,8]}})";
  EXPECT_PRED_FORMAT2(has_substr, header_error(image(json, "12345678")),
                      "tensor 'w': dtype must be a string");
}

TEST(SafetensorsHeader, MetadataNotStringToString) {
  EXPECT_PRED_FORMAT2(has_substr, header_error(image(R"({"__metadata__":["pt"]})")),
                      "__metadata__ must be an object of strings, but it is array");
  EXPECT_PRED_FORMAT2(has_substr, header_error(image(R"({"__metadata__":{"seed":7}})")),
                      "__metadata__ must map strings to strings, but 'seed' maps to number 7");
  EXPECT_PRED_FORMAT2(has_substr, header_error(image(R"({"__metadata__":{"a":{"b":"c"}}})")),
                      "but 'a' maps to object");
}

TEST(SafetensorsHeader, DuplicateTensorName) {
  // Identical duplicates: a parser that keeps the last one would see a valid file. Refused anyway.
  const std::string json = R"({"w":)" + f32_pair + R"(,"w":)" + f32_pair + "}";
  EXPECT_PRED_FORMAT2(has_substr, header_error(image(json, "12345678")), "duplicate key 'w' in the header");
}

TEST(SafetensorsHeader, DuplicateKeyInsideAnEntry) {
  const std::string json = R"({"w":{"dtype":"F16","dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  EXPECT_PRED_FORMAT2(has_substr, header_error(image(json, "12345678")),
                      "duplicate key 'dtype' inside the entry 'w'");
}

TEST(SafetensorsHeader, DuplicateMetadata) {
  EXPECT_PRED_FORMAT2(has_substr, header_error(image(R"({"__metadata__":{},"__metadata__":{}})")),
                      "duplicate key '__metadata__' in the header");
  EXPECT_PRED_FORMAT2(has_substr, header_error(image(R"({"__metadata__":{"a":"1","a":"1"}})")),
                      "duplicate key 'a' inside the entry '__metadata__'");
}

TEST(SafetensorsHeader, SameKeyInDifferentObjectsIsFine) {
  const std::string json =
      R"({"dtype":)" + entry("F32", "[1]", "[0,4]") + R"(,"shape":)" + entry("F32", "[1]", "[4,8]") + "}";
  EXPECT_EQ(parse(image(json, "12345678")).tensors.size(), 2U);
}

TEST(SafetensorsHeader, EndBeforeBegin) {
  EXPECT_PRED_FORMAT2(has_substr,
                      header_error(image(R"({"w":)" + entry("F32", "[0]", "[8,4]") + "}", "12345678")),
                      "tensor 'w': data_offsets [8, 4] end before they begin");
}

TEST(SafetensorsHeader, SizeDoesNotMatchShape) {
  const std::string json = R"({"w":)" + entry("F32", "[2,3]", "[0,20]") + "}";
  EXPECT_PRED_FORMAT2(has_substr, header_error(image(json, std::string(20, 'x'))),
                      "tensor 'w': F32 x [2, 3] needs 24 bytes, but data_offsets [0, 20] hold 20");
}

TEST(SafetensorsHeader, ElementCountOverflow) {
  // 2^32 * 2^32 elements: the count itself overflows 64 bits.
  const std::string json = R"({"w":)" + entry("F32", "[4294967296,4294967296]", "[0,8]") + "}";
  EXPECT_PRED_FORMAT2(has_substr, header_error(image(json, "12345678")),
                      "tensor 'w': shape [4294967296, 4294967296] is too large");
  // 2^61 elements fit, 2^61 * 64 bits do not.
  const std::string bits = R"({"w":)" + entry("I64", "[2305843009213693952]", "[0,8]") + "}";
  EXPECT_PRED_FORMAT2(has_substr, header_error(image(bits, "12345678")),
                      "is too large (its size in bits overflows)");
  // Zero elements, but sizes whose row-major strides overflow int64.
  const std::string empty = R"({"w":)" + entry("F32", "[0,4294967296,4294967296]", "[0,0]") + "}";
  EXPECT_PRED_FORMAT2(has_substr, header_error(image(empty)), "is too large");
}

TEST(SafetensorsHeader, SubByteTensorMustEndOnAByte) {
  EXPECT_PRED_FORMAT2(has_substr, header_error(image(R"({"w":)" + entry("F4", "[3]", "[0,1]") + "}", "x")),
                      "F4 x [3] does not end on a byte boundary (12 bits)");
  EXPECT_EQ(parse(image(R"({"w":)" + entry("F4", "[4]", "[0,2]") + "}", "xx")).tensors[0].nbytes(), 2U);
}

TEST(SafetensorsHeader, FirstTensorNotAtZero) {
  const std::string json = R"({"w":)" + entry("F32", "[1]", "[4,8]") + "}";
  const std::string message = header_error(image(json, "12345678"));
  EXPECT_PRED_FORMAT2(has_substr, message,
                      "the first tensor in the data buffer, 'w', starts at data offset 4");
  EXPECT_PRED_FORMAT2(has_substr, message, fmt::format("(file byte {}), not 0", 8 + json.size() + 4));
}

TEST(SafetensorsHeader, OverlappingTensors) {
  const std::string json =
      R"({"a":)" + entry("F32", "[2]", "[0,8]") + R"(,"b":)" + entry("F32", "[1]", "[4,8]") + "}";
  EXPECT_PRED_FORMAT2(has_substr, header_error(image(json, "12345678")),
                      "tensor 'b' starts at data offset 4");
  EXPECT_PRED_FORMAT2(has_substr, header_error(image(json, "12345678")), "'a', ends at data offset 8");
  EXPECT_PRED_FORMAT2(has_substr, header_error(image(json, "12345678")), "they overlap");
}

TEST(SafetensorsHeader, HoleBetweenTensors) {
  const std::string json =
      R"({"a":)" + entry("F32", "[1]", "[0,4]") + R"(,"b":)" + entry("F32", "[1]", "[8,12]") + "}";
  const std::string message = header_error(image(json, "123456789012"));
  EXPECT_PRED_FORMAT2(has_substr, message, "tensor 'b' starts at data offset 8");
  EXPECT_PRED_FORMAT2(has_substr, message, "a hole between them");
}

TEST(SafetensorsHeader, TrailingBytes) {
  EXPECT_PRED_FORMAT2(has_substr, header_error(image(R"({"w":)" + f32_pair + "}", "123456789")),
                      "the tensors end at data offset 8");
  EXPECT_PRED_FORMAT2(has_substr, header_error(image(R"({"w":)" + f32_pair + "}", "123456789")),
                      "(1 trailing bytes)");
  EXPECT_PRED_FORMAT2(has_substr, header_error(image("{}", "x")), "(1 trailing bytes)");
}

TEST(SafetensorsHeader, DataShorterThanTheOffsets) {
  EXPECT_PRED_FORMAT2(has_substr, header_error(image(R"({"w":)" + f32_pair + "}", "1234567")),
                      "but the file is only");
}

TEST(SafetensorsHeader, ErrorsFromAFileNameTheFile) {
  test_support::TempDirectory dir;
  test_support::write_file(dir / "bad.safetensors", image(R"({"w":)" + f32_pair + "}", "123456789"));
  const std::string message =
      test_support::error_message<IoError>([&] { read_safetensors_header(dir / "bad.safetensors"); });
  EXPECT_PRED_FORMAT2(starts_with, message,
                      "read_safetensors_header: " + (dir / "bad.safetensors").string() + ": ");
  EXPECT_PRED_FORMAT2(has_substr, message, "trailing bytes");
}

TEST(SafetensorsHeader, ReadsOnlyTheHeaderOfAFile) {
  test_support::TempDirectory dir;
  const std::string json = R"({"w":)" + entry("F32", "[2]", "[0,8]") + "}";
  test_support::write_file(dir / "f.safetensors", image(json, "12345678"));
  const SafetensorsHeader header = read_safetensors_header(dir / "f.safetensors");
  EXPECT_EQ(header.file_size, 8 + json.size() + 8);
  EXPECT_EQ(header.tensors[0].shape, Shape{2});
}

}  // namespace
}  // namespace nninit::io
