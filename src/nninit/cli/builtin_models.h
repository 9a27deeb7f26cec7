// Models nninit knows by name, so that `nninit init mlp` or `nninit diagnose cnn` work without typing an
// expression. Each is an ordinary PyTorch constructor expression with a typical input shape.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nninit::cli {

struct BuiltinModel {
  std::string name;
  std::string expression;
  std::string input_shape;  // batch first, e.g. "64,784"
  std::string description;
};

const std::vector<BuiltinModel>& builtin_models();
const BuiltinModel* find_builtin_model(std::string_view name);

// MODEL as the command line takes it: a built-in name, a file holding an expression (lines starting with
// '#' are comments), or the expression itself. Sets `input_shape` when the model has a default input.
std::string resolve_model(const std::string& model, std::string* input_shape = nullptr);

}  // namespace nninit::cli
