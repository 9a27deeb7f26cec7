#include "nninit/diag/probe_data.h"

#include <zlib.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string_view>
#include <system_error>

#include <fmt/format.h>

#include "nninit/core/error.h"
#include "nninit/diag/architecture.h"
#include "nninit/engine/trace.h"
#include "nninit/expr/rules.h"
#include "nninit/nn/attention.h"
#include "nninit/nn/rnn.h"
#include "nninit/nn/transformer.h"
#include "nninit/random/torch_generator.h"

namespace nninit::diag {
namespace {

constexpr std::string_view debian_digits_path =
    "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz";
constexpr std::int64_t digits_pixels = 64;
constexpr std::int64_t digits_classes = 10;
constexpr std::int64_t digits_train_rows = 1500;  // of 1797; the other 297 are held out
constexpr std::int64_t teacher_train = 1024;
constexpr std::int64_t teacher_held_out = 256;
constexpr std::int64_t teacher_hidden = 32;
constexpr double teacher_input_gain = 1.5;
// The image task (probe_data.h): per-class smooth patterns, shifted and drowned in noise.
constexpr std::int64_t patterns_train = 1024;
constexpr std::int64_t patterns_held_out = 256;
constexpr double patterns_noise = 1.5;

// ---- digits ----

std::string read_gzip(const std::string& path) {
  errno = 0;
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) {
    const std::string reason = errno != 0 ? std::generic_category().message(errno) : "out of memory";
    throw IoError(fmt::format(
        "load_digits: cannot open '{}': {}. The digits data set comes with Debian's python3-sklearn package "
        "(apt-get install python3-sklearn); or set NNINIT_DIGITS to a copy of digits.csv.gz",
        path, reason));
  }
  std::string text;
  std::vector<char> buffer(1 << 16);
  int code = Z_OK;
  for (;;) {
    const int n = gzread(file, buffer.data(), static_cast<unsigned>(buffer.size()));
    if (n <= 0) {
      // A truncated stream ends with 0 and Z_BUF_ERROR; a corrupt one with -1.
      const char* message = gzerror(file, &code);
      if (code != Z_OK) {
        const std::string reason = message != nullptr ? message : "read error";
        gzclose(file);
        throw IoError(fmt::format("load_digits: '{}' is not a valid gzip file: {}", path, reason));
      }
      break;
    }
    text.append(buffer.data(), static_cast<std::size_t>(n));
  }
  if (gzclose(file) != Z_OK) throw IoError(fmt::format("load_digits: '{}': error closing the file", path));
  return text;
}

std::optional<double> parse_number(std::string_view field) {
  double value = 0.0;
  const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (ec != std::errc() || end != field.data() + field.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

Digits parse_digits(const std::string& text, const std::string& path) {
  std::vector<double> pixels;
  std::vector<double> labels;
  std::size_t position = 0;
  int line = 0;
  std::vector<std::string_view> fields;
  while (position < text.size()) {
    std::size_t end = text.find('\n', position);
    if (end == std::string::npos) end = text.size();
    std::string_view row(text.data() + position, end - position);
    position = end + 1;
    ++line;
    if (!row.empty() && row.back() == '\r') row.remove_suffix(1);
    fields.clear();
    for (std::size_t start = 0;;) {
      const std::size_t comma = row.find(',', start);
      fields.push_back(
          row.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    if (fields.size() != static_cast<std::size_t>(digits_pixels + 1)) {
      throw IoError(
          fmt::format("load_digits: {}:{}: expected 65 comma-separated values (64 pixels and the label), "
                      "got {}",
                      path, line, row.empty() ? 0 : fields.size()));
    }
    for (std::size_t k = 0; k < fields.size(); ++k) {
      const std::optional<double> value = parse_number(fields[k]);
      const bool is_label = k + 1 == fields.size();
      if (!value || *value < 0.0 || *value > (is_label ? 9.0 : 16.0) ||
          (is_label && *value != std::floor(*value))) {
        throw IoError(fmt::format("load_digits: {}:{}: value {} '{}' is not {}", path, line, k + 1, fields[k],
                                  is_label ? "a label in 0..9" : "a pixel value in [0, 16]"));
      }
      (is_label ? labels : pixels).push_back(*value);
    }
  }
  if (labels.empty()) throw IoError(fmt::format("load_digits: {}: no rows", path));
  const auto rows = static_cast<std::int64_t>(labels.size());
  return {.images = Tensor::from_values(pixels, {rows, digits_pixels}),
          .labels = Tensor::from_values(labels, {rows}, DType::int64)};
}

// PyTorch's interpolate(mode='bilinear', align_corners=False) of one square image.
void resize_bilinear(const double* in, std::int64_t in_side, double* out, std::int64_t out_side) {
  const double scale = static_cast<double>(in_side) / static_cast<double>(out_side);
  auto source = [&](std::int64_t i, std::int64_t& low, std::int64_t& high, double& weight) {
    const double s = std::max(0.0, (static_cast<double>(i) + 0.5) * scale - 0.5);
    low = std::min(static_cast<std::int64_t>(s), in_side - 1);
    high = std::min(low + 1, in_side - 1);
    weight = s - static_cast<double>(low);
  };
  for (std::int64_t y = 0; y < out_side; ++y) {
    std::int64_t y0 = 0, y1 = 0;
    double wy = 0.0;
    source(y, y0, y1, wy);
    for (std::int64_t x = 0; x < out_side; ++x) {
      std::int64_t x0 = 0, x1 = 0;
      double wx = 0.0;
      source(x, x0, x1, wx);
      const double top = (1 - wx) * in[y0 * in_side + x0] + wx * in[y0 * in_side + x1];
      const double bottom = (1 - wx) * in[y1 * in_side + x0] + wx * in[y1 * in_side + x1];
      out[y * out_side + x] = (1 - wy) * top + wy * bottom;
    }
  }
}

// ---- sample tensors ----

// To mean 0 and (population) std 1, all values together.
void standardize(std::vector<double>& values) {
  double mean = 0.0, square = 0.0;
  for (double v : values) mean += v;
  mean /= static_cast<double>(values.size());
  for (double v : values) square += (v - mean) * (v - mean);
  const double std = std::sqrt(square / static_cast<double>(values.size()));
  for (double& v : values) v = (v - mean) / (std > 0.0 ? std : 1.0);
}

Shape with_batch(const Shape& sample, std::int64_t batch, std::int64_t batch_dim) {
  Shape shape = sample;
  shape.insert(shape.begin() + batch_dim, batch);
  return shape;
}

Shape without_dim(const Shape& shape, std::int64_t dim) {
  Shape out = shape;
  out.erase(out.begin() + dim);
  return out;
}

// ---- the model's shape ----

// batch_first of the first recurrent or attention layer, nullopt when the model has none.
std::optional<bool> sequence_batch_first(nn::Module& model) {
  for (const nn::NamedModule& m : model.named_modules()) {
    if (const auto* rnn = dynamic_cast<const nn::RNNBase*>(m.module)) return rnn->options().batch_first;
    if (const auto* l = dynamic_cast<const nn::TransformerEncoderLayer*>(m.module))
      return l->options().batch_first;
    if (const auto* l = dynamic_cast<const nn::TransformerDecoderLayer*>(m.module))
      return l->options().batch_first;
    if (const auto* t = dynamic_cast<const nn::Transformer*>(m.module)) return t->options().batch_first;
    if (const auto* a = dynamic_cast<const nn::MultiheadAttention*>(m.module))
      return a->options().batch_first;
  }
  return std::nullopt;
}

struct OutputShape {
  Shape sample;
  std::int64_t batch_dim = 0;
};

// Runs an eval-mode copy on batches of 2 and 3 samples: the dimension that follows the batch is the output's
// batch dimension.
OutputShape output_shape(const nn::Module& model, const Shape& sample, std::int64_t batch_dim) {
  const nn::ModulePtr copy = model.clone();
  copy->eval();
  auto run = [&](std::int64_t n) {
    TorchGenerator g(0);
    Tensor x = Tensor::empty(with_batch(sample, n, batch_dim));
    g.normal_(x, 0.0, 1.0);
    const std::vector<Tensor> out = engine::forward(*copy, {x});
    if (out.empty() || !is_floating_point(out[0].dtype())) {
      throw ValueError("make_probe_data: the model's first output is not a floating-point tensor");
    }
    return out[0].sizes();
  };
  const Shape two = run(2), three = run(3);
  std::optional<std::int64_t> dim;
  bool consistent = two.size() == three.size();
  for (std::size_t d = 0; consistent && d < two.size(); ++d) {
    if (two[d] == three[d]) continue;
    consistent = !dim && two[d] == 2 && three[d] == 3;
    dim = static_cast<std::int64_t>(d);
  }
  if (!consistent || !dim) {
    throw ValueError(fmt::format(
        "make_probe_data: cannot find the batch dimension of the model's output (batches of 2 and 3 samples "
        "gave {} and {})",
        shape_string(two), shape_string(three)));
  }
  return {.sample = without_dim(two, *dim), .batch_dim = *dim};
}

// ---- the teacher ----

// y = W2 tanh(W1 x) per position; `inputs` (S, positions * in), `targets` (S, positions * out), both flat.
std::vector<double> teacher_targets(const std::vector<double>& inputs, std::int64_t samples,
                                    std::int64_t positions, std::int64_t in, std::int64_t out,
                                    TorchGenerator& generator) {
  Tensor w1 = Tensor::empty({teacher_hidden, in}, DType::float64);
  Tensor w2 = Tensor::empty({out, teacher_hidden}, DType::float64);
  generator.normal_(w1, 0.0, teacher_input_gain / std::sqrt(static_cast<double>(in)));
  generator.normal_(w2, 0.0, 1.0 / std::sqrt(static_cast<double>(teacher_hidden)));
  const double* a = w1.data_ptr<double>();
  const double* b = w2.data_ptr<double>();
  std::vector<double> y(static_cast<std::size_t>(samples * positions * out));
  std::vector<double> h(static_cast<std::size_t>(teacher_hidden));
  for (std::int64_t sp = 0; sp < samples * positions; ++sp) {
    const double* x = inputs.data() + sp * in;
    for (std::int64_t j = 0; j < teacher_hidden; ++j) {
      double sum = 0.0;
      for (std::int64_t i = 0; i < in; ++i) sum += a[j * in + i] * x[i];
      h[static_cast<std::size_t>(j)] = std::tanh(sum);
    }
    for (std::int64_t k = 0; k < out; ++k) {
      double sum = 0.0;
      for (std::int64_t j = 0; j < teacher_hidden; ++j)
        sum += b[k * teacher_hidden + j] * h[static_cast<std::size_t>(j)];
      y[static_cast<std::size_t>(sp * out + k)] = sum;
    }
  }
  standardize(y);
  return y;
}

ProbeData teacher_data(const Shape& sample, const OutputShape& output, bool sequence,
                       std::int64_t input_batch_dim, std::uint64_t seed) {
  std::int64_t positions = 1;
  std::int64_t in = shape_numel(sample), out = shape_numel(output.sample);
  if (sequence) {
    if (output.sample.size() != 2 || output.sample[0] != sample[0]) {
      throw ValueError(
          fmt::format("make_probe_data: the teacher task maps each of the {} steps of the input to one "
                      "output step, but the model's output per sample is {}",
                      sample[0], shape_string(output.sample)));
    }
    positions = sample[0];
    in = sample[1];
    out = output.sample[1];
  }
  const std::int64_t total = teacher_train + teacher_held_out;
  TorchGenerator generator(seed);
  Tensor inputs = Tensor::empty(with_batch(sample, total, 0));
  generator.normal_(inputs, 0.0, 1.0);
  const std::vector<double> y = teacher_targets(inputs.to_doubles(), total, positions, in, out, generator);
  const Tensor targets = Tensor::from_values(y, with_batch(output.sample, total, 0));
  ProbeData data;
  data.description = fmt::format(
      "teacher: y = W2 tanh(W1 x){}, {} hidden units, inputs N(0, 1) of shape {}, targets of shape {} "
      "with std 1; {} training and {} held-out samples",
      sequence ? " at each step" : "", teacher_hidden, shape_string(sample), shape_string(output.sample),
      teacher_train, teacher_held_out);
  data.task = ProbeTask::regression;
  data.train_inputs = slice_samples(inputs, 0, teacher_train);
  data.train_targets = slice_samples(targets, 0, teacher_train);
  data.held_out_inputs = slice_samples(inputs, teacher_train, teacher_held_out);
  data.held_out_targets = slice_samples(targets, teacher_train, teacher_held_out);
  data.input_batch_dim = input_batch_dim;
  data.output_batch_dim = output.batch_dim;
  return data;
}

// ---- the image task ----

// A circular box blur of radius `r` along the rows (W) or the columns (H) of a (C, H, W) image stored flat.
void box_blur(std::vector<double>& image, std::int64_t channels, std::int64_t height, std::int64_t width,
              bool along_height, std::int64_t r) {
  const std::int64_t length = along_height ? height : width;
  const std::int64_t stride = along_height ? width : 1;
  const std::int64_t lines = channels * (along_height ? width : height);
  std::vector<double> line(static_cast<std::size_t>(length));
  for (std::int64_t l = 0; l < lines; ++l) {
    const std::int64_t c = l / (along_height ? width : height);
    const std::int64_t other = l % (along_height ? width : height);
    const std::int64_t base = c * height * width + (along_height ? other : other * width);
    for (std::int64_t i = 0; i < length; ++i)
      line[static_cast<std::size_t>(i)] = image[static_cast<std::size_t>(base + i * stride)];
    for (std::int64_t i = 0; i < length; ++i) {
      double sum = 0.0;
      for (std::int64_t k = -r; k <= r; ++k)
        sum += line[static_cast<std::size_t>(((i + k) % length + length) % length)];
      image[static_cast<std::size_t>(base + i * stride)] = sum / static_cast<double>(2 * r + 1);
    }
  }
}

ProbeData patterns_data(const Shape& sample, std::int64_t classes, std::uint64_t seed) {
  const std::int64_t channels = sample[0], height = sample[1], width = sample[2];
  const std::int64_t pixels = channels * height * width;
  const std::int64_t radius = std::max<std::int64_t>(1, std::min(height, width) / 8);
  TorchGenerator generator(seed);
  // One smooth pattern per class, mean 0 and std 1.
  std::vector<std::vector<double>> patterns;
  for (std::int64_t k = 0; k < classes; ++k) {
    Tensor noise = Tensor::empty({pixels}, DType::float64);
    generator.normal_(noise, 0.0, 1.0);
    std::vector<double> pattern = noise.to_doubles();
    box_blur(pattern, channels, height, width, false, radius);
    box_blur(pattern, channels, height, width, true, radius);
    standardize(pattern);
    patterns.push_back(std::move(pattern));
  }
  // Sample i is of class i mod K, its pattern shifted circularly by up to a quarter of each side, plus noise.
  const std::int64_t total = patterns_train + patterns_held_out;
  Tensor shifts = Tensor::empty({total, 2}, DType::int64);
  generator.random_(shifts, 0, 1 + 2 * (std::min(height, width) / 4));
  Tensor noise = Tensor::empty({total, pixels}, DType::float64);
  generator.normal_(noise, 0.0, patterns_noise);
  const std::vector<double> n = noise.to_doubles();
  const std::int64_t* shift = shifts.data_ptr<std::int64_t>();
  const std::int64_t centre = std::min(height, width) / 4;
  std::vector<double> x(static_cast<std::size_t>(total * pixels));
  std::vector<double> labels(static_cast<std::size_t>(total));
  for (std::int64_t i = 0; i < total; ++i) {
    const std::vector<double>& pattern = patterns[static_cast<std::size_t>(i % classes)];
    labels[static_cast<std::size_t>(i)] = static_cast<double>(i % classes);
    const std::int64_t dy = shift[2 * i] - centre, dx = shift[2 * i + 1] - centre;
    for (std::int64_t c = 0; c < channels; ++c) {
      for (std::int64_t h = 0; h < height; ++h) {
        for (std::int64_t w = 0; w < width; ++w) {
          const std::int64_t from =
              c * height * width + ((h - dy + height) % height) * width + (w - dx + width) % width;
          const std::int64_t to = i * pixels + c * height * width + h * width + w;
          x[static_cast<std::size_t>(to)] =
              pattern[static_cast<std::size_t>(from)] + n[static_cast<std::size_t>(to)];
        }
      }
    }
  }
  standardize(x);
  const Tensor inputs = Tensor::from_values(x, with_batch(sample, total, 0));
  const Tensor targets = Tensor::from_values(labels, {total}, DType::int64);
  ProbeData data;
  data.description = fmt::format(
      "image patterns: {} classes, each a smooth random {} pattern shifted circularly by up to {} pixels, "
      "plus N(0, {}^2) noise per pixel, standardised; {} training and {} held-out images",
      classes, shape_string(sample), centre, patterns_noise, patterns_train, patterns_held_out);
  data.task = ProbeTask::classification;
  data.classes = classes;
  data.train_inputs = slice_samples(inputs, 0, patterns_train);
  data.train_targets = slice_samples(targets, 0, patterns_train);
  data.held_out_inputs = slice_samples(inputs, patterns_train, patterns_held_out);
  data.held_out_targets = slice_samples(targets, patterns_train, patterns_held_out);
  return data;
}

ProbeData digits_data(const Shape& sample, const std::string& path, std::uint64_t seed) {
  const Digits digits = load_digits(path);
  const Tensor inputs = digits_as_inputs(digits.images, sample);
  const std::int64_t rows = digits.labels.size(0);
  if (rows < 2) throw ValueError(fmt::format("make_probe_data: '{}' has too few rows to split", path));
  TorchGenerator generator(seed);
  const Tensor order = generator.randperm(rows);
  const std::int64_t* o = order.data_ptr<std::int64_t>();
  const std::int64_t train =
      rows > digits_train_rows ? digits_train_rows : std::max<std::int64_t>(1, rows * 5 / 6);
  const std::span<const std::int64_t> all(o, static_cast<std::size_t>(rows));
  ProbeData data;
  const bool resized = shape_numel(sample) != digits_pixels;
  data.description =
      fmt::format("digits (scikit-learn): {} training and {} held-out 8x8 images{}, standardised", train,
                  rows - train, resized ? ", bilinearly resized to 28x28" : "");
  data.task = ProbeTask::classification;
  data.classes = digits_classes;
  data.train_inputs = gather_samples(inputs, all.first(static_cast<std::size_t>(train)));
  data.train_targets = gather_samples(digits.labels, all.first(static_cast<std::size_t>(train)));
  data.held_out_inputs = gather_samples(inputs, all.subspan(static_cast<std::size_t>(train)));
  data.held_out_targets = gather_samples(digits.labels, all.subspan(static_cast<std::size_t>(train)));
  return data;
}

}  // namespace

Tensor gather_samples(const Tensor& samples, std::span<const std::int64_t> indices) {
  const Tensor source = samples.contiguous();
  Shape sizes = source.sizes();
  sizes[0] = static_cast<std::int64_t>(indices.size());
  Tensor out = Tensor::empty(sizes, source.dtype());
  const std::size_t row_bytes =
      static_cast<std::size_t>(source.numel() / std::max<std::int64_t>(source.size(0), 1)) *
      itemsize(source.dtype());
  for (std::size_t i = 0; i < indices.size(); ++i) {
    assert(indices[i] >= 0 && indices[i] < source.size(0));
    std::memcpy(out.raw_data() + i * row_bytes,
                source.raw_data() + static_cast<std::size_t>(indices[i]) * row_bytes, row_bytes);
  }
  return out;
}

Tensor to_model_layout(const Tensor& batch, std::int64_t batch_dim) {
  if (batch_dim == 0) return batch;
  Shape order;
  for (std::int64_t d = 0; d < batch.dim(); ++d) {
    order.push_back(d < batch_dim ? d + 1 : (d == batch_dim ? 0 : d));
  }
  return batch.permute(order).contiguous();
}

Tensor slice_samples(const Tensor& samples, std::int64_t start, std::int64_t count) {
  return samples.narrow(0, start, count).contiguous();
}

// ---- public: digits ----

std::string default_digits_path() {
  const char* variable = std::getenv("NNINIT_DIGITS");
  if (variable != nullptr && *variable != '\0') return variable;
  return std::string(debian_digits_path);
}

Digits load_digits(const std::string& path) {
  const std::string file = path.empty() ? default_digits_path() : path;
  return parse_digits(read_gzip(file), file);
}

bool digits_fit(const Shape& sample_shape) {
  const Shape s = sample_shape;
  return s == Shape{64} || s == Shape{784} || s == Shape{1, 8, 8} || s == Shape{1, 28, 28};
}

Tensor digits_as_inputs(const Tensor& images, const Shape& sample_shape) {
  if (!digits_fit(sample_shape)) {
    throw ValueError(
        fmt::format("digits_as_inputs: digits feed inputs of 64 or 784 features or 1x8x8 or 1x28x28 images "
                    "per sample, not {}",
                    shape_string(sample_shape)));
  }
  if (images.dim() != 2 || images.size(1) != digits_pixels) {
    throw ValueError(fmt::format("digits_as_inputs: expected images of shape (N, 64), got {}",
                                 shape_string(images.sizes())));
  }
  const std::int64_t rows = images.size(0);
  const std::int64_t side = shape_numel(sample_shape) == digits_pixels ? 8 : 28;
  const std::vector<double> pixels = images.contiguous().to_doubles();
  std::vector<double> out(static_cast<std::size_t>(rows * side * side));
  std::vector<double> scaled(static_cast<std::size_t>(digits_pixels));
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t k = 0; k < digits_pixels; ++k) {
      scaled[static_cast<std::size_t>(k)] = pixels[static_cast<std::size_t>(r * digits_pixels + k)] / 16.0;
    }
    double* target = out.data() + r * side * side;
    if (side == 8) {
      std::copy(scaled.begin(), scaled.end(), target);
    } else {
      resize_bilinear(scaled.data(), 8, target, side);
    }
  }
  standardize(out);
  return Tensor::from_values(out, with_batch(sample_shape, rows, 0));
}

// ---- public: data ----

ProbeData make_probe_data(nn::Module& model, const Shape& input_shape, const ProbeDataOptions& options) {
  if (input_shape.size() < 2) {
    throw ValueError(
        fmt::format("make_probe_data: the input shape {} has no batch dimension (expected e.g. (64, 784))",
                    shape_string(input_shape)));
  }
  const std::optional<bool> batch_first = sequence_batch_first(model);
  const bool sequence = batch_first.has_value();
  if (sequence && input_shape.size() != 3) {
    throw ValueError(fmt::format(
        "make_probe_data: a model with recurrent or attention layers needs batched 3-D input ({}), got {}",
        *batch_first ? "batch, steps, features" : "steps, batch, features", shape_string(input_shape)));
  }
  const std::int64_t input_batch_dim = sequence && !*batch_first ? 1 : 0;
  const Architecture architecture = analyze_architecture(model);
  if (!architecture.layers.empty() && architecture.layers.front().role == LayerRole::embedding) {
    throw ValueError(
        fmt::format("make_probe_data: the model starts with an {} ({}), which reads integer indices; "
                    "the probe feeds float inputs only",
                    architecture.layers.front().type, architecture.layers.front().path));
  }
  const Shape sample = without_dim(input_shape, input_batch_dim);
  const OutputShape output = output_shape(model, sample, input_batch_dim);
  const bool fits =
      !sequence && digits_fit(sample) && output.batch_dim == 0 && output.sample == Shape{digits_classes};
  if (options.kind == ProbeDataKind::digits && !fits) {
    throw ValueError(fmt::format(
        "make_probe_data: digits need inputs of 64 or 784 features or 1x8x8 or 1x28x28 images per sample and "
        "10 outputs, not inputs {} and outputs {}",
        shape_string(sample), shape_string(output.sample)));
  }
  if (options.kind != ProbeDataKind::teacher && fits) {
    ProbeData data = digits_data(sample, options.digits_path, options.seed);
    data.input_batch_dim = input_batch_dim;
    data.output_batch_dim = output.batch_dim;
    return data;
  }
  // Images (C, H, W) and class scores (K): the pattern task, which a convolutional model can learn.
  const bool images = !sequence && sample.size() == 3 && output.batch_dim == 0 && output.sample.size() == 1 &&
                      output.sample[0] >= 2;
  if (options.kind == ProbeDataKind::automatic && images) {
    ProbeData data = patterns_data(sample, output.sample[0], options.seed);
    data.input_batch_dim = input_batch_dim;
    data.output_batch_dim = output.batch_dim;
    return data;
  }
  return teacher_data(sample, output, sequence, input_batch_dim, options.seed);
}

}  // namespace nninit::diag
