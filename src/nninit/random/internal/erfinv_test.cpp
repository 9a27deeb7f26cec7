// calc_erfinv's build with FMA instructions (used where the CPU has them) equals the portable build,
// whose fused multiply-adds are C library calls, bit for bit.
#include "nninit/random/internal/erfinv.h"

#include <bit>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "nninit/random/host_isa.h"

namespace nninit {
namespace {

TEST(Erfinv, FmaBuildEqualsThePortableBuild) {
  if (detected_host_isa() < HostIsa::avx2) GTEST_SKIP() << "no FMA on this CPU";
  // Every 997th float in [-1, 1] (both branches of the approximation and both signs), and the edges.
  std::vector<float> inputs = {-1.0f, 1.0f, 0.0f, -0.0f, 0.7f, -0.7f, std::nextafter(1.0f, 0.0f), 1.5f};
  for (std::uint32_t bits = 0; bits <= 0x3f800000u; bits += 997) {
    inputs.push_back(std::bit_cast<float>(bits));
    inputs.push_back(-std::bit_cast<float>(bits));
  }
  for (bool correctly_rounded : {false, true}) {
    std::vector<float> portable(inputs.size());
    {
      const ScopedHostIsa generic(HostIsa::generic);
      for (std::size_t i = 0; i < inputs.size(); ++i)
        portable[i] = calc_erfinv(inputs[i], true, correctly_rounded);
    }
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      const float fast = calc_erfinv(inputs[i], true, correctly_rounded);
      ASSERT_EQ(std::bit_cast<std::uint32_t>(fast), std::bit_cast<std::uint32_t>(portable[i]))
          << inputs[i] << " correctly rounded erf " << correctly_rounded;
    }
  }
  std::mt19937_64 engine(5);
  for (int i = 0; i < 20000; ++i) {
    const double y =
        std::bit_cast<double>(engine() >> 2) * (i % 2 == 0 ? 1 : -1);  // [-2, 2) mostly in (-1, 1)
    const double y_unit = std::fmod(y, 1.0);
    double portable;
    {
      const ScopedHostIsa generic(HostIsa::generic);
      portable = calc_erfinv(y_unit, true);
    }
    ASSERT_EQ(std::bit_cast<std::uint64_t>(calc_erfinv(y_unit, true)), std::bit_cast<std::uint64_t>(portable))
        << y_unit;
  }
}

TEST(Erfinv, BatchesEqualOneAtATime) {
  // The interleaved batches against calc_erfinv(y), at every level, over ragged lengths and the edges.
  std::vector<float> inputs = {-1.0f, 1.0f, 0.0f,  -0.0f,         0.7f,
                               -0.7f, 1.5f, -2.0f, std::nanf(""), 0.99999994f};
  std::mt19937 engine(3);
  for (int i = 0; i < 5000; ++i)
    inputs.push_back(std::ldexp(static_cast<float>(engine() >> 8), -24) * 2.0f - 1.0f);
  std::vector<double> doubles(inputs.begin(), inputs.end());
  for (HostIsa level : {HostIsa::generic, HostIsa::avx2}) {
    if (level > detected_host_isa()) continue;
    const ScopedHostIsa scoped(level);
    for (bool fused : {false, true}) {
      for (bool correctly_rounded : {false, true}) {
        for (std::size_t n :
             {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{9}, inputs.size()}) {
          std::vector<float> batch(n);
          calc_erfinv(inputs.data(), batch.data(), n, fused, correctly_rounded);
          for (std::size_t i = 0; i < n; ++i) {
            ASSERT_EQ(std::bit_cast<std::uint32_t>(batch[i]),
                      std::bit_cast<std::uint32_t>(calc_erfinv(inputs[i], fused, correctly_rounded)))
                << inputs[i];
          }
        }
        std::vector<double> batch = doubles;
        calc_erfinv(batch.data(), batch.data(), batch.size(), fused);  // in place
        for (std::size_t i = 0; i < batch.size(); ++i) {
          ASSERT_EQ(std::bit_cast<std::uint64_t>(batch[i]),
                    std::bit_cast<std::uint64_t>(calc_erfinv(doubles[i], fused)))
              << doubles[i];
        }
      }
    }
  }
}

}  // namespace
}  // namespace nninit
