// TorchGenerator's chunked, vectorised uniform_ and normal_ against a plain replay of PyTorch's loops:
// one draw at a time through random()/random64(), one element at a time in memory order, the scalar
// Box-Muller references (the code these fills had before they were vectorised). Same values, same
// generator state afterwards, for every release behaviour, capability, dtype, host instruction set, and for
// sizes around every block, vector and chunk boundary, views and strided slices.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "nninit/core/memory_order.h"
#include "nninit/core/threads.h"
#include "nninit/random/host_isa.h"
#include "nninit/random/internal/box_muller.h"
#include "nninit/random/torch_generator.h"

namespace nninit {
namespace {

// ---- the replay
// --------------------------------------------------------------------------------------------

float uniform24(TorchGenerator& gen) {
  return static_cast<float>(gen.random() & 0xffffffu) * 0x1p-24f;
}
double uniform53(TorchGenerator& gen) {
  return static_cast<double>(gen.random64() & ((std::uint64_t{1} << 53) - 1)) * 0x1p-53;
}

template <class T, class Next>
void fill_serially(const Tensor& tensor, Next&& next) {
  T* base = reinterpret_cast<T*>(tensor.raw_data());
  for_each_memory_offset(tensor, [&](std::int64_t offset) { base[offset] = next(); });
}

void replay_uniform(TorchGenerator& gen, const Tensor& tensor, double from, double to) {
  const bool fused = gen.variant().capability != TorchCapability::generic;
  const bool clamp = gen.release().random.uniform_clamps_to_from;
  auto float_uniform = [&, from_f = static_cast<float>(from), to_f = static_cast<float>(to)] {
    const float range = to_f - from_f;
    const float x = uniform24(gen);
    const float v = fused ? std::fma(x, range, from_f) : x * range + from_f;
    return clamp && v == to_f ? from_f : v;
  };
  dispatch_floating(tensor.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, float>) {
      fill_serially<float>(tensor, float_uniform);
    } else if constexpr (std::is_same_v<T, double>) {
      fill_serially<double>(tensor, [&] {
        const double x = uniform53(gen);
        const double v = fused ? std::fma(x, to - from, from) : x * (to - from) + from;
        return clamp && v == to ? from : v;
      });
    } else {
      const T from_t(from);
      const T to_t(to);
      if (gen.release().random.uniform_16bit_via_float) {
        fill_serially<T>(tensor, [&] {
          const T v(float_uniform());
          return static_cast<float>(v) == static_cast<float>(to_t) ? from_t : v;
        });
      } else {
        constexpr int digits = std::is_same_v<T, Half> ? 11 : 8;
        const float from_f = from_t;
        const float range = T(static_cast<float>(to_t) - from_f);
        fill_serially<T>(tensor, [&] {
          const float x = static_cast<float>(gen.random() & ((1u << digits) - 1u)) * (1.0f / (1u << digits));
          return T(fused ? std::fma(x, range, from_f) : x * range + from_f);
        });
      }
    }
  });
}

