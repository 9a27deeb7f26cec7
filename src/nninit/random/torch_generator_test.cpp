#include "nninit/random/torch_generator.h"

#include <cstring>
#include <limits>

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

std::vector<std::int64_t> int64s(const Tensor& t) {
  const Tensor c = t.contiguous();
  const std::int64_t* p = c.data_ptr<std::int64_t>();
  return {p, p + c.numel()};
}

// Expected values are real PyTorch output, each printed by the command quoted above it, with
// /usr/bin/python3 (Debian's 1.13.1), scripts/in-oracle trixie python3 (2.6.0) or scripts/in-oracle sid
// python3 (2.14.1).
TEST(TorchGenerator, RandomFromToMatchesPyTorch) {
  // torch.manual_seed(0); torch.randint(0, 10, (8,)).tolist()   (1.13, 2.6 and 2.14 agree)
  for (TorchVersion version : {TorchVersion{1, 13}, TorchVersion{2, 14}}) {
    TorchGenerator g(0, {.version = version});
    const Tensor t = Tensor::empty({8}, DType::int64);
    g.random_(t, 0, 10);
    EXPECT_EQ(int64s(t), (std::vector<std::int64_t>{4, 9, 3, 0, 3, 9, 7, 3}));
  }
  // torch.manual_seed(0); torch.empty(6, dtype=torch.int64).random_(-5, 2**32).tolist()
  // A range of 2^32 + 5: random64() % range + from (1.13 and 2.14 agree).
  for (TorchVersion version : {TorchVersion{1, 13}, TorchVersion{2, 14}}) {
    TorchGenerator g(0, {.version = version});
    const Tensor t = Tensor::empty({6}, DType::int64);
    g.random_(t, -5, std::int64_t{1} << 32);
    EXPECT_EQ(int64s(t), (std::vector<std::int64_t>{3645469917, 1152420993, 3625505462, 527575965, 2170202795,
                                                    665338259}));
  }
  // torch.manual_seed(0); torch.randint(-2**63, 2**63 - 1, (3,)).tolist()   (1.13): the range 2^64 - 1
  {
    TorchGenerator g(0, {.version = {1, 13}});
    const Tensor t = Tensor::empty({3}, DType::int64);
    g.random_(t, std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max());
    EXPECT_EQ(int64s(t),
              (std::vector<std::int64_t>{900450186894289455, 3969543146641149120, 1895649597198586619}));
  }
}

TEST(TorchGenerator, RandomFromToTakes64BitDrawsFrom2To28Since2_7) {
  // torch.manual_seed(0); torch.randint(0, 2**28, (4,)).tolist()
  //   1.13 and 2.6: [209652396, 130329135, 118924917, 136432832]   (random() % 2^28)
  //   2.14:         [130329135, 136432832, 195187451, 149257575]   (random64() % 2^28)
  // torch.manual_seed(0); torch.randint(0, 2**28 - 1, (4,)).tolist()
  //   2.14:         [209652404, 130329144, 118924928, 136432845]   (random() below 2^28)
  const std::pair<TorchVersion, std::vector<std::int64_t>> cases[] = {
      {{1, 13}, {209652396, 130329135, 118924917, 136432832}},
      {{2, 6}, {209652396, 130329135, 118924917, 136432832}},
      {{2, 14}, {130329135, 136432832, 195187451, 149257575}},
  };
  for (const auto& [version, expected] : cases) {
    TorchGenerator g(0, {.version = version});
    const Tensor t = Tensor::empty({4}, DType::int64);
    g.random_(t, 0, std::int64_t{1} << 28);
    EXPECT_EQ(int64s(t), expected) << version.str();
  }
  TorchGenerator g(0, {.version = {2, 14}});
  const Tensor t = Tensor::empty({4}, DType::int64);
  g.random_(t, 0, (std::int64_t{1} << 28) - 1);
  EXPECT_EQ(int64s(t), (std::vector<std::int64_t>{209652404, 130329144, 118924928, 136432845}));
}

