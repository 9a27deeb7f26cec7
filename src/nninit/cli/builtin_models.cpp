#include "nninit/cli/builtin_models.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "nninit/cli/options.h"
#include "nninit/lang/suggest.h"

namespace nninit::cli {

const std::vector<BuiltinModel>& builtin_models() {
  static const std::vector<BuiltinModel> models = {
      {"mlp", "Sequential(Linear(784, 256), ReLU(), Linear(256, 128), ReLU(), Linear(128, 10))", "64,784",
       "the reference MLP: 784-256-128-10 with ReLU (MNIST-sized)"},
      {"tanh-mlp", "Sequential(Linear(784, 256), Tanh(), Linear(256, 128), Tanh(), Linear(128, 10))",
       "64,784", "the same MLP with tanh"},
      {"cnn",
       "Sequential(Conv2d(1, 16, 3, padding=1), ReLU(), MaxPool2d(2), Conv2d(16, 32, 3, padding=1), ReLU(), "
       "MaxPool2d(2), Flatten(), Linear(1568, 10))",
       "64,1,28,28", "a small CNN for 28x28 images"},
      {"transformer",
       "TransformerEncoder(TransformerEncoderLayer(d_model=64, nhead=4, dim_feedforward=256, dropout=0.0, "
       "batch_first=True), num_layers=4)",
       "16,32,64", "a 4-layer Transformer encoder (d_model 64)"},
      {"lstm", "LSTM(32, 64, num_layers=2, batch_first=True)", "16,50,32",
       "a 2-layer LSTM over 50 time steps"},
  };
  return models;
}

const BuiltinModel* find_builtin_model(std::string_view name) {
  for (const BuiltinModel& m : builtin_models()) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

std::string resolve_model(const std::string& model, std::string* input_shape) {
  if (const BuiltinModel* builtin = find_builtin_model(model)) {
    if (input_shape != nullptr) *input_shape = builtin->input_shape;
    return builtin->expression;
  }
  std::error_code error;
  if (model.find('(') == std::string::npos && std::filesystem::is_regular_file(model, error)) {
    std::ifstream in(model);
    if (!in) throw UsageError(fmt::format("MODEL: cannot read {}", model));
    std::string text;
    std::string line;
    while (std::getline(in, line)) {
      const auto first = line.find_first_not_of(" \t");
      if (first != std::string::npos && line[first] == '#') continue;
      text += line + "\n";
    }
    if (text.find_first_not_of(" \t\n") == std::string::npos)
      throw UsageError(fmt::format("MODEL: {} is empty", model));
    return text;
  }
  // A FIFO, device or folder named as MODEL is refused by name rather than parsed as an expression (and
  // never opened, which would wait on a FIFO).
  if (model.find('(') == std::string::npos && std::filesystem::exists(model, error)) {
    throw UsageError(fmt::format("MODEL: '{}' is not a regular file holding an expression", model));
  }
  // A bare word close to a built-in name is a misspelled one ("mpl"), not an expression.
  if (model.find_first_of("(.,") == std::string::npos) {
    std::vector<std::string_view> names;
    for (const BuiltinModel& m : builtin_models()) names.push_back(m.name);
    const std::string suggestion = lang::did_you_mean(model, names);
    if (!suggestion.empty()) {
      throw UsageError(
          fmt::format("MODEL: '{}' is no built-in model, expression or file{}", model, suggestion));
    }
  }
  return model;
}

}  // namespace nninit::cli