// The fill path of normal_ (n >= 16, contiguous); the other path is unchanged and shared.
void replay_normal_fill(TorchGenerator& gen, const Tensor& tensor, double mean, double std) {
  const std::int64_t n = tensor.numel();
  const bool vectorised = gen.variant().capability != TorchCapability::generic;
  const TorchRelease& release = gen.release();
  auto fill = [n](auto* data, auto&& draw, auto&& transform) {
    for (std::int64_t i = 0; i < n; ++i) data[i] = draw();
    for (std::int64_t b = 0; b + 16 <= n; b += 16) transform(data + b);
    if (n % 16 != 0) {
      auto* tail = data + n - 16;
      for (int i = 0; i < 16; ++i) tail[i] = draw();
      transform(tail);
    }
  };
  const auto mean_f = static_cast<float>(mean);
  const auto std_f = static_cast<float>(std);
  auto float_transform = [&](float* block) {
    if (vectorised) {
      box_muller::avx_mathfun16(block, mean_f, std_f);
    } else {
      box_muller::glibc_float16(block, mean_f, std_f, release.random.normal_scalar_fma);
    }
  };
  dispatch_floating(tensor.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* data = tensor.data_ptr<T>();
    if constexpr (std::is_same_v<T, float>) {
      fill(
          data, [&] { return uniform24(gen); }, float_transform);
    } else if constexpr (std::is_same_v<T, double>) {
      fill(
          data, [&] { return uniform53(gen); },
          [&](double* block) {
            box_muller::glibc_double16(block, mean, std, vectorised || release.random.normal_scalar_fma);
          });
    } else if (release.random.normal_16bit_blockwise) {
      float block[16];
      auto emit = [&](T* out) {
        for (float& u : block) u = uniform24(gen);
        float_transform(block);
        for (int i = 0; i < 16; ++i) out[i] = T(block[i]);
      };
      for (std::int64_t b = 0; b + 16 <= n; b += 16) emit(data + b);
      if (n % 16 != 0) emit(data + n - 16);
    } else {
      constexpr int digits = std::is_same_v<T, Half> ? 11 : 8;
      auto draw = [&] {
        return T(static_cast<float>(gen.random() & ((1u << digits) - 1u)) * (1.0f / (1u << digits)));
      };
      const bool rounds_each_op = std::is_same_v<T, BFloat16> || release.random.half_math_rounds_each_op;
      fill(data, draw,
           [&](T* block) { box_muller::reduced16<T>(block, T(mean), T(std), rounds_each_op, vectorised); });
    }
  });
}

// ---- the comparison
// ----------------------------------------------------------------------------------------

std::vector<TorchVariant> variants() {
  std::vector<TorchVariant> all;
  for (TorchVersion version :
       {TorchVersion{1, 13}, TorchVersion{2, 6}, TorchVersion{2, 12}, TorchVersion{2, 14}}) {
    for (TorchCapability capability : {TorchCapability::generic, TorchCapability::avx2})
      all.push_back({version, capability});
  }
  return all;
}

std::vector<HostIsa> levels() {
  std::vector<HostIsa> all;
  for (HostIsa level : {HostIsa::generic, HostIsa::avx2, HostIsa::avx512}) {
    if (level <= host_isa()) all.push_back(level);
  }
  return all;
}

// The tensors to fill: (contiguous size, or a view of a larger base).
struct Target {
  std::string name;
  std::function<Tensor(DType)> make;
};

std::vector<Target> targets(bool with_large) {
  std::vector<Target> all;
  std::vector<std::int64_t> sizes = {1, 2, 7, 15, 16, 17, 31, 32, 33, 47, 100, 623, 624, 625, 1000};
  if (with_large) {
    for (std::int64_t n : {2047, 2048, 2049, 2 * 2048 + 16 + 5, 3 * 2048 + 8}) sizes.push_back(n);
  }
  for (std::int64_t n : sizes) {
    all.push_back({fmt::format("[{}]", n), [n](DType d) { return Tensor::empty({n}, d); }});
  }
  all.push_back({"[33, 65].t()", [](DType d) { return Tensor::empty({33, 65}, d).t(); }});
  all.push_back({"[40, 9][:, ::2]", [](DType d) { return Tensor::empty({40, 9}, d).slice(1, 0, 9, 2); }});
  all.push_back({"[6, 70][2:5]", [](DType d) { return Tensor::empty({6, 70}, d).slice(0, 2, 5); }});
  all.push_back({"[3, 1000][:, 1]", [](DType d) { return Tensor::empty({3, 1000}, d).select(1, 1); }});
  return all;
}

// The tensor's bytes in memory order, and the generator's state.
std::string fingerprint(const Tensor& tensor, const TorchGenerator& gen) {
  std::string bytes;
  const std::size_t size = itemsize(tensor.dtype());
  for_each_memory_offset(tensor, [&](std::int64_t offset) {
    bytes.append(reinterpret_cast<const char*>(tensor.raw_data()) + offset * static_cast<std::int64_t>(size),
                 size);
  });
  const std::vector<std::uint8_t> state = gen.get_state();
  bytes.append(state.begin(), state.end());
  return bytes;
}

