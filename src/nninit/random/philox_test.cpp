// PhiloxGenerator (docs/rng.md §11): the Philox4x32-10 function against Random123's known answers and its
// own implementation, the key derivation against published test vectors, and the promise that element i of
// parameter P is a pure function of (seed, P, i): whatever the threads, the instruction set, the order of
// the parameters or the slicing. The distributions are checked by their bounds and statistics.
#include "nninit/random/philox.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <random>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#if __has_include(<Random123/philox.h>)
#include <Random123/philox.h>
// Random123 also defines philox4x32(c, k) as a macro for its C API; the tests call nninit's function.
#undef philox4x32
#define NNINIT_HAVE_RANDOM123 1
#endif

#include "nninit/core/error.h"
#include "nninit/core/threads.h"
#include "nninit/random/host_isa.h"
#include "statistics.h"

namespace nninit {
namespace {

std::vector<std::byte> bytes_of(const Tensor& t) {
  const Tensor c = t.contiguous();
  const auto* p = reinterpret_cast<const std::byte*>(c.raw_data());
  return {p, p + static_cast<std::size_t>(c.numel()) * itemsize(c.dtype())};
}

// ---- the function and the key
// ------------------------------------------------------------------------------

TEST(Philox, KnownAnswersOfRandom123) {
  // tests/data/philox_known_answers.txt: Random123's kat_vectors (its header says which package and file).
  std::ifstream in(std::string(NNINIT_SOURCE_DIR) + "/tests/data/philox_known_answers.txt");
  ASSERT_TRUE(in) << "tests/data/philox_known_answers.txt is missing";
  std::string line;
  int checked = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string name;
    int rounds = 0;
    fields >> name >> rounds >> std::hex;
    ASSERT_EQ(name, "philox4x32");
    ASSERT_EQ(rounds, 10);
    PhiloxCounter counter;
    PhiloxKey key;
    PhiloxCounter expected;
    for (auto& w : counter) fields >> w;
    for (auto& w : key) fields >> w;
    for (auto& w : expected) fields >> w;
    ASSERT_FALSE(fields.fail()) << line;
    EXPECT_EQ(philox4x32(counter, key), expected) << line;
    ++checked;
  }
  EXPECT_EQ(checked, 3);
}

#ifdef NNINIT_HAVE_RANDOM123
TEST(Philox, EqualsRandom123sImplementation) {
  // r123::Philox4x32 from Debian's librandom123-dev, on random counters and keys.
  std::mt19937_64 engine(20111112);
  const r123::Philox4x32 reference;
  for (int n = 0; n < 100000; ++n) {
    PhiloxCounter counter;
    PhiloxKey key;
    for (auto& w : counter) w = static_cast<std::uint32_t>(engine());
    for (auto& w : key) w = static_cast<std::uint32_t>(engine());
    const r123::Philox4x32::ctr_type c = {{counter[0], counter[1], counter[2], counter[3]}};
    const r123::Philox4x32::key_type k = {{key[0], key[1]}};
    const r123::Philox4x32::ctr_type r = reference(c, k);
    ASSERT_EQ(philox4x32(counter, key), (PhiloxCounter{r.v[0], r.v[1], r.v[2], r.v[3]}))
        << fmt::format("counter {:08x} {:08x} {:08x} {:08x} key {:08x} {:08x}", counter[0], counter[1],
                       counter[2], counter[3], key[0], key[1]);
  }
}
#else
TEST(Philox, EqualsRandom123sImplementation) {
  GTEST_SKIP() << "Random123's headers are not installed (scripts/install-deps: librandom123-dev)";
}
#endif

TEST(Philox, KeyDerivation) {
  // FNV-1a 64 test vectors of the FNV reference code (Noll's test_fnv.c, also draft-eastlake-fnv).
  EXPECT_EQ(fnv1a_64(""), 0xcbf29ce484222325u);
  EXPECT_EQ(fnv1a_64("a"), 0xaf63dc4c8601ec8cu);
  EXPECT_EQ(fnv1a_64("foobar"), 0x85944171f73967e8u);
  // SplitMix64's first output for seed 1234567 (its published test vector).
  EXPECT_EQ(splitmix64(1234567), 6457827717110365317u);
  // §11.2, composed by hand; names are UTF-8 bytes.
  const std::uint64_t k = splitmix64(42 ^ splitmix64(fnv1a_64("0.weight")));
  EXPECT_EQ(philox_key(42, "0.weight"),
            (PhiloxKey{static_cast<std::uint32_t>(k), static_cast<std::uint32_t>(k >> 32)}));
  EXPECT_NE(philox_key(42, "0.weight"), philox_key(42, "0.bias"));
  EXPECT_NE(philox_key(42, "0.weight"), philox_key(43, "0.weight"));
  EXPECT_EQ(PhiloxGenerator(42, "0.weight").key(), philox_key(42, "0.weight"));
  EXPECT_EQ(PhiloxGenerator(7).stream("x").key(), philox_key(7, "x"));
  EXPECT_EQ(PhiloxGenerator(7, "café").key(), philox_key(7, "caf\xc3\xa9"));
}

TEST(Philox, ElementValuesFollowTheCounterLayout) {
  // §11.3 and §11.4 from the function itself: uniform_ on float32 puts word k of block 16g + l at element
  // 64g + 16k + l as (word >> 8) * 2^-24; random_(0, 2^62) puts block i at element i.
  const PhiloxGenerator stream(5, "w");
  const Tensor u = Tensor::empty({200});
  PhiloxGenerator(stream).uniform_(u, 0.0, 1.0);
  const Tensor r = Tensor::empty({40}, DType::int64);
  PhiloxGenerator after_one(stream);
  after_one.uniform_(Tensor::empty({0}), 0.0, 1.0);  // draw 0, so random_ below is draw 1
  after_one.random_(r, 0, std::int64_t{1} << 62);
  for (std::uint64_t i = 0; i < 200; ++i) {
    const std::uint64_t b = i / 64 * 16 + i % 16;
    const PhiloxCounter w = philox4x32({static_cast<std::uint32_t>(b), 0, 0, 0}, stream.key());
    EXPECT_EQ(u.data_ptr<float>()[i], static_cast<float>(w[i % 64 / 16] >> 8) * 0x1p-24f) << i;
  }
  for (std::uint32_t i = 0; i < 40; ++i) {
    const PhiloxCounter w = philox4x32({i, 0, 1, 0}, stream.key());
    const std::uint64_t top = (std::uint64_t{w[3]} << 32) | w[2];
    EXPECT_EQ(r.data_ptr<std::int64_t>()[i], static_cast<std::int64_t>(top >> 2)) << i;  // the top 62 bits
  }
}

// ---- the promise: a pure function of (seed, P, i)
// -------------------------------------------------------------

// One Generator call per distribution, on a tensor of the given dtype.
struct Call {
  const char* name;
  void (*draw)(Generator&, const Tensor&);
  PhiloxDistribution distribution;
  bool integers = false;
};

const Call calls[] = {
    {"uniform_", [](Generator& g, const Tensor& t) { g.uniform_(t, -0.25, 0.75); },
     PhiloxUniform{-0.25, 0.75}},
    {"normal_", [](Generator& g, const Tensor& t) { g.normal_(t, 0.5, 2.0); }, PhiloxNormal{0.5, 2.0}},
    {"trunc_normal_ wide", [](Generator& g, const Tensor& t) { g.trunc_normal_(t, 0.0, 1.0, -1.0, 1.5); },
     PhiloxTruncNormal{0.0, 1.0, -1.0, 1.5}},
    // most elements need the inverse CDF (about 7% of the mass lies in the window)
    {"trunc_normal_ narrow", [](Generator& g, const Tensor& t) { g.trunc_normal_(t, 0.0, 1.0, 0.5, 0.7); },
     PhiloxTruncNormal{0.0, 1.0, 0.5, 0.7}},
    {"random_", [](Generator& g, const Tensor& t) { g.random_(t, -3, 1000003); }, PhiloxRandom{-3, 1000003},
     true},
};

std::vector<DType> dtypes_of(const Call& call) {
  if (call.integers) return {DType::int64};
  return {DType::float32, DType::float64, DType::bfloat16, DType::float16};
}

std::vector<std::byte> fill_whole(const Call& call, DType dtype, const Shape& shape) {
  PhiloxGenerator stream(2024, "layer.weight");
  const Tensor t = Tensor::empty(shape, dtype);
  call.draw(stream, t);
  return bytes_of(t);
}

TEST(Philox, SameBytesWhateverTheThreadCount) {
  // 2^19 + 37 elements: every thread count below gets ranges of at least the 2^16-element grain.
  const Shape shape = {1024, 512 + 37};
  for (const Call& call : calls) {
    for (DType dtype : dtypes_of(call)) {
      std::vector<std::byte> reference;
      for (int threads : {1, 2, 3, 7}) {
        const ScopedThreadCount scoped(threads);
        const auto bytes = fill_whole(call, dtype, shape);
        if (threads == 1) {
          reference = bytes;
        } else {
          ASSERT_EQ(bytes, reference)
              << call.name << " " << dtype_name(dtype) << " " << threads << " threads";
        }
      }
    }
  }
}

TEST(Philox, SameBytesAtEveryInstructionSetLevel) {
  const Shape shape = {333, 97};
  for (const Call& call : calls) {
    for (DType dtype : dtypes_of(call)) {
      std::vector<std::byte> reference;
      {
        const ScopedHostIsa generic(HostIsa::generic);
        reference = fill_whole(call, dtype, shape);
      }
      for (HostIsa level : {HostIsa::avx2, HostIsa::avx512}) {
        if (level > detected_host_isa()) continue;
        const ScopedHostIsa scoped(level);
        EXPECT_EQ(fill_whole(call, dtype, shape), reference)
            << call.name << " " << dtype_name(dtype) << " at " << host_isa_name(level);
      }
    }
  }
}

TEST(Philox, ParameterOrderDoesNotMatter) {
  const PhiloxGenerator philox(99);
  const char* names[] = {"encoder.weight", "encoder.bias", "decoder.weight"};
  auto fill = [&](const char* name) {
    PhiloxGenerator stream = philox.stream(name);
    const Tensor t = Tensor::empty({61, 29});
    stream.normal_(t, 0.0, 0.02);
    return bytes_of(t);
  };
  const auto a = fill(names[0]);
  const auto b = fill(names[1]);
  const auto c = fill(names[2]);
  EXPECT_EQ(fill(names[2]), c);
  EXPECT_EQ(fill(names[0]), a);
  EXPECT_EQ(fill(names[1]), b);
  EXPECT_NE(a, b);
  EXPECT_NE(a, c);
}

TEST(Philox, StreamsAreKeyedBySeedAndNameAndCountTheirDraws) {
  auto normal = [](PhiloxGenerator& g) {
    const Tensor t = Tensor::empty({100});
    g.normal_(t, 0.0, 1.0);
    return bytes_of(t);
  };
  PhiloxGenerator a(1, "w");
  PhiloxGenerator same(1, "w");
  PhiloxGenerator other_name(1, "v");
  PhiloxGenerator other_seed(2, "w");
  const auto first = normal(a);
  EXPECT_EQ(a.draws(), 1u);
  EXPECT_EQ(normal(same), first);
  EXPECT_NE(normal(other_name), first);
  EXPECT_NE(normal(other_seed), first);
  EXPECT_NE(normal(a), first);  // draw 1
  PhiloxGenerator fresh = a.stream("w");
  EXPECT_EQ(normal(fresh), first);
  // A failed call draws nothing; an empty tensor still takes its draw number.
  PhiloxGenerator b(1, "w");
  EXPECT_THROW(b.normal_(Tensor::empty({3}), 0.0, -1.0), RuntimeError);
  EXPECT_EQ(b.draws(), 0u);
  b.normal_(Tensor::empty({0}), 0.0, 1.0);
  EXPECT_EQ(b.draws(), 1u);
}

TEST(Philox, ValuesFollowTheLogicalIndexNotTheMemoryLayout) {
  // A tensor filled through a transposed or channels-last view holds the values of a contiguous fill at
  // the same logical positions.
  for (const Call& call : calls) {
    const DType dtype = call.integers ? DType::int64 : DType::float32;
    PhiloxGenerator contiguous(3, "p");
    PhiloxGenerator transposed(3, "p");
    const Tensor a = Tensor::empty({37, 70}, dtype);
    const Tensor b = Tensor::empty({70, 37}, dtype).t();
    call.draw(contiguous, a);
    call.draw(transposed, b);
    EXPECT_EQ(bytes_of(b), bytes_of(a)) << call.name;
  }
}

// ---- slices
// ---------------------------------------------------------------------------------------------------

TEST(Philox, AnySliceEqualsThatPartOfTheWhole) {
  const Shape shape = {37, 141};  // rows of 141 elements cross the groups of 64 (or 32) at varied points
  for (const Call& call : calls) {
    for (DType dtype : dtypes_of(call)) {
      const PhiloxGenerator stream(11, "mlp.0.weight");
      const Tensor whole = Tensor::empty(shape, dtype);
      PhiloxGenerator for_whole = stream;
      call.draw(for_whole, whole);
      const Tensor whole3 = whole.view({37, 3, 47});
      const std::vector<std::pair<std::string, Tensor>> views = {
          {"rows", whole.narrow(0, 5, 11)},
          {"columns", whole.narrow(1, 17, 70)},
          {"one column", whole.select(1, 64)},
          {"elements", whole.flatten().slice(0, 100, 3000)},
          {"transposed", whole.t()},
          {"strided", whole.slice(0, 1, std::nullopt, 3).slice(1, 2, std::nullopt, 5)},
          {"permuted", whole3.permute(std::vector<std::int64_t>{2, 0, 1}).narrow(1, 3, 20)},
          {"one element", whole.select(0, 36).select(0, 140)},
      };
      for (const auto& [what, view] : views) {
        const std::string label = fmt::format("{} {} {}", call.name, dtype_name(dtype), what);
        const PhiloxSlice where = PhiloxSlice::of(view, whole);
        // into a contiguous tensor
        const Tensor part = Tensor::empty(view.sizes(), dtype);
        philox_fill_slice(stream, part, where, call.distribution);
        EXPECT_EQ(bytes_of(part), bytes_of(view)) << label;
        // into a tensor laid out backwards (its last dimension outermost)
        if (view.dim() >= 2) {
          Shape reversed(view.sizes().rbegin(), view.sizes().rend());
          std::vector<std::int64_t> back(static_cast<std::size_t>(view.dim()));
          for (std::size_t d = 0; d < back.size(); ++d)
            back[d] = view.dim() - 1 - static_cast<std::int64_t>(d);
          const Tensor strided = Tensor::empty(reversed, dtype).permute(back);
          philox_fill_slice(stream, strided, where, call.distribution);
          EXPECT_EQ(bytes_of(strided), bytes_of(view)) << label << " (strided destination)";
        }
      }
      // PhiloxSlice::narrow names the same rows without a whole tensor.
      const Tensor rows = Tensor::empty({11, 141}, dtype);
      philox_fill_slice(stream, rows, PhiloxSlice::narrow(shape, 0, 5, 11), call.distribution);
      EXPECT_EQ(bytes_of(rows), bytes_of(whole.narrow(0, 5, 11))) << call.name;
      EXPECT_EQ(stream.draws(), 0u);  // philox_fill_slice does not advance the stream
    }
  }
}

TEST(Philox, SliceChecks) {
  const PhiloxGenerator stream(1, "w");
  const Tensor part = Tensor::empty({4, 5});
  EXPECT_THROW(philox_fill_slice(stream, part, PhiloxSlice::all({5, 4}), PhiloxNormal{}), ValueError);
  EXPECT_THROW(philox_fill_slice(stream, part, PhiloxSlice::narrow({10, 5}, 0, 7, 4), PhiloxNormal{}),
               IndexError);
  PhiloxSlice beyond = PhiloxSlice::narrow({10, 5}, 0, 6, 4);
  beyond.offset += 1;
  EXPECT_THROW(philox_fill_slice(stream, part, beyond, PhiloxNormal{}), ValueError);
  EXPECT_THROW(PhiloxSlice::of(part, Tensor::empty({4, 5})), ValueError);
}

// ---- values
// ---------------------------------------------------------------------------------------------------

TEST(Philox, SixteenBitValuesAreTheFloat32ValuesRoundedOnce) {
  for (const Call& call : calls) {
    if (call.integers) continue;
    PhiloxGenerator for_float(8, "emb");
    const Tensor f = Tensor::empty({4099});
    call.draw(for_float, f);
    for (DType dtype : {DType::bfloat16, DType::float16}) {
      PhiloxGenerator for_16(8, "emb");
      const Tensor h = Tensor::empty({4099}, dtype);
      call.draw(for_16, h);
      EXPECT_EQ(bytes_of(h), bytes_of(f.to(dtype))) << call.name << " " << dtype_name(dtype);
    }
  }
}

TEST(Philox, UniformStaysInsideItsHalfOpenInterval) {
  // [1, 1 + 2^-20) holds 8 floats: most fma results round up to `to` and must come down below it.
  const std::pair<double, double> bounds[] = {{0.0, 1.0}, {1.0, 1.0 + 0x1p-20}, {-0.1, 0.1}, {-3.0, -3.0}};
  for (auto [from, to] : bounds) {
    for (DType dtype : {DType::float32, DType::float64}) {
      PhiloxGenerator g(4, "u");
      const Tensor t = Tensor::empty({100000}, dtype);
      g.uniform_(t, from, to);
      const double from_t = dtype == DType::float32 ? static_cast<float>(from) : from;
      const double to_t = dtype == DType::float32 ? static_cast<float>(to) : to;
      std::set<double> seen;
      for (double v : t.to_doubles()) {
        ASSERT_TRUE(std::isfinite(v));
        ASSERT_GE(v, from_t);
        if (from < to) {
          ASSERT_LT(v, to_t) << from << " " << to;
        }
        seen.insert(v);
      }
      if (from == to) {
        EXPECT_EQ(seen, std::set<double>{from_t});
      }
      if (from == 1.0 && dtype == DType::float32) {
        EXPECT_EQ(seen.size(), 8u);
      }
    }
  }
}

TEST(Philox, NormalIsFiniteAndBoundedByItsUniforms) {
  // u1 >= 2^-24 (float32) and 2^-53 (float64) bound |z| by sqrt(-2 log u1): 5.77 and 8.58.
  for (DType dtype : {DType::float32, DType::float64}) {
    PhiloxGenerator g(5, "n");
    const Tensor t = Tensor::empty({1 << 20}, dtype);
    g.normal_(t, 0.0, 1.0);
    const double bound = dtype == DType::float32 ? 5.77 : 8.58;
    for (double v : t.to_doubles()) {
      ASSERT_TRUE(std::isfinite(v));
      ASSERT_LE(std::fabs(v), bound);
    }
  }
}

TEST(Philox, TruncNormalStaysInsideItsWindowAtEveryDistance) {
  struct Window {
    double a;
    double b;
  };
  const Window windows[] = {{0.0, INFINITY},   {6.0, INFINITY}, {40.0, 41.0},   {-41.0, -40.0},
                            {-INFINITY, -3.0}, {-1e-9, 1e-9},   {2.0, 2.0},     {-2.0, 2.0},
                            {5.0, 6.0},        {-8.0, 9.5},     {-1e300, 1e300}};
  for (const Window& w : windows) {
    for (DType dtype : {DType::float32, DType::float64, DType::bfloat16}) {
      PhiloxGenerator g(6, "t");
      const Tensor t = Tensor::empty({20000}, dtype);
      g.trunc_normal_(t, 0.0, 1.0, w.a, w.b);
      const double low = dtype == DType::float64 ? w.a : static_cast<double>(static_cast<float>(w.a));
      const double high = dtype == DType::float64 ? w.b : static_cast<double>(static_cast<float>(w.b));
      // bfloat16 rounds the float32 value, which may cross a bound that bfloat16 cannot represent
      const double slack =
          dtype == DType::bfloat16 ? 0x1p-8 * std::max(std::fabs(low), std::fabs(high)) : 0.0;
      for (double v : t.to_doubles()) {
        ASSERT_TRUE(std::isfinite(v)) << w.a << " " << w.b;
        ASSERT_GE(v, low - slack) << w.a << " " << w.b << " " << dtype_name(dtype);
        ASSERT_LE(v, high + slack) << w.a << " " << w.b << " " << dtype_name(dtype);
      }
    }
  }
  // No float32 lies in [0.1, 0.1]; float64 has one.
  PhiloxGenerator g(6, "t");
  EXPECT_THROW(g.trunc_normal_(Tensor::empty({3}), 0.0, 1.0, 0.1, 0.1), ValueError);
  const Tensor d = Tensor::empty({3}, DType::float64);
  g.trunc_normal_(d, 0.0, 1.0, 0.1, 0.1);
  EXPECT_EQ(d.to_doubles(), std::vector<double>(3, 0.1));
}

TEST(Philox, WideTruncNormalIsNormal) {
  // Attempt 0 of trunc_normal_ is the normal_ draw with the same number: when every value lands inside
  // the window (std 0.02 within +-2), the two fills agree bit for bit.
  PhiloxGenerator a(10, "vit.pos_embed");
  PhiloxGenerator b(10, "vit.pos_embed");
  const Tensor t = Tensor::empty({197, 768});
  const Tensor n = Tensor::empty({197, 768});
  a.trunc_normal_(t, 0.0, 0.02, -2.0, 2.0);
  b.normal_(n, 0.0, 0.02);
  EXPECT_EQ(bytes_of(t), bytes_of(n));
}

TEST(Philox, RandomAndRandperm) {
  PhiloxGenerator g(12, "idx");
  const Tensor small = Tensor::empty({50000}, DType::int64);
  g.random_(small, -3, 4);
  std::set<std::int64_t> seen(small.data_ptr<std::int64_t>(), small.data_ptr<std::int64_t>() + small.numel());
  EXPECT_EQ(seen, (std::set<std::int64_t>{-3, -2, -1, 0, 1, 2, 3}));
  const Tensor full = Tensor::empty({1000}, DType::int64);
  g.random_(full, std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max());
  int negative = 0;
  for (std::int64_t i = 0; i < full.numel(); ++i) negative += full.data_ptr<std::int64_t>()[i] < 0;
  EXPECT_GT(negative, 400);
  EXPECT_LT(negative, 600);
  EXPECT_THROW(g.random_(Tensor::empty({3}), 0, 5), TypeError);
  EXPECT_THROW(g.random_(Tensor::empty({3}, DType::int64), 5, 5), RuntimeError);
  EXPECT_THROW(g.uniform_(Tensor::empty({3}, DType::int64), 0, 1), TypeError);

  const Tensor p = PhiloxGenerator(12, "perm").randperm(1000);
  std::vector<std::int64_t> sorted(p.data_ptr<std::int64_t>(), p.data_ptr<std::int64_t>() + 1000);
  std::sort(sorted.begin(), sorted.end());
  for (std::int64_t k = 0; k < 1000; ++k) ASSERT_EQ(sorted[static_cast<std::size_t>(k)], k);
  EXPECT_EQ(bytes_of(PhiloxGenerator(12, "perm").randperm(1000)), bytes_of(p));
  EXPECT_NE(bytes_of(PhiloxGenerator(12, "other").randperm(1000)), bytes_of(p));
  EXPECT_EQ(PhiloxGenerator(12).randperm(0).numel(), 0);
  EXPECT_THROW(PhiloxGenerator(12).randperm(-1), RuntimeError);
}

TEST(Philox, ArgumentChecks) {
  PhiloxGenerator g(0);
  const Tensor t = Tensor::empty({3});
  EXPECT_THROW(g.uniform_(t, 1.0, 0.0), RuntimeError);
  EXPECT_THROW(g.uniform_(t, 0.0, 1e39), RuntimeError);
  EXPECT_THROW(g.normal_(t, 0.0, -1.0), RuntimeError);
  EXPECT_THROW(g.normal_(t, INFINITY, 1.0), ValueError);
  EXPECT_THROW(g.trunc_normal_(t, 0.0, 0.0, -2.0, 2.0), ZeroDivisionError);
  EXPECT_THROW(g.trunc_normal_(t, 0.0, -1.0, -2.0, 2.0), ValueError);
  EXPECT_THROW(g.trunc_normal_(t, 0.0, 1.0, 2.0, -2.0), ValueError);
  EXPECT_THROW(g.trunc_normal_(t, 0.0, 1.0, INFINITY, INFINITY), ValueError);
  EXPECT_THROW(g.trunc_normal_(t, 0.0, 1.0, -INFINITY, -INFINITY), ValueError);
  EXPECT_THROW(g.trunc_normal_(t, 0.0, 1.0, 1e39, 1e40), ValueError);  // beyond float32's range
  EXPECT_EQ(g.draws(), 0u);
}

// ---- statistics
// -----------------------------------------------------------------------------------------------

TEST(Philox, Statistics) {
  // Kolmogorov-Smirnov (p > 1e-3) and the first two moments, fixed seeds, 30000 values per case.
  using testing::ks_p_value;
  using testing::moments;
  const double tn_variance = [] {  // N(0, 1) truncated to [-1, 2]
    const double phi_a = std::exp(-0.5) / std::sqrt(2 * M_PI);
    const double phi_b = std::exp(-2.0) / std::sqrt(2 * M_PI);
    const double mass = testing::normal_cdf(2.0) - testing::normal_cdf(-1.0);
    const double mean = (phi_a - phi_b) / mass;
    return 1 + (-1 * phi_a - 2 * phi_b) / mass - mean * mean;
  }();
  struct Case {
    const char* name;
    void (*draw)(Generator&, const Tensor&);
    std::function<double(double)> cdf;
    double mean;
    double variance;
  };
  const Case cases[] = {
      {"uniform_", [](Generator& g, const Tensor& t) { g.uniform_(t, -0.3, 0.7); },
       testing::uniform_cdf(-0.3, 0.7), 0.2, 1.0 / 12},
      {"normal_", [](Generator& g, const Tensor& t) { g.normal_(t, 0.5, 2.0); },
       testing::normal_cdf_of(0.5, 2.0), 0.5, 4.0},
      {"trunc_normal_", [](Generator& g, const Tensor& t) { g.trunc_normal_(t, 0.0, 1.0, -1.0, 2.0); },
       testing::truncated_normal_cdf(0, 1, -1, 2),
       (std::exp(-0.5) - std::exp(-2.0)) / std::sqrt(2 * M_PI) /
           (testing::normal_cdf(2.0) - testing::normal_cdf(-1.0)),
       tn_variance},
      {"trunc_normal_ tail", [](Generator& g, const Tensor& t) { g.trunc_normal_(t, 0.0, 1.0, 3.0, 4.0); },
       testing::truncated_normal_cdf(0, 1, 3, 4), -1, -1},
  };
  for (const Case& c : cases) {
    for (DType dtype : {DType::float32, DType::float64, DType::bfloat16}) {
      // bfloat16's steps of 2^-6 between 3 and 4 are coarse next to this window: its values are the float32
      // ones rounded (SixteenBitValuesAreTheFloat32ValuesRoundedOnce), not a continuous sample.
      if (dtype == DType::bfloat16 && c.variance < 0) continue;
      for (std::uint64_t seed : {1u, 2u}) {
        PhiloxGenerator g(seed, c.name);
        const Tensor t = Tensor::empty({200, 150}, dtype);
        c.draw(g, t);
        const std::vector<double> values = t.to_doubles();
        const std::string label = fmt::format("{} {} seed {}", c.name, dtype_name(dtype), seed);
        EXPECT_GT(ks_p_value(values, c.cdf), 1e-3) << label;
        if (c.variance < 0) continue;
        const auto m = moments(values);
        const double standard_error = std::sqrt(c.variance / static_cast<double>(values.size()));
        EXPECT_NEAR(m.mean, c.mean, 4 * standard_error) << label;
        EXPECT_NEAR(m.variance / c.variance, 1.0, 0.04) << label;
      }
    }
  }
}

}  // namespace
}  // namespace nninit
