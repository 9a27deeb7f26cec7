// Dropout layers: Dropout, Dropout1d/2d/3d, AlphaDropout, FeatureAlphaDropout. They have no parameters
// and draw only in a training forward pass; construction checks p as PyTorch's _DropoutNd does.
//
//   nn::Dropout dropout({.p = 0.1});              // nn.Dropout(0.1)
//   nn::Dropout2d channels({.p = 0.2, .inplace = true});
//   nn::AlphaDropout alpha;                       // p = 0.5, for SELU networks
#pragma once

#include <string>

#include "nninit/nn/module.h"

namespace nninit::nn {

struct DropoutOptions {
  double p = 0.5;
  bool inplace = false;
};
using Dropout1dOptions = DropoutOptions;
using Dropout2dOptions = DropoutOptions;
using Dropout3dOptions = DropoutOptions;
using AlphaDropoutOptions = DropoutOptions;
using FeatureAlphaDropoutOptions = DropoutOptions;

// PyTorch's _DropoutNd. ValueError "dropout probability has to be between 0 and 1, but got {p}" for p
// outside [0, 1] (a NaN passes, as in PyTorch). p prints as a Python float ("p=1.0" where PyTorch, given
// the int 1, prints "p=1").
class DropoutNd : public Module {
 public:
  DropoutNd(std::string type_name, DropoutOptions options);
  const DropoutOptions& options() const { return options_; }
  std::string extra_repr() const override;

 private:
  DropoutOptions options_;
};

class Dropout : public Layer<Dropout, DropoutNd> {
 public:
  explicit Dropout(DropoutOptions options = {}) : Layer("Dropout", options) {}
};
class Dropout1d : public Layer<Dropout1d, DropoutNd> {
 public:
  explicit Dropout1d(DropoutOptions options = {}) : Layer("Dropout1d", options) {}
};
class Dropout2d : public Layer<Dropout2d, DropoutNd> {
 public:
  explicit Dropout2d(DropoutOptions options = {}) : Layer("Dropout2d", options) {}
};
class Dropout3d : public Layer<Dropout3d, DropoutNd> {
 public:
  explicit Dropout3d(DropoutOptions options = {}) : Layer("Dropout3d", options) {}
};
class AlphaDropout : public Layer<AlphaDropout, DropoutNd> {
 public:
  explicit AlphaDropout(DropoutOptions options = {}) : Layer("AlphaDropout", options) {}
};
class FeatureAlphaDropout : public Layer<FeatureAlphaDropout, DropoutNd> {
 public:
  explicit FeatureAlphaDropout(DropoutOptions options = {}) : Layer("FeatureAlphaDropout", options) {}
};

}  // namespace nninit::nn
