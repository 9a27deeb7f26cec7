// Every random init scheme with a PhiloxGenerator stream (docs/rng.md §11.8): its values are a function of
// (seed, parameter name) and the shape, whatever the thread count, and they are the stream's own draw 0.
#include <cmath>
#include <functional>
#include <vector>

#include <gtest/gtest.h>

#include "nninit/core/threads.h"
#include "nninit/init/init.h"
#include "nninit/random/host_isa.h"
#include "nninit/random/philox.h"

namespace nninit::init {
namespace {

std::vector<std::byte> bytes_of(const Tensor& t) {
  const Tensor c = t.contiguous();
  const auto* p = reinterpret_cast<const std::byte*>(c.raw_data());
  return {p, p + static_cast<std::size_t>(c.numel()) * itemsize(c.dtype())};
}

struct Scheme {
  const char* name;
  std::function<void(const Tensor&, Generator&)> init;
};

const Scheme schemes[] = {
    {"kaiming_uniform_",
     [](const Tensor& t, Generator& g) { kaiming_uniform_(t, {.a = std::sqrt(5.0)}, g); }},
    {"kaiming_normal_",
     [](const Tensor& t, Generator& g) {
       kaiming_normal_(t, {.mode = FanMode::fan_out, .nonlinearity = Nonlinearity::relu}, g);
     }},
    {"xavier_uniform_", [](const Tensor& t, Generator& g) { xavier_uniform_(t, {.gain = 1.5}, g); }},
    {"xavier_normal_", [](const Tensor& t, Generator& g) { xavier_normal_(t, {}, g); }},
    {"trunc_normal_", [](const Tensor& t, Generator& g) { trunc_normal_(t, {.std = 0.02}, g); }},
    {"trunc_normal_ narrow",
     [](const Tensor& t, Generator& g) { trunc_normal_(t, {.a = -0.5, .b = 0.25}, g); }},
    {"orthogonal_", [](const Tensor& t, Generator& g) { orthogonal_(t, {.gain = 2.0}, g); }},
};

// (768, 640): 491520 elements, enough for 7 fill threads of at least 2^16 elements each.
std::vector<std::byte> initialise(const Scheme& scheme, std::uint64_t seed, const char* name,
                                  DType dtype = DType::float32) {
  PhiloxGenerator stream = PhiloxGenerator(seed).stream(name);
  const Tensor t = Tensor::empty({768, 640}, dtype);
  scheme.init(t, stream);
  EXPECT_EQ(stream.draws(), 1u) << scheme.name;  // one draw: the stream's draw 0
  return bytes_of(t);
}

TEST(PhiloxInit, EverySchemeIsAFunctionOfSeedAndName) {
  for (const Scheme& scheme : schemes) {
    const auto bytes = initialise(scheme, 7, "encoder.layers.0.linear1.weight");
    EXPECT_EQ(initialise(scheme, 7, "encoder.layers.0.linear1.weight"), bytes) << scheme.name;
    EXPECT_NE(initialise(scheme, 7, "encoder.layers.0.linear2.weight"), bytes) << scheme.name;
    EXPECT_NE(initialise(scheme, 8, "encoder.layers.0.linear1.weight"), bytes) << scheme.name;
  }
}

TEST(PhiloxInit, EverySchemeIsIndependentOfTheThreadCount) {
  for (const Scheme& scheme : schemes) {
    for (DType dtype : {DType::float32, DType::float64}) {
      std::vector<std::byte> reference;
      for (int threads : {1, 2, 3, 7}) {
        const ScopedThreadCount scoped(threads);
        const auto bytes = initialise(scheme, 3, "decoder.weight", dtype);
        if (threads == 1) {
          reference = bytes;
        } else {
          EXPECT_EQ(bytes, reference)
              << scheme.name << " " << dtype_name(dtype) << " " << threads << " threads";
        }
      }
    }
  }
}

TEST(PhiloxInit, SchemesDrawTheStreamsDrawZero) {
  // kaiming_uniform_(a=sqrt(5)) on (768, 640) is uniform_(-b, b), b = sqrt(3) * gain / sqrt(640);
  // xavier_normal_ is normal_(0, sqrt(2 / (640 + 768))).
  const Tensor t = Tensor::empty({768, 640});
  const Tensor expected = Tensor::empty({768, 640});
  PhiloxGenerator a(5, "w");
  kaiming_uniform_(t, {.a = std::sqrt(5.0)}, a);
  const double bound =
      std::sqrt(3.0) * (calculate_gain(Nonlinearity::leaky_relu, std::sqrt(5.0)) / std::sqrt(640.0));
  PhiloxGenerator(5, "w").uniform_(expected, -bound, bound);
  EXPECT_EQ(bytes_of(t), bytes_of(expected));
  PhiloxGenerator b(5, "w");
  xavier_normal_(t, {}, b);
  PhiloxGenerator(5, "w").normal_(expected, 0.0, 1.0 * std::sqrt(2.0 / (640.0 + 768.0)));
  EXPECT_EQ(bytes_of(t), bytes_of(expected));
}

TEST(PhiloxInit, OrthogonalIsOrthogonal) {
  // Rows of a wide (64, 200) orthogonal_ are orthonormal (times the gain).
  PhiloxGenerator stream(9, "rnn.weight_hh_l0");
  const Tensor t = Tensor::empty({64, 200}, DType::float64);
  orthogonal_(t, {.gain = 1.0}, stream);
  const std::vector<double> v = t.to_doubles();
  for (int i = 0; i < 64; ++i) {
    for (int j = 0; j < 64; ++j) {
      double dot = 0;
      for (int k = 0; k < 200; ++k)
        dot += v[static_cast<std::size_t>(i * 200 + k)] * v[static_cast<std::size_t>(j * 200 + k)];
      EXPECT_NEAR(dot, i == j ? 1.0 : 0.0, 1e-12) << i << " " << j;
    }
  }
}

}  // namespace
}  // namespace nninit::init
