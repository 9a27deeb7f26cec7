#include "nninit/random/mt19937.h"

#include <random>

#include <gtest/gtest.h>

namespace nninit {
namespace {

TEST(MT19937, MatchesStdMt19937ForThirtyTwoBitSeeds) {
  for (std::uint32_t seed : {0u, 1u, 42u, 5489u, 0xffffffffu}) {
    MT19937 ours(seed);
    std::mt19937 reference(seed);
    for (int i = 0; i < 2000; ++i) ASSERT_EQ(ours(), reference()) << "seed " << seed << " draw " << i;
  }
}

TEST(MT19937, OnlyTheLowThirtyTwoBitsOfTheSeedMatter) {
  MT19937 a(0);
  MT19937 b(std::uint64_t{1} << 32);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(a(), b());
}

TEST(MT19937, LeftAndNextFollowPyTorch) {
  // After k <= 624 draws from a fresh seed, next = k and left = 625 - k (docs/rng.md §1).
  MT19937 engine(7);
  EXPECT_EQ(engine.left(), 1);
  for (int k = 1; k <= 624; ++k) {
    engine();
    ASSERT_EQ(engine.next(), static_cast<std::uint64_t>(k));
    ASSERT_EQ(engine.left(), 625 - k);
  }
}

TEST(MT19937, TenThousandthOutputOfDefaultSeed) {
  // The C++ standard fixes the 10000th output of mt19937 with the default seed 5489.
  MT19937 engine;
  std::uint32_t value = 0;
  for (int i = 0; i < 10000; ++i) value = engine();
  EXPECT_EQ(value, 4123659995u);
}

}  // namespace
}  // namespace nninit
