// What an initialisation does to a network, measured: one forward pass of a random batch and one backward
// pass of a random output gradient, summarised layer by layer (`nninit diagnose`). The analysis reads a
// Recording (recording.h): nninit's engine makes one from a module tree, the Python package from PyTorch's
// own forward and backward on the user's model.
//
//   Diagnosis d = diagnose(model, random_inputs(model, {{64, 784}}, generator));   // through the engine
//   Diagnosis e = diagnose(recording);                                              // any recorder
//   for (const std::string& line : signal_verdict(d)) fmt::print("{}\n", line);
//
// The terminal, JSON and HTML views of a Diagnosis are in report/ (text.h, json.h, report.h).
//
// Forward: for every layer call (a module with no module calls inside it: Linear, ReLU, LSTM, LayerNorm,
// ...), its first output's mean, std, min, max and fraction of exact zeros (dead ReLUs), and the ratio of
// its std to its own first input's.
// Backward: the gradient at each model output is drawn N(0, 1), element-wise independent (a unit-variance
// random gradient, the same for every initialisation compared with one seed), and propagated back; for
// every layer, the std of the gradient reaching its first input and the ratio to the next layer's (in the
// order the gradient flows); for every parameter, its gradient's std and the gradient-to-weight ratio
// RMS(grad) / RMS(weight), the relative change one SGD step of learning rate 1 would make.
// Recurrent layers (RNN, LSTM, GRU): the hidden state's std and the std of the gradient reaching it at
// every time step, per layer and direction.
//
// Flags. A signal vanishes when its std falls below 1/bound of its reference, and explodes when it rises
// above bound times it (or stops being finite); the bound is DiagnoseOptions::signal_bound, 100 by default:
// two orders of magnitude, past anything the next layers' learning rates can absorb. The forward reference is
// the model input's std (the first layer's output's for integer inputs); the backward reference is the output
// gradient's std times the gradient ratios of the parameter-free layers that move, select or average
// elements by construction (pooling, padding, Flatten, Upsample, shuffles, dropout) crossed so far: global
// average pooling over 8x8 divides every element's gradient by 64 whatever the initialisation, and is no
// vanishing gradient (docs/diagnostics.md). A flag names the layer where the signal crosses the bound and the
// layer where the drift starts: the first of the unbroken run of layers, leading up to the crossing, whose
// std is already off by more than a factor 2 (so alternating layers, a Linear that grows and a ReLU that
// shrinks, do not hide where the trend began). Over time, the same bounds compare the last and first steps of
// a recurrent layer (the gradient at step 0 against the last step's).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nninit/core/tensor.h"
#include "nninit/core/tensor_statistics.h"
#include "nninit/diag/recording.h"
#include "nninit/diag/symmetry.h"
#include "nninit/nn/module.h"
#include "nninit/random/generator.h"

namespace nninit::diag {

struct DiagnoseOptions {
  // Seed of the N(0, 1) output gradient (nninit's own TorchGenerator, independent of the model's).
  std::uint64_t gradient_seed = 0;
  // The vanishing and exploding bounds, as a factor from the reference (see above).
  double signal_bound = 100.0;
  // Run in train mode (BatchNorm with batch statistics); eval mode otherwise. The model's own mode is
  // restored afterwards.
  bool train = false;
};

struct LayerDiagnosis {
  std::string name{};  // module path ("0", "layers.1.linear1"); the type for the model itself
  std::string type{};
  int depth = 0;  // nesting depth of the call (0: the model)
  Shape output_shape{};
  TensorStatistics output{};
  // Output std / the std of the layer's own first input (the value the layer really received: a residual
  // sum, a block's input); NaN for integer inputs.
  double std_ratio = 0.0;
  // Std of the gradient reaching the layer's first input (NaN for integer inputs), and its ratio to the
  // gradient std reaching this layer's output.
  double input_grad_std = 0.0;
  double output_grad_std = 0.0;
  double grad_ratio = 0.0;
};

struct ParameterDiagnosis {
  std::string name{};
  Shape shape{};
  TensorStatistics value{};
  TensorStatistics grad{};
  double grad_to_weight = 0.0;  // RMS(grad) / RMS(weight); NaN for an all-zero parameter
};

struct RecurrentDiagnosis {
  std::string name{};  // module path
  std::string type{};
  std::int64_t layer = 0;
  std::int64_t direction = 0;
  std::vector<double> hidden_std{};  // per time step, in input order
  std::vector<double> grad_std{};    // d(loss)/d(h_t), per time step
};

enum class SignalDirection { forward, backward, through_time };
enum class SignalTrend { vanishing, exploding };

struct SignalFlag {
  SignalDirection direction = SignalDirection::forward;
  SignalTrend trend = SignalTrend::vanishing;
  std::string starts_at{};   // the layer where the drift starts (see above)
  std::string crosses_at{};  // the layer where it passes the bound
  double factor = 0.0;       // the std at the crossing over the reference
  std::string message{};
};

struct Diagnosis {
  std::vector<Shape> input_shapes{};
  double signal_bound = 100.0;  // the bound the flags were judged by (DiagnoseOptions::signal_bound)
  double input_std = 0.0;       // the first float input's std (NaN when all inputs are integer)
  std::string gradient_note{};
  bool train = false;
  std::vector<LayerDiagnosis> layers{};          // in call order
  std::vector<ParameterDiagnosis> parameters{};  // named_parameters() order
  std::vector<RecurrentDiagnosis> recurrent{};
  std::vector<SignalFlag> flags{};
  // Whether the module tree was searched for symmetries (a recording alone, e.g. from PyTorch's hooks,
  // carries no tree: then `symmetries` is empty and says nothing).
  bool symmetries_checked = false;
  std::vector<SymmetryFinding> symmetries{};
  // A few layer outputs (first, middle and last layer with a weight, or all when few), for histograms.
  std::vector<std::pair<std::string, Tensor>> samples{};
};

// The analysis of a recorded pass (recording.h). Symmetries are left empty: they read the module tree.
Diagnosis diagnose(const Recording& recording, const DiagnoseOptions& options = {});

// Records a pass through nninit's engine (record_pass: forward on `inputs`, backward from a random output
// gradient), analyses it, and looks for hidden units that start identical (symmetry.h). The model's
// parameters are not changed. Throws what engine::run_forward throws for inputs that do not fit.
Diagnosis diagnose(nn::Module& model, const std::vector<Tensor>& inputs, const DiagnoseOptions& options = {});

// The verdict on the signals, one line each: every flag's message, or the one line saying that nothing
// vanished or exploded within the bound the diagnosis used.
std::vector<std::string> signal_verdict(const Diagnosis& diagnosis);

// The model's usual inputs for `shapes`: a float input drawn N(0, 1) from `generator` (as torch.randn,
// so drawn from the default generator right after construction it is PyTorch's own randn batch), or, when
// the model's first layer is an Embedding or EmbeddingBag, int64 indices uniform in [0, num_embeddings),
// drawn as torch.randint(0, num_embeddings, shape) would be with the same generator state.
std::vector<Tensor> random_inputs(nn::Module& model, const std::vector<Shape>& shapes, Generator& generator);

std::string_view signal_direction_name(SignalDirection direction);  // "forward", "backward", "through time"
std::string_view signal_trend_name(SignalTrend trend);              // "vanishing", "exploding"

}  // namespace nninit::diag
