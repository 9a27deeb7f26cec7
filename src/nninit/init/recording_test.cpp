#include "nninit/init/recording.h"

#include <cmath>
#include <cstring>
#include <functional>
#include <vector>

#include <gtest/gtest.h>

#include "nninit/core/error.h"
#include "nninit/core/warning.h"
#include "nninit/init/beyond_torch.h"
#include "nninit/init/init.h"
#include "nninit/random/philox.h"

namespace nninit::init {
namespace {

// A sequence of init calls on a set of tensors, as model construction and rule application make them:
// several calls on the same tensor, calls on views of part of it, schemes that draw nothing, composite
// schemes, both engines.
struct Tensors {
  Tensor linear = Tensor::empty({48, 40});
  Tensor bias = Tensor::empty({160});
  Tensor conv = Tensor::empty({16, 8, 3, 3});
  Tensor square = Tensor::empty({24, 24});
  Tensor wide = Tensor::empty({7, 33}, DType::float64);
  Tensor half = Tensor::empty({300}, DType::bfloat16);
  Tensor eager = Tensor::empty({5});
  std::vector<Tensor> all() const { return {linear, bias, conv, square, wide, half, eager}; }
};

void initialise(const Tensors& t, Generator& g) {
  kaiming_uniform_(t.linear, {.a = std::sqrt(5.0)}, g);
  uniform_(t.bias, {.a = -0.1, .b = 0.1}, g);
  xavier_normal_(t.conv, {}, g);
  orthogonal_(t.square, {.gain = 2.0}, g);
  trunc_normal_(t.wide, {.std = 0.5}, g);
  normal_(t.half, {.std = 0.02}, g);
  t.eager.fill_(3.0);  // written outside init functions: copied as it is
  // Overrides of part of a tensor after the whole was drawn (an LSTM's forget gate, a padding row).
  constant_(t.bias.narrow(0, 40, 40), 1.0);
  zeros_(t.linear.select(0, 7));
  normal_(t.linear.t().narrow(0, 3, 5), {.std = 3.0}, g);  // a strided view: drawn in its memory order
  // A second whole pass, as rules after construction: only the later calls decide, but all draw.
  kaiming_normal_(t.conv, {.mode = FanMode::fan_out, .nonlinearity = Nonlinearity::relu}, g);
  dirac_(t.conv.narrow(0, 0, 8), {});
  eye_(t.square.narrow(1, 0, 12));
  delta_orthogonal_(Tensor::empty({4, 4, 3}), {}, g);  // draws, writes a tensor nobody materialises
  variance_scaling_(t.wide, {.scale = 2.0, .distribution = VarianceScalingDistribution::truncated_normal}, g);
  lecun_normal_(t.linear.narrow(0, 10, 4), {}, g);
}

std::vector<std::byte> bytes_of(const Tensor& t) {
  std::vector<std::byte> out(static_cast<std::size_t>(t.numel()) * itemsize(t.dtype()));
  std::memcpy(out.data(), t.raw_data(), out.size());
  return out;
}

void expect_replay_equals_immediate(const std::function<std::unique_ptr<Generator>()>& make) {
  const Tensors immediate;
  const std::unique_ptr<Generator> g = make();
  initialise(immediate, *g);

  const Tensors recorded;
  const std::unique_ptr<Generator> h = make();
  InitRecording recording;
  initialise(recorded, *h);
  recording.finish();
  EXPECT_TRUE(recording.complete());
  EXPECT_EQ(recording.calls(), 15u);

  const std::vector<Tensor> expected = immediate.all();
  const std::vector<Tensor> tensors = recorded.all();
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const Tensor out = Tensor::empty(tensors[i].sizes(), tensors[i].dtype());
    recording.materialize(tensors[i], out);
    EXPECT_EQ(bytes_of(out), bytes_of(expected[i])) << "tensor " << i;
    // The same again: a replay does not consume anything.
    const Tensor again = Tensor::empty(tensors[i].sizes(), tensors[i].dtype());
    recording.materialize(tensors[i], again);
    EXPECT_EQ(bytes_of(again), bytes_of(expected[i])) << "tensor " << i << ", second replay";
  }
  // The generator is left where the immediate calls leave it: later draws agree.
  const Tensor next_g = Tensor::empty({64});
  const Tensor next_h = Tensor::empty({64});
  g->normal_(next_g, 0.0, 1.0);
  h->normal_(next_h, 0.0, 1.0);
  EXPECT_EQ(bytes_of(next_g), bytes_of(next_h));
}

TEST(InitRecording, ReplayEqualsImmediateTorchGenerator) {
  for (const TorchCapability capability : {TorchCapability::generic, TorchCapability::avx2}) {
    for (const TorchVersion version : {TorchVersion{1, 13}, TorchVersion{2, 6}, TorchVersion{2, 14}}) {
      SCOPED_TRACE(::testing::Message() << version.str());
      expect_replay_equals_immediate([&] {
        return std::make_unique<TorchGenerator>(7,
                                                TorchVariant{.version = version, .capability = capability});
      });
    }
  }
}

TEST(InitRecording, ReplayEqualsImmediatePhiloxGenerator) {
  expect_replay_equals_immediate([] { return std::make_unique<PhiloxGenerator>(11, "layer.weight"); });
}

// With a stream, each tensor's values are its own history of calls drawn from that stream: the calls a
// later one overwrites still take their draws, and a copy's history starts with its source's.
TEST(InitRecording, AStreamReplaysEachTensorsHistoryAsIfItHadDrawnFromIt) {
  TorchGenerator g(5);
  const Tensor w = Tensor::empty({32, 16});
  const Tensor b = Tensor::empty({32});
  const Tensor c = Tensor::empty({32, 16});
  InitRecording recording;
  kaiming_uniform_(w, {.a = std::sqrt(5.0)}, g);
  uniform_(b, {.a = -0.1, .b = 0.1}, g);
  normal_(w, {.std = 0.02}, g);
  copy_storage(w, c);
  constant_(b.narrow(0, 0, 8), 1.0);
  xavier_uniform_(w.narrow(0, 4, 8), {}, g);
  trunc_normal_(c.narrow(1, 2, 4), {.std = 0.5}, g);
  recording.finish();

  PhiloxGenerator sw(9, "w");
  PhiloxGenerator sb(9, "b");
  PhiloxGenerator sc(9, "c");
  const Tensor w2 = Tensor::empty({32, 16});
  const Tensor b2 = Tensor::empty({32});
  const Tensor c2 = Tensor::empty({32, 16});
  kaiming_uniform_(w2, {.a = std::sqrt(5.0)}, sw);
  normal_(w2, {.std = 0.02}, sw);
  xavier_uniform_(w2.narrow(0, 4, 8), {}, sw);
  uniform_(b2, {.a = -0.1, .b = 0.1}, sb);
  constant_(b2.narrow(0, 0, 8), 1.0);
  kaiming_uniform_(c2, {.a = std::sqrt(5.0)}, sc);
  normal_(c2, {.std = 0.02}, sc);
  trunc_normal_(c2.narrow(1, 2, 4), {.std = 0.5}, sc);

  const std::pair<Tensor, Tensor> cases[] = {{w, w2}, {b, b2}, {c, c2}};
  const char* names[] = {"w", "b", "c"};
  for (std::size_t i = 0; i < 3; ++i) {
    const Tensor out = Tensor::empty(cases[i].first.sizes());
    recording.materialize(cases[i].first, out, PhiloxGenerator(9, names[i]));
    EXPECT_EQ(bytes_of(out), bytes_of(cases[i].second)) << names[i];
  }
}

TEST(InitRecording, RecordedTensorsAreNotWritten) {
  Tensor w = Tensor::zeros({32, 32});
  TorchGenerator g(0);
  InitRecording recording;
  normal_(w, {}, g);
  ones_(w.narrow(0, 0, 2));
  for (const double v : w.to_doubles()) ASSERT_EQ(v, 0.0);
}

TEST(InitRecording, ErrorsAndWarningsAreThoseOfTheImmediateCall) {
  TorchGenerator g(0);
  Tensor w = Tensor::empty({0, 4});
  InitRecording recording;
  {
    ScopedWarningCapture capture;
    kaiming_normal_(w, {}, g);
    ASSERT_EQ(capture.warnings().size(), 1u);
    EXPECT_EQ(capture.warnings()[0].message, "Initializing zero-element tensors is a no-op");
  }
  EXPECT_THROW(uniform_(Tensor::empty({3}), {.a = 1.0, .b = 0.0}, g), RuntimeError);
  EXPECT_THROW(orthogonal_(Tensor::empty({3, 3}, DType::bfloat16), {}, g), NotImplementedError);
  // trunc_normal_ warns once when called; its replay does not warn again.
  const Tensor t = Tensor::empty({8});
  {
    ScopedWarningCapture capture;
    trunc_normal_(t, {.mean = 10.0, .std = 1.0}, g);
    EXPECT_EQ(capture.warnings().size(), 1u);
  }
  recording.finish();
  ScopedWarningCapture capture;
  recording.materialize(t, Tensor::empty({8}));
  EXPECT_TRUE(capture.warnings().empty());
}

TEST(InitRecording, SparseRunsAtOnceAndMakesTheRecordingIncomplete) {
  TorchGenerator g(0);
  Tensor w = Tensor::empty({6, 4});
  InitRecording recording;
  sparse_(w, {.sparsity = 0.5}, g);
  EXPECT_FALSE(recording.complete());
  EXPECT_NE(recording.refusal().find("sparse_"), std::string::npos);
}

TEST(InitRecording, MaterializeChecksItsArguments) {
  TorchGenerator g(0);
  const Tensor w = Tensor::empty({4, 6});
  InitRecording recording;
  normal_(w, {}, g);
  EXPECT_THROW(InitRecording(), ValueError) << "no second recording while one is active";
  recording.finish();
  EXPECT_THROW(recording.materialize(w.narrow(0, 0, 2), Tensor::empty({2, 6})), ValueError);
  EXPECT_THROW(recording.materialize(w, Tensor::empty({6, 4})), ValueError);
  EXPECT_THROW(recording.materialize(w, Tensor::empty({4, 6}, DType::float64)), ValueError);
}

}  // namespace
}  // namespace nninit::init
