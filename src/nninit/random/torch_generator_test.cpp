#include "nninit/random/torch_generator.h"

#include <cstring>

#include <gtest/gtest.h>

#include "nninit/core/error.h"

namespace nninit {
namespace {

std::uint64_t next_field(const TorchGenerator& g) {
  const auto state = g.get_state();
  std::uint64_t next;
  std::memcpy(&next, state.data() + 16, 8);
  return next;
}

std::vector<std::uint32_t> bits_of(const Tensor& t) {
  std::vector<std::uint32_t> out;
  for (double v : t.to_doubles()) out.push_back(std::bit_cast<std::uint32_t>(static_cast<float>(v)));
  return out;
}

TEST(TorchGenerator, StateHasPyTorchsSizeAndSeed) {
  TorchGenerator g(42);
  const auto state = g.get_state();
  ASSERT_EQ(state.size(), 5056u);
  std::uint64_t seed;
  std::memcpy(&seed, state.data(), 8);
  EXPECT_EQ(seed, 42u);
  std::int32_t left;
  std::memcpy(&left, state.data() + 8, 4);
  EXPECT_EQ(left, 1);
}

TEST(TorchGenerator, NegativeSeedsWrapAndOnlyLowBitsReachTheStream) {
  TorchGenerator a(static_cast<std::uint64_t>(-1));
  EXPECT_EQ(a.initial_seed(), 0xffffffffffffffffu);
  TorchGenerator b(0xffffffffu);
  EXPECT_EQ(a.random(), b.random());
  TorchGenerator c(std::uint64_t{1} << 32);
  TorchGenerator d(0);
  EXPECT_EQ(c.random(), d.random());
  EXPECT_EQ(c.initial_seed(), std::uint64_t{1} << 32);
}

TEST(TorchGenerator, Random64TakesTheFirstDrawAsTheHighWord) {
  TorchGenerator a(0);
  TorchGenerator b(0);
  const std::uint64_t high = b.random();
  const std::uint64_t low = b.random();
  EXPECT_EQ(a.random64(), (high << 32) | low);
}

TEST(TorchGenerator, DrawCountsOfNormal) {
  // randn(3) consumes 8 words (two pairs of 53-bit uniforms) and leaves a cached sample;
  // randn(17) consumes 17 + 16 words (docs/rng.md §3.1, §3.4).
  TorchGenerator g(0);
  Tensor small = Tensor::empty({3});
  g.normal_(small, 0, 1);
  EXPECT_EQ(next_field(g), 8u);
  EXPECT_TRUE(g.next_double_normal_sample().has_value());
  TorchGenerator h(0);
  Tensor big = Tensor::empty({17});
  h.normal_(big, 0, 1);
  EXPECT_EQ(next_field(h), 33u);
}

TEST(TorchGenerator, CachedNormalSurvivesAFillPathCall) {
  // manual_seed(0); randn(1); randn(16); randn(1)[0] == (manual_seed(0); randn(2))[1].
  TorchGenerator g(0);
  Tensor one = Tensor::empty({1});
  g.normal_(one, 0, 1);
  Tensor sixteen = Tensor::empty({16});
  g.normal_(sixteen, 0, 1);
  Tensor again = Tensor::empty({1});
  g.normal_(again, 0, 1);
  TorchGenerator h(0);
  Tensor two = Tensor::empty({2});
  h.normal_(two, 0, 1);
  EXPECT_EQ(again.at({0}), two.at({1}));
}

TEST(TorchGenerator, ManualSeedClearsTheCache) {
  TorchGenerator g(0);
  Tensor one = Tensor::empty({1});
  g.normal_(one, 0, 1);
  g.manual_seed(0);
  EXPECT_FALSE(g.next_double_normal_sample().has_value());
}

TEST(TorchGenerator, StateRoundTripsIncludingTheCache) {
  TorchGenerator g(123);
  Tensor t = Tensor::empty({5});
  g.normal_(t, 0, 1);
  const auto saved = g.get_state();
  Tensor a = Tensor::empty({40});
  g.uniform_(a, -1, 1);
  Tensor b1 = Tensor::empty({3});
  g.normal_(b1, 0, 1);
  TorchGenerator h(999);
  h.set_state(saved);
  EXPECT_EQ(h.get_state(), saved);
  Tensor a2 = Tensor::empty({40});
  h.uniform_(a2, -1, 1);
  Tensor b2 = Tensor::empty({3});
  h.normal_(b2, 0, 1);
  EXPECT_EQ(bits_of(a), bits_of(a2));
  EXPECT_EQ(bits_of(b1), bits_of(b2));
}

TEST(TorchGenerator, LegacyStateDerivesTheCachedSampleFromXAndRho) {
  TorchGenerator g(5);
  auto state = g.get_state();
  state.resize(5048);
  const double x = 0.25;  // theta = pi/2, so the cached sample is rho * sin(pi/2) = rho
  const double rho = 1.5;
  const std::int32_t valid = 1;
  std::memcpy(state.data() + 5016, &x, 8);
  std::memcpy(state.data() + 5032, &rho, 8);
  std::memcpy(state.data() + 5040, &valid, 4);
  TorchGenerator h;
  h.set_state(state);
  ASSERT_TRUE(h.next_double_normal_sample().has_value());
  EXPECT_DOUBLE_EQ(*h.next_double_normal_sample(), 1.5);
}

TEST(TorchGenerator, SetStateValidatesLikePyTorch) {
  TorchGenerator g;
  std::vector<std::uint8_t> wrong(100);
  try {
    g.set_state(wrong);
    FAIL();
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "Expected either a CPUGeneratorImplStateLegacy of size 5048 or a "
                  "CPUGeneratorImplState of size 5056 but found the input RNG state size to be 100"),
              std::string::npos);
  }
  auto state = g.get_state();
  const std::int32_t bad_left = 0;
  std::memcpy(state.data() + 8, &bad_left, 4);
  EXPECT_THROW(g.set_state(state), RuntimeError);
  state = g.get_state();
  const std::uint64_t bad_next = 625;
  std::memcpy(state.data() + 16, &bad_next, 8);
  EXPECT_THROW(g.set_state(state), RuntimeError);
  state = g.get_state();
  const std::int32_t unseeded = 0;
  std::memcpy(state.data() + 12, &unseeded, 4);
  EXPECT_THROW(g.set_state(state), RuntimeError);
}

