// Every vectorised kernel of fill_kernels.h equals its scalar reference, bit for bit, on every host
// instruction set this machine has (generic always; avx2 and avx512 where the CPU supports them). The
// transform of normal_ is checked on its whole input domain: all 2^24 possible uniforms in both halves of a
// pair.
#include "nninit/random/internal/fill_kernels.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "nninit/random/internal/box_muller.h"
#include "nninit/random/mt19937.h"

namespace nninit::fill_kernels {
namespace {

// The levels above generic that this CPU can run.
std::vector<const Kernels*> fast_tables() {
  std::vector<const Kernels*> tables;
  for (HostIsa level : {HostIsa::avx2, HostIsa::avx512}) {
    if (level <= host_isa()) tables.push_back(&kernels_for(level));
  }
  return tables;
}

std::string name(const Kernels& k) {
  return std::string(host_isa_name(k.level));
}

std::vector<std::uint32_t> random_words(std::size_t n, std::uint32_t seed) {
  std::mt19937 engine(seed);
  std::vector<std::uint32_t> words(n);
  for (auto& w : words) w = engine();
  return words;
}

// A zero-filled buffer whose data() is 64-byte aligned, so that streaming stores are exercised.
template <class T>
class AlignedBuffer {
 public:
  explicit AlignedBuffer(std::size_t n, T value) : storage_(n + 64 / sizeof(T), value) {
    const auto address = reinterpret_cast<std::uintptr_t>(storage_.data());
    offset_ = ((64 - address % 64) % 64) / sizeof(T);
  }
  T* data() { return storage_.data() + offset_; }

