#include "nninit/diag/probe.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "nninit/core/error.h"
#include "nninit/core/tensor_statistics.h"
#include "nninit/engine/loss.h"
#include "nninit/engine/trace.h"
#include "nninit/expr/model_expression.h"
#include "nninit/expr/rules.h"
#include "nninit/random/torch_generator.h"

namespace nninit::diag {
namespace {

// The probe's verdicts as the terminal shows them: "- too large: diverged at step 3 (...)", one per line.
std::string verdicts(const ProbeResult& r) {
  std::string text;
  for (const std::string& line : probe_verdicts(r)) text += fmt::format("- {}\n", line);
  return text;
}

const double ln10 = std::log(10.0);

nn::ModulePtr build(std::string_view expression) {
  TorchGenerator g(0);
  return expr::build_model(expression, g);
}

// `depth` Linear layers of width 64 with `activation` between them: 64 digits pixels in, 10 classes out.
std::string deep_mlp(int depth, std::string_view activation) {
  std::string expression = "Sequential(";
  for (int k = 0; k + 1 < depth; ++k) expression += fmt::format("Linear(64, 64), {}(), ", activation);
  return expression + "Linear(64, 10))";
}

std::vector<Candidate> pick(nn::Module& model, std::vector<std::string_view> labels) {
  const std::vector<Candidate> all = standard_candidates(model);
  std::vector<Candidate> out;
  for (std::string_view label : labels) {
    for (const Candidate& c : all) {
      if (c.label == label) out.push_back(c);
    }
  }
  EXPECT_EQ(out.size(), labels.size());
  return out;
}

const CandidateResult& result_of(const ProbeResult& result, std::string_view label) {
  for (const CandidateResult& c : result.candidates) {
    if (c.label == label) return c;
  }
  throw std::logic_error(fmt::format("no candidate {}", label));
}

// A fresh folder under the system's temporary directory, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            fmt::format("nninit_probe_{}_{}_{}", info->test_suite_name(), info->name(), ::getpid());
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(std::string_view name, const std::string& bytes) const {
    const std::string p = (path_ / name).string();
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }

