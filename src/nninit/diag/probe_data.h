// The training probe's data (probe.h): scikit-learn's digits, read strictly from Debian's python3-sklearn,
// shifted patterns for other images, or a random teacher task, shaped for the model being probed.
//
// Data (make_probe_data). Which task depends on the model's input shape and output:
//   - scikit-learn's digits (1797 8x8 images of the digits 0-9, pixel values 0..16; Debian's python3-sklearn
//     ships digits.csv.gz) when the per-sample input shape is (64), (784), (1, 8, 8) or (1, 28, 28) and the
//     model's output is (N, 10): cross-entropy, 10 classes. 784 features and 28x28 images are the 8x8 images
//     resized with bilinear interpolation (PyTorch's interpolate(mode='bilinear', align_corners=False)), so
//     MNIST-shaped models run unchanged. Pixels are scaled to [0, 1], then standardised with one mean and one
//     std over the whole set (the usual MNIST preprocessing). A seeded shuffle splits 1500 training and 297
//     held-out images.
//   - images that digits do not fit, (C, H, W) per sample, scored over K >= 2 classes (output (N, K)): the
//     pattern task. Each class is one smooth random pattern (N(0, 1) per pixel, box-blurred with radius
//     min(H, W) / 8 along both axes, standardised); sample i is of class i mod K, its pattern shifted
//     circularly by up to min(H, W) / 4 pixels each way, plus N(0, 1.5^2) noise per pixel; the inputs are
//     standardised over the set. Cross-entropy; 1024 training and 256 held-out images. A random teacher of
//     the whole flattened image (below) has no spatial structure a convolution and a pooling can represent,
//     so every initialisation stalled at the loss of predicting the mean and the probe could not tell them
//     apart; shifted patterns in noise are what convolutions learn (local, shared, translation-tolerant
//     features), and the noise keeps the task from being solved in a few steps. On a small CNN
//     (probe_test) the matched initialisation reaches about 95% held-out accuracy in 100 steps, PyTorch's
//     default about 60%, and too small and zeros stay at chance.
//   - otherwise a teacher task: inputs N(0, 1) of the model's input shape; targets from a fixed random
//     teacher y = W2 tanh(W1 x) with 32 hidden units and W1 ~ N(0, 1.5^2 / fan_in), so that the teacher is
//     clearly nonlinear but not saturated; targets are standardised to mean 0 and std 1 over the set, so the
//     loss of predicting nothing (the zero output) is about 1. MSE loss; 1024 training and 256 held-out
//     samples. Models with a recurrent or attention layer read 3-D input as sequences (batch dimension 1, or
//     0 with batch_first) and the teacher acts on each time step alone (a Transformer encoder without
//     positional encoding cannot tell the steps apart, so a target that mixed them would be unlearnable);
//     other models get a teacher of the whole flattened sample.
// Inputs are float32; a model that needs integer inputs (an Embedding first) is rejected with a ValueError.
//
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "nninit/core/tensor.h"
#include "nninit/nn/module.h"

namespace nninit::diag {

// ---- the digits data set ----

// Where load_digits looks when given no path: $NNINIT_DIGITS when set and non-empty, otherwise Debian's
// /usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz.
std::string default_digits_path();

struct Digits {
  Tensor images;  // float32 (rows, 64): the 8x8 pixels row by row, 0..16
  Tensor labels;  // int64 (rows): 0..9
};

// Reads digits.csv.gz (gzip; a plain CSV also reads): one image per line, 64 pixel values in [0, 16] and
// the label in 0..9, comma-separated. Strict: IoError naming the file and the line for a row that is not
// exactly 65 numbers in range, for a corrupt or truncated gzip stream and for an empty file; IoError
// naming the file and the python3-sklearn package when it cannot be opened.
Digits load_digits(const std::string& path = {});

// The images (rows, 64) as model inputs of the per-sample shape (64), (784), (1, 8, 8) or (1, 28, 28)
// (resized bilinearly as above), scaled to [0, 1] and standardised over the whole set: (rows, ...sample).
// ValueError for another shape.
Tensor digits_as_inputs(const Tensor& images, const Shape& sample_shape);

// Whether digits can feed a model with this per-sample input shape.
bool digits_fit(const Shape& sample_shape);

// ---- the probe's data ----

enum class ProbeTask { classification, regression };
enum class ProbeDataKind { automatic, digits, teacher };

// Samples-first tensors: inputs (S, ...sample), targets int64 (S) for classification or float32
// (S, ...output sample) for regression. The batch dimension of the model's input and output is where a
// batch of samples goes (1 for sequence-first recurrent and attention models).
struct ProbeData {
  std::string description{};  // "digits: 1500 training and 297 held-out images, 8x8 resized to 28x28"
  ProbeTask task = ProbeTask::classification;
  Tensor train_inputs{};
  Tensor train_targets{};
  Tensor held_out_inputs{};
  Tensor held_out_targets{};
  std::int64_t input_batch_dim = 0;
  std::int64_t output_batch_dim = 0;
  std::int64_t classes = 0;  // classification only
};

struct ProbeDataOptions {
  ProbeDataKind kind = ProbeDataKind::automatic;  // automatic: digits, else patterns for images, else teacher
  std::string digits_path{};                      // empty: default_digits_path()
  std::uint64_t seed = 0;                         // the split and the teacher
};

// The data for `model` fed batches of `input_shape` (the batch entry's value is ignored: only the
// per-sample shape counts). Runs the model twice on tiny batches to find its output shape. ValueError when
// digits are asked for and do not fit, for an integer-input model, and when the teacher cannot map the
// input to the output (their batch dimensions or, for sequences, their step counts differ).
ProbeData make_probe_data(nn::Module& model, const Shape& input_shape, const ProbeDataOptions& options = {});

// ---- samples-first tensors ----

// The samples (S, ...) at `indices`, samples-first and contiguous.
Tensor gather_samples(const Tensor& samples, std::span<const std::int64_t> indices);
// Samples-first (N, ...) moved to the model's layout, with N at `batch_dim`.
Tensor to_model_layout(const Tensor& batch, std::int64_t batch_dim);
// Samples [start, start + count), contiguous.
Tensor slice_samples(const Tensor& samples, std::int64_t start, std::int64_t count);

}  // namespace nninit::diag
