// The library's main uses in one program. The README's "The library" section quotes it line for line
// (everything below this comment): change both together.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "nninit/nninit.h"

namespace nn = nninit::nn;
namespace init = nninit::init;

int main() {
  // PyTorch's default initialisation, then an init function, as torch.manual_seed(0); nn.Linear(784, 256)
  // and nn.init.kaiming_normal_ would give them.
  nninit::default_generator().manual_seed(0);
  nn::Linear layer({.in_features = 784, .out_features = 256});
  init::kaiming_normal_(layer.weight(), {.nonlinearity = init::Nonlinearity::relu});
  init::zeros_(layer.bias());

  // A model from the expression PyTorch evaluates, drawn as PyTorch 2.6 draws it after torch.manual_seed(0).
  nninit::TorchGenerator generator(0, {.version = {2, 6}});
  nn::ModulePtr model =
      nninit::expr::build_model("Sequential(Linear(784, 256), Tanh(), Linear(256, 10))", generator);

  // Rules, as an init_weights function applied with model.apply() would initialise it.
  const std::vector<nninit::expr::Rule> rules = {
      nninit::expr::parse_rule("0.weight=xavier_uniform_(gain=calculate_gain('tanh'))"),
      nninit::expr::parse_rule("Linear.bias=zeros_()")};
  nninit::expr::apply_rules(*model, rules, generator);

  // The state_dict, as safetensors.torch.save_file(model.state_dict(), path) writes it.
  std::string folder = std::filesystem::temp_directory_path() / "nninit-tour-XXXXXX";
  if (mkdtemp(folder.data()) == nullptr) return 1;
  nninit::io::write_safetensors(std::filesystem::path(folder) / "model.safetensors", model->state_dict());
  std::filesystem::remove_all(folder);

  // The lint: the initialisation judged against the architecture, each finding with a rule that fixes it.
  const std::vector<nninit::diag::Finding> findings = nninit::diag::check_initialization(*model);
  std::fputs(nninit::report::format_findings(findings).c_str(), stdout);

  // The diagnosis: one forward and one backward pass of a torch.randn(64, 784) batch, layer by layer.
  const nninit::diag::Diagnosis diagnosis =
      nninit::diag::diagnose(*model, nninit::diag::random_inputs(*model, {{64, 784}}, generator));
  std::fputs(nninit::report::format_diagnosis(diagnosis).c_str(), stdout);
  return 0;
}
