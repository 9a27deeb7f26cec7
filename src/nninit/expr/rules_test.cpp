#include "nninit/expr/rules.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "nninit/core/warning.h"
#include "nninit/expr/init_expression.h"
#include "nninit/expr/model_expression.h"
#include "nninit/nn/container.h"
#include "nninit/nn/layer_test_support.h"
#include "nninit/nn/linear.h"

namespace nninit::expr {
namespace {
using nn::testing::error_of;

#define EXPECT_STARTS_WITH(text, prefix) \
  EXPECT_EQ(std::string(text).substr(0, std::string_view(prefix).size()), std::string_view(prefix))

using nn::testing::hex32;

std::vector<Rule> parse_rules(std::initializer_list<const char*> texts) {
  std::vector<Rule> rules;
  for (const char* text : texts) rules.push_back(parse_rule(text));
  return rules;
}

// "name hex hex hex" for each named parameter, then the next torch.rand(1).
std::vector<std::string> fingerprint(const nn::Module& module, TorchGenerator& generator) {
  std::vector<std::string> out;
  for (const NamedTensor& p : module.named_parameters()) {
    out.push_back(p.name + " " + hex32(p.tensor, std::min<std::int64_t>(4, p.tensor.numel())));
  }
  Tensor next = Tensor::empty({1});
  generator.uniform_(next, 0, 1);
  out.push_back("rand " + hex32(next, 1));
  return out;
}

std::vector<std::string> rule_indices(const RuleReport& report) {
  std::vector<std::string> out;
  for (const RuleApplication& a : report.applications) {
    out.push_back(fmt::format("{} {} {}", a.parameter, a.module_type, a.rule));
  }
  return out;
}

// PyTorch runs the script that rules_to_python prints (checked below), after building the model with seed 0:
//   ATEN_CPU_CAPABILITY=avx2 /usr/bin/python3 -c 'import fnmatch, struct, torch
//   from torch import nn; from torch.nn import *
//   torch.manual_seed(0); model = TransformerEncoderLayer(8, 2, 16)
//   <rules_to_python(rules)>
//   h = lambda v: " ".join("%08x" % struct.unpack("<I", struct.pack("<f", x))[0]
//                          for x in v.detach().flatten()[:4].float().tolist())
//   [print(k, h(v)) for k, v in model.named_parameters()]; print("rand", h(torch.rand(1)))'
// PyTorch 1.13 and 2.14 (the same command with scripts/in-oracle sid python3, from the repository root)
// print the same.
TEST(ApplyRules, KnownAnswersFromPyTorch) {
  const std::vector<Rule> rules = parse_rules({
      "MultiheadAttention.in_proj_weight=normal_(std=0.02)",
      "Linear.weight=kaiming_normal_(mode='fan_out', nonlinearity='relu')",  // out_proj is a Linear too
      "*.bias=constant_(val=0.5)",
      "norm?.weight=uniform_(a=0.9, b=1.1)",
  });
  const std::vector<std::string> expected = {
      "self_attn.in_proj_weight 395993af bca343c4 3ca05147 bc10a6a2",
      "self_attn.in_proj_bias 00000000 00000000 00000000 00000000",  // no rule: "*.bias" wants ".bias"
      "self_attn.out_proj.weight 3f25d304 3ee40f82 be7acd5d bf1619a3",
      "self_attn.out_proj.bias 3f000000 3f000000 3f000000 3f000000",
      "linear1.weight bef59cf5 be8a8d23 bd9759e6 bdc00362",
      "linear1.bias 3f000000 3f000000 3f000000 3f000000",
      "linear2.weight 3f022114 3f24b457 3f853f9e 3d6f1701",
      "linear2.bias 3f000000 3f000000 3f000000 3f000000",
      "norm1.weight 3f8a82ee 3f84f510 3f8ac89b 3f773a17",
      "norm1.bias 3f000000 3f000000 3f000000 3f000000",
      "norm2.weight 3f754e95 3f6f9026 3f7cffd5 3f67e543",
      "norm2.bias 3f000000 3f000000 3f000000 3f000000",
      "rand 3f3f7695",
  };
  for (TorchVersion version : {TorchVersion{1, 13}, TorchVersion{2, 14}}) {
    TorchGenerator g(0, {.version = version});
    const nn::ModulePtr model = build_model("TransformerEncoderLayer(8, 2, 16)", g);
    const RuleReport report = apply_rules(*model, rules, g);
    EXPECT_EQ(fingerprint(*model, g), expected) << version.str();
    // Post-order: out_proj (inside self_attn) first, then self_attn's own parameters, then the later
    // children.
    EXPECT_EQ(
        rule_indices(report),
        (std::vector<std::string>{"self_attn.out_proj.weight NonDynamicallyQuantizableLinear 1",
                                  "self_attn.out_proj.bias NonDynamicallyQuantizableLinear 2",
                                  "self_attn.in_proj_weight MultiheadAttention 0", "linear1.weight Linear 1",
                                  "linear1.bias Linear 2", "linear2.weight Linear 1", "linear2.bias Linear 2",
                                  "norm1.weight LayerNorm 3", "norm1.bias LayerNorm 2",
                                  "norm2.weight LayerNorm 3", "norm2.bias LayerNorm 2"}));
    EXPECT_EQ(report.matches, (std::vector<std::size_t>{1, 3, 5, 2}));
    EXPECT_TRUE(report.unmatched_rules.empty());
    EXPECT_EQ(report.untouched, (std::vector<std::string>{"self_attn.in_proj_bias"}));
  }
}

TEST(ApplyRules, PrintsTheEquivalentPyTorchScript) {
  const std::vector<Rule> rules = parse_rules({
      "MultiheadAttention.in_proj_weight=normal_(std=0.02)",
      "Linear.weight=kaiming_normal_(mode='fan_out', nonlinearity='relu')",
      "*.bias=constant_(val=0.5)",
      "norm?.weight=uniform_(a=0.9, b=1.1)",
  });
  EXPECT_EQ(rules_to_python(rules),
            "import fnmatch\n"
            "\n"
            "import torch\n"
            "from torch import nn\n"
            "\n"
            "\n"
            "def init_fn(m):\n"
            "    for name, p in m.named_parameters(recurse=False):\n"
            "        path = names[id(p)]\n"
            "        if isinstance(m, nn.MultiheadAttention) and name == 'in_proj_weight':  # "
            "MultiheadAttention.in_proj_weight=normal_(std=0.02)\n"
            "            nn.init.normal_(p, std=0.02)\n"
            "        elif isinstance(m, nn.Linear) and name == 'weight':  # Linear.weight=kaiming_normal_("
            "mode='fan_out', nonlinearity='relu')\n"
            "            nn.init.kaiming_normal_(p, mode='fan_out', nonlinearity='relu')\n"
            "        elif fnmatch.fnmatchcase(path, '*.bias'):  # *.bias=constant_(val=0.5)\n"
            "            nn.init.constant_(p, val=0.5)\n"
            "        elif fnmatch.fnmatchcase(path, 'norm?.weight'):  # norm?.weight=uniform_(a=0.9, b=1.1)\n"
            "            nn.init.uniform_(p, a=0.9, b=1.1)\n"
            "\n"
            "\n"
            "names = {id(p): name for name, p in model.named_parameters()}\n"
            "with torch.no_grad():\n"
            "    model.apply(init_fn)\n");
  const std::string lstm = rules_to_python(parse_rules(
      {"LSTM.bias_*=forget_gate_bias_(1.0)",
       "RNNBase.weight_hh*=nn.init.orthogonal_(gain=calculate_gain('tanh'))", "Block.weight=lecun_normal_"}));
  EXPECT_NE(lstm.find("def forget_gate_bias_(m, p, name, value=1.0):"), std::string::npos) << lstm;
  EXPECT_NE(lstm.find("if isinstance(m, nn.LSTM) and fnmatch.fnmatchcase(name, 'bias_*'):"),
            std::string::npos);
  EXPECT_NE(lstm.find("            forget_gate_bias_(m, p, name, 1.0)\n"), std::string::npos);
  EXPECT_NE(lstm.find("elif isinstance(m, nn.RNNBase) and fnmatch.fnmatchcase(name, 'weight_hh*'):"),
            std::string::npos);
  EXPECT_NE(lstm.find("nn.init.orthogonal_(p, gain=nn.init.calculate_gain('tanh'))"), std::string::npos);
  EXPECT_NE(lstm.find("elif any(c.__name__ == 'Block' for c in type(m).__mro__) and name == 'weight':"),
            std::string::npos);
  EXPECT_NE(lstm.find("lecun_normal_(p)  # nninit's own scheme"), std::string::npos);
  EXPECT_EQ(lstm.find("names = "), std::string::npos);  // no path rule, no name table
}

// Type.param is Python's isinstance: an LSTM is an RNNBase, MultiheadAttention's out_proj a Linear, every
// module a Module.
TEST(ApplyRules, TypeRulesMatchSubclasses) {
  TorchGenerator g(1);
  const nn::ModulePtr model =
      build_model("Sequential(LSTM(2, 2), GRUCell(2, 2, bias=False), MultiheadAttention(4, 2))", g);
  const RuleReport report =
      apply_rules(*model,
                  parse_rules({"RNNBase.bias_*=zeros_", "RNNCellBase.weight_ih=ones_",
                               "Linear.*=constant_(val=2.0)", "Module.*=constant_(val=3.0)"}),
                  g);
  EXPECT_EQ(rule_indices(report),
            (std::vector<std::string>{"0.weight_ih_l0 LSTM 3", "0.weight_hh_l0 LSTM 3", "0.bias_ih_l0 LSTM 0",
                                      "0.bias_hh_l0 LSTM 0", "1.weight_ih GRUCell 1", "1.weight_hh GRUCell 3",
                                      "2.out_proj.weight NonDynamicallyQuantizableLinear 2",
                                      "2.out_proj.bias NonDynamicallyQuantizableLinear 2",
                                      "2.in_proj_weight MultiheadAttention 3",
                                      "2.in_proj_bias MultiheadAttention 3"}));
  EXPECT_EQ(model->named_parameters()[2].tensor.to_doubles(), std::vector<double>(8, 0.0));
  EXPECT_EQ(model->named_parameters()[4].tensor.to_doubles(), std::vector<double>(12, 1.0));
}

// Module::is_instance follows type(m).__mro__ of PyTorch 1.13, 2.6 and 2.14.
TEST(ApplyRules, IsInstanceFollowsPyTorchsClasses) {
  TorchGenerator g(0);
  const nn::ModulePtr model = build_model(
      "Sequential(BatchNorm2d(2), Conv2d(2, 2, 1), ConvTranspose3d(2, 2, 1), ReLU6(), Dropout2d(), "
      "AdaptiveMaxPool2d(1), MultiheadAttention(2, 1))",
      g);
  const auto is = [&](const char* child, const char* type) { return model->child(child).is_instance(type); };
  EXPECT_TRUE(is("0", "_BatchNorm") && is("0", "_NormBase") && is("0", "BatchNorm2d") && is("0", "Module"));
  EXPECT_FALSE(is("0", "_InstanceNorm") || is("0", "BatchNorm1d"));
  EXPECT_TRUE(is("1", "_ConvNd") && !is("1", "_ConvTransposeNd"));
  EXPECT_TRUE(is("2", "_ConvTransposeNd") && is("2", "_ConvNd"));
  EXPECT_TRUE(is("3", "Hardtanh") && is("4", "_DropoutNd") && is("5", "_AdaptiveMaxPoolNd"));
  EXPECT_TRUE(model->child("6").child("out_proj").is_instance("Linear"));
  EXPECT_FALSE(is("6", "Linear"));
}

// A shared parameter is initialised at each visit of a module that holds it (PyTorch's apply does the same),
// and a path rule sees it under its first name only. PyTorch agrees (1.13 and 2.14):
//   torch.manual_seed(3); a = nn.Linear(2, 2); b = nn.Linear(2, 2); b.weight = a.weight
//   model = nn.Sequential(a, b); <the script of rules_to_python>; print(a.weight)
// prints the second of two normal_ draws after the two Linears' own.
TEST(ApplyRules, SharedParameters) {
  TorchGenerator g(3);
  auto first = std::make_shared<nn::Linear>(nn::LinearOptions{.in_features = 2, .out_features = 2}, g);
  auto second = std::make_shared<nn::Linear>(nn::LinearOptions{.in_features = 2, .out_features = 2}, g);
  second->set_parameter("weight", first->weight());
  nn::Sequential model({first, second});
  ScopedWarningCapture warnings;
  const RuleReport report =
      apply_rules(model, parse_rules({"1.weight=zeros_", "Linear.weight=normal_", "*.bias=zeros_"}), g);
  EXPECT_EQ(rule_indices(report), (std::vector<std::string>{"0.weight Linear 1", "0.bias Linear 2",
                                                            "0.weight Linear 1", "1.bias Linear 2"}));
  ASSERT_EQ(warnings.warnings().size(), 1u);
  EXPECT_EQ(warnings.warnings()[0].message, "rule '1.weight=zeros_' matched no parameter");
  // Two normal_ draws of four values each: the second one stays.
  TorchGenerator replay(3);
  nn::Linear a({.in_features = 2, .out_features = 2}, replay);
  nn::Linear b({.in_features = 2, .out_features = 2}, replay);
  Tensor expected = Tensor::empty({2, 2});
  replay.normal_(expected, 0, 1);
  replay.normal_(expected, 0, 1);
  EXPECT_EQ(first->weight().to_doubles(), expected.to_doubles());
}

TEST(ApplyRules, UnmatchedRules) {
  TorchGenerator g(0);
  const nn::ModulePtr model = build_model("Sequential(Linear(4, 3), ReLU(), LayerNorm(3))", g);
  ScopedWarningCapture warnings;
  const RuleReport report = apply_rules(
      *model, parse_rules({"Linear.*=zeros_", "*.weight=ones_", "0.bias=ones_", "Conv2d.weight=ones_"}), g);
  EXPECT_EQ(report.unmatched_rules, (std::vector<std::size_t>{2, 3}));
  EXPECT_EQ(report.matches, (std::vector<std::size_t>{2, 1, 0, 0}));
  EXPECT_EQ(report.untouched, (std::vector<std::string>{"2.bias"}));
  ASSERT_EQ(warnings.warnings().size(), 2u);
  EXPECT_EQ(warnings.warnings()[0].message,
            "rule '0.bias=ones_' initialised no parameter: an earlier rule takes every parameter it matches");
  EXPECT_EQ(warnings.warnings()[1].message, "rule 'Conv2d.weight=ones_' matched no parameter");

  EXPECT_EQ(
      error_of([&] {
        apply_rules(*model, parse_rules({"Conv2d.weight=ones_", "*.c_proj.weight=zeros_"}), g);
      }),
      "ValueError: apply_rules: no rule matched any parameter (rules: 'Conv2d.weight=ones_', "
      "'*.c_proj.weight=zeros_'); the model's parameters are 0.weight, 0.bias, 2.weight, 2.bias; by type: "
      "Linear.weight, Linear.bias, LayerNorm.weight, LayerNorm.bias");
  const nn::ModulePtr empty = build_model("Sequential(ReLU())", g);
  EXPECT_EQ(error_of([&] { apply_rules(*empty, parse_rules({"*=zeros_"}), g); }),
            "ValueError: apply_rules: no rule matched: the model (Sequential) has no parameters (rules: "
            "'*=zeros_')");
  EXPECT_TRUE(apply_rules(*model, {}, g).applications.empty());
}

// nn.init.uniform and the other deprecated aliases warn at each call, as PyTorch's do: once per parameter
// the rule initialises, never for a rule that initialises nothing.
TEST(ApplyRules, DeprecatedAliasesWarnAtEachCall) {
  TorchGenerator g(0, {.version = {1, 13}});
  const nn::ModulePtr model = build_model("Sequential(Linear(4, 3), Linear(3, 2))", g);
  ScopedWarningCapture warnings;
  apply_rules(*model, parse_rules({"*.weight=uniform(-0.1, 0.1)", "0.weight=normal(std=0.1)"}), g);
  ASSERT_EQ(warnings.warnings().size(), 3u);
  EXPECT_EQ(warnings.warnings()[0].message,
            "nn.init.uniform is now deprecated in favor of nn.init.uniform_.");
  EXPECT_EQ(warnings.warnings()[1].message, warnings.warnings()[0].message);
  EXPECT_EQ(
      warnings.warnings()[2].message,
      "rule '0.weight=normal(std=0.1)' initialised no parameter: an earlier rule takes every parameter it "
      "matches");
}

TEST(ApplyRules, PointedErrors) {
  TorchGenerator g(0);
  const nn::ModulePtr model = build_model("Sequential(Linear(4, 3), LSTM(3, 2))", g);
  const auto error = [&](const char* rule) {
    return error_of([&] { apply_rules(*model, parse_rules({rule}), g); });
  };
  EXPECT_EQ(error("Lienar.weight=zeros_"),
            "ValueError: 'Lienar' is not a torch.nn class nninit knows, nor a type in the model (did you "
            "mean 'Linear' "
            "or 'Bilinear'?) at column 1\n"
            "  Lienar.weight=zeros_\n"
            "  ^");
  EXPECT_EQ(error("Linear.weight=kaiming_normal_(mdoe='fan_out')"),
            "TypeError: kaiming_normal_() got an unexpected keyword argument 'mdoe' (did you mean 'mode'?) "
            "at column "
            "31\n"
            "  Linear.weight=kaiming_normal_(mdoe='fan_out')\n"
            "                                ^");
  EXPECT_EQ(error("Linear.weight = kaiming_normall_").substr(0, 72),
            "ValueError: unknown init function 'kaiming_normall_' (did you mean 'kaim");
  EXPECT_NE(error("Linear.weight = kaiming_normall_").find("at column 17"), std::string::npos);
  EXPECT_EQ(error("Linear.bias=kaiming_normal_"),
            "ValueError: rule 'Linear.bias=kaiming_normal_' on parameter '0.bias' (Linear): kaiming_normal_: "
            "Fan in "
            "and fan out can not be computed for tensor with fewer than 2 dimensions");
}

// The usual LSTM advice (Jozefowicz et al. 2015): the forget gate's bias (bias_ih + bias_hh, rows [H, 2H))
// starts at 1.
TEST(ApplyRules, ForgetGateBias) {
  TorchGenerator g(0);
  const nn::ModulePtr model = build_model("Sequential(LSTM(3, 2, bidirectional=True), LSTMCell(4, 2))", g);
  const std::vector<double> before = model->named_parameters()[2].tensor.to_doubles();  // 0.bias_ih_l0
  const RuleReport report = apply_rules(*model, parse_rules({"*.bias_*=forget_gate_bias_(1.0)"}), g);
  EXPECT_EQ(report.applications.size(), 6u);
  for (const NamedTensor& p : model->named_parameters()) {
    const std::vector<double> v = p.tensor.to_doubles();
    const bool input = p.name.find(".bias_ih") != std::string::npos;
    const bool hidden = p.name.find(".bias_hh") != std::string::npos;
    if (input || hidden) {
      EXPECT_EQ(v[2], input ? 1.0 : 0.0) << p.name;
      EXPECT_EQ(v[3], input ? 1.0 : 0.0) << p.name;
    }
  }
  const std::vector<double> after = model->named_parameters()[2].tensor.to_doubles();
  EXPECT_EQ(after[0], before[0]);  // the input gate is left alone
  EXPECT_EQ(after[4], before[4]);
  EXPECT_EQ(after[2], 1.0);

  const nn::ModulePtr gru = build_model("GRU(3, 4)", g);
  EXPECT_EQ(error_of([&] { apply_rules(*gru, parse_rules({"bias_*=forget_gate_bias_"}), g); }),
            "ValueError: rule 'bias_*=forget_gate_bias_' on parameter 'bias_ih_l0' (GRU): forget_gate_bias_: "
            "'bias_ih_l0' belongs to a GRU; the forget gate is an LSTM's and an LSTMCell's");
  // Outside a rule there is no parameter name to go by.
  Tensor bias = Tensor::zeros({8});
  EXPECT_EQ(
      error_of([&] { InitExpression::parse("forget_gate_bias_(2.0)").apply(bias, g); }),
      "ValueError: forget_gate_bias_: needs the parameter's name (bias_ih* or bias_hh*), which only a rule "
      "gives: write it as a rule such as LSTM.bias_*=forget_gate_bias_(1.0)");
  InitExpression::parse("forget_gate_bias_(value=2.0)").apply(bias, g, {.parameter_name = "bias_ih_l0"});
  EXPECT_EQ(bias.to_doubles(), (std::vector<double>{0, 0, 2, 2, 0, 0, 0, 0}));
  EXPECT_FALSE(InitExpression::parse("forget_gate_bias_").is_random());
}

// ---- parsing PATTERN=EXPR ----
std::string rule_error(std::string_view text) {
  try {
    parse_rule(text);
    return "no error";
  } catch (const lang::ParseError& e) {
    return e.what();
  }
}

std::string at(std::string_view reason, std::string_view text, int column) {
  return std::string(reason) + " at column " + std::to_string(column) + "\n  " + std::string(text) + "\n  " +
         std::string(static_cast<std::size_t>(column - 1), ' ') + "^";
}

// Rules in passes against PyTorch 1.13: for each case, /usr/bin/python3 (ATEN_CPU_CAPABILITY=avx2) runs
//   torch.manual_seed(0); model = eval(MODEL); exec(<nninit init MODEL --init RULE... --print-python>)
// and prints `fingerprint` above; where a recipe is written by hand as projects write it, it printed the
// same: nanoGPT's model.apply(_init_weights) then `for pn, p in model.named_parameters(): if
// pn.endswith('c_proj.weight'): normal_(p, std=0.02/math.sqrt(2 * n_layer))`; an LSTM's
// xavier/orthogonal/zero loop over named_parameters() then the forget-gate rows of every bias_ih set to 1;
// the Transformer tutorial's `for p in model.parameters(): if p.dim() > 1: xavier_uniform_(p)`.
struct PassCase {
  const char* model;
  std::vector<const char*> rules;
  std::vector<std::string> fingerprint;
};

const PassCase kPassCases[] = {
    {"Sequential(Embedding(16, 8), ModuleList([Sequential(LayerNorm(8), ModuleDict({'c_attn': Linear(8, 24), "
     "'c_proj': Linear(8, 8)}), LayerNorm(8), ModuleDict({'c_fc': Linear(8, 32), 'c_proj': Linear(32, 8)})) "
     "for _ in range(2)]), LayerNorm(8), Linear(8, 16, bias=False))",
     {"Linear.weight=normal_(std=0.02)", "Linear.bias=zeros_", "Embedding.weight=normal_(std=0.02)",
      "parameters: *c_proj.weight=normal_(std=0.02 / math.sqrt(2 * 2))"},
     {"0.weight bce614f4 bc2e305c bbb80f79 3be1a575",
      "1.0.0.weight 3f800000 3f800000 3f800000 3f800000",
      "1.0.0.bias 00000000 00000000 00000000 00000000",
      "1.0.1.c_attn.weight 3ca59522 3cdb186a 3b697c1b b9c95fc9",
      "1.0.1.c_attn.bias 00000000 00000000 00000000 00000000",
      "1.0.1.c_proj.weight bc700b54 bb76fa2a 3c611e89 bc9207f0",
      "1.0.1.c_proj.bias 00000000 00000000 00000000 00000000",
      "1.0.2.weight 3f800000 3f800000 3f800000 3f800000",
      "1.0.2.bias 00000000 00000000 00000000 00000000",
      "1.0.3.c_fc.weight bc7f683b bceb461e bcfe3dab 3b95d8a7",
      "1.0.3.c_fc.bias 00000000 00000000 00000000 00000000",
      "1.0.3.c_proj.weight bc62f579 bbb61592 3b4df4af 3c1c2a76",
      "1.0.3.c_proj.bias 00000000 00000000 00000000 00000000",
      "1.1.0.weight 3f800000 3f800000 3f800000 3f800000",
      "1.1.0.bias 00000000 00000000 00000000 00000000",
      "1.1.1.c_attn.weight bc77c772 3d2f01f8 3d139de7 bccfdfd7",
      "1.1.1.c_attn.bias 00000000 00000000 00000000 00000000",
      "1.1.1.c_proj.weight b94d706f bbb76adc 3ba24f20 bb1b77b9",
      "1.1.1.c_proj.bias 00000000 00000000 00000000 00000000",
      "1.1.2.weight 3f800000 3f800000 3f800000 3f800000",
      "1.1.2.bias 00000000 00000000 00000000 00000000",
      "1.1.3.c_fc.weight ba19d938 bd0cce5b bbc0dad4 3cfbef66",
      "1.1.3.c_fc.bias 00000000 00000000 00000000 00000000",
      "1.1.3.c_proj.weight 3a0576da 3c20e006 3c321f00 3c9011b5",
      "1.1.3.c_proj.bias 00000000 00000000 00000000 00000000",
      "2.weight 3f800000 3f800000 3f800000 3f800000",
      "2.bias 00000000 00000000 00000000 00000000",
      "3.weight 3b7dee4e bc8e33b9 bc2c437b 3c632450",
      "rand 3eb3e18e"}},
    {"LSTM(3, 4, num_layers=2)",
     {"parameters: *weight_ih*=xavier_uniform_", "*weight_hh*=orthogonal_", "*bias*=zeros_",
      "parameters: *bias_ih*=forget_gate_bias_(1.0)"},
     {"weight_ih_l0 3de20298 bed5a0e1 3dbf9e89 3e751891", "weight_hh_l0 3e24d218 3e850337 3e29ea53 3e82e3d6",
      "bias_ih_l0 00000000 00000000 00000000 00000000", "bias_hh_l0 00000000 00000000 00000000 00000000",
      "weight_ih_l1 be183eb0 bdd86a47 3d56b39e 3f01ad44", "weight_hh_l1 be81fbfc be20f3ea 3de38a98 be8e8646",
      "bias_ih_l1 00000000 00000000 00000000 00000000", "bias_hh_l1 00000000 00000000 00000000 00000000",
      "rand 3f1195d9"}},
    {"Transformer(8, 2, 1, 1, 16)",
     {"parameters(dim>1): *=xavier_uniform_"},
     {"encoder.layers.0.self_attn.in_proj_weight bebf9c65 3cc37344 bd4962c3 3ec147e1",
      "encoder.layers.0.self_attn.in_proj_bias 00000000 00000000 00000000 00000000",
      "encoder.layers.0.self_attn.out_proj.weight 3f040a34 be902589 be9a5026 bdfc0401",
      "encoder.layers.0.self_attn.out_proj.bias 00000000 00000000 00000000 00000000",
      "encoder.layers.0.linear1.weight 3edc83f2 bee27636 3df7b320 3e9102d4",
      "encoder.layers.0.linear1.bias be4c15b3 be4b2559 be8b4a79 3e730c2b",
      "encoder.layers.0.linear2.weight 3effb33e be0bc9d8 3e4a4050 3eff48c8",
      "encoder.layers.0.linear2.bias bd8282c4 be27904e bdb7a3e0 3d417718",
      "encoder.layers.0.norm1.weight 3f800000 3f800000 3f800000 3f800000",
      "encoder.layers.0.norm1.bias 00000000 00000000 00000000 00000000",
      "encoder.layers.0.norm2.weight 3f800000 3f800000 3f800000 3f800000",
      "encoder.layers.0.norm2.bias 00000000 00000000 00000000 00000000",
      "encoder.norm.weight 3f800000 3f800000 3f800000 3f800000",
      "encoder.norm.bias 00000000 00000000 00000000 00000000",
      "decoder.layers.0.self_attn.in_proj_weight be2528ac bed02b2c be7f4198 3ed78f67",
      "decoder.layers.0.self_attn.in_proj_bias 00000000 00000000 00000000 00000000",
      "decoder.layers.0.self_attn.out_proj.weight 3ea94087 bed0f022 3e290552 beab5e62",
      "decoder.layers.0.self_attn.out_proj.bias 00000000 00000000 00000000 00000000",
      "decoder.layers.0.multihead_attn.in_proj_weight 3d813a2b bed9ebe8 beb7142f bedba7b8",
      "decoder.layers.0.multihead_attn.in_proj_bias 00000000 00000000 00000000 00000000",
      "decoder.layers.0.multihead_attn.out_proj.weight 3e58da2a bc89085e 3e384e6b be7f1e6c",
      "decoder.layers.0.multihead_attn.out_proj.bias 00000000 00000000 00000000 00000000",
      "decoder.layers.0.linear1.weight 3edb8746 3c0a4240 3e8d65d2 3ea8401a",
      "decoder.layers.0.linear1.bias 3e19e688 3ea2d041 3ea85263 bea4bd47",
      "decoder.layers.0.linear2.weight bec40fe0 be8c8a72 bcd4cca0 beb245b4",
      "decoder.layers.0.linear2.bias bdb94078 bd839e7c 3e5c91dc be510cda",
      "decoder.layers.0.norm1.weight 3f800000 3f800000 3f800000 3f800000",
      "decoder.layers.0.norm1.bias 00000000 00000000 00000000 00000000",
      "decoder.layers.0.norm2.weight 3f800000 3f800000 3f800000 3f800000",
      "decoder.layers.0.norm2.bias 00000000 00000000 00000000 00000000",
      "decoder.layers.0.norm3.weight 3f800000 3f800000 3f800000 3f800000",
      "decoder.layers.0.norm3.bias 00000000 00000000 00000000 00000000",
      "decoder.norm.weight 3f800000 3f800000 3f800000 3f800000",
      "decoder.norm.bias 00000000 00000000 00000000 00000000",
      "rand 3f434e54"}},
    {"Sequential(Linear(4, 6), LayerNorm(6), Sequential(Linear(6, 6), ReLU(), Linear(6, 2)))",
     {"Linear.weight=kaiming_uniform_(a=1)", "then: 2.*.bias=uniform_(a=-0.1, b=0.1)",
      "parameters(dim<2): LayerNorm.*=normal_(std=0.5)", "Linear.bias=constant_(val=0.25)",
      "then: 2.2.weight=zeros_"},
     {"0.weight be11ef3a becaf8c1 3eaa839e bf0350af", "0.bias 3e800000 3e800000 3e800000 3e800000",
      "1.weight 3e53b202 3eec0253 bf2f0d29 bd9c314e", "1.bias 3e2c0a27 3f008c88 3f334a8f bf62d714",
      "2.0.weight be94440b 3ed6d35d bedc508f 3f244064", "2.0.bias 3e800000 3e800000 3e800000 3e800000",
      "2.2.weight 00000000 00000000 00000000 00000000", "2.2.bias 3e800000 3e800000", "rand 3f65a113"}},
};

TEST(RulePasses, ReproducePyTorchRecipesBitForBit) {
  for (const PassCase& c : kPassCases) {
    std::vector<Rule> rules;
    for (const char* text : c.rules) rules.push_back(parse_rule(text));
    TorchGenerator g(0, {.version = {1, 13}});
    const nn::ModulePtr model = build_model(c.model, g);
    apply_rules(*model, rules, g);
    EXPECT_EQ(fingerprint(*model, g), c.fingerprint) << c.model;
  }
}

// The LSTM case above shows the first four values; the forget-gate rows it sets are the next four.
TEST(RulePasses, LaterPassesOverrideEarlierOnes) {
  TorchGenerator g(0);
  const nn::ModulePtr lstm = build_model("LSTM(3, 4)", g);
  const std::vector<Rule> rules = parse_rules(
      {"LSTM.*=zeros_", "then: LSTM.bias_ih_*=forget_gate_bias_(1.0)", "parameters(dim>=2): *=ones_"});
  const RuleReport report = apply_rules(*lstm, rules, g);
  EXPECT_EQ(lstm->parameter("bias_ih_l0").to_doubles(),
            (std::vector<double>{0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(lstm->parameter("bias_hh_l0").to_doubles(), std::vector<double>(16, 0.0));
  EXPECT_EQ(lstm->parameter("weight_hh_l0").to_doubles(), std::vector<double>(64, 1.0));
  EXPECT_EQ(report.matches, (std::vector<std::size_t>{4, 1, 2}));
  EXPECT_EQ(rule_indices(report),
            (std::vector<std::string>{"weight_ih_l0 LSTM 0", "weight_hh_l0 LSTM 0", "bias_ih_l0 LSTM 0",
                                      "bias_hh_l0 LSTM 0", "bias_ih_l0 LSTM 1", "weight_ih_l0 LSTM 2",
                                      "weight_hh_l0 LSTM 2"}));
  EXPECT_TRUE(report.untouched.empty());
}

// A parameters pass walks named_parameters() (own parameters first, then the children's), not apply()'s
// post-order; Type.param matches the module that registered the parameter.
TEST(RulePasses, ParametersPassWalksParametersOrder) {
  TorchGenerator g(0);
  const nn::ModulePtr model =
      build_model("Sequential(Linear(2, 2), Sequential(Linear(2, 3), Linear(3, 1)))", g);
  const RuleReport report = apply_rules(
      *model, parse_rules({"parameters(dim==1): Linear.bias=zeros_", "parameters: 1.*.weight=ones_"}), g);
  EXPECT_EQ(rule_indices(report),
            (std::vector<std::string>{"0.bias Linear 0", "1.0.bias Linear 0", "1.1.bias Linear 0",
                                      "1.0.weight Linear 1", "1.1.weight Linear 1"}));
  EXPECT_EQ(report.untouched, (std::vector<std::string>{"0.weight"}));
}

TEST(RulePasses, PrefixesParse) {
  const Rule then = parse_rule("then: *.c_proj.weight=normal_(std=0.01)");
  EXPECT_TRUE(then.starts_pass);
  EXPECT_EQ(then.walk, PassWalk::apply);
  EXPECT_EQ(then.path_glob, "*.c_proj.weight");
  EXPECT_EQ(then.pattern_range.begin, 6u);
  const Rule all = parse_rule(" parameters :Linear.weight=ones_");
  EXPECT_EQ(all.walk, PassWalk::parameters);
  EXPECT_FALSE(all.dim_condition);
  EXPECT_EQ(all.type_name, "Linear");
  for (const auto& [text, python] : {std::pair{"parameters(dim>1): *=ones_", "p.dim() > 1"},
                                     std::pair{"parameters( dim >= 2 ): *=ones_", "p.dim() >= 2"},
                                     std::pair{"parameters(dim<2): *=ones_", "p.dim() < 2"},
                                     std::pair{"parameters(dim<=1): *=ones_", "p.dim() <= 1"},
                                     std::pair{"parameters(dim==1): *=ones_", "p.dim() == 1"},
                                     std::pair{"parameters(dim!=4): *=ones_", "p.dim() != 4"}}) {
    const Rule rule = parse_rule(text);
    ASSERT_TRUE(rule.dim_condition) << text;
    EXPECT_EQ(rule.dim_condition->python(), python);
  }
  const DimCondition greater{.op = DimCondition::Op::greater, .value = 1};
  EXPECT_TRUE(greater.holds(2));
  EXPECT_FALSE(greater.holds(1));
  // A colon after the '=' belongs to the expression.
  const Rule dict = parse_rule("Linear.weight=normal_(**{'std': 0.5})");
  EXPECT_FALSE(dict.starts_pass);
  EXPECT_EQ(dict.expression.repr(), "normal_(std=0.5)");
  const std::string unknown =
      "ValueError: unknown pass '{}': a pass starts with then:, parameters: or parameters(dim>1): (with >, "
      ">=, <, <=, "
      "== or != and an integer) at column {}";
  EXPECT_STARTS_WITH(error_of([] { parse_rule("later: *=ones_"); }),
                     fmt::format(fmt::runtime(unknown), "later", 1));
  EXPECT_STARTS_WITH(error_of([] { parse_rule("parameters(ndim>1): *=ones_"); }),
                     fmt::format(fmt::runtime(unknown), "parameters(ndim>1)", 1));
  EXPECT_STARTS_WITH(error_of([] { parse_rule("parameters(dim>x): *=ones_"); }),
                     fmt::format(fmt::runtime(unknown), "parameters(dim>x)", 1));
  EXPECT_STARTS_WITH(error_of([] { parse_rule("  : *=ones_"); }), fmt::format(fmt::runtime(unknown), "", 3));
  EXPECT_STARTS_WITH(error_of([] { parse_rule("then: =ones_"); }), "ValueError: empty pattern before '='");
}

TEST(RulePasses, PrintsOneStatementPerPass) {
  EXPECT_EQ(rules_to_python(parse_rules({"Linear.weight=normal_(std=0.02)", "then: 0.bias=zeros_",
                                         "parameters(dim>1): LSTM.weight_hh*=orthogonal_", "*.bias=ones_"})),
            "import fnmatch\n"
            "\n"
            "import torch\n"
            "from torch import nn\n"
            "\n"
            "\n"
            "def init_fn(m):\n"
            "    for name, p in m.named_parameters(recurse=False):\n"
            "        if isinstance(m, nn.Linear) and name == 'weight':  # Linear.weight=normal_(std=0.02)\n"
            "            nn.init.normal_(p, std=0.02)\n"
            "\n"
            "\n"
            "def init_fn_2(m):\n"
            "    for name, p in m.named_parameters(recurse=False):\n"
            "        path = names[id(p)]\n"
            "        if path == '0.bias':  # then: 0.bias=zeros_\n"
            "            nn.init.zeros_(p)\n"
            "\n"
            "\n"
            "names = {id(p): name for name, p in model.named_parameters()}\n"
            "owners = {}  # each parameter's module and its name there\n"
            "for m in model.modules():\n"
            "    for name, p in m.named_parameters(recurse=False):\n"
            "        owners.setdefault(id(p), (m, name))\n"
            "with torch.no_grad():\n"
            "    model.apply(init_fn)\n"
            "    model.apply(init_fn_2)\n"
            "    for path, p in model.named_parameters():\n"
            "        if p.dim() > 1:\n"
            "            m, name = owners[id(p)]\n"
            "            if isinstance(m, nn.LSTM) and fnmatch.fnmatchcase(name, 'weight_hh*'):  # "
            "parameters(dim>1): LSTM.weight_hh*=orthogonal_\n"
            "                nn.init.orthogonal_(p)\n"
            "            elif fnmatch.fnmatchcase(path, '*.bias'):  # *.bias=ones_\n"
            "                nn.init.ones_(p)\n");
}

// A preset's rules join the first pass, after the user's rules there and before the user's later passes.
TEST(RulePasses, PresetRulesJoinTheFirstPass) {
  std::vector<Rule> rules = parse_rules({"0.weight=ones_", "then: *.bias=zeros_"});
  add_to_first_pass(rules, parse_rules({"Linear.weight=zeros_", "Linear.bias=ones_"}));
  std::vector<std::string> texts;
  for (const Rule& rule : rules) texts.push_back(rule.text);
  EXPECT_EQ(texts, (std::vector<std::string>{"0.weight=ones_", "Linear.weight=zeros_", "Linear.bias=ones_",
                                             "then: *.bias=zeros_"}));
  std::vector<Rule> none;
  add_to_first_pass(none, parse_rules({"Linear.weight=zeros_"}));
  EXPECT_EQ(none.size(), 1u);
}

TEST(RuleParse, TypeParameterRules) {
  const Rule rule = parse_rule("Linear.weight=kaiming_normal_(nonlinearity='relu')");
  EXPECT_EQ(rule.kind, PatternKind::type_parameter);
  EXPECT_EQ(rule.type_name, "Linear");
  EXPECT_EQ(rule.parameter_glob, "weight");
  EXPECT_TRUE(rule.path_glob.empty());
  EXPECT_EQ(rule.expression.repr(), "kaiming_normal_(nonlinearity='relu')");
  EXPECT_EQ(rule.text, "Linear.weight=kaiming_normal_(nonlinearity='relu')");
  EXPECT_EQ(rule.pattern_range, (lang::SourceRange{0, 13}));
  EXPECT_EQ(rule.expression.range(), (lang::SourceRange{14, 50}));

  const Rule bias = parse_rule("Linear.bias=zeros_");
  EXPECT_EQ(bias.kind, PatternKind::type_parameter);
  EXPECT_EQ(bias.parameter_glob, "bias");
  EXPECT_EQ(bias.expression, lang::Value::make_name("zeros_"));

  const Rule lstm = parse_rule("LSTM.bias_*=forget_gate_bias_(1.0)");
  EXPECT_EQ(lstm.type_name, "LSTM");
  EXPECT_EQ(lstm.parameter_glob, "bias_*");

  const Rule prefixed = parse_rule("torch.nn.Conv2d.weight = nn.init.orthogonal_(gain=2**0.5)");
  EXPECT_EQ(prefixed.kind, PatternKind::type_parameter);
  EXPECT_EQ(prefixed.type_name, "Conv2d");
  EXPECT_EQ(prefixed.pattern_range, (lang::SourceRange{0, 22}));
  EXPECT_EQ(parse_rule("nn.Embedding.*=normal_()").type_name, "Embedding");
}

TEST(RuleParse, PathRules) {
  const Rule proj = parse_rule("*.c_proj.weight=normal_(std=0.0028)");
  EXPECT_EQ(proj.kind, PatternKind::path);
  EXPECT_EQ(proj.path_glob, "*.c_proj.weight");
  EXPECT_TRUE(proj.type_name.empty());
  EXPECT_EQ(*proj.expression.call().keyword("std"), lang::Value::make_float(0.0028));

  EXPECT_EQ(parse_rule("0.bias=constant_(val=0.1)").path_glob, "0.bias");
  EXPECT_EQ(parse_rule("layers.*.linear1.weight=xavier_uniform_").path_glob, "layers.*.linear1.weight");
  EXPECT_EQ(parse_rule("h.[0-3].attn.c_attn.weight=normal_(std=0.02)").path_glob,
            "h.[0-3].attn.c_attn.weight");
  EXPECT_EQ(parse_rule("bias=zeros_").path_glob, "bias");
  EXPECT_EQ(parse_rule("*=zeros_").path_glob, "*");
  // Three components read as a path even when the first has a capital (torchvision's Inception names).
  EXPECT_EQ(parse_rule("Conv2d_1a_3x3.conv.weight=zeros_").kind, PatternKind::path);
  EXPECT_EQ(parse_rule("Lin*.weight=zeros_").kind, PatternKind::path);
}

TEST(RuleParse, SplitsAtTheFirstTopLevelEquals) {
  const Rule rule = parse_rule("Linear.weight=kaiming_normal_(mode='fan_out', a=0)");
  EXPECT_EQ(rule.pattern_range, (lang::SourceRange{0, 13}));
  EXPECT_EQ(rule.expression.call().keywords.size(), 2u);
  // '=' inside brackets or strings, and '==', do not split.
  EXPECT_EQ(rule_error("kaiming_normal_(mode='fan_out')"),
            at("missing '=': a rule is PATTERN=EXPR, such as Linear.weight=zeros_",
               "kaiming_normal_(mode='fan_out')", 32));
  EXPECT_EQ(rule_error("a==b"),
            at("missing '=': a rule is PATTERN=EXPR, such as Linear.weight=zeros_", "a==b", 5));
  EXPECT_EQ(rule_error("weight=f(s='=')").substr(0, 9), "no error");
  EXPECT_EQ(parse_rule("weight=f(s='=')").expression.repr(), "f(s='=')");
}

TEST(RuleParse, ErrorsWithColumns) {
  EXPECT_EQ(rule_error("Linear.weight"),
            at("missing '=': a rule is PATTERN=EXPR, such as Linear.weight=zeros_", "Linear.weight", 14));
  EXPECT_EQ(rule_error("=zeros_"), at("empty pattern before '='", "=zeros_", 1));
  EXPECT_EQ(rule_error("  =zeros_"), at("empty pattern before '='", "  =zeros_", 3));
  EXPECT_EQ(rule_error("Linear.weight="), at("empty expression after '='", "Linear.weight=", 15));
  EXPECT_EQ(rule_error("Linear.weight=  "), at("empty expression after '='", "Linear.weight=  ", 15));
  EXPECT_EQ(rule_error("Linear weight=zeros_"),
            at("unexpected character ' ' in pattern", "Linear weight=zeros_", 7));
  EXPECT_EQ(rule_error("Linear.we-ight=zeros_"),
            at("unexpected character '-' in pattern", "Linear.we-ight=zeros_", 10));
  EXPECT_EQ(rule_error("h.[0-3.weight=zeros_"), at("unterminated '[' in pattern", "h.[0-3.weight=zeros_", 3));
  EXPECT_EQ(rule_error("h.[0+3].weight=zeros_"),
            at("unexpected character '+' in pattern", "h.[0+3].weight=zeros_", 5));
  EXPECT_EQ(rule_error("a..b=zeros_"), at("empty name in pattern", "a..b=zeros_", 3));
  EXPECT_EQ(rule_error(".bias=zeros_"), at("empty name in pattern", ".bias=zeros_", 1));
  EXPECT_EQ(rule_error("Linear.=zeros_"), at("empty name in pattern", "Linear.=zeros_", 8));
  EXPECT_EQ(
      rule_error("Linear=zeros_"),
      at("pattern 'Linear' names a type but no parameter: write Linear.weight, Linear.* or a path such as "
         "*.weight",
         "Linear=zeros_", 1));
}

TEST(RuleParse, ExpressionErrorsReportColumnsInTheRule) {
  EXPECT_EQ(rule_error("Linear.weight=normal_(std=0.02,,)"),
            at("expected an argument or ')'", "Linear.weight=normal_(std=0.02,,)", 32));
  EXPECT_EQ(rule_error("Linear.weight=normal_(std=1/0)"),
            at("division by zero", "Linear.weight=normal_(std=1/0)", 28));
  try {
    parse_rule("Linear.weight=normal_(std='a'+1)");
    FAIL() << "no error";
  } catch (const lang::ExpressionTypeError& e) {
    EXPECT_EQ(e.position().column, 30);
  }
}

TEST(RuleGlob, MatchesLikeFnmatch) {
  EXPECT_TRUE(glob_match("weight", "weight"));
  EXPECT_FALSE(glob_match("weight", "weights"));
  EXPECT_FALSE(glob_match("weight", "weigh"));
  EXPECT_TRUE(glob_match("*.c_proj.weight", "h.0.attn.c_proj.weight"));
  EXPECT_TRUE(glob_match("*.c_proj.weight", "h.11.mlp.c_proj.weight"));
  EXPECT_FALSE(glob_match("*.c_proj.weight", "c_proj.weight"));
  EXPECT_FALSE(glob_match("*.c_proj.weight", "h.0.attn.c_proj.bias"));
  EXPECT_TRUE(glob_match("layers.*.linear1.weight", "layers.3.linear1.weight"));
  EXPECT_TRUE(glob_match("layers.*.linear1.weight", "layers.3.x.linear1.weight"));  // '*' crosses dots
  EXPECT_TRUE(glob_match("bias_*", "bias_ih_l0"));
  EXPECT_TRUE(glob_match("bias_*", "bias_"));
  EXPECT_FALSE(glob_match("bias_*", "weight_ih_l0"));
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("*", "anything.at.all"));
  EXPECT_TRUE(glob_match("**", "a.b"));
  EXPECT_FALSE(glob_match("", "a"));
  EXPECT_TRUE(glob_match("", ""));
  EXPECT_TRUE(glob_match("?.bias", "0.bias"));
  EXPECT_FALSE(glob_match("?.bias", "10.bias"));
  EXPECT_TRUE(glob_match("h.[0-3].w", "h.2.w"));
  EXPECT_FALSE(glob_match("h.[0-3].w", "h.4.w"));
  EXPECT_TRUE(glob_match("h.[!0-3].w", "h.4.w"));
  EXPECT_FALSE(glob_match("h.[!0-3].w", "h.1.w"));
  EXPECT_TRUE(glob_match("[abc]x", "bx"));
  EXPECT_TRUE(glob_match("a[", "a["));  // an unclosed '[' is literal
  EXPECT_TRUE(glob_match("[]]", "]"));  // as in fnmatch, a leading ']' is a member
  EXPECT_TRUE(glob_match("*a*b*c", "xxaxxbxxc"));
  EXPECT_FALSE(glob_match("*a*b*c", "xxaxxcxxb"));
  EXPECT_TRUE(glob_match("a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"));
  EXPECT_FALSE(glob_match("a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}

}  // namespace
}  // namespace nninit::expr