TEST(TorchGenerator, FillsFollowMemoryOrderForViews) {
  // A transposed view receives the same draws at the same storage positions as the base tensor.
  TorchGenerator g(3);
  Tensor base = Tensor::empty({4, 6});
  g.uniform_(base, -1, 2);
  TorchGenerator h(3);
  Tensor other = Tensor::empty({4, 6});
  h.uniform_(other.t(), -1, 2);
  EXPECT_EQ(bits_of(base), bits_of(other));
}

TEST(TorchGenerator, EmptyTensorsDrawNothing) {
  TorchGenerator g(1);
  Tensor empty = Tensor::empty({0, 4});
  g.uniform_(empty, 0, 1);
  g.normal_(empty, 0, 1);
  EXPECT_EQ(next_field(g), 0u);
}

TEST(TorchGenerator, UniformBoundChecks) {
  TorchGenerator g;
  Tensor t = Tensor::empty({3});
  EXPECT_THROW(g.uniform_(t, 1.0, 0.0), RuntimeError);
  EXPECT_THROW(g.uniform_(t, -3.5e38, 0.0), RuntimeError);
  Tensor h = Tensor::empty({3}, DType::float16);
  EXPECT_THROW(g.uniform_(h, 0.0, 70000.0), RuntimeError);
  Tensor i = Tensor::empty({3}, DType::int64);
  EXPECT_THROW(g.uniform_(i, 0.0, 1.0), NotImplementedError);
  EXPECT_THROW(g.normal_(t, 0.0, -1.0), RuntimeError);
}

TEST(TorchGenerator, RandpermSmallCases) {
  TorchGenerator g(0);
  EXPECT_EQ(g.randperm(0).numel(), 0);
  EXPECT_EQ(g.randperm(1).to_doubles(), std::vector<double>{0});
  EXPECT_EQ(next_field(g), 0u);  // n <= 1 draws nothing
  EXPECT_THROW(g.randperm(-1), RuntimeError);
}

// torch.randint and Tensor.random_: printed by
//   /usr/bin/python3 -c "import torch
//   torch.manual_seed(0); print(torch.randint(0, 10, (8,)).tolist())
//   torch.manual_seed(0); print(torch.randint(-5, 2**40, (4,)).tolist())
//   torch.manual_seed(3); t = torch.empty(2, 3, dtype=torch.int64).t(); t.random_(0, 1000);
//   print(t.tolist())"
// in PyTorch 1.13, and the same in 2.14 (scripts/in-oracle sid python3 -c ...).
TEST(TorchGenerator, RandomFromToMatchesPyTorch) {
  const auto values = [](const Tensor& t) {
    std::vector<std::int64_t> out;
    for (double v : t.to_doubles()) out.push_back(static_cast<std::int64_t>(v));
    return out;
  };
  TorchGenerator g(0);
  Tensor small = Tensor::empty({8}, DType::int64);
  g.random_(small, 0, 10);
  EXPECT_EQ(values(small), (std::vector<std::int64_t>{4, 9, 3, 0, 3, 9, 7, 3}));
  // A range of 2^32 or more takes a 64-bit draw per element.
  g.manual_seed(0);
  Tensor wide = Tensor::empty({4}, DType::int64);
  g.random_(wide, -5, std::int64_t{1} << 40);
  const std::int64_t* w = wide.data_ptr<std::int64_t>();
  EXPECT_EQ((std::vector<std::int64_t>(w, w + 4)),
            (std::vector<std::int64_t>{741234585336, 506077272957, 291397093751, 841111833108}));
  // A transposed view draws in memory order.
  g.manual_seed(3);
  const Tensor base = Tensor::empty({2, 3}, DType::int64);
  g.random_(base.t(), 0, 1000);
  EXPECT_EQ(values(base.t().contiguous()), (std::vector<std::int64_t>{986, 667, 48, 360, 737, 280}));

  EXPECT_THROW(g.random_(small, 3, 3), RuntimeError);
  EXPECT_THROW(g.random_(Tensor::empty({2}), 0, 3), TypeError);
}

}  // namespace
}  // namespace nninit
