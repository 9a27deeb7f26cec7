// Module.load_state_dict(state_dict, strict=True) as PyTorch 1.13 runs it, for a state_dict that carries
// no version metadata (what safetensors.torch.load_file returns: a plain dict of tensors).
//
//   const io::SafetensorsContents file = io::read_safetensors("trained.safetensors");
//   nn::load_state_dict(*model, file.tensors);   // RuntimeError with PyTorch's message on a mismatch
//
// PyTorch's rules, module by module in its recursion order (each child under every name it has):
//   - a parameter or persistent buffer with no key is missing, except a _NormBase's num_batches_tracked,
//     which a state_dict without version metadata may lack: it becomes 0 (_NormBase._load_from_state_dict);
//   - a key under a module's prefix whose next name is none of its parameters, persistent buffers or
//     children is unexpected (so "0.weight.extra" is neither loaded nor reported, as in PyTorch);
//   - shapes must match, except that a 1-dimensional value loads into a 0-dimensional tensor from its
//     first element; a value of another dtype is converted as Tensor.copy_ converts it (one rounding).
// Then the error, when there is one, is PyTorch's text:
//   Error(s) in loading state_dict for Sequential:
//   <tab>Missing key(s) in state_dict: "0.bias", "1.running_mean". <newline>
//   <tab>Unexpected key(s) in state_dict: "extra.weight". <newline>
//   <tab>size mismatch for 2.weight: copying a param with shape torch.Size([3, 4]) from checkpoint, the
//        shape in current model is torch.Size([2, 4]).
// (missing keys first, then unexpected ones, then one line per size mismatch, in module order; each key
// list ends with ". "). PyTorch copies what matches before it raises; this checks everything first and
// copies nothing when it raises, so a failed load leaves the model as it was.
#pragma once

#include <span>

#include "nninit/core/tensor.h"
#include "nninit/nn/module.h"

namespace nninit::nn {

void load_state_dict(Module& model, std::span<const NamedTensor> state_dict);

}  // namespace nninit::nn
