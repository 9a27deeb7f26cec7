#include "nninit/nn/load_state_dict.h"

#include <gtest/gtest.h>

#include "nninit/core/error.h"
#include "nninit/nn/container.h"
#include "nninit/nn/linear.h"
#include "nninit/nn/normalization.h"
#include "nninit/random/torch_generator.h"

namespace nninit::nn {
namespace {

// Sequential(Linear(4, 4), BatchNorm1d(4), Linear(4, 2)).
ModulePtr small_model() {
  TorchGenerator g(0);
  return std::make_shared<Sequential>(std::vector<ModulePtr>{
      std::make_shared<Linear>(LinearOptions{.in_features = 4, .out_features = 4}, g),
      std::make_shared<BatchNorm1d>(BatchNormOptions{.num_features = 4}, g),
      std::make_shared<Linear>(LinearOptions{.in_features = 4, .out_features = 2}, g)});
}

std::vector<NamedTensor> copy_of_state(const Module& model) {
  std::vector<NamedTensor> state;
  for (const NamedTensor& t : model.state_dict()) state.push_back({t.name, t.tensor.clone()});
  return state;
}

void remove_key(std::vector<NamedTensor>& state, const std::string& name) {
  std::erase_if(state, [&](const NamedTensor& t) { return t.name == name; });
}

void replace(std::vector<NamedTensor>& state, const std::string& name, Tensor value) {
  for (NamedTensor& t : state) {
    if (t.name == name) t.tensor = std::move(value);
  }
}

std::string load_error(Module& model, const std::vector<NamedTensor>& state) {
  try {
    load_state_dict(model, state);
  } catch (const RuntimeError& e) {
    return e.what();
  }
  return "(loaded)";
}

// The expected texts are PyTorch 1.13.1's str(e) for the same model and dict (module.load_state_dict).
TEST(LoadStateDict, MissingUnexpectedAndSizeMismatchAsPyTorchWordsThem) {
  const ModulePtr model = small_model();
  std::vector<NamedTensor> state = copy_of_state(*model);
  remove_key(state, "0.bias");
  remove_key(state,
             "1.num_batches_tracked");  // filled in with 0, not missing: the dict has no version metadata
  remove_key(state, "1.running_mean");
  state.push_back({"extra.weight", Tensor::zeros({3})});
  state.push_back({"zz", Tensor::zeros({1})});
  replace(state, "2.weight", Tensor::zeros({3, 4}));
  replace(state, "0.weight", Tensor::zeros({4, 4}, DType::float64));
  const Tensor before = model->state_dict().front().tensor.clone();
  EXPECT_EQ(
      load_error(*model, state),
      "Error(s) in loading state_dict for Sequential:\n"
      "\tMissing key(s) in state_dict: \"0.bias\", \"1.running_mean\". \n"
      "\tUnexpected key(s) in state_dict: \"extra.weight\", \"zz\". \n"
      "\tsize mismatch for 2.weight: copying a param with shape torch.Size([3, 4]) from checkpoint, the "
      "shape in current model is torch.Size([2, 4]).");
  // Nothing was copied (PyTorch would have copied 0.weight before raising).
  EXPECT_EQ(model->state_dict().front().tensor.to_doubles(), before.to_doubles());
}

TEST(LoadStateDict, UnexpectedKeysInModuleOrderAndKeysUnderALocalNameIgnored) {
  const ModulePtr model = small_model();
  std::vector<NamedTensor> state = {{"0.foo", Tensor::zeros({1})}, {"0.weight.extra", Tensor::zeros({1})}};
  for (const NamedTensor& t : copy_of_state(*model)) state.push_back(t);
  state.push_back({"extra", Tensor::zeros({1})});
  // The root module is visited before its child 0, so "extra" comes first; "0.weight.extra" names the
  // parameter 0.weight's "extra", which PyTorch neither loads nor reports.
  EXPECT_EQ(load_error(*model, state),
            "Error(s) in loading state_dict for Sequential:\n"
            "\tUnexpected key(s) in state_dict: \"extra\", \"0.foo\". ");
}

TEST(LoadStateDict, ConvertsAsCopyDoesAndLoadsAOneElementVectorIntoAScalar) {
  const ModulePtr model = small_model();
  std::vector<NamedTensor> state = copy_of_state(*model);
  for (NamedTensor& t : state) {
    if (is_floating_point(t.tensor.dtype())) t.tensor = t.tensor.to(DType::float64);
  }
  replace(state, "0.weight", Tensor::full({4, 4}, 0.1, DType::float64));
  replace(state, "1.num_batches_tracked", Tensor::full({1}, 7.0, DType::int64));
  load_state_dict(*model, state);
  const Tensor& w = model->child("0").parameter("weight");
  EXPECT_EQ(w.dtype(), DType::float32);
  // PyTorch: 0x1.99999a0000000p-4, 0.1 rounded once to float32.
  EXPECT_EQ(w.to_doubles().front(), static_cast<double>(0.1f));
  EXPECT_EQ(model->child("1").buffer("num_batches_tracked").to_doubles(), std::vector<double>{7.0});
  EXPECT_EQ(model->child("1").buffer("num_batches_tracked").dtype(), DType::int64);
}

}  // namespace
}  // namespace nninit::nn