 private:
  std::vector<T> storage_;
  std::size_t offset_ = 0;
};

template <class T>
void expect_same_bits(const T* ours, const T* reference, std::size_t n, const std::string& what) {
  for (std::size_t i = 0; i < n; ++i) {
    if (std::memcmp(ours + i, reference + i, sizeof(T)) != 0) {
      FAIL() << what << ": element " << i << " of " << n << " differs: " << ours[i] << " vs " << reference[i];
    }
  }
}

// Sizes around every vector width and chunk boundary.
const std::size_t sizes[] = {0,  1,  2,  3,  7,  8,   9,   15,  16,  17,   31,
                             32, 33, 63, 64, 65, 100, 623, 624, 625, 2048, 2053};

TEST(FillKernels, TheLevelInUseNeverExceedsTheCpu) {
  EXPECT_LE(host_isa(), detected_host_isa());
  EXPECT_LE(kernels().level, detected_host_isa());
  {
    const ScopedHostIsa generic(HostIsa::generic);
    EXPECT_EQ(host_isa(), HostIsa::generic);
    EXPECT_EQ(kernels().level, HostIsa::generic);
  }
  EXPECT_EQ(kernels_for(HostIsa::avx512).level, std::min(HostIsa::avx512, detected_host_isa()));
}

TEST(FillKernels, ReferenceTwistIsTheTextbookOne) {
  // The three-segment twist equals the definition with indices taken modulo 624.
  for (std::uint32_t seed : {0u, 1u, 5489u, 0xdeadbeefu}) {
    std::vector<std::uint32_t> state = random_words(624, seed);
    std::vector<std::uint32_t> textbook = state;
    for (int i = 0; i < 624; ++i) {
      const std::uint32_t y = (textbook[i] & 0x80000000u) | (textbook[(i + 1) % 624] & 0x7fffffffu);
      textbook[i] = textbook[(i + 397) % 624] ^ (y >> 1) ^ ((y & 1u) != 0 ? 0x9908b0dfu : 0u);
    }
    MT19937::regenerate_reference(state.data());
    EXPECT_EQ(state, textbook);
  }
}

TEST(FillKernels, TwistAndTemperEqualTheReference) {
  for (const Kernels* k : fast_tables()) {
    for (std::uint32_t seed = 0; seed < 200; ++seed) {
      std::vector<std::uint32_t> ours = random_words(624, seed);
      std::vector<std::uint32_t> reference = ours;
      for (int round = 0; round < 3; ++round) {
        k->mt_regenerate(ours.data());
        MT19937::regenerate_reference(reference.data());
        ASSERT_EQ(ours, reference) << name(*k) << " seed " << seed << " round " << round;
      }
    }
    const std::vector<std::uint32_t> state = random_words(700, 7);
    for (std::size_t n : sizes) {
      if (n > state.size()) continue;
      std::vector<std::uint32_t> ours(n + 1, 0xaaaaaaaau);
      std::vector<std::uint32_t> reference(n + 1, 0xaaaaaaaau);
      k->mt_temper(state.data(), ours.data(), n);
      generic_kernels.mt_temper(state.data(), reference.data(), n);
      ASSERT_EQ(ours, reference) << name(*k) << " n " << n;
    }
  }
}

TEST(FillKernels, BulkDrawsEqualOneAtATime) {
  // MT19937::fill, at every level, against operator() with the reference twist; including restored
  // states whose `next` and `left` do not add up to 625, and fills interleaved with single draws.
  const std::size_t lengths[] = {0, 1, 2, 15, 16, 17, 623, 624, 625, 1000, 1247, 1248, 1249, 5000};
  for (HostIsa level : {HostIsa::generic, HostIsa::avx2, HostIsa::avx512}) {
    if (level > detected_host_isa()) continue;
    for (std::uint64_t seed : {0ull, 42ull, 67280421310721ull}) {
      for (int start = 0; start < 4; ++start) {
        MT19937 ours(seed);
        MT19937 reference(seed);
        if (start > 0) {
          // restored states: (left, next) = (5, 0), (624, 1), (1, 624)
          const int left[] = {0, 5, 624, 1};
          const std::uint64_t next[] = {0, 0, 1, 624};
          std::array<std::uint32_t, 624> words{};
          const auto random = random_words(624, static_cast<std::uint32_t>(seed) + 1);
          std::copy(random.begin(), random.end(), words.begin());
          ours.restore(words, left[start], next[start]);
          reference.restore(words, left[start], next[start]);
        }
        for (std::size_t n : lengths) {
          std::vector<std::uint32_t> bulk(n);
          {
            const ScopedHostIsa scoped(level);
            ours.fill(bulk.data(), n);
          }
          const ScopedHostIsa scoped(HostIsa::generic);
          for (std::size_t i = 0; i < n; ++i) {
            ASSERT_EQ(bulk[i], reference())
                << host_isa_name(level) << " seed " << seed << " start " << start << " n " << n << " i " << i;
          }
          ASSERT_EQ(ours.left(), reference.left());
          ASSERT_EQ(ours.next(), reference.next());
          ASSERT_EQ(ours.words(), reference.words());
          ASSERT_EQ(ours(), reference());  // a single draw between fills
        }
      }
    }
  }
}

TEST(FillKernels, DiscardEqualsDrawing) {
  for (HostIsa level : {HostIsa::generic, HostIsa::avx2, HostIsa::avx512}) {
    if (level > detected_host_isa()) continue;
    const ScopedHostIsa scoped(level);
    for (std::uint64_t n :
         {0ull, 1ull, 2ull, 622ull, 623ull, 624ull, 625ull, 1247ull, 1248ull, 1249ull, 100000ull}) {
      for (int skew = 0; skew < 3; ++skew) {
        MT19937 ours(99);
        MT19937 reference(99);
        for (int i = 0; i < skew * 300; ++i) {
          ours();
          reference();
        }
        ours.discard(n);
        for (std::uint64_t i = 0; i < n; ++i) reference();
        ASSERT_EQ(ours.left(), reference.left()) << n;
        ASSERT_EQ(ours.next(), reference.next()) << n;
        ASSERT_EQ(ours.words(), reference.words()) << n;
        ASSERT_EQ(ours(), reference()) << n;
      }
    }
  }
}

TEST(FillKernels, UniformFloatEqualsTheReference) {
  std::vector<UniformFloat> cases;
  const std::pair<double, double> bounds[] = {{0, 1},         {-0.0625, 0.0625}, {-0.1, 0.1}, {0.2, 3.7},
                                              {-2.5, 7.25},   {1, 1.0000001},    {-3, -3},    {-1e30, 1e30},
                                              {-0.99, 0.995}, {1e-5, 2e-5}};
  for (auto [from, to] : bounds) {
    for (std::uint32_t bits : {24u, 11u, 8u}) {
      for (int flags = 0; flags < 4; ++flags) {
        UniformFloat p;
        p.mask = (1u << bits) - 1u;
        p.scale = std::ldexp(1.0f, -static_cast<int>(bits));
        p.from = static_cast<float>(from);
        p.to = static_cast<float>(to);
        p.range = p.to - p.from;
        p.fused = (flags & 1) != 0;
        p.clamp = (flags & 2) != 0;
        cases.push_back(p);
      }
    }
  }
  const std::vector<std::uint32_t> words = random_words(4200, 3);
  for (const Kernels* k : fast_tables()) {
    for (const UniformFloat& p : cases) {
      for (std::size_t n : sizes) {
        for (std::size_t misalign : {0u, 1u, 3u}) {
          for (bool stream : {false, true}) {
            AlignedBuffer<float> ours(n + 16, -7.0f);
            AlignedBuffer<float> reference(n + 16, -7.0f);
            k->uniform_float(words.data() + misalign, ours.data() + misalign, n, p, stream);
            generic_kernels.uniform_float(words.data() + misalign, reference.data() + misalign, n, p, false);
            expect_same_bits(ours.data(), reference.data(), n + 16,
                             fmt::format("{} uniform_float [{}, {}) mask {:x} fused {} clamp {} n {}",
                                         name(*k), p.from, p.to, p.mask, p.fused, p.clamp, n));
          }
        }
      }
    }
  }
}

TEST(FillKernels, UniformDoubleEqualsTheReference) {
  const std::vector<std::uint32_t> words = random_words(8400, 4);
  const std::pair<double, double> bounds[] = {
      {0, 1}, {-0.1, 0.1}, {0.2, 3.7}, {1, 1 + 1e-15}, {-1e300, 1e300}};
  for (const Kernels* k : fast_tables()) {
    for (auto [from, to] : bounds) {
      for (int flags = 0; flags < 4; ++flags) {
        const UniformDouble p{.from = from, .to = to, .fused = (flags & 1) != 0, .clamp = (flags & 2) != 0};
        for (std::size_t n : sizes) {
          for (bool stream : {false, true}) {
            AlignedBuffer<double> ours(n + 8, -7.0);
            AlignedBuffer<double> reference(n + 8, -7.0);
            k->uniform_double(words.data(), ours.data(), n, p, stream);
            generic_kernels.uniform_double(words.data(), reference.data(), n, p, false);
            expect_same_bits(
                ours.data(), reference.data(), n + 8,
                fmt::format("{} uniform_double [{}, {}) flags {} n {}", name(*k), from, to, flags, n));
          }
        }
      }
    }
  }
}

TEST(FillKernels, NarrowingEqualsTheReference) {
  // Every 1021st float bit pattern (all signs, exponents and rounding cases), plus the patterns around
  // each rounding boundary of both formats.
  std::vector<float> inputs;
  for (std::uint64_t bits = 0; bits <= 0xffffffffu; bits += 1021) {
    inputs.push_back(std::bit_cast<float>(static_cast<std::uint32_t>(bits)));
  }
  for (std::uint32_t sign : {0u, 0x80000000u}) {
    for (std::uint32_t edge :
         {0x0u, 0x33000000u, 0x33800000u, 0x38800000u, 0x477fe000u, 0x477ff000u, 0x47800000u, 0x7f7f8000u,
          0x7f800000u, 0x7fc00000u, 0x3f808000u, 0x3f818000u}) {
      for (std::uint32_t d = 0; d < 64; ++d) {
        inputs.push_back(std::bit_cast<float>(sign | (edge + d)));
        inputs.push_back(std::bit_cast<float>(sign | (edge - d)));
      }
    }
  }
  for (const Kernels* k : fast_tables()) {
    for (DType dtype : {DType::float16, DType::bfloat16}) {
      const std::vector<Narrow> cases = {
          {.dtype = dtype},
          {.dtype = dtype, .replace = true, .to_bits = 0x3c00, .from_bits = 0x1234},  // to = 1 (Half)
          {.dtype = dtype, .replace = true, .to_bits = 0x3f80, .from_bits = 0xbf80},  // to = 1 (BFloat16)
          {.dtype = dtype, .replace = true, .to_bits = 0x8000, .from_bits = 0x0001},  // to = -0
          {.dtype = dtype, .replace = true, .to_bits = 0x7e00, .from_bits = 0x0001},  // to = NaN (Half)
          {.dtype = dtype, .replace = true, .to_bits = 0x7fc0, .from_bits = 0x0001},  // to = NaN (BFloat16)
      };
      for (const Narrow& p : cases) {
        std::vector<std::uint16_t> reference(inputs.size());
        generic_kernels.narrow16(inputs.data(), reference.data(), inputs.size(), p, false);
        AlignedBuffer<std::uint16_t> ours(inputs.size(), 0);
        k->narrow16(inputs.data(), ours.data(), inputs.size(), p, &p == &cases.front());
        for (std::size_t i = 0; i < inputs.size(); ++i) {
          ASSERT_EQ(ours.data()[i], reference[i])
              << name(*k) << " " << dtype_name(dtype) << " to " << p.to_bits << " input bits "
              << std::bit_cast<std::uint32_t>(inputs[i]);
        }
        for (std::size_t n : sizes) {  // the ragged ends
          std::vector<std::uint16_t> ragged(n + 3, 0x5555);
          std::vector<std::uint16_t> ragged_reference(n + 3, 0x5555);
          k->narrow16(inputs.data() + 1000, ragged.data() + 1, n, p, false);
          generic_kernels.narrow16(inputs.data() + 1000, ragged_reference.data() + 1, n, p, false);
          ASSERT_EQ(ragged, ragged_reference) << name(*k) << " n " << n;
        }
      }
    }
  }
}

}  // namespace
}  // namespace nninit::fill_kernels
