// Known answers from tests/data/known_answers.txt: values produced by real PyTorch 1.13.1 and 2.14.1
// under each ATEN_CPU_CAPABILITY (tests/data/known_answers.py made the file; its header says how). Every
// entry about the generator and its distributions is checked for every (version, capability) group it lists.
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include "nninit/random/torch_generator.h"

namespace nninit {
namespace {

struct Entry {
  std::string title;  // e.g. "rand(8) f32"
  std::uint64_t seed = 0;
  std::vector<std::string> groups;  // e.g. "113_avx2"
  std::string values;               // the expected text
};

std::vector<Entry> load_known_answers() {
  std::ifstream in(std::string(NNINIT_SOURCE_DIR) + "/tests/data/known_answers.txt");
  std::vector<Entry> entries;
  std::string line;
  std::string title;
  std::uint64_t seed = 0;
  const std::regex header(R"(^## (.*) seed (\d+)(.*)$)");
  const std::regex row(R"(^\s+\[([^\]]*)\] (.*)$)");
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_match(line, m, header)) {
      title = m[1].str() + m[3].str();
      seed = std::stoull(m[2].str());
    } else if (std::regex_match(line, m, row)) {
      Entry e{title, seed, {}, m[2].str()};
      std::stringstream groups(m[1].str());
      std::string g;
      while (std::getline(groups, g, ',')) e.groups.push_back(g);
      entries.push_back(e);
    }
  }
  return entries;
}

TorchVariant variant_of(const std::string& group) {
  TorchVariant v;
  v.version = group.starts_with("113") ? TorchVersion{1, 13} : TorchVersion{2, 14};
  if (group.ends_with("default")) v.capability = TorchCapability::generic;
  if (group.ends_with("avx2")) v.capability = TorchCapability::avx2;
  if (group.ends_with("avx512")) v.capability = TorchCapability::avx512;
  return v;
}

template <class T>
std::string hex_of(const Tensor& t, std::int64_t begin, std::int64_t end) {
  std::vector<std::string> out;
  const T* data = t.data_ptr<T>();
  for (std::int64_t i = begin; i < end; ++i) {
    if constexpr (std::is_same_v<T, float>) {
      out.push_back(fmt::format("{:08x}", std::bit_cast<std::uint32_t>(data[i])));
    } else if constexpr (std::is_same_v<T, double>) {
      out.push_back(fmt::format("{:016x}", std::bit_cast<std::uint64_t>(data[i])));
    } else {
      out.push_back(fmt::format("{:04x}", data[i].bits));
    }
  }
  return fmt::format("{}", fmt::join(out, " "));
}

using Producer = std::function<std::string(TorchGenerator&)>;

Tensor filled(TorchGenerator& g, Shape shape, DType dtype, bool normal, double a = 0, double b = 1) {
  Tensor t = Tensor::empty(std::move(shape), dtype);
  if (normal) {
    g.normal_(t, a, b);
  } else {
    g.uniform_(t, a, b);
  }
  return t;
}

const std::map<std::string, Producer>& producers() {
  static const std::map<std::string, Producer> table = {
      {"mt19937 first 8 uint32",
       [](TorchGenerator& g) {
         std::vector<std::string> out;
         for (int i = 0; i < 8; ++i) out.push_back(fmt::format("{:08x}", g.random()));
         return fmt::format("{}", fmt::join(out, " "));
       }},
      {"rand(8) f32",
       [](TorchGenerator& g) { return hex_of<float>(filled(g, {8}, DType::float32, false), 0, 8); }},
      {"randn(20)[:8] f32",
       [](TorchGenerator& g) { return hex_of<float>(filled(g, {20}, DType::float32, true), 0, 8); }},
      {"randn(20)[16:20] f32",
       [](TorchGenerator& g) { return hex_of<float>(filled(g, {20}, DType::float32, true), 16, 20); }},
      {"randn(8) f32 (size<16 path)",
       [](TorchGenerator& g) { return hex_of<float>(filled(g, {8}, DType::float32, true), 0, 8); }},
      {"rand(4) f64",
       [](TorchGenerator& g) { return hex_of<double>(filled(g, {4}, DType::float64, false), 0, 4); }},
      {"randn(16)[:4] f64",
       [](TorchGenerator& g) { return hex_of<double>(filled(g, {16}, DType::float64, true), 0, 4); }},
      {"rand(6) f16",
       [](TorchGenerator& g) { return hex_of<Half>(filled(g, {6}, DType::float16, false), 0, 6); }},
      {"rand(6) bf16",
       [](TorchGenerator& g) { return hex_of<BFloat16>(filled(g, {6}, DType::bfloat16, false), 0, 6); }},
      {"empty(4).uniform_(-0.1,0.1)",
       [](TorchGenerator& g) {
         return hex_of<float>(filled(g, {4}, DType::float32, false, -0.1, 0.1), 0, 4);
       }},
      {"randperm(10)",
       [](TorchGenerator& g) {
         const Tensor p = g.randperm(10);
         return fmt::format("[{}]",
                            fmt::join(p.data_ptr<std::int64_t>(), p.data_ptr<std::int64_t>() + 10, ", "));
       }},
  };
  return table;
}

TEST(KnownAnswers, EveryGeneratorEntryMatchesEveryListedVariant) {
  const std::vector<Entry> entries = load_known_answers();
  ASSERT_GT(entries.size(), 40u) << "could not read tests/data/known_answers.txt";
  int checked = 0;
  for (const Entry& e : entries) {
    auto producer = producers().find(e.title);
    if (producer == producers().end()) continue;  // module entries are checked by the nn tests
    for (const std::string& group : e.groups) {
      TorchGenerator g(e.seed, variant_of(group));
      EXPECT_EQ(producer->second(g), e.values) << e.title << " seed " << e.seed << " [" << group << "]";
      ++checked;
    }
  }
  // 11 generator entries x 2 seeds, each listed for all five groups.
  EXPECT_EQ(checked, 11 * 2 * 5);
}

}  // namespace
}  // namespace nninit
