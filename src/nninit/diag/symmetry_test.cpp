#include "nninit/diag/symmetry.h"

#include <gtest/gtest.h>

#include "nninit/expr/model_expression.h"
#include "nninit/init/init.h"
#include "nninit/random/torch_generator.h"

namespace nninit::diag {
namespace {

using Groups = std::vector<std::vector<std::int64_t>>;

nn::ModulePtr build(std::string_view expression) {
  TorchGenerator g(0);
  return expr::build_model(expression, g);
}

void zero_all(nn::Module& model) {
  for (const NamedTensor& p : model.named_parameters()) p.tensor.zero_();
}

TEST(IdenticalRows, HashThenCompare) {
  const double values[] = {1, 2, 0, -0.0, 1, 2, 5, 5, 0, 0};
  const Tensor t = Tensor::from_values(values, {5, 2});
  EXPECT_EQ(identical_rows(t), (Groups{{0, 2}, {1, 4}}));  // -0 equals +0
  EXPECT_EQ(identical_rows(t.t()), (Groups{}));
}

TEST(IdenticalRows, LargeRandomLayerHasNone) {
  TorchGenerator g(1);
  const Tensor w = Tensor::empty({2048, 512});
  g.normal_(w, 0.0, 1.0);
  EXPECT_TRUE(identical_rows(w).empty());
  w.select(0, 2000).copy_(w.select(0, 7));
  EXPECT_EQ(identical_rows(w), (Groups{{7, 2000}}));
}

TEST(Symmetry, ZeroMlpIsDeadAndTied) {
  const nn::ModulePtr model =
      build("Sequential(Linear(784, 256), ReLU(), Linear(256, 128), ReLU(), Linear(128, 10))");
  zero_all(*model);
  const auto findings = find_symmetries(*model);
  ASSERT_EQ(findings.size(), 2u);  // the output layer's units answer different targets: not reported
  EXPECT_EQ(findings[0].kind, SymmetryKind::zero_weights);
  EXPECT_EQ(findings[0].parameter, "0.weight");
  EXPECT_EQ(findings[0].units, 256);
  EXPECT_TRUE(findings[0].stays_identical);
  EXPECT_TRUE(findings[0].dead);
  EXPECT_EQ(findings[0].message,
            "0.weight is all zeros: its 256 hidden units output ReLU(0) = 0 for every input and receive no "
            "gradient (ReLU'(0) = 0): they stay zero and identical");
  EXPECT_EQ(findings[1].parameter, "2.weight");
}

TEST(Symmetry, ZeroTanhMlpStaysIdentical) {
  const nn::ModulePtr model = build("Sequential(Linear(8, 128), Tanh(), Linear(128, 4))");
  zero_all(*model);
  const auto findings = find_symmetries(*model);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_FALSE(findings[0].dead);
  EXPECT_EQ(findings[0].message,
            "0.weight is all zeros: its 128 hidden units receive identical gradients and stay identical");
}

TEST(Symmetry, IdenticalRowsTiedOnlyWhenOutgoingWeightsAgree) {
  const nn::ModulePtr model = build("Sequential(Linear(6, 20), ReLU(), Linear(20, 3))");
  auto& first = model->child("0");
  auto& second = model->child("2");
  first.parameter("weight").select(0, 17).copy_(first.parameter("weight").select(0, 3));
  first.parameter("bias").set({17}, first.parameter("bias").at({3}));
  auto findings = find_symmetries(*model);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].kind, SymmetryKind::identical_units);
  EXPECT_FALSE(findings[0].stays_identical);
  EXPECT_EQ(findings[0].groups, (Groups{{3, 17}}));
  EXPECT_EQ(findings[0].message,
            "0.weight rows 3 and 17 are identical (biases too): these units compute the same function; only "
            "their outgoing weights (2.weight) tell them apart, so they separate slowly");
  second.parameter("weight").select(1, 17).copy_(second.parameter("weight").select(1, 3));
  findings = find_symmetries(*model);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_TRUE(findings[0].stays_identical);
  EXPECT_EQ(findings[0].message,
            "0.weight rows 3 and 17 are identical (biases too): these units receive identical gradients and "
            "stay identical");
  // A different bias separates them.
  first.parameter("bias").set({17}, 0.5);
  EXPECT_TRUE(find_symmetries(*model).empty());
}

TEST(Symmetry, ConvFiltersWithinAGroupAndThroughFlatten) {
  const nn::ModulePtr model =
      build("Sequential(Conv2d(4, 8, 3, groups=2), ReLU(), Flatten(), Linear(32, 2))");
  const Tensor& w = model->child("0").parameter("weight");
  const Tensor& b = model->child("0").parameter("bias");
  // Filters 0 and 4 lie in different groups (they read different input channels): not identical units.
  w.select(0, 4).copy_(w.select(0, 0));
  b.set({4}, b.at({0}));
  EXPECT_TRUE(find_symmetries(*model).empty());
  w.select(0, 5).copy_(w.select(0, 6));
  b.set({5}, b.at({6}));
  const Tensor& head = model->child("3").parameter("weight");  // columns 4c..4c+3 read channel c
  head.narrow(1, 20, 4).copy_(head.narrow(1, 24, 4));
  const auto findings = find_symmetries(*model);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].groups, (Groups{{5, 6}}));
  EXPECT_TRUE(findings[0].stays_identical);
  EXPECT_TRUE(findings[0].message.starts_with("0.weight output filters 5 and 6 are identical (biases too)"))
      << findings[0].message;
}

