// The umbrella header: everything a user of nninit needs, layer by layer (see docs/architecture.md).
// Link nninit::nninit. Each header below can also be included on its own; what is left out here is
// machinery: internal/ folders, the engine's kernels, the expression language's lexer and parser (lang/)
// and the command line (cli/).
//
//   #include "nninit/nninit.h"
//
//   nninit::TorchGenerator generator(0, {.version = {2, 6}});  // torch.manual_seed(0) in PyTorch 2.6
//   nninit::nn::ModulePtr model = nninit::expr::build_model("Sequential(Linear(4, 3), ReLU())", generator);
//   nninit::io::write_safetensors("model.safetensors", model->state_dict());
//
// The README's "The library" section (examples/library_tour.cpp) shows the main uses in one program.
#pragma once

// core: tensors, dtypes, errors, warnings, the PyTorch release table
#include "nninit/core/dtype.h"
#include "nninit/core/error.h"
#include "nninit/core/tensor.h"
#include "nninit/core/tensor_statistics.h"
#include "nninit/core/torch_release.h"
#include "nninit/core/warning.h"

// random: PyTorch's generator and nninit's counter-based streams
#include "nninit/random/generator.h"
#include "nninit/random/philox.h"
#include "nninit/random/torch_generator.h"

// init: torch.nn.init and the schemes PyTorch lacks
#include "nninit/init/beyond_torch.h"
#include "nninit/init/fan.h"
#include "nninit/init/init.h"

// nn: the layers, with PyTorch's default initialisation
#include "nninit/nn/activation.h"
#include "nninit/nn/attention.h"
#include "nninit/nn/container.h"
#include "nninit/nn/conv.h"
#include "nninit/nn/dropout.h"
#include "nninit/nn/flatten.h"
#include "nninit/nn/linear.h"
#include "nninit/nn/module.h"
#include "nninit/nn/normalization.h"
#include "nninit/nn/pooling.h"
#include "nninit/nn/rnn.h"
#include "nninit/nn/sparse.h"
#include "nninit/nn/transformer.h"

// expr: models from constructor expressions and Hugging Face configs, init expressions, PATTERN=EXPR rules
#include "nninit/expr/hf_config.h"
#include "nninit/expr/init_expression.h"
#include "nninit/expr/model_expression.h"
#include "nninit/expr/rules.h"

// diag: diagnosis, lint, presets, LSUV, the training probe and the depth sweep
#include "nninit/diag/architecture.h"
#include "nninit/diag/auto_preset.h"
#include "nninit/diag/depth_sweep.h"
#include "nninit/diag/diagnose.h"
#include "nninit/diag/lint.h"
#include "nninit/diag/lsuv.h"
#include "nninit/diag/probe.h"
#include "nninit/diag/recording.h"
#include "nninit/diag/symmetry.h"
#include "nninit/diag/transformer_presets.h"

// report: the terminal, JSON and HTML views of results
#include "nninit/report/charts.h"
#include "nninit/report/diagnosis_run.h"
#include "nninit/report/json.h"
#include "nninit/report/report.h"
#include "nninit/report/text.h"

// io: safetensors files, whole or streamed
#include "nninit/io/safetensors.h"
#include "nninit/io/safetensors_writer.h"