template <class Fast, class Replay>
void compare(const char* what, bool with_large, Fast&& fast, Replay&& replay) {
  const std::uint64_t seeds[] = {0, 1234, (std::uint64_t{1} << 31) + 5};
  for (const TorchVariant& variant : variants()) {
    for (DType dtype : {DType::float32, DType::float64, DType::float16, DType::bfloat16}) {
      for (const Target& target : targets(with_large)) {
        for (std::uint64_t seed : seeds) {
          TorchGenerator reference_gen(seed, variant);
          reference_gen.random();  // start mid-stream
          const Tensor expected = target.make(dtype);
          {
            const ScopedHostIsa scalar(HostIsa::generic);
            replay(reference_gen, expected);
            replay(reference_gen, expected);  // a second call continues the stream
          }
          const std::string want = fingerprint(expected, reference_gen);
          for (HostIsa level : levels()) {
            const ScopedHostIsa scoped(level);
            TorchGenerator gen(seed, variant);
            gen.random();
            const Tensor actual = target.make(dtype);
            fast(gen, actual);
            fast(gen, actual);
            ASSERT_TRUE(fingerprint(actual, gen) == want)
                << what << " " << variant.version.str() << " " << torch_capability_name(variant.capability)
                << " " << dtype_name(dtype) << " " << target.name << " seed " << seed << " level "
                << host_isa_name(level);
          }
        }
      }
    }
  }
}

TEST(TorchFill, UniformEqualsTheElementByElementLoop) {
  const std::pair<double, double> bounds[] = {
      {0.0, 1.0}, {-0.0625, 0.0625}, {0.2, 3.7}, {-2.5, 7.25}, {1.0, 1.0}};
  for (auto [from, to] : bounds) {
    compare(
        "uniform_", from == 0.0, [&](TorchGenerator& g, const Tensor& t) { g.uniform_(t, from, to); },
        [&](TorchGenerator& g, const Tensor& t) { replay_uniform(g, t, from, to); });
  }
}

TEST(TorchFill, NormalFillPathEqualsTheElementByElementLoop) {
  const std::pair<double, double> parameters[] = {{0.0, 1.0}, {0.5, 0.02}, {-3.0, 7.5}};
  for (auto [mean, std] : parameters) {
    compare(
        "normal_", mean == 0.0, [&](TorchGenerator& g, const Tensor& t) { g.normal_(t, mean, std); },
        [&](TorchGenerator& g, const Tensor& t) {
          if (t.numel() >= 16 && t.is_contiguous()) {
            replay_normal_fill(g, t, mean, std);
          } else {
            g.normal_(t, mean, std);  // the per-element path, unchanged
          }
        });
  }
}