TEST(Symmetry, ConstantWeights) {
  const nn::ModulePtr model = build("Sequential(Linear(3, 5), Sigmoid(), Linear(5, 1))");
  init::constant_(model->child("0").parameter("weight"), 0.1);
  init::zeros_(model->child("0").parameter("bias"));
  const auto findings = find_symmetries(*model);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].kind, SymmetryKind::constant_weights);
  EXPECT_FALSE(findings[0].stays_identical);  // the random output layer's columns differ
  EXPECT_EQ(findings[0].message,
            "0.weight is constant (0.1): its 5 hidden units compute the same function; only their outgoing "
            "weights (2.weight) tell them apart, so they separate slowly");
}

TEST(Symmetry, ZeroWeightsWithDistinctBiases) {
  const nn::ModulePtr model = build("Sequential(Linear(3, 5), Tanh(), Linear(5, 1))");
  init::zeros_(model->child("0").parameter("weight"));
  const auto findings = find_symmetries(*model);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].kind, SymmetryKind::zero_weights);
  EXPECT_EQ(
      findings[0].message,
      "0.weight is all zeros: its 5 hidden units ignore the input: each outputs a constant set by its bias");
}

TEST(Symmetry, LstmUnitsAndGateBlocks) {
  const nn::ModulePtr lstm = build("LSTM(3, 8)");
  zero_all(*lstm);
  auto findings = find_symmetries(*lstm);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].kind, SymmetryKind::zero_weights);
  EXPECT_EQ(findings[0].parameter, "weight_hh_l0");
  EXPECT_EQ(findings[0].message,
            "weight_ih_l0 and weight_hh_l0 are all zeros: its 8 hidden units receive identical gradients and "
            "stay identical");

  const nn::ModulePtr fresh = build("LSTM(3, 4)");
  EXPECT_TRUE(find_symmetries(*fresh).empty());
  // Make the forget gate a copy of the input gate (rows [H, 2H) equal to rows [0, H)) everywhere.
  for (const char* name : {"weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"}) {
    const Tensor& p = fresh->parameter(name);
    p.narrow(0, 4, 4).copy_(p.narrow(0, 0, 4));
  }
  findings = find_symmetries(*fresh);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].kind, SymmetryKind::identical_gate_blocks);
  EXPECT_EQ(findings[0].groups, (Groups{{0, 1}}));
  EXPECT_EQ(findings[0].message,
            "weight_hh_l0: the input and forget gate blocks are identical (weights and biases): those gates "
            "start with the same pre-activations for every input");
}

TEST(Symmetry, IdenticalRecurrentUnits) {
  const nn::ModulePtr gru = build("Sequential(GRU(3, 6, 2))");
  nn::Module& m = gru->child("0");
  // Unit 1 a copy of unit 4 in layer 0: every gate row, the feedback column, and layer 1's input column.
  for (const char* name : {"weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"}) {
    const Tensor& p = m.parameter(name);
    for (int g = 0; g < 3; ++g) p.select(0, g * 6 + 1).copy_(p.select(0, g * 6 + 4));
  }
  const Tensor& hh = m.parameter("weight_hh_l0");
  hh.select(1, 1).copy_(hh.select(1, 4));
  auto findings = find_symmetries(*gru);
  EXPECT_TRUE(findings.empty());  // layer 1 still reads them through different columns
  const Tensor& next = m.parameter("weight_ih_l1");
  next.select(1, 1).copy_(next.select(1, 4));
  findings = find_symmetries(*gru);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(
      findings[0].message,
      "0.weight_hh_l0 units 1 and 4 are identical (biases too): these units receive identical gradients and "
      "stay identical");
}

TEST(Symmetry, SkipsOutputsResidualEndsAndAttention) {
  const nn::ModulePtr model = build("TransformerEncoderLayer(8, 2, 16)");
  for (const char* name : {"linear2.weight", "self_attn.out_proj.weight"}) {
    for (const NamedTensor& p : model->named_parameters()) {
      if (p.name == name) p.tensor.zero_();
    }
  }
  EXPECT_TRUE(find_symmetries(*model).empty());  // zero residual branches are deliberate (ReZero, Fixup)
  model->child("linear1").parameter("weight").zero_();
  const auto findings = find_symmetries(*model);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].parameter, "linear1.weight");
}

}  // namespace
}  // namespace nninit::diag
