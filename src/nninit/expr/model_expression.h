// Model expressions: a PyTorch constructor expression, evaluated as Python evaluates it, into nninit's module
// tree with PyTorch's parameter values.
//
//   Sequential(Linear(784, 256), ReLU(), Linear(256, 10))
//   nn.TransformerEncoder(nn.TransformerEncoderLayer(512, 8, batch_first=True), 6, norm=nn.LayerNorm(512))
//   torch.nn.Conv2d(3, 64, kernel_size=(3, 3), padding='same', bias=False, dtype=torch.float64)
//
// In C++ (the ModulePtr owns the whole tree; the generator is drawn from during the call only):
//
//   TorchGenerator generator(0, {.version = {2, 6}});  // torch.manual_seed(0) in PyTorch 2.6
//   nn::ModulePtr model = build_model("Sequential(Linear(784, 256), ReLU(), Linear(256, 10))", generator);
//   model->state_dict();                               // PyTorch 2.6's model.state_dict(), bit for bit
//   model->repr();                                     // print(model)
//
// `torch.manual_seed(s); model = eval(expression)` in PyTorch and build_model(expression, TorchGenerator(s))
// give the same state_dict. The order of the draws is Python's: a call's arguments are evaluated left to
// right, so nested modules are constructed (and draw) first, then the call itself. Layer names are looked up
// in torch.nn, with or without an `nn.` or `torch.nn.` prefix; arguments are bound to the constructor's
// signature in the chosen PyTorch release (module_registry.h lists the layers and their signatures) and
// converted as PyTorch uses them: flags by Python's truthiness (bias=0 is bias=False), sizes as ints, where a
// bool counts as an int (Linear(True, 3) has one input feature), `dtype=torch.float64` and friends,
// `device='cpu'`.
//
// Every error says where it happened, with the column and a caret line (source.h):
//   - a name that is not a layer, in Python's words: for a bare name its NameError (raised as a ValueError,
//     "name 'Lienar' is not defined (did you mean 'Linear'?)"), for nn.Lienar an AttributeError ("module
//     'torch.nn' has no attribute 'Lienar' ..."); a torch.nn class nninit does not build: ValueError;
//   - binding: TypeError in CPython's words, naming the __init__ PyTorch runs ("_BatchNorm.__init__() got an
//     unexpected keyword argument 'mometum' (did you mean 'momentum'?)");
//   - a constructor's own error keeps its kind and message and says which call raised it:
//     "Conv2d(3, 64, 3, groups=5) at column 12: Conv2d: in_channels must be divisible by groups";
//   - an expression whose value is not a module (`3`, `Linear`): ValueError.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "nninit/core/torch_release.h"
#include "nninit/nn/module.h"
#include "nninit/random/generator.h"

namespace nninit::expr {

// Builds the module tree of `expression`, drawing from `generator` in PyTorch's order. The generator's
// release (Generator::release) decides the layers that exist, their signatures, checks and warnings.
nn::ModulePtr build_model(std::string_view expression, Generator& generator);

// The torch.nn layer names build_model accepts for a release, in the registry's order.
std::vector<std::string> model_layer_names(const TorchRelease& release = TorchRelease::newest());

}  // namespace nninit::expr
