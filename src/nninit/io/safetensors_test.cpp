// Reading and writing whole files: exact round trips, the reference writer's layout byte for byte,
// errors before anything is written, and atomic replacement.
#include "nninit/io/safetensors.h"

#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "nninit/core/error.h"
#include "nninit/io/io_test_support.h"

namespace nninit::io {
namespace {

using test_support::has_substr;
using test_support::read_file;
using test_support::starts_with;
using test_support::TempDirectory;
using test_support::write_file;

constexpr DType all_dtypes[] = {DType::float32, DType::float64, DType::float16, DType::bfloat16,
                                DType::int64};

// A contiguous tensor of arbitrary bytes (NaN payloads, infinities and denormals included), so that a
// round trip is checked bit for bit rather than value by value.
Tensor arbitrary_tensor(Shape shape, DType dtype, std::uint32_t seed) {
  Tensor tensor = Tensor::empty(std::move(shape), dtype);
  const std::size_t nbytes = static_cast<std::size_t>(tensor.numel()) * itemsize(dtype);
  std::uint32_t state = seed * 2654435761U + 1;
  for (std::size_t i = 0; i < nbytes; ++i) {
    state = state * 1664525U + 1013904223U;  // Numerical Recipes' LCG: any byte stream will do
    tensor.raw_data()[i] = static_cast<std::byte>(state >> 24);
  }
  return tensor;
}

// The bytes of `tensor` in logical order, from its sizes and strides by plain index arithmetic (an
// independent reference for the library's gather).
std::string logical_bytes(const Tensor& tensor) {
  std::string out;
  if (tensor.numel() == 0) return out;
  const std::size_t item = itemsize(tensor.dtype());
  const std::byte* base = tensor.storage()->data();
  std::vector<std::int64_t> index(tensor.sizes().size(), 0);
  for (std::int64_t k = 0; k < tensor.numel(); ++k) {
    std::int64_t offset = tensor.storage_offset();
    for (std::size_t d = 0; d < index.size(); ++d) offset += index[d] * tensor.strides()[d];
    out.append(reinterpret_cast<const char*>(base) + offset * static_cast<std::int64_t>(item), item);
    for (std::size_t d = index.size(); d-- > 0;) {
      if (++index[d] < tensor.sizes()[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

void expect_same_tensor(const Tensor& actual, const Tensor& expected, const std::string& name) {
  EXPECT_EQ(actual.dtype(), expected.dtype()) << name;
  EXPECT_EQ(actual.sizes(), expected.sizes()) << name;
  EXPECT_TRUE(actual.is_contiguous()) << name;
  EXPECT_EQ(logical_bytes(actual), logical_bytes(expected)) << name;
}

std::string u64_le(std::uint64_t n) {
  std::string out(8, '\0');
  for (char& c : out) {
    c = static_cast<char>(n & 0xFF);
    n >>= 8;
  }
  return out;
}

template <class T>
std::string raw(T value) {
  return std::string(reinterpret_cast<const char*>(&value), sizeof(T));
}

// "float32_2x3x4", "int64_scalar": a distinct tensor name per case.
std::string case_name(DType dtype, const Shape& shape) {
  std::string name(dtype_name(dtype));
  if (shape.empty()) return name + "_scalar";
  for (std::size_t d = 0; d < shape.size(); ++d) name += fmt::format("{}{}", d == 0 ? "_" : "x", shape[d]);
  return name;
}

std::span<const std::byte> bytes_of(const std::string& text) {
  return std::as_bytes(std::span<const char>(text.data(), text.size()));
}

TEST(Safetensors, RoundTripsEveryDtypeAndShapeBitForBit) {
  TempDirectory dir;
  const std::vector<Shape> shapes = {{}, {1}, {7}, {0}, {3, 0, 2}, {2, 3, 4}, {1, 1, 5}};
  std::vector<NamedTensor> tensors;
  std::uint32_t seed = 0;
  for (const DType dtype : all_dtypes) {
    for (const Shape& shape : shapes) {
      tensors.push_back({case_name(dtype, shape), arbitrary_tensor(shape, dtype, ++seed)});
    }
  }
  write_safetensors(dir / "all.safetensors", tensors);
  const SafetensorsContents contents = read_safetensors(dir / "all.safetensors");
  ASSERT_EQ(contents.tensors.size(), tensors.size());
  for (const auto& [name, tensor] : tensors) expect_same_tensor(contents.at(name), tensor, name);
  EXPECT_EQ(contents.header.metadata, (Metadata{{"format", "pt"}}));
  // The in-memory reader agrees with the file reader.
  const std::string image = read_file(dir / "all.safetensors");
  const SafetensorsContents parsed = parse_safetensors(bytes_of(image));
  for (const auto& [name, tensor] : tensors) expect_same_tensor(parsed.at(name), tensor, name);
}

TEST(Safetensors, WritesViewsInLogicalOrder) {
  TempDirectory dir;
  const Tensor base = arbitrary_tensor({4, 6}, DType::int64, 11);  // int64: values beyond 2^53 must survive
  const Tensor cube = arbitrary_tensor({3, 4, 5}, DType::bfloat16, 12);
  const std::vector<NamedTensor> views = {
      {"transposed", base.t()},
      {"strided", base.slice(1, 1, 6, 2)},
      {"row", base.select(0, 2)},
      {"column", base.select(1, 3)},
      {"permuted", cube.permute(std::vector<std::int64_t>{2, 0, 1})},
      {"narrowed", cube.narrow(2, 1, 3).transpose(0, 1)},
      {"empty_view", base.slice(0, 2, 2)},
  };
  for (const auto& [name, view] : views)
    ASSERT_TRUE(name == "row" || name == "empty_view" || !view.is_contiguous()) << name;
  write_safetensors(dir / "views.safetensors", views);
  const SafetensorsContents contents = read_safetensors(dir / "views.safetensors");
  for (const auto& [name, view] : views) expect_same_tensor(contents.at(name), view, name);
  // Spot check against the tensor's own element access.
  EXPECT_EQ(contents.at("transposed").at({5, 3}), base.at({3, 5}));
}

TEST(Safetensors, FileIsTheReferenceLayoutByteForByte) {
  // The reference writer sorts by dtype (I64 > F64 > F32 > BF16 > F16), then name; writes compact JSON
  // with __metadata__ first; pads the header with spaces to a multiple of 8.
  TempDirectory dir;
  const std::vector<NamedTensor> tensors = {
      {"w", Tensor::from_values(std::vector<double>{1.0, 2.0}, {2}, DType::float32)},
      {"b", Tensor::from_values(std::vector<double>{1.0}, {1}, DType::float16)},
      {"i", Tensor::from_values(std::vector<double>{5.0}, {}, DType::int64)},
      {"a", Tensor::from_values(std::vector<double>{-2.0}, {1}, DType::bfloat16)},
      {"d", Tensor::from_values(std::vector<double>{0.5}, {1, 1}, DType::float64)},
  };
  write_safetensors(dir / "f.safetensors", tensors);
  std::string header = R"({"__metadata__":{"format":"pt"},)"
                       R"("i":{"dtype":"I64","shape":[],"data_offsets":[0,8]},)"
                       R"("d":{"dtype":"F64","shape":[1,1],"data_offsets":[8,16]},)"
                       R"("w":{"dtype":"F32","shape":[2],"data_offsets":[16,24]},)"
                       R"("a":{"dtype":"BF16","shape":[1],"data_offsets":[24,26]},)"
                       R"("b":{"dtype":"F16","shape":[1],"data_offsets":[26,28]}})";
  header.resize((header.size() + 7) / 8 * 8, ' ');
  const std::string data = raw<std::int64_t>(5) + raw<double>(0.5) + raw<float>(1.0F) + raw<float>(2.0F) +
                           raw<std::uint16_t>(0xC000) + raw<std::uint16_t>(0x3C00);
  EXPECT_EQ(read_file(dir / "f.safetensors"), u64_le(header.size()) + header + data);
}

TEST(Safetensors, HeaderIsPaddedAndTensorsAreAligned) {
  TempDirectory dir;
  std::vector<NamedTensor> tensors;
  for (int i = 0; i < 9; ++i) {
    tensors.push_back({fmt::format("t{}", i), arbitrary_tensor({i % 3 + 1, 3}, all_dtypes[i % 5], i)});
  }
  write_safetensors(dir / "f.safetensors", tensors, {{"k", std::string(13, 'v')}});
  const std::string file = read_file(dir / "f.safetensors");
  const SafetensorsHeader header = read_safetensors_header(dir / "f.safetensors");
  EXPECT_EQ(header.header_size % 8, 0U);
  EXPECT_EQ(file[8], '{');
  for (const TensorInfo& info : header.tensors) {
    EXPECT_EQ((header.data_start() + info.begin) % itemsize(*info.nninit_dtype), 0U) << info.name;
  }
}

TEST(Safetensors, MetadataRoundTripsAndEmptyMetadataIsOmitted) {
  TempDirectory dir;
  const std::vector<NamedTensor> one = {{"w", Tensor::zeros({2})}};
  const Metadata metadata = {
      {"format", "pt"}, {"seed", "42"}, {"note", "quote \" backslash \\ newline \n \xc3\xa9"}};
  write_safetensors(dir / "m.safetensors", one, metadata);
  EXPECT_EQ(read_safetensors_header(dir / "m.safetensors").metadata, metadata);

  write_safetensors(dir / "none.safetensors", one, {});
  EXPECT_EQ(read_file(dir / "none.safetensors").find("__metadata__"), std::string::npos);
  EXPECT_TRUE(read_safetensors_header(dir / "none.safetensors").metadata.empty());
}

TEST(Safetensors, UnicodeNamesRoundTrip) {
  TempDirectory dir;
  const std::vector<NamedTensor> tensors = {{"gr\xc3\xb6\xc3\x9f"
                                             "e.weight",
                                             Tensor::full({2}, 3.0)},
                                            {"\xe6\x9d\x83\xe9\x87\x8d", Tensor::full({1}, 4.0)},
                                            {"with \"quote\"", Tensor::full({1}, 5.0)}};
  write_safetensors(dir / "u.safetensors", tensors);
  const SafetensorsContents contents = read_safetensors(dir / "u.safetensors");
  for (const auto& [name, tensor] : tensors) expect_same_tensor(contents.at(name), tensor, name);
}

TEST(Safetensors, HeaderOrderIsTheFilesAndOffsetOrderIsAvailable) {
  // A file whose header lists the tensors out of data order (as other writers may).
  TempDirectory dir;
  const std::string header =
      R"({"z":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
  write_file(dir / "f.safetensors", u64_le(header.size()) + header + raw<float>(1.0F) + raw<float>(2.0F));
  const SafetensorsContents contents = read_safetensors(dir / "f.safetensors");
  ASSERT_EQ(contents.tensors.size(), 2U);
  EXPECT_EQ(contents.tensors[0].name, "z");
  EXPECT_EQ(contents.tensors[0].tensor.at({0}), 2.0);
  EXPECT_EQ(contents.tensors[1].name, "a");
  EXPECT_EQ(contents.tensors[1].tensor.at({0}), 1.0);
  EXPECT_EQ(contents.header.offset_order(), (std::vector<std::size_t>{1, 0}));
}

TEST(Safetensors, ReadsOneTensorByName) {
  TempDirectory dir;
  const std::vector<NamedTensor> tensors = {{"a", arbitrary_tensor({3, 2}, DType::float64, 1)},
                                            {"b", arbitrary_tensor({5}, DType::bfloat16, 2)}};
  write_safetensors(dir / "f.safetensors", tensors);
  expect_same_tensor(read_safetensors_tensor(dir / "f.safetensors", "b"), tensors[1].tensor, "b");
  const std::string message =
      test_support::error_message<ValueError>([&] { read_safetensors_tensor(dir / "f.safetensors", "q"); });
  EXPECT_PRED_FORMAT2(has_substr, message, "read_safetensors_tensor: ");
  EXPECT_PRED_FORMAT2(has_substr, message, "no tensor named 'q' (the file holds 2 tensors)");
  EXPECT_PRED_FORMAT2(has_substr, test_support::error_message<ValueError>([&] {
                        read_safetensors(dir / "f.safetensors").at("q");
                      }),
                      "no tensor named 'q'");
}

TEST(Safetensors, DtypesNninitCannotHoldAreListedButNotRead) {
  TempDirectory dir;
  const std::string header = R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                             R"("mask":{"dtype":"BOOL","shape":[2],"data_offsets":[4,6]},)"
                             R"("q":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[6,8]}})";
  write_file(dir / "f.safetensors",
             u64_le(header.size()) + header + raw<float>(1.5F) + std::string("\x01\x00\x38\x40", 4));
  const SafetensorsHeader listed = read_safetensors_header(dir / "f.safetensors");
  ASSERT_EQ(listed.tensors.size(), 3U);
  EXPECT_EQ(listed.tensors[1].dtype, "BOOL");
  EXPECT_EQ(listed.tensors[1].nninit_dtype, std::nullopt);
  EXPECT_EQ(listed.tensors[2].dtype, "F8_E4M3");

  const std::string message =
      test_support::error_message<NotImplementedError>([&] { read_safetensors(dir / "f.safetensors"); });
  EXPECT_PRED_FORMAT2(starts_with, message, "read_safetensors: ");
  EXPECT_PRED_FORMAT2(has_substr, message,
                      "tensor 'mask' has dtype BOOL, which nninit cannot hold as a Tensor");
  EXPECT_PRED_FORMAT2(has_substr, test_support::error_message<NotImplementedError>([&] {
                        read_safetensors_tensor(dir / "f.safetensors", "q");
                      }),
                      "tensor 'q' has dtype F8_E4M3");
  EXPECT_EQ(read_safetensors_tensor(dir / "f.safetensors", "w").at({0}), 1.5);
}

// Errors found before writing: the message, and neither a new file nor a changed old one.
void expect_refused_before_writing(const std::vector<NamedTensor>& tensors, const std::string& expected,
                                   const Metadata& metadata = {{"format", "pt"}}) {
  TempDirectory dir;
  write_file(dir / "out.safetensors", "old");
  const std::string message = test_support::error_message<ValueError>(
      [&] { write_safetensors(dir / "out.safetensors", tensors, metadata); });
  EXPECT_PRED_FORMAT2(starts_with, message, "write_safetensors: ");
  EXPECT_PRED_FORMAT2(has_substr, message, expected);
  EXPECT_EQ(read_file(dir / "out.safetensors"), "old");
  EXPECT_EQ(dir.entries(), (std::set<std::string>{"out.safetensors"}));
}

TEST(Safetensors, RefusesBadNamesBeforeWriting) {
  const Tensor t = Tensor::zeros({2});
  expect_refused_before_writing({{"a", t}, {"b", t}, {"a", t}}, "duplicate tensor name 'a'");
  expect_refused_before_writing({{"a", t}, {"", t}}, "tensor #1 has an empty name");
  expect_refused_before_writing({{"__metadata__", t}}, "the tensor name '__metadata__' is reserved");
  expect_refused_before_writing({{"bad\xff", t}}, "the name of tensor #0 is not valid UTF-8 (byte 3)");
  expect_refused_before_writing({{"a", Tensor()}}, "tensor 'a' is undefined");
  expect_refused_before_writing({{"a", t}}, "a __metadata__ key or value is not valid UTF-8",
                                {{"k", "\xc0"}});
}

TEST(Safetensors, FailedWriteLeavesTheExistingFileAndNoTemporaryFile) {
  TempDirectory dir;
  const std::vector<NamedTensor> old_tensors = {{"old", Tensor::full({3}, 1.0)}};
  write_safetensors(dir / "model.safetensors", old_tensors);
  const std::string before = read_file(dir / "model.safetensors");

  const std::vector<NamedTensor> big = {{"big", Tensor::zeros({1 << 16})}};  // 256 KiB
  std::string message;
  {
    test_support::FileSizeLimit limit(64 * 1024);  // the disk "fills up" a quarter of the way in
    message =
        test_support::error_message<IoError>([&] { write_safetensors(dir / "model.safetensors", big); });
  }
  EXPECT_PRED_FORMAT2(starts_with, message,
                      "write_safetensors: cannot write '" + (dir / "model.safetensors").string());
  EXPECT_PRED_FORMAT2(has_substr, message, "File too large");
  EXPECT_EQ(read_file(dir / "model.safetensors"), before);
  EXPECT_EQ(dir.entries(), (std::set<std::string>{"model.safetensors"}));
}

TEST(Safetensors, MissingDirectoryIsAnIoErrorNamingThePath) {
  TempDirectory dir;
  const std::vector<NamedTensor> one = {{"w", Tensor::zeros({2})}};
  const std::string message =
      test_support::error_message<IoError>([&] { write_safetensors(dir / "absent" / "m.safetensors", one); });
  EXPECT_PRED_FORMAT2(has_substr, message, (dir / "absent" / "m.safetensors").string());
  EXPECT_PRED_FORMAT2(has_substr, message, "No such file or directory");
  EXPECT_TRUE(dir.entries().empty());
}

TEST(Safetensors, ReadingAMissingFileIsAnIoError) {
  TempDirectory dir;
  const std::string message =
      test_support::error_message<IoError>([&] { read_safetensors(dir / "nope.safetensors"); });
  EXPECT_PRED_FORMAT2(starts_with, message, "read_safetensors: cannot open '");
  EXPECT_PRED_FORMAT2(has_substr, message, "No such file or directory");
}

}  // namespace
}  // namespace nninit::io
