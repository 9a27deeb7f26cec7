// --weights FILE.safetensors for `diagnose` and `check`: a trained (or saved) state_dict loaded into the
// built model by name, as `model.load_state_dict(safetensors.torch.load_file(FILE))` would load it
// (nn/load_state_dict.h: strict, PyTorch 1.13's messages), so that the weights a training script wrote are
// what is linted and measured.
#pragma once

#include <string>
#include <vector>

#include "nninit/cli/commands.h"
#include "nninit/core/tensor.h"
#include "nninit/nn/module.h"

namespace nninit::cli {

// The file's tensors in the order safetensors.torch.load_file gives them (sorted by name), the order
// PyTorch meets them in when it lists unexpected keys. A file that cannot be read is bad input (exit
// status 2), as for `inspect`.
std::vector<NamedTensor> read_weights(const std::string& path);

// Loads `weights` into `model`; UsageError (exit status 2) "--weights FILE: Error(s) in loading state_dict
// for ...", PyTorch's message with each tab printed as four spaces, when a key is missing or unexpected or a
// shape differs. --init and --preset are refused beside --weights: the file sets every parameter.
void load_weights(nn::Module& model, const std::vector<NamedTensor>& weights, const std::string& path,
                  const ModelOptions& options);

}  // namespace nninit::cli
