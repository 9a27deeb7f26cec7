// The lint's checks of symmetry, recurrent layers and transformers (lint.h describes them all); internal
// to lint.cpp, which runs them in model order.
#pragma once

#include <vector>

#include "nninit/diag/architecture.h"
#include "nninit/diag/lint.h"
#include "nninit/nn/module.h"

namespace nninit::diag {

// Zero, constant and identical hidden units (symmetry.h) as findings.
void check_symmetry(nn::Module& model, const Architecture& architecture, std::vector<Finding>& out);
// LSTM forget-gate biases and the orthogonality of recurrent weights.
void check_recurrent(const LayerInfo& layer, std::vector<Finding>& out);
// Weights of attention and Transformer* layers (and embeddings beside them) against N(0, 0.02).
void check_transformer(const Architecture& architecture, const LayerInfo& layer, std::vector<Finding>& out);

}  // namespace nninit::diag