TEST(TorchFill, LargeFillsOnAnyNumberOfThreadsGiveTheSameValues) {
  // Above the thresholds for threads (2^18 elements) and for non-temporal stores (8 MiB), on a 64-byte
  // aligned tensor and on a misaligned view, split over 1, 2, 3 and 7 threads.
  struct Case {
    std::int64_t n;
    std::int64_t offset;
    DType dtype;
  };
  const Case cases[] = {{(1 << 21) + 37, 0, DType::float32},
                        {(1 << 18) + 5, 1, DType::float32},
                        {(1 << 18) + 16, 1, DType::float64},
                        {(1 << 22) + 3, 0, DType::bfloat16},
                        {(1 << 18) + 9, 0, DType::float16}};
  const TorchVariant variants_used[] = {{{1, 13}, TorchCapability::avx2},
                                        {{2, 14}, TorchCapability::generic},
                                        {{2, 14}, TorchCapability::avx2}};
  for (const Case& c : cases) {
    for (const TorchVariant& variant : variants_used) {
      auto make = [&] { return Tensor::empty({c.n + 1}, c.dtype).slice(0, c.offset, c.n + c.offset); };
      TorchGenerator reference_gen(7, variant);
      const Tensor expected = make();
      const Tensor expected_normal = make();
      {
        const ScopedHostIsa scalar(HostIsa::generic);
        const ScopedThreadCount one(1);
        replay_uniform(reference_gen, expected, -0.5, 0.5);
        replay_normal_fill(reference_gen, expected_normal, 0.0, 0.02);
      }
      const std::string want = fingerprint(expected, reference_gen);
      const std::string want_normal = fingerprint(expected_normal, reference_gen);
      for (HostIsa level : levels()) {
        // Every split at the best level; one at the others (the kernels themselves are compared above).
        const std::vector<int> splits =
            level == detected_host_isa() ? std::vector<int>{1, 2, 3, 7} : std::vector<int>{3};
        for (int threads : splits) {
          const ScopedHostIsa scoped(level);
          const ScopedThreadCount thread_count(threads);
          TorchGenerator gen(7, variant);
          const Tensor actual = make();
          const Tensor actual_normal = make();
          gen.uniform_(actual, -0.5, 0.5);
          gen.normal_(actual_normal, 0.0, 0.02);
          const std::string what =
              fmt::format("{} {} {} n {} offset {} level {} threads {}", variant.version.str(),
                          torch_capability_name(variant.capability), dtype_name(c.dtype), c.n, c.offset,
                          host_isa_name(level), threads);
          // The uniform fill's state is compared with the normal fill's, which comes after it.
          ASSERT_TRUE(fingerprint(actual, gen).substr(0, want.size() - TorchGenerator::state_bytes) ==
                      want.substr(0, want.size() - TorchGenerator::state_bytes))
              << "uniform_ " << what;
          ASSERT_TRUE(fingerprint(actual_normal, gen) == want_normal) << "normal_ " << what;
        }
      }
    }
  }
}

// 2.14's trunc_normal_ with more than 30% of the mass inside [a, b]: normal_, then redraw the outliers from
// full-size normal_ tensors until none is left (docs/rng.md §6). A contiguous tensor is scanned and
// patched in place on several threads; here that is held to the algorithm written out step by step on one
// thread, bits and generator state, for every thread count. (The conformance suite holds both to PyTorch.)
// N(0, 1) inside [-1, 1.5] leaves 23% of the first draw outside: several rounds.
TEST(TorchFill, TruncNormalResamplingOnAnyNumberOfThreads) {
  const std::int64_t rows = 300, cols = 1031;  // 2^18 and more: split over threads; not a multiple of 16
  for (const TorchVariant& variant :
       {TorchVariant{{2, 14}, TorchCapability::avx2}, TorchVariant{{2, 14}, TorchCapability::generic}}) {
    for (DType dtype : {DType::float32, DType::bfloat16, DType::float64}) {
      TorchGenerator reference_gen(11, variant);
      const Tensor expected = Tensor::empty({rows, cols}, dtype);
      int rounds = 0;
      {
        const ScopedThreadCount one(1);
        reference_gen.normal_(expected, 0.0, 1.0);
        std::vector<double> values = expected.to_doubles();
        auto outside = [](double x) { return x < -1.0 || x > 1.5; };
        while (std::any_of(values.begin(), values.end(), outside)) {
          const Tensor fresh = Tensor::empty({rows, cols}, dtype);
          reference_gen.normal_(fresh, 0.0, 1.0);
          const std::vector<double> drawn = fresh.to_doubles();
          for (std::size_t k = 0; k < values.size(); ++k) {
            if (outside(values[k])) values[k] = drawn[k];
          }
          ++rounds;
        }
        expected.copy_(Tensor::from_values(values, {rows, cols}, dtype));
      }
      EXPECT_GE(rounds, 5) << dtype_name(dtype);
      const std::string want = fingerprint(expected, reference_gen);
      for (int threads : {1, 2, 3}) {
        const ScopedThreadCount thread_count(threads);
        TorchGenerator gen(11, variant);
        const Tensor actual = Tensor::empty({rows, cols}, dtype);
        gen.trunc_normal_(actual, 0.0, 1.0, -1.0, 1.5);
        ASSERT_TRUE(fingerprint(actual, gen) == want)
            << dtype_name(dtype) << " " << torch_capability_name(variant.capability) << " threads "
            << threads;
      }
    }
  }
}

}  // namespace
}  // namespace nninit