 private:
  std::filesystem::path path_;
};

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

template <class Fn>
std::string io_error_message(Fn&& fn) {
  try {
    fn();
  } catch (const IoError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no IoError";
  return {};
}

// ---- the data set ----

TEST(Digits, LoadsTheDebianFile) {
  const Digits digits = load_digits();
  ASSERT_EQ(digits.images.sizes(), (Shape{1797, 64}));
  ASSERT_EQ(digits.labels.sizes(), (Shape{1797}));
  std::array<int, 10> counts{};
  for (double label : digits.labels.to_doubles()) {
    ASSERT_GE(label, 0.0);
    ASSERT_LE(label, 9.0);
    ++counts[static_cast<std::size_t>(label)];
  }
  // scikit-learn documents ~180 images per class (174..183 in this file).
  for (int c : counts) {
    EXPECT_GE(c, 170);
    EXPECT_LE(c, 190);
  }
  const std::vector<double> pixels = digits.images.to_doubles();
  EXPECT_EQ(*std::min_element(pixels.begin(), pixels.end()), 0.0);
  EXPECT_EQ(*std::max_element(pixels.begin(), pixels.end()), 16.0);
  // The first image of the file (a 0), row 0 of sklearn.datasets.load_digits().images.
  EXPECT_EQ(std::vector<double>(pixels.begin(), pixels.begin() + 8),
            (std::vector<double>{0, 0, 5, 13, 9, 1, 0, 0}));
  EXPECT_EQ(digits.labels.at({0}), 0.0);
}

TEST(Digits, MissingFileNamesThePathAndThePackage) {
  const std::string message = io_error_message([] { load_digits("/nonexistent/nninit/digits.csv.gz"); });
  EXPECT_NE(message.find("/nonexistent/nninit/digits.csv.gz"), std::string::npos) << message;
  EXPECT_NE(message.find("python3-sklearn"), std::string::npos) << message;
  EXPECT_NE(message.find("NNINIT_DIGITS"), std::string::npos) << message;
}

TEST(Digits, CorruptOrTruncatedGzipNamesThePath) {
  const TempDir dir;
  const std::string original = read_bytes(default_digits_path());
  ASSERT_GT(original.size(), 1000u);
  const std::string truncated = dir.file("truncated.csv.gz", original.substr(0, original.size() / 2));
  std::string message = io_error_message([&] { load_digits(truncated); });
  EXPECT_NE(message.find(truncated), std::string::npos) << message;
  EXPECT_NE(message.find("gzip"), std::string::npos) << message;

  std::string flipped_bytes = original;
  for (std::size_t k = flipped_bytes.size() / 2; k < flipped_bytes.size() / 2 + 64; ++k)
    flipped_bytes[k] ^= 0x5a;
  const std::string flipped = dir.file("flipped.csv.gz", flipped_bytes);
  message = io_error_message([&] { load_digits(flipped); });
  EXPECT_NE(message.find(flipped), std::string::npos) << message;
}

TEST(Digits, MalformedRowsNameFileAndLine) {
  const TempDir dir;
  const std::string row =
      "0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,"
      "0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,";
  // gzopen reads an uncompressed file as it is, so plain CSV files exercise the parser.
  const std::string good = dir.file("good.csv", row + "3\n" + row + "7\r\n");
  const Digits digits = load_digits(good);
  EXPECT_EQ(digits.images.sizes(), (Shape{2, 64}));
  EXPECT_EQ(digits.labels.to_doubles(), (std::vector<double>{3, 7}));

  const std::vector<std::pair<std::string, std::string>> cases = {
      {row + "3\n0,1,2\n", ":2: expected 65 comma-separated values"},
      {row + "3\n" + row + "10\n", ":2: value 65 '10' is not a label in 0..9"},
      {row + "2.5\n", ":1: value 65 '2.5' is not a label"},
      {"17" + row.substr(1) + "3\n", ":1: value 1 '17' is not a pixel value in [0, 16]"},
      {"x" + row.substr(1) + "3\n", ":1: value 1 'x' is not a pixel value"},
      {row + "3\n\n" + row + "3\n",
       ":2: expected 65 comma-separated values (64 pixels and the label), got 0"},
      {row + "3,\n", ":1: expected 65"},
      {"", ": no rows"},
  };
  int index = 0;
  for (const auto& [text, expected] : cases) {
    const std::string path = dir.file(fmt::format("bad{}.csv", index++), text);
    const std::string message = io_error_message([&] { load_digits(path); });
    EXPECT_NE(message.find(path + expected), std::string::npos)
        << "got: " << message << "\nexpected: " << expected;
  }
}

TEST(Digits, EnvironmentVariableOverridesThePath) {
  const TempDir dir;
  const std::string row =
      "1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,"
      "1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,";
  const std::string path = dir.file("three.csv", row + "0\n" + row + "1\n" + row + "2\n");
  const char* previous = std::getenv("NNINIT_DIGITS");
  const std::string saved = previous != nullptr ? previous : "";
  ::setenv("NNINIT_DIGITS", path.c_str(), 1);
  EXPECT_EQ(default_digits_path(), path);
  EXPECT_EQ(load_digits().labels.size(0), 3);
  if (previous != nullptr) {
    ::setenv("NNINIT_DIGITS", saved.c_str(), 1);
  } else {
    ::unsetenv("NNINIT_DIGITS");
  }
}

TEST(Digits, InputsAreResizedAndStandardised) {
  const Digits digits = load_digits();
  const Tensor vectors = digits_as_inputs(digits.images, {784});
  ASSERT_EQ(vectors.sizes(), (Shape{1797, 784}));
  double sum = 0.0, square = 0.0;
  const std::vector<double> v = vectors.to_doubles();
  for (double x : v) sum += x;
  const double mean = sum / static_cast<double>(v.size());
  for (double x : v) square += (x - mean) * (x - mean);
  EXPECT_NEAR(mean, 0.0, 1e-5);
  EXPECT_NEAR(std::sqrt(square / static_cast<double>(v.size())), 1.0, 1e-5);
  // The image layout holds the same values.
  const Tensor images = digits_as_inputs(digits.images, {1, 28, 28});
  ASSERT_EQ(images.sizes(), (Shape{1797, 1, 28, 28}));
  EXPECT_EQ(images.to_doubles(), v);
  EXPECT_EQ(digits_as_inputs(digits.images, {1, 8, 8}).sizes(), (Shape{1797, 1, 8, 8}));
  EXPECT_THROW(digits_as_inputs(digits.images, {3, 8, 8}), ValueError);
  EXPECT_THROW(digits_as_inputs(digits.images, {100}), ValueError);
}

TEST(Digits, ResizeIsPyTorchsBilinearWithoutAlignedCorners) {
  // Image k: pixel (y, x) = x, and the same transposed, so the two standardise alike. PyTorch's
  // interpolate(size=28, mode='bilinear', align_corners=False) reads output column j at source
  // max(0, (j + 0.5) * 8 / 28 - 0.5): column 14 at 3.642857 (between 3 and 4), column 27 at 7.357 (clamped to
  // 7), column 0 at 0.
  std::vector<double> pixels;
  for (int y = 0; y < 8; ++y) {
    for (int x = 0; x < 8; ++x) pixels.push_back(x);
  }
  for (int y = 0; y < 8; ++y) {
    for (int x = 0; x < 8; ++x) pixels.push_back(y);
  }
  const Tensor out = digits_as_inputs(Tensor::from_values(pixels, {2, 64}), {1, 28, 28});
  const double low = out.at({0, 0, 5, 0}), high = out.at({0, 0, 5, 27});
  EXPECT_NEAR((out.at({0, 0, 5, 14}) - low) / (high - low), (14.5 * 8.0 / 28.0 - 0.5) / 7.0, 1e-6);
  EXPECT_NEAR((out.at({0, 0, 5, 1}) - low) / (high - low), 0.0, 1e-6);  // 1.5 * 8/28 - 0.5 < 0: clamped
  EXPECT_NEAR((out.at({0, 0, 5, 2}) - low) / (high - low), (2.5 * 8.0 / 28.0 - 0.5) / 7.0, 1e-6);
  EXPECT_NEAR(out.at({1, 0, 14, 5}), out.at({0, 0, 5, 14}), 1e-6);  // rows resize as columns do
}

// ---- the probe's data ----

TEST(ProbeData, DigitsWhenTheShapeFitsTeacherOtherwise) {
  const nn::ModulePtr mlp = build("Sequential(Linear(784, 32), ReLU(), Linear(32, 10))");
  ProbeData data = make_probe_data(*mlp, {64, 784});
  EXPECT_EQ(data.task, ProbeTask::classification);
  EXPECT_EQ(data.classes, 10);
  EXPECT_EQ(data.train_inputs.sizes(), (Shape{1500, 784}));
  EXPECT_EQ(data.held_out_inputs.sizes(), (Shape{297, 784}));
  EXPECT_EQ(data.train_targets.sizes(), (Shape{1500}));
  EXPECT_EQ(data.train_targets.dtype(), DType::int64);

  const nn::ModulePtr cnn = build("Sequential(Conv2d(1, 4, 3), ReLU(), Flatten(), Linear(144, 10))");
  data = make_probe_data(*cnn, {16, 1, 8, 8});
  EXPECT_EQ(data.task, ProbeTask::classification);
  EXPECT_EQ(data.train_inputs.sizes(), (Shape{1500, 1, 8, 8}));

  // Five outputs, not ten: the teacher, with targets of the output's shape and std 1.
  const nn::ModulePtr five = build("Sequential(Linear(64, 16), Tanh(), Linear(16, 5))");
  data = make_probe_data(*five, {8, 64});
  EXPECT_EQ(data.task, ProbeTask::regression);
  EXPECT_EQ(data.train_inputs.sizes(), (Shape{1024, 64}));
  EXPECT_EQ(data.train_targets.sizes(), (Shape{1024, 5}));
  EXPECT_EQ(data.held_out_targets.sizes(), (Shape{256, 5}));
  EXPECT_THROW(make_probe_data(*five, {8, 64}, {.kind = ProbeDataKind::digits}), ValueError);

  // Asked for the teacher, a digits-shaped model gets it.
  data = make_probe_data(*mlp, {64, 784}, {.kind = ProbeDataKind::teacher});
  EXPECT_EQ(data.task, ProbeTask::regression);
  EXPECT_EQ(data.train_targets.sizes(), (Shape{1024, 10}));
}

// Images that digits do not fit, scored over classes: the pattern task (probe_data.h), balanced classes.
TEST(ProbeData, OtherImagesGetThePatternTask) {
  const nn::ModulePtr cnn =
      build("Sequential(Conv2d(3, 4, 3, padding=1), ReLU(), AdaptiveAvgPool2d(1), Flatten(), Linear(4, 3))");
  ProbeData data = make_probe_data(*cnn, {8, 3, 8, 8});
  EXPECT_EQ(data.task, ProbeTask::classification);
  EXPECT_EQ(data.classes, 3);
  EXPECT_TRUE(data.description.starts_with("image patterns: 3 classes")) << data.description;
  EXPECT_EQ(data.train_inputs.sizes(), (Shape{1024, 3, 8, 8}));
  EXPECT_EQ(data.held_out_inputs.sizes(), (Shape{256, 3, 8, 8}));
  EXPECT_EQ(data.train_targets.dtype(), DType::int64);
  std::vector<int> per_class(3, 0);
  for (double label : data.train_targets.to_doubles()) ++per_class[static_cast<std::size_t>(label)];
  for (int count : per_class) EXPECT_NEAR(count, 1024 / 3, 1);
  const TensorStatistics s = statistics(data.train_inputs);
  EXPECT_NEAR(s.mean, 0.0, 0.02);
  EXPECT_NEAR(s.std, 1.0, 0.02);
  // Asked for the teacher, it gets the teacher.
  data = make_probe_data(*cnn, {8, 3, 8, 8}, {.kind = ProbeDataKind::teacher});
  EXPECT_EQ(data.task, ProbeTask::regression);
}

// On the pattern task the initialisations differ, where the random teacher left every one of them at the
// chance loss: the matched CNN learns, the too-small one stalls.
TEST(ProbePatterns, MatchedLearnsWhereTooSmallStalls) {
  const nn::ModulePtr model = build(
      "Sequential(Conv2d(3, 8, 3, padding=1), ReLU(), Conv2d(8, 8, 3, padding=1), ReLU(), "
      "AdaptiveAvgPool2d(1), Flatten(), Linear(8, 3))");
  const ProbeResult r =
      run_probe(*model, {64, 3, 8, 8}, pick(*model, {"too small", "matched"}), {.steps = 100});
  SCOPED_TRACE(verdicts(r));
  EXPECT_GT(result_of(r, "matched").held_out_accuracy, 0.6);
  EXPECT_LT(result_of(r, "too small").held_out_accuracy, 0.45);
  EXPECT_NE(verdicts(r).find("too small: stalled at the chance loss"), std::string::npos);
}

TEST(ProbeData, SequencesPutTheBatchWhereTheModelReadsIt) {
  const nn::ModulePtr lstm = build("LSTM(8, 16)");
  ProbeData data = make_probe_data(*lstm, {6, 4, 8});
  EXPECT_EQ(data.task, ProbeTask::regression);
  EXPECT_EQ(data.input_batch_dim, 1);
  EXPECT_EQ(data.output_batch_dim, 1);
  EXPECT_EQ(data.train_inputs.sizes(), (Shape{1024, 6, 8}));
  EXPECT_EQ(data.train_targets.sizes(), (Shape{1024, 6, 16}));
  EXPECT_THROW(make_probe_data(*lstm, {6, 8}), ValueError);  // unbatched

  const nn::ModulePtr encoder = build("TransformerEncoderLayer(16, 2, 32, batch_first=True)");
  data = make_probe_data(*encoder, {4, 6, 16});
  EXPECT_EQ(data.input_batch_dim, 0);
  EXPECT_EQ(data.output_batch_dim, 0);
  EXPECT_EQ(data.train_targets.sizes(), (Shape{1024, 6, 16}));

  const nn::ModulePtr embedding = build("Sequential(Embedding(100, 16), Linear(16, 10))");
  EXPECT_THROW(make_probe_data(*embedding, {4, 6}), ValueError);
}

// ---- the classic claims ----

// With every weight and bias zero, a tanh hidden layer outputs tanh(0) = 0 for every input: the output
// layer's weights get the gradient g h^T = 0 and the hidden layer's get W2^T g = 0. Nothing but the output
// bias ever moves, every hidden unit stays identical (all zero) and the loss stays at the entropy of the
// class prior.
TEST(ProbeZeroInit, TanhHiddenLayerGetsNoGradientAndStaysIdentical) {
  const nn::ModulePtr model = build("Sequential(Linear(64, 32), Tanh(), Linear(32, 10))");
  const ProbeResult r = run_probe(*model, {64, 64}, pick(*model, {"zeros", "matched"}), {.steps = 200});
  const CandidateResult& zeros = result_of(r, "zeros");
  SCOPED_TRACE(verdicts(r));
  EXPECT_EQ(zeros.identical_units_initial, 32);
  EXPECT_EQ(zeros.identical_units_final, 32);
  EXPECT_EQ(zeros.max_abs_weight_final, 0.0);
  ASSERT_FALSE(zeros.symmetries.empty());
  EXPECT_EQ(zeros.symmetries[0].parameter, "0.weight");
  EXPECT_TRUE(zeros.symmetries[0].stays_identical);
  EXPECT_GT(zeros.train_loss, 0.99 * ln10);
  EXPECT_LT(zeros.held_out_accuracy, 0.2);
  const CandidateResult& matched = result_of(r, "matched");
  EXPECT_EQ(matched.identical_units_final, 0);
  EXPECT_LT(matched.train_loss, 0.5);
}

// With sigmoid, sigmoid(0) = 1/2: the output layer's columns all get the same gradient, so the hidden units
// receive identical, nonzero gradients. The weights move, but all 32 units stay one unit: the network learns
// what a single hidden unit can, far from the matched init.
TEST(ProbeZeroInit, SigmoidUnitsGetIdenticalGradientsAndStayIdentical) {
  const nn::ModulePtr model = build("Sequential(Linear(64, 32), Sigmoid(), Linear(32, 10))");
  const ProbeResult r =
      run_probe(*model, {64, 64}, pick(*model, {"zeros", "matched"}), {.steps = 300, .learning_rate = 0.05});
  SCOPED_TRACE(verdicts(r));
  const CandidateResult& zeros = result_of(r, "zeros");
  EXPECT_EQ(zeros.identical_units_initial, 32);
  EXPECT_EQ(zeros.identical_units_final, 32);
  EXPECT_GT(zeros.max_abs_weight_final, 0.1);
  // Identical up to rounding. BLAS sums blocks of rows in different orders, which separates the rows by an
  // ulp from step 2 on; the symmetric state is a saddle, so that difference grows, about tenfold every 40
  // steps here: 1e-6 of the rows' size after 100 steps, 1.3e-4 after 300 (measured). Exact arithmetic would
  // keep the rows equal for ever; in float32 this run breaks its symmetry near step 600 and then trains.
  const Tensor w = zeros.model->named_parameters()[0].tensor;  // 0.weight, (32, 64)
  double scale = 0.0;
  for (double x : w.to_doubles()) scale = std::max(scale, std::fabs(x));
  for (std::int64_t unit = 1; unit < 32; ++unit) {
    for (std::int64_t i = 0; i < 64; ++i) ASSERT_NEAR(w.at({unit, i}), w.at({0, i}), 1e-3 * scale) << unit;
  }
  EXPECT_GT(zeros.train_loss, 1.0);
  EXPECT_LT(result_of(r, "matched").train_loss, 0.5);
}

// Weights N(0, 1) in a 10-layer ReLU net: each layer multiplies the signal by about sqrt(64 / 2) = 5.7, so
// the logits start near 10^7 and the first SGD step throws the weights far out: the loss overflows.
TEST(ProbeTooLarge, DeepReluNetDiverges) {
  const nn::ModulePtr model = build(deep_mlp(10, "ReLU"));
  const ProbeResult r = run_probe(*model, {64, 64}, pick(*model, {"too large", "matched"}), {.steps = 100});
  SCOPED_TRACE(verdicts(r));
  const CandidateResult& large = result_of(r, "too large");
  EXPECT_GT(large.initial_loss, 1000 * ln10);
  ASSERT_TRUE(large.diverged_at.has_value());
  EXPECT_LE(*large.diverged_at, 5);
  EXPECT_EQ(large.steps_run, *large.diverged_at);
  EXPECT_EQ(large.steps.back(), *large.diverged_at);  // the curve ends where the run stopped
  const CandidateResult& matched = result_of(r, "matched");
  EXPECT_FALSE(matched.diverged_at.has_value());
  EXPECT_LT(matched.train_loss, 0.5);

  EXPECT_NE(verdicts(r).find(fmt::format("- too large: diverged at step {}", *large.diverged_at)),
            std::string::npos);
}

// Weights N(0, 1) in the reference 784-256-128-10 ReLU MLP (digits resized to 28x28): the loss starts some
// thousand times chance, under the 10x divergence rule only because that rule is relative to the start. The
// first steps throw the weights out and kill the ReLUs, and the loss falls back to chance: the summary says
// so rather than calling it a stall. (On the 8x8 images, 64 inputs, the same init trains.)
TEST(ProbeTooLarge, ShallowReluNetBlowsUpThenSitsAtChance) {
  const nn::ModulePtr model =
      build("Sequential(Linear(784, 256), ReLU(), Linear(256, 128), ReLU(), Linear(128, 10))");
  const ProbeResult r = run_probe(*model, {64, 784}, pick(*model, {"too large", "matched"}), {.steps = 100});
  const std::string text = verdicts(r);
  SCOPED_TRACE(text);
  const CandidateResult& large = result_of(r, "too large");
  ASSERT_FALSE(large.diverged_at.has_value());
  EXPECT_GT(large.initial_loss, 100 * ln10);
  EXPECT_GT(large.max_abs_weight_final, 2 * large.max_abs_weight_initial);
  EXPECT_NEAR(large.train_loss, ln10, 0.02 * ln10);
  EXPECT_NE(text.find(fmt::format("- too large: started at {:.0f}x the chance loss, its largest weight grew",
                                  large.initial_loss / r.chance_loss)),
            std::string::npos);
  EXPECT_NE(text.find("and it ended no better than chance"), std::string::npos);
  EXPECT_EQ(text.find("- too large: stalled"), std::string::npos);
  EXPECT_EQ(text.find("- matched:"), std::string::npos);  // trained: nothing to say
  EXPECT_LT(result_of(r, "matched").train_loss, 0.5);
}

// Weights N(0, 0.01^2) in a 10-layer tanh net: each layer multiplies the signal by 0.01 * sqrt(64) = 0.08, so
// the output is 10^-11 of the input and the gradients reaching the early layers are as small. SGD leaves the
// loss at ln(10) while the matched init (Xavier with tanh's gain) trains.
TEST(ProbeTooSmall, DeepNetStallsWhereMatchedTrains) {
  const nn::ModulePtr model = build(deep_mlp(10, "Tanh"));
  const ProbeResult r = run_probe(*model, {64, 64}, pick(*model, {"too small", "matched"}), {.steps = 200});
  SCOPED_TRACE(verdicts(r));
  const CandidateResult& small = result_of(r, "too small");
  EXPECT_NEAR(small.train_loss, ln10, 0.01 * ln10);
  EXPECT_LT(small.held_out_accuracy, 0.2);
  EXPECT_LT(small.max_abs_weight_final, 1.1 * small.max_abs_weight_initial);
  EXPECT_NE(verdicts(r).find("- too small: stalled at the chance loss"), std::string::npos);
  const CandidateResult& matched = result_of(r, "matched");
  EXPECT_LT(matched.train_loss, 0.5);
  EXPECT_GT(matched.held_out_accuracy, 0.85);
}

// The standard candidates on a small MLP: matched (and PyTorch's default) train; zeros does not.
TEST(ProbeMatched, MlpTrainsOnDigits) {
  const nn::ModulePtr model = build("Sequential(Linear(64, 32), ReLU(), Linear(32, 10))");
  const ProbeResult r = run_probe(*model, {64, 64}, standard_candidates(*model), {.steps = 300});
  SCOPED_TRACE(verdicts(r));
  ASSERT_EQ(r.candidates.size(), 5u);
  EXPECT_NEAR(r.chance_loss, ln10, 1e-12);
  const CandidateResult& matched = result_of(r, "matched");
  EXPECT_GT(matched.held_out_accuracy, 0.9);
  EXPECT_LT(matched.train_loss, 0.3);
  EXPECT_EQ(matched.steps.size(), 61u);  // 0, 5, ..., 295 and 299
  EXPECT_GT(result_of(r, "PyTorch default").held_out_accuracy, 0.9);
  EXPECT_GT(result_of(r, "zeros").train_loss, 0.99 * ln10);
}

TEST(ProbeMatched, CnnTrainsOnDigitImages) {
  const nn::ModulePtr model =
      build("Sequential(Conv2d(1, 8, 3, padding=1), ReLU(), Flatten(), Linear(512, 10))");
  const ProbeResult r = run_probe(*model, {64, 1, 8, 8}, pick(*model, {"zeros", "matched"}), {.steps = 200});
  SCOPED_TRACE(verdicts(r));
  EXPECT_GT(result_of(r, "matched").held_out_accuracy, 0.9);
  EXPECT_EQ(result_of(r, "zeros").identical_units_final, 8);  // the 8 filters stay one
}

// Sequence models get the teacher task. They are trained with Adam, as such models are in practice: SGD
// barely moves the auto preset's std 0.02 attention weights in a few hundred steps.
TEST(ProbeTeacher, LstmAndTransformerEncoderTrain) {
  const ProbeOptions options{.steps = 150, .batch_size = 32, .optimizer = Optimizer::adam};
  const nn::ModulePtr lstm = build("LSTM(8, 16)");
  ProbeResult r = run_probe(*lstm, {6, 32, 8}, pick(*lstm, {"matched", "too large"}), options);
  SCOPED_TRACE(verdicts(r));
  EXPECT_EQ(r.task, ProbeTask::regression);
  EXPECT_NEAR(r.chance_loss, 1.0, 0.05);
  for (const CandidateResult& c : r.candidates) {
    for (double loss : c.losses) EXPECT_TRUE(std::isfinite(loss)) << c.label;
  }
  EXPECT_LT(result_of(r, "matched").train_loss, 0.9 * result_of(r, "matched").initial_loss);
  // Weights N(0, 1) saturate the gates: the LSTM learns almost nothing.
  EXPECT_GT(result_of(r, "too large").train_loss, result_of(r, "matched").train_loss + 0.1);

  const nn::ModulePtr encoder = build("TransformerEncoderLayer(16, 2, 32, dropout=0.0)");
  r = run_probe(*encoder, {6, 32, 16}, pick(*encoder, {"zeros", "matched"}), options);
  SCOPED_TRACE(verdicts(r));
  const CandidateResult& matched = result_of(r, "matched");
  for (double loss : matched.losses) EXPECT_TRUE(std::isfinite(loss));
  EXPECT_LT(matched.train_loss, 0.5 * matched.initial_loss);
  EXPECT_LT(matched.held_out_loss, 0.9 * r.chance_loss);
  const CandidateResult& zeros = result_of(r, "zeros");
  EXPECT_EQ(zeros.identical_units_final, 32);  // linear1's units
  EXPECT_GT(zeros.train_loss, matched.train_loss + 0.3);
}

TEST(ProbeDeterminism, SameSeedSameCurves) {
  const nn::ModulePtr model = build("Sequential(Linear(64, 32), ReLU(), Dropout(0.2), Linear(32, 10))");
  const std::vector<Candidate> candidates = pick(*model, {"too small", "matched"});
  const ProbeOptions options{.steps = 40, .batch_size = 32, .seed = 3};
  const ProbeResult a = run_probe(*model, {32, 64}, candidates, options);
  const ProbeResult b = run_probe(*model, {32, 64}, candidates, options);
  ASSERT_EQ(a.candidates.size(), b.candidates.size());
  for (std::size_t k = 0; k < a.candidates.size(); ++k) {
    EXPECT_EQ(a.candidates[k].losses, b.candidates[k].losses);
    EXPECT_EQ(a.candidates[k].held_out_loss, b.candidates[k].held_out_loss);
  }
  ProbeOptions other = options;
  other.seed = 4;
  const ProbeResult c = run_probe(*model, {32, 64}, candidates, other);
  EXPECT_NE(a.candidates[1].losses, c.candidates[1].losses);
}

// The samples of `samples` (S, ...) in the order of `order`.
Tensor reorder(const Tensor& samples, const Tensor& order) {
  Tensor out = Tensor::empty(samples.sizes(), samples.dtype());
  for (std::int64_t i = 0; i < order.size(0); ++i) {
    out.select(0, i).copy_(samples.select(0, static_cast<std::int64_t>(order.at({i}))));
  }
  return out;
}

// The optimisers against PyTorch's update rules, computed here in double: full-batch training of a softmax
// regression from zero weights, two steps. Every batch is the whole training set in the order probe.h
// promises (TorchGenerator(seed + 1).randperm per epoch), so the gradients are the probe's own.
void expect_two_steps_match(const ProbeOptions& options) {
  const nn::ModulePtr model = build("Linear(64, 10)");
  const ProbeData data = make_probe_data(*model, {8, 64});
  const Candidate zeros{.label = "zeros", .rules = {expr::parse_rule("*=zeros_()")}};
  ProbeOptions o = options;
  o.steps = 2;
  o.batch_size = 1500;
  const ProbeResult r = run_probe(*model, data, std::span(&zeros, 1), o);
  const nn::Module& trained = *r.candidates[0].model;

  const nn::ModulePtr reference = model->clone();
  const std::vector<NamedTensor> parameters = reference->named_parameters();
  for (const NamedTensor& p : parameters) p.tensor.zero_();
  std::vector<std::vector<double>> m(parameters.size()), v(parameters.size());
  const double lr = learning_rate(options);
  TorchGenerator order(o.seed + 1);
  for (int step = 1; step <= 2; ++step) {
    const Tensor epoch = order.randperm(1500);
    const engine::Trace trace = engine::run_forward(*reference, {reorder(data.train_inputs, epoch)});
    const engine::Loss loss = engine::cross_entropy(trace.outputs()[0], reorder(data.train_targets, epoch));
    EXPECT_NEAR(loss.value, r.candidates[0].losses[static_cast<std::size_t>(step - 1)],
                step == 1 ? 0.0 : 1e-6);
    const engine::Gradients gradients = engine::run_backward(trace, loss.grad);
    for (std::size_t i = 0; i < parameters.size(); ++i) {
      const std::vector<double> g = gradients.parameters[i].tensor.to_doubles();
      std::vector<double> p = parameters[i].tensor.to_doubles();
      m[i].resize(g.size(), 0.0);
      v[i].resize(g.size(), 0.0);
      for (std::size_t k = 0; k < g.size(); ++k) {
        if (options.optimizer == Optimizer::sgd) {
          m[i][k] = step == 1 ? g[k] : options.momentum * m[i][k] + g[k];
          p[k] -= lr * m[i][k];
        } else {
          m[i][k] = 0.9 * m[i][k] + 0.1 * g[k];
          v[i][k] = 0.999 * v[i][k] + 0.001 * g[k] * g[k];
          const double m_hat = m[i][k] / (1 - std::pow(0.9, step));
          const double v_hat = v[i][k] / (1 - std::pow(0.999, step));
          p[k] -= lr * m_hat / (std::sqrt(v_hat) + 1e-8);
        }
      }
      parameters[i].tensor.copy_(Tensor::from_values(p, parameters[i].tensor.sizes()));
    }
  }
  const std::vector<NamedTensor> got = trained.named_parameters();
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    const std::vector<double> expected = parameters[i].tensor.to_doubles();
    const std::vector<double> actual = got[i].tensor.to_doubles();
    double scale = 0.0;
    for (double e : expected) scale = std::max(scale, std::fabs(e));
    ASSERT_GT(scale, 0.0);
    // float32 updates against double ones, and step 2's gradient taken at slightly different weights.
    for (std::size_t k = 0; k < expected.size(); ++k) {
      ASSERT_NEAR(actual[k], expected[k], 1e-5 * scale) << got[i].name << " element " << k;
    }
  }
}

TEST(ProbeOptimizer, SgdWithMomentumMatchesTorchOptimSgd) {
  expect_two_steps_match({.optimizer = Optimizer::sgd, .learning_rate = 0.1, .momentum = 0.9});
}

TEST(ProbeOptimizer, PlainSgd) {
  expect_two_steps_match({.optimizer = Optimizer::sgd, .momentum = 0.0});
}

TEST(ProbeOptimizer, AdamMatchesTorchOptimAdam) {
  expect_two_steps_match({.optimizer = Optimizer::adam});
}

// Adam's first step divides the gradient by its own magnitude: every weight with a gradient moves by lr.
TEST(ProbeOptimizer, AdamFirstStepMovesEveryWeightByTheLearningRate) {
  const nn::ModulePtr model = build("Linear(64, 10)");
  const Candidate zeros{.label = "zeros", .rules = {expr::parse_rule("*=zeros_()")}};
  const ProbeResult r =
      run_probe(*model, {8, 64}, std::span(&zeros, 1), {.steps = 1, .optimizer = Optimizer::adam});
  for (double w : r.candidates[0].model->named_parameters()[0].tensor.to_doubles()) {
    EXPECT_NEAR(std::fabs(w), 1e-3, 1e-6);
  }
  EXPECT_NEAR(r.candidates[0].max_abs_weight_final, 1e-3, 1e-6);
}

// ---- cost and budget ----

// A clock that moves one second per reading: the first step, read before and after, takes one second, and
// everything the probe decides from time is deterministic.
std::function<double()> counting_clock() {
  auto now = std::make_shared<double>(0.0);
  return [now] { return *now += 1.0; };
}

TEST(ProbeBudget, EveryCandidateRunsTheStepsThatFitTheBudget) {
  const nn::ModulePtr model = build("Sequential(Linear(64, 16), Tanh(), Linear(16, 5))");
  std::vector<ProbeProgress> seen;
  const ProbeResult r =
      run_probe(*model, {8, 64}, pick(*model, {"PyTorch default", "matched"}),
                {.budget_seconds = 40.0, .clock = counting_clock(), .progress = [&](const ProbeProgress& p) {
                   seen.push_back(p);
                 }});
  EXPECT_EQ(r.first_step_seconds, 1.0);
  ASSERT_TRUE(r.cut_by_budget);
  ASSERT_LT(r.steps_per_candidate, 300);
  // The steps fit the budget by the estimate, and one more would not.
  const auto estimate = [&](int steps) { return 2.0 * (steps * r.first_step_seconds + r.overhead_seconds); };
  EXPECT_LE(estimate(r.steps_per_candidate), 40.0);
  EXPECT_GT(estimate(r.steps_per_candidate + 1), 40.0);
  EXPECT_EQ(r.estimated_seconds, estimate(r.steps_per_candidate));
  for (const CandidateResult& c : r.candidates) {
    EXPECT_EQ(c.steps_run, r.steps_per_candidate) << c.label;
    EXPECT_EQ(c.steps.back(), r.steps_per_candidate - 1)
        << c.label << ": the curve ends at the last step run";
  }
  // The plan is told once, after the first step; then every step of every candidate.
  ASSERT_EQ(seen.size(), 2u * static_cast<std::size_t>(r.steps_per_candidate));
  EXPECT_TRUE(seen.front().plan);
  EXPECT_EQ(std::count_if(seen.begin(), seen.end(), [](const ProbeProgress& p) { return p.plan; }), 1);
  EXPECT_TRUE(seen.front().cut_by_budget);
  EXPECT_EQ(seen.front().steps_asked, 300);
  EXPECT_EQ(seen.front().steps, r.steps_per_candidate);
  EXPECT_EQ(seen.back().candidate, 1u);
  EXPECT_EQ(seen.back().step, r.steps_per_candidate);
  EXPECT_EQ(seen.back().label, "matched");
  // A budget too small for one step still runs one.
  const ProbeResult tiny = run_probe(*model, {8, 64}, pick(*model, {"matched"}),
                                     {.steps = 20, .budget_seconds = 0.5, .clock = counting_clock()});
  EXPECT_EQ(tiny.steps_per_candidate, 1);
  EXPECT_EQ(tiny.candidates.front().steps_run, 1);
}

TEST(ProbeBudget, ABudgetThatFitsCutsNothing) {
  const nn::ModulePtr model = build("Sequential(Linear(64, 16), Tanh(), Linear(16, 5))");
  const ProbeResult r = run_probe(*model, {8, 64}, pick(*model, {"matched"}),
                                  {.steps = 20, .budget_seconds = 1e6, .clock = counting_clock()});
  EXPECT_FALSE(r.cut_by_budget);
  EXPECT_EQ(r.steps_per_candidate, 20);
  EXPECT_EQ(r.candidates.front().steps_run, 20);
  EXPECT_THROW(run_probe(*model, {8, 64}, pick(*model, {"matched"}), {.budget_seconds = -1.0}), ValueError);
}

TEST(ProbeOptions, RejectsNonsense) {
  const nn::ModulePtr model = build("Linear(64, 10)");
  const std::vector<Candidate> none;
  EXPECT_THROW(run_probe(*model, {8, 64}, none, {.steps = 0}), ValueError);
  EXPECT_THROW(run_probe(*model, {8, 64}, none, {.batch_size = 0}), ValueError);
  EXPECT_THROW(run_probe(*model, {8, 64}, none, {.divergence_factor = 1.0}), ValueError);
  EXPECT_THROW(make_probe_data(*model, {64}), ValueError);
  EXPECT_EQ(learning_rate({}), 0.01);
  EXPECT_EQ(learning_rate({.optimizer = Optimizer::adam}), 1e-3);
  EXPECT_EQ(learning_rate({.learning_rate = 0.3}), 0.3);
}

}  // namespace
}  // namespace nninit::diag
