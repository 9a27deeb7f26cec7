// Symmetry: hidden units that start identical.
//
// Two hidden units j and k of a layer compute the same function when their incoming weights (row j and row
// k of a Linear weight; output filters j and k of a convolution, within one group; the rows of every gate
// of an LSTM/GRU/RNN unit) and their biases are equal. If, in addition, their outgoing weights are equal
// (columns j and k of the layer that reads them), every gradient treats them alike: they receive identical
// gradients and stay identical for the whole of training, so the layer has fewer distinct units than it
// seems (all-zero weights make all of them one). Only random initialisation breaks this symmetry.
//
// Checked: hidden Linear, Bilinear and convolution layers (role hidden, architecture.h), and recurrent
// layers, whose units also feed back through the columns of weight_hh (those are part of a unit's key).
// Not checked: output layers (their units answer different targets, so they separate), layers that end a
// residual branch (a zero last layer there is deliberate: ReZero, Fixup), embeddings and attention.
//
//   nn::ModulePtr model = expr::build_model("Sequential(Linear(4, 8), ReLU(), Linear(8, 2))", generator);
//   init::zeros_(model->child_as<nn::Linear>("0").weight());
//   init::zeros_(model->child_as<nn::Linear>("0").bias());      // all 8 hidden units now alike
//   for (const SymmetryFinding& s : find_symmetries(*model)) std::puts(s.message.c_str());
//
// Rows are compared exactly (bit patterns, with -0 equal to +0) after hashing each one, so a layer costs one
// pass over its weights plus the equal candidates.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "nninit/core/tensor.h"
#include "nninit/diag/architecture.h"
#include "nninit/nn/module.h"

namespace nninit::diag {

enum class SymmetryKind {
  zero_weights,           // the whole weight is 0
  constant_weights,       // the whole weight is one nonzero value
  identical_units,        // some units' incoming weights and biases are equal
  identical_gate_blocks,  // two gate blocks of a recurrent weight are equal (the gates start alike)
};

struct SymmetryFinding {
  SymmetryKind kind = SymmetryKind::identical_units;
  std::string layer{};      // module path
  std::string parameter{};  // the weight's path: "0.weight", "lstm.weight_hh_l0"
  std::int64_t units = 0;   // hidden units of the layer
  // Groups of unit indices (each sorted, at least two) that start identical, first index ascending. For
  // identical_gate_blocks: the gate indices.
  std::vector<std::vector<std::int64_t>> groups{};
  // The outgoing weights agree too (or are unknown), so the units get identical gradients for ever; false:
  // they compute the same now and separate only through their differing outgoing weights.
  bool stays_identical = true;
  // No gradient reaches the weights at all: all zero, followed by ReLU with zero biases (ReLU'(0) = 0).
  bool dead = false;
  double constant = 0.0;  // constant_weights: the value every weight holds
  std::string message{};  // "0.weight rows 3 and 17 are identical: ..."
};

// Every symmetry in the model, in named_modules() order.
std::vector<SymmetryFinding> find_symmetries(nn::Module& model);
std::vector<SymmetryFinding> find_symmetries(nn::Module& model, const Architecture& architecture);

// Groups of equal units among `count`: unit_values(u, out) appends unit u's values (its key) to `out`.
// Hashes each key once, then compares the candidates that share a hash.
std::vector<std::vector<std::int64_t>> identical_units(
    std::int64_t count, const std::function<void(std::int64_t, std::vector<double>&)>& unit_values);

// Groups of equal rows of a tensor (index 0 selects a row; the other dimensions are flattened).
std::vector<std::vector<std::int64_t>> identical_rows(const Tensor& tensor);

}  // namespace nninit::diag
