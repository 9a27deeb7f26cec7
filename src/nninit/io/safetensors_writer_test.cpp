#include "nninit/io/safetensors_writer.h"

#include <cstdint>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "nninit/core/error.h"
#include "nninit/io/io_test_support.h"
#include "nninit/io/safetensors.h"

namespace nninit::io {
namespace {

using test_support::has_substr;
using test_support::read_file;
using test_support::starts_with;
using test_support::TempDirectory;
using test_support::write_file;

// Values that are exact in every dtype, different per tensor.
Tensor ramp(const Shape& shape, DType dtype, double start) {
  const std::int64_t n = shape_numel(shape);
  std::vector<double> values(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) values[static_cast<std::size_t>(i)] = start + static_cast<double>(i);
  return Tensor::from_values(values, shape, dtype);
}

const std::vector<TensorSpec> specs = {
    {"embed.weight", DType::bfloat16, {16, 8}}, {"layer.weight", DType::float32, {8, 8}},
    {"layer.bias", DType::float32, {8}},        {"step", DType::int64, {}},
    {"empty", DType::float16, {0, 4}},          {"scale", DType::float64, {3}},
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

TEST(SafetensorsWriter, WritesInAnyOrderTheSameFileAsWriteSafetensors) {
  TempDirectory dir;
  const std::vector<NamedTensor> values = values_for(specs);
  write_safetensors(dir / "reference.safetensors", values);
  {
    SafetensorsWriter writer(dir / "streamed.safetensors", specs);
    for (std::size_t i = values.size(); i-- > 0;) writer.write(values[i].name, values[i].tensor);
    writer.commit();
  }
  EXPECT_EQ(read_file(dir / "streamed.safetensors"), read_file(dir / "reference.safetensors"));
  EXPECT_EQ(dir.entries(), (std::set<std::string>{"reference.safetensors", "streamed.safetensors"}));
}

TEST(SafetensorsWriter, ViewsWriteThroughTheMapping) {
  TempDirectory dir;
  const std::vector<NamedTensor> values = values_for(specs);
  {
    SafetensorsWriter writer(dir / "mapped.safetensors", specs);
    for (const auto& [name, value] : values) {
      Tensor view = writer.view(name);
      EXPECT_EQ(view.dtype(), value.dtype());
      EXPECT_EQ(view.sizes(), value.sizes());
      EXPECT_TRUE(view.is_contiguous());
      if (view.numel() > 0) {
        EXPECT_EQ(reinterpret_cast<std::uintptr_t>(view.raw_data()) % itemsize(view.dtype()), 0U) << name;
      }
      view.copy_(value);
    }
    writer.commit();
  }
  write_safetensors(dir / "reference.safetensors", values);
  EXPECT_EQ(read_file(dir / "mapped.safetensors"), read_file(dir / "reference.safetensors"));
}

TEST(SafetensorsWriter, MixesWritesAndViewsAndAcceptsStridedInput) {
  TempDirectory dir;
  const Tensor base = ramp({8, 8}, DType::float32, 0);
  {
    SafetensorsWriter writer(dir / "m.safetensors", std::vector<TensorSpec>{{"t", DType::float32, {8, 8}},
                                                                            {"s", DType::float32, {4, 8}}});
    writer.write("t", base.t());
    writer.view("s").copy_(base.slice(0, 0, 8, 2));
    writer.commit();
  }
  const SafetensorsContents contents = read_safetensors(dir / "m.safetensors");
  EXPECT_EQ(contents.at("t").to_doubles(), base.t().to_doubles());
  EXPECT_EQ(contents.at("s").to_doubles(), base.slice(0, 0, 8, 2).to_doubles());
}

TEST(SafetensorsWriter, MissingTensorAtCommitIsAnErrorAndLeavesNoFile) {
  TempDirectory dir;
  write_file(dir / "model.safetensors", "old");
  {
    SafetensorsWriter writer(dir / "model.safetensors", specs);
    writer.write("layer.weight", ramp({8, 8}, DType::float32, 0));
    writer.view("step");
    const std::string message = test_support::error_message<ValueError>([&] { writer.commit(); });
    EXPECT_PRED_FORMAT2(starts_with, message, "SafetensorsWriter::commit: '");
    EXPECT_PRED_FORMAT2(has_substr, message, "4 declared tensor(s) never written: ");
    EXPECT_PRED_FORMAT2(has_substr, message, "'embed.weight'");
    EXPECT_PRED_FORMAT2(has_substr, message, "'layer.bias'");
    EXPECT_EQ(dir.entries(), (std::set<std::string>{"model.safetensors"}));  // removed at once
    // The writer is finished; it cannot be committed after all.
    EXPECT_PRED_FORMAT2(has_substr, test_support::error_message<RuntimeError>([&] { writer.commit(); }),
                        "already committed (or its commit failed)");
  }
  EXPECT_EQ(read_file(dir / "model.safetensors"), "old");
  EXPECT_EQ(dir.entries(), (std::set<std::string>{"model.safetensors"}));
}

TEST(SafetensorsWriter, ManyMissingTensorsAreCountedAndTheListCut) {
  TempDirectory dir;
  std::vector<TensorSpec> many;
  for (int i = 0; i < 25; ++i) many.push_back({fmt::format("t{}", 100 + i), DType::float32, {1}});
  SafetensorsWriter writer(dir / "m.safetensors", many);
  writer.write("t100", Tensor::zeros({1}));
  const std::string message = test_support::error_message<ValueError>([&] { writer.commit(); });
  EXPECT_PRED_FORMAT2(has_substr, message, "24 declared tensor(s) never written: 't101', 't102', ");
  EXPECT_PRED_FORMAT2(has_substr, message, "'t110', ...");
  EXPECT_TRUE(dir.entries().empty());
}

TEST(SafetensorsWriter, NoTensorsAtAll) {
  TempDirectory dir;
  SafetensorsWriter writer(dir / "m.safetensors", std::vector<TensorSpec>{}, {{"seed", "1"}});
  writer.commit();
  // 29 bytes of JSON, padded with spaces to 32.
  EXPECT_EQ(read_file(dir / "m.safetensors").substr(8),
            std::string(R"({"__metadata__":{"seed":"1"}})") + "   ");
  EXPECT_TRUE(read_safetensors(dir / "m.safetensors").tensors.empty());
}

TEST(SafetensorsWriter, DestructionWithoutCommitRemovesTheTemporaryFile) {
  TempDirectory dir;
  Tensor survivor;
  {
    SafetensorsWriter writer(dir / "model.safetensors", specs);
    EXPECT_EQ(dir.entries().size(), 1U);  // the temporary file
    for (const auto& [name, value] : values_for(specs)) writer.write(name, value);
    survivor = writer.view("layer.bias");
  }
  EXPECT_TRUE(dir.entries().empty());
  // A view may outlive its writer: the mapping stays valid memory (of a file no longer linked).
  survivor.fill_(2.0);
  EXPECT_EQ(survivor.at({7}), 2.0);
}

TEST(SafetensorsWriter, RefusesWrongInput) {
  TempDirectory dir;
  SafetensorsWriter writer(dir / "m.safetensors", specs);
  EXPECT_PRED_FORMAT2(
      has_substr, test_support::error_message<ValueError>([&] { writer.write("nope", Tensor::zeros({1})); }),
      "SafetensorsWriter::write: '" + (dir / "m.safetensors").string() + "' declares no tensor named 'nope'");
  EXPECT_PRED_FORMAT2(has_substr, test_support::error_message<ValueError>([&] { writer.view("nope"); }),
                      "SafetensorsWriter::view: ");
  EXPECT_PRED_FORMAT2(has_substr, test_support::error_message<ValueError>([&] {
                        writer.write("layer.bias", Tensor::zeros({8}, DType::float64));
                      }),
                      "'layer.bias' was declared float32 [8] but the tensor is float64 [8]");
  EXPECT_PRED_FORMAT2(has_substr, test_support::error_message<ValueError>([&] {
                        writer.write("layer.bias", Tensor::zeros({2, 4}));
                      }),
                      "was declared float32 [8] but the tensor is float32 [2, 4]");
  EXPECT_PRED_FORMAT2(has_substr,
                      test_support::error_message<ValueError>([&] { writer.write("layer.bias", Tensor()); }),
                      "the tensor for 'layer.bias' is undefined");
}

TEST(SafetensorsWriter, BadDeclarationsFailBeforeAnyFileExists) {
  TempDirectory dir;
  const std::vector<TensorSpec> duplicate = {{"a", DType::float32, {1}}, {"a", DType::float32, {2}}};
  EXPECT_PRED_FORMAT2(
      has_substr, test_support::error_message<ValueError>([&] { SafetensorsWriter(dir / "m", duplicate); }),
      "SafetensorsWriter: duplicate tensor name 'a'");
  const std::vector<TensorSpec> negative = {{"a", DType::float32, {2, -1}}};
  EXPECT_PRED_FORMAT2(
      has_substr, test_support::error_message<ValueError>([&] { SafetensorsWriter(dir / "m", negative); }),
      "tensor 'a' has an invalid shape [2, -1]");
  EXPECT_TRUE(dir.entries().empty());
}

TEST(SafetensorsWriter, NoSpaceIsReportedAtConstruction) {
  TempDirectory dir;
  const std::vector<TensorSpec> big = {{"w", DType::float32, {1 << 20}}};  // 4 MiB
  std::string message;
  {
    test_support::FileSizeLimit limit(1 << 20);
    message = test_support::error_message<IoError>([&] { SafetensorsWriter(dir / "m.safetensors", big); });
  }
  EXPECT_PRED_FORMAT2(has_substr, message, "File too large");
  EXPECT_TRUE(dir.entries().empty());
}

TEST(SafetensorsWriter, UseAfterCommitIsAnError) {
  TempDirectory dir;
  const std::vector<TensorSpec> one = {{"w", DType::float32, {2}}};
  SafetensorsWriter writer(dir / "m.safetensors", one);
  writer.write("w", Tensor::full({2}, 1.0));
  writer.commit();
  EXPECT_PRED_FORMAT2(
      has_substr, test_support::error_message<RuntimeError>([&] { writer.write("w", Tensor::zeros({2})); }),
      "SafetensorsWriter::write: ");
  EXPECT_EQ(read_safetensors(dir / "m.safetensors").at("w").to_doubles(), (std::vector<double>{1.0, 1.0}));
}

TEST(SafetensorsWriter, HeaderListsTheLayout) {
  TempDirectory dir;
  const SafetensorsWriter writer(dir / "m.safetensors", specs, {{"seed", "3"}});
  const SafetensorsHeader& header = writer.header();
  ASSERT_EQ(header.tensors.size(), specs.size());
  EXPECT_EQ(header.tensors[0].name, "step");   // I64 first
  EXPECT_EQ(header.tensors[1].name, "scale");  // then F64
  EXPECT_EQ(header.metadata, (Metadata{{"seed", "3"}}));
  EXPECT_EQ(header.file_size, header.data_start() + header.tensors.back().end);
}

TEST(SafetensorsWriter, WritesAModelOfManyMegabytesThroughViews) {
  // 64 MiB through the mapping: the writer holds no copy of it.
  TempDirectory dir;
  const std::vector<TensorSpec> big = {{"a", DType::float32, {4096, 2048}},
                                       {"b", DType::bfloat16, {4096, 4096}}};
  {
    SafetensorsWriter writer(dir / "big.safetensors", big);
    Tensor a = writer.view("a");
    float* data = a.data_ptr<float>();
    for (std::int64_t i = 0; i < a.numel(); ++i) data[i] = static_cast<float>(i % 1000);
    writer.view("b").fill_(0.5);
    writer.commit();
  }
  const Tensor a = read_safetensors_tensor(dir / "big.safetensors", "a");
  EXPECT_EQ(a.at({4095, 2047}), static_cast<double>((4096 * 2048 - 1) % 1000));
  EXPECT_EQ(read_safetensors_tensor(dir / "big.safetensors", "b").at({17, 4000}), 0.5);
}

}  // namespace
}  // namespace nninit::io