TEST(TorchGenerator, RandomFromToFollowsMemoryOrder) {
  // torch.manual_seed(0); a = torch.empty(3, 4, dtype=torch.int64).t(); a.random_(0, 1000); a.tolist()
  // (1.13): a transposed view draws in its storage's order.
  TorchGenerator g(0, {.version = {1, 13}});
  const Tensor a = Tensor::empty({3, 4}, DType::int64).t();
  g.random_(a, 0, 1000);
  EXPECT_EQ(int64s(a),
            (std::vector<std::int64_t>{44, 963, 497, 239, 379, 683, 933, 427, 101, 760, 503, 866}));
}

TEST(TorchGenerator, RandomFromToChecks) {
  TorchGenerator g(0);
  // torch.empty(3, dtype=torch.int64).random_(5, 5) raises
  // RuntimeError: random_ expects 'from' to be less than 'to', but got from=5 >= to=5
  const Tensor t = Tensor::empty({3}, DType::int64);
  try {
    g.random_(t, 5, 5);
    FAIL() << "no error";
  } catch (const RuntimeError& e) {
    EXPECT_STREQ(e.what(), "random_: random_ expects 'from' to be less than 'to', but got from=5 >= to=5");
  }
  EXPECT_THROW(g.random_(Tensor::empty({3}), 0, 5), TypeError);
  EXPECT_EQ(next_field(g), 0u);  // neither drew
  g.random_(Tensor::empty({0}, DType::int64), 0, 5);
  EXPECT_EQ(next_field(g), 0u);  // an empty tensor draws nothing
}

}  // namespace
}  // namespace nninit

namespace nninit {
namespace {

// With values unneeded, every call leaves the generator exactly where the computing call leaves it: all
// dtypes, sizes around the 16-value blocks and the parallel split, views (the per-element path), every
// release's paths (the 16-bit blockwise kernel from 2.13, the resampling trunc_normal_ from 2.11).
TEST(TorchGenerator, ValuesUnneededAdvancesAsTheComputingCall) {
  const std::vector<Shape> shapes = {{5}, {16}, {17}, {31}, {300}, {40, 33}, {1 << 18}, {(1 << 18) + 7}};
  for (const TorchVersion version : {TorchVersion{1, 13}, TorchVersion{2, 6}, TorchVersion{2, 14}}) {
    for (const DType dtype : {DType::float32, DType::float64, DType::float16, DType::bfloat16}) {
      for (const Shape& shape : shapes) {
        for (int call = 0; call < 4; ++call) {
          for (const bool transposed : {false, true}) {
            SCOPED_TRACE(::testing::Message()
                         << version.str() << " " << dtype_name(dtype) << " numel " << shape_numel(shape)
                         << " call " << call << " t " << transposed);
            TorchGenerator computing(3, {.version = version, .capability = TorchCapability::avx2});
            TorchGenerator skipping = computing;
            // A cached normal sample first, so that the per-element path's use of it is covered.
            const Tensor small = Tensor::empty({3}, DType::float64);
            computing.normal_(small, 0.0, 1.0);
            skipping.normal_(small, 0.0, 1.0);
            skipping.set_values_unneeded(true);
            std::vector<bool> threw;  // a release's refusal (trunc_normal_ on Half in 1.13) must be the same
            for (TorchGenerator* g : {&computing, &skipping}) {
              Tensor t = Tensor::empty(shape, dtype);
              if (transposed && t.dim() == 2) t = t.t();
              try {
                switch (call) {
                  case 0: g->uniform_(t, -0.5, 0.5); break;
                  case 1: g->normal_(t, 0.1, 2.0); break;
                  case 2: g->trunc_normal_(t, 0.0, 1.0, -0.5, 0.5); break;
                  default: g->normal_(t.narrow(0, 0, t.size(0) / 2), 0.0, 1.0); break;
                }
                threw.push_back(false);
              } catch (const Error&) {
                threw.push_back(true);
              }
            }
            EXPECT_EQ(threw[0], threw[1]);
            EXPECT_EQ(computing.get_state(), skipping.get_state());
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace nninit
