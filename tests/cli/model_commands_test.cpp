// End-to-end tests of the model commands: `nninit init` (against PyTorch 1.13), `nninit diagnose` on the
// built-in MLP, CNN, Transformer encoder and LSTM, and `nninit check` with its exit status.
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_test_support.h"
#include "nninit/core/tensor_statistics.h"
#include "nninit/io/safetensors.h"

namespace {

namespace fs = std::filesystem;
using nninit::cli_test::Cli;
using nninit::cli_test::Result;
using nninit::cli_test::run;

nlohmann::json parse_json(const Result& r) {
  try {
    return nlohmann::json::parse(r.output);
  } catch (const nlohmann::json::exception& e) {
    ADD_FAILURE() << e.what() << "\n" << r.output;
    return {};
  }
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// --print-python prints the rules' PyTorch code; PyTorch running it on the model built with the same seed
// gives the state_dict `init -o` writes, passes included.
TEST_F(Cli, InitPrintsThePythonOfItsRules) {
  const std::string model =
      "\"Sequential(Linear(4, 6), ReLU(), ModuleList([Linear(6, 6) for _ in range(2)]))\"";
  const std::string rules =
      " --init \"Linear.weight=normal_(std=0.02)\" --init \"Linear.bias=zeros_\""
      " --init \"parameters(dim>1): 2.*.weight=xavier_uniform_\"";
  const Result printed = run("init " + model + rules + " --seed 5 --torch-version 1.13 --print-python");
  ASSERT_EQ(printed.status, 0) << printed.output;
  EXPECT_TRUE(contains(printed.output,
                       "#   from collections import OrderedDict; from torch.nn import *\n"
                       "#   torch.manual_seed(5)\n"))
      << printed.output;
  EXPECT_TRUE(contains(printed.output,
                       "    model.apply(init_fn)\n    for path, p in model.named_parameters():\n"
                       "        if p.dim() > 1:\n"))
      << printed.output;
  const Result none = run("init mlp --print-python");
  EXPECT_EQ(none.status, 2);
  EXPECT_TRUE(contains(none.output, "--print-python prints the init_fn of the rules: give --init"))
      << none.output;
  if (!nninit::cli_test::have_torch()) GTEST_SKIP() << "PyTorch 1.13 is not installed";
  const std::string script = path("init_fn.py");
  std::ofstream(script) << printed.output;
  const std::string out = path("model.safetensors");
  const Result written = run("init " + model + rules + " --seed 5 --torch-version 1.13 -o " + out);
  ASSERT_EQ(written.status, 0) << written.output;
  const std::string check =
      "/usr/bin/python3 " + std::string(NNINIT_SOURCE_DIR) + "/tests/cli/state_dict_with_torch.py " + out +
      " 5 \"Sequential(Linear(4, 6), ReLU(), ModuleList([Linear(6, 6) for _ in range(2)]))\" " +
      "\"exec(open('" + script + "').read(), {'model': m})\"";
  EXPECT_EQ(std::system(check.c_str()), 0);
}

TEST_F(Cli, InitWritesTheStateDictPyTorchBuilds) {
  if (!nninit::cli_test::have_torch()) GTEST_SKIP() << "PyTorch 1.13 is not installed";
  struct Case {
    std::string model, expression, rule, python;
  };
  const std::string cnn =
      "Sequential(Conv2d(1, 16, 3, padding=1), ReLU(), MaxPool2d(2), Conv2d(16, 32, 3, padding=1), ReLU(), "
      "MaxPool2d(2), Flatten(), Linear(1568, 10))";
  const Case cases[] = {
      {"mlp", "Sequential(Linear(784, 256), ReLU(), Linear(256, 128), ReLU(), Linear(128, 10))", "", ""},
      {"cnn", cnn, "", ""},
      {"lstm", "LSTM(32, 64, num_layers=2, batch_first=True)", "", ""},
      {"\"ModuleDict({'body': Sequential(*[Linear(2 ** i, 2 ** (i + 1)) for i in range(1, 4)]), 'pad': "
       "ReflectionPad2d(1)})\"",
       "ModuleDict({'body': Sequential(*[Linear(2 ** i, 2 ** (i + 1)) for i in range(1, 4)]), 'pad': "
       "ReflectionPad2d(1)})",
       "--init \"parameters(dim>1): *=xavier_uniform_\"",
       "for p in m.parameters():\n    if p.dim() > 1:\n        nn.init.xavier_uniform_(p)"},
      {"\"Sequential(Linear(20, 30), Tanh(), BatchNorm1d(30), Linear(30, 5))\"",
       "Sequential(Linear(20, 30), Tanh(), BatchNorm1d(30), Linear(30, 5))",
       "--init \"Linear.weight=xavier_normal_(gain=5/3)\"",
       "for mod in [m[0], m[3]]:\n    nn.init.xavier_normal_(mod.weight, gain=5/3)"},
  };
  for (const Case& c : cases) {
    const std::string out = path("model.safetensors");
    const Result r = run("init " + c.model + " --seed 11 --torch-version 1.13 " + c.rule + " -o " + out);
    ASSERT_EQ(r.status, 0) << r.output;
    const std::string check = "/usr/bin/python3 " + std::string(NNINIT_SOURCE_DIR) +
                              "/tests/cli/state_dict_with_torch.py " + out + " 11 \"" + c.expression +
                              "\" \"" + c.python + "\"";
    EXPECT_EQ(std::system(check.c_str()), 0) << c.model;
  }
}

// `init` makes a model's tensors side by side on its threads, the largest first, and one at a time with
// every thread those whose buffers are too large to double (cli/init.cpp): the bytes are PyTorch's whatever
// the thread count. The model mixes a tensor of 2^20 elements (filled in ranges on several threads), small
// ones, a deep copy (the ModuleList of one layer repeated) and rules that overwrite construction's draws;
// --dtype bfloat16 adds the conversion buffers, which make the largest tensor wait to be made alone.
TEST_F(Cli, InitMakesTensorsSideBySideWithPyTorchsBits) {
  if (!nninit::cli_test::have_torch()) GTEST_SKIP() << "PyTorch 1.13 is not installed";
  const std::string expression =
      "Sequential(Embedding(4096, 256), Linear(256, 300), LayerNorm(300), "
      "TransformerEncoder(TransformerEncoderLayer(300, 4, 128), 2), Linear(300, 7))";
  const std::string rules =
      " --init \"Linear.weight=normal_(std=0.02)\" --init \"Embedding.weight=trunc_normal_\"";
  const std::string python =
      "for mod in m.modules():\n"
      "    if isinstance(mod, nn.Linear): nn.init.normal_(mod.weight, std=0.02)\n"
      "    if isinstance(mod, nn.Embedding): nn.init.trunc_normal_(mod.weight)\n";
  for (const std::string dtype : {"", " --dtype bfloat16"}) {
    std::string first_bytes;
    for (const char* threads : {"1", "2", "3", "7"}) {
      ::setenv("NNINIT_NUM_THREADS", threads, 1);
      const std::string out = path("model.safetensors");
      const Result r =
          run("init \"" + expression + "\" --seed 3 --torch-version 1.13" + rules + dtype + " -o " + out);
      ::unsetenv("NNINIT_NUM_THREADS");
      ASSERT_EQ(r.status, 0) << r.output;
      std::ifstream file(out, std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
      if (first_bytes.empty()) {
        first_bytes = bytes;
        const std::string convert = dtype.empty() ? "" : "m.to(torch.bfloat16)\n";
        const std::string check = "/usr/bin/python3 " + std::string(NNINIT_SOURCE_DIR) +
                                  "/tests/cli/state_dict_with_torch.py " + out + " 3 \"" + expression +
                                  "\" \"" + python + convert + "\"";
        EXPECT_EQ(std::system(check.c_str()), 0) << dtype;
      } else {
        EXPECT_TRUE(bytes == first_bytes) << threads << " threads" << dtype;
      }
    }
  }
}

TEST_F(Cli, InitWithLsuvNeedsABatchShape) {
  Result r = run("init \"Sequential(Linear(16, 16), ReLU(), Linear(16, 4))\" --preset lsuv");
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(contains(r.output, "--input")) << r.output;
  r = run("init \"Sequential(Linear(16, 16), ReLU(), Linear(16, 4))\" --preset lsuv --input 64,16 --json");
  ASSERT_EQ(r.status, 0) << r.output;
  const nlohmann::json j = parse_json(r);
  ASSERT_EQ(j["lsuv"]["layers"].size(), 2u);
  for (const auto& layer : j["lsuv"]["layers"]) EXPECT_NEAR(layer["final_std"].get<double>(), 1.0, 0.06);
  r = run("init mlp --preset lsuv --input 64,785");
  EXPECT_EQ(r.status, 2);
  r = run("init mlp --preset magic");
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(contains(r.output, "unknown preset 'magic'")) << r.output;
}

TEST_F(Cli, DiagnoseRunsOnTheBuiltInModels) {
  for (const std::string model : {"mlp", "cnn", "transformer", "lstm"}) {
    for (const std::string preset : {"", "--preset auto", "--preset lsuv"}) {
      const Result r = run("diagnose " + model + " " + preset + " --json");
      ASSERT_EQ(r.status, 0) << model << " " << preset << "\n" << r.output;
      const nlohmann::json j = parse_json(r);
      const nlohmann::json& d = j["diagnosis"];
      EXPECT_FALSE(d["layers"].empty()) << model;
      EXPECT_FALSE(d["parameters"].empty()) << model;
      for (const auto& p : d["parameters"]) EXPECT_FALSE(p["grad"]["std"].is_null()) << model << p["name"];
      EXPECT_TRUE(contains(d["gradient"].get<std::string>(), "N(0, 1)"));
      if (model == "lstm") {
        ASSERT_EQ(d["recurrent"].size(), 2u);
        EXPECT_EQ(d["recurrent"][0]["hidden_std"].size(), 50u);
      }
      if (preset == "--preset lsuv") {
        // The LSTM gets LSUV's orthogonal start only (lsuv.h); the others have layers scaled to std 1.
        EXPECT_EQ(j["lsuv"]["layers"].empty(), model == "lstm") << model;
        for (const auto& layer : j["lsuv"]["layers"])
          EXPECT_NEAR(layer["final_std"].get<double>(), 1.0, 0.06);
      }
    }
  }
}

TEST_F(Cli, DiagnoseFlagsVanishingAndSymmetry) {
  std::string deep = "Sequential(";
  for (int i = 0; i < 12; ++i) deep += std::string(i ? ", " : "") + "Linear(64, 64), Tanh()";
  deep += ")";
  Result r = run("diagnose \"" + deep +
                 "\" --input 128,64 --init \"Linear.weight=normal_(std=0.01)\" "
                 "--init \"Linear.bias=zeros_()\" --json");
  ASSERT_EQ(r.status, 0) << r.output;
  nlohmann::json j = parse_json(r);
  ASSERT_FALSE(j["diagnosis"]["flags"].empty()) << r.output;
  EXPECT_EQ(j["diagnosis"]["flags"][0]["trend"], "vanishing");
  EXPECT_EQ(j["diagnosis"]["flags"][0]["starts_at"], "0");

  r =
      run("diagnose \"Sequential(Linear(8, 16), Tanh(), Linear(16, 2))\" --input 32,8 --init "
          "\"0.weight=zeros_()\" "
          "--init \"0.bias=zeros_()\"");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "symmetry: ")) << r.output;
  EXPECT_TRUE(contains(r.output, "identical")) << r.output;
}

// The built-in CNN's max pools and its Linear(1568, 10) shrink the per-element gradient by construction;
// that is no vanishing gradient (docs/diagnostics.md).
TEST_F(Cli, DiagnoseCnnHasNoVanishingGradient) {
  const Result r = run("diagnose cnn");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_FALSE(contains(r.output, "vanishing:")) << r.output;
  EXPECT_FALSE(contains(r.output, "backward signal vanishing")) << r.output;
}

// Train mode by default, as a module starts training; --eval asks for eval mode. A fresh BatchNorm is the
// identity in eval mode (running mean 0, variance 1) and normalises the batch in train mode.
TEST_F(Cli, DiagnoseDefaultsToTrainMode) {
  const std::string model =
      "\"Sequential(Linear(8, 8), BatchNorm1d(8))\" --input 64,8 --init \"0.weight=normal_(std=3.0)\"";
  Result r = run("diagnose " + model + " --json");
  ASSERT_EQ(r.status, 0) << r.output;
  nlohmann::json j = parse_json(r);
  EXPECT_EQ(j["diagnosis"]["mode"], "train");
  EXPECT_NEAR(j["diagnosis"]["layers"][1]["output"]["std"].get<double>(), 1.0, 0.02) << r.output;
  r = run("diagnose " + model + " --eval --json");
  ASSERT_EQ(r.status, 0) << r.output;
  j = parse_json(r);
  EXPECT_EQ(j["diagnosis"]["mode"], "eval");
  EXPECT_GT(j["diagnosis"]["layers"][1]["output"]["std"].get<double>(), 3.0) << r.output;
  r = run("diagnose mlp");
  EXPECT_TRUE(contains(r.output, "train mode")) << r.output;
}

// Misspelled subcommands, options and built-in model names get a suggestion and exit status 2.
TEST_F(Cli, MisspellingsGetDidYouMean) {
  const std::pair<std::string, std::string> cases[] = {
      {"diagnos mlp", "unknown command 'diagnos' (did you mean 'diagnose'?)"},
      {"help", "unknown command 'help' (did you mean '--help'?)"},
      {"diagnose mlp --inpt 4,784", "unknown option '--inpt' for 'nninit diagnose' (did you mean '--input'"},
      {"check mpl", "MODEL: 'mpl' is no built-in model, expression or file (did you mean 'mlp'?)"},
      // One prefix, the option's own (it read "--input: --shape: ...").
      {"diagnose mlp --input 4,x", "nninit: error: --input: 'x' is not a non-negative integer (in '4,x')"},
  };
  for (const auto& [line, message] : cases) {
    const Result r = run(line);
    EXPECT_EQ(r.status, 2) << line << "\n" << r.output;
    EXPECT_TRUE(contains(r.output, message)) << line << "\n" << r.output;
  }
}

TEST_F(Cli, DiagnoseWritesTheReportWithProbeAndDepthSweep) {
  const std::string report = path("report.html");
  const Result r = run("diagnose mlp --report " + report + " --probe --steps 20 --depth-sweep");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "wrote " + report));
  EXPECT_TRUE(contains(r.output, "training probe"));
  EXPECT_TRUE(contains(r.output, "depth sweep, 50 layers of tanh"));
  EXPECT_TRUE(contains(r.output, "The model has no repeated block")) << "the demo says why it ran";
  std::ifstream in(report);
  const std::string html((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(contains(html, "<svg")) << "no chart";
  EXPECT_TRUE(contains(html, "Kaiming"));
  EXPECT_TRUE(contains(html, "too large"));
  EXPECT_FALSE(contains(html, "http://") && contains(html, "<script src"))
      << "the page must not fetch anything";
}

TEST_F(Cli, DiagnoseSweepsTheTransformersOwnLayer) {
  const Result r = run("diagnose transformer --depth-sweep --json");
  ASSERT_EQ(r.status, 0) << r.output;
  const nlohmann::json j = parse_json(r);
  EXPECT_TRUE(j["depth_sweep_note"].is_null());
  ASSERT_EQ(j["depth_sweep"].size(), 1u) << "the block, not the two demo networks";
  const nlohmann::json& sweep = j["depth_sweep"][0];
  EXPECT_EQ(sweep["block"], "layers.* (TransformerEncoderLayer)");
  EXPECT_EQ(sweep["block_input"], nlohmann::json({16, 32, 64})) << "the shape the layers receive";
  EXPECT_EQ(sweep["depth"], 50);
  const nlohmann::json& scheme = sweep["schemes"][0];
  EXPECT_EQ(scheme["name"], "the model's initialisation");
  ASSERT_EQ(scheme["activation_std"].size(), 50u);
  ASSERT_EQ(scheme["gradient_std"].size(), 50u);
  // Every copy ends in the post-norm LayerNorm (weight 1, bias 0 as PyTorch constructs it), whose output
  // has a std of 1 over each position's 64 features.
  for (const nlohmann::json& v : scheme["activation_std"]) EXPECT_NEAR(v.get<double>(), 1.0, 1e-3);
  // PyTorch 1.13 on the same stack: torch.manual_seed(0); the encoder as built-in; 50 copy.deepcopy of
  // layers[k % 4] in an nn.Sequential (train mode); x = torch.randn(16, 32, 64) from a Generator seeded 0,
  // the output gradient torch.randn from one seeded 1; x.grad's and each copy's input .grad's std.
  const nlohmann::json& gradient = scheme["gradient_std"];
  EXPECT_NEAR(gradient[0].get<double>(), 0.13964052, 1e-5);
  EXPECT_NEAR(gradient[24].get<double>(), 0.03777789, 1e-5);
  EXPECT_NEAR(gradient[49].get<double>(), 0.70023268, 1e-5);
}

TEST_F(Cli, DiagnoseSweepInitialisesEveryCopyByTheUsersRules) {
  // The rule sets every copy's final LayerNorm weight to 0.5, so every copy's output std is 0.5.
  const Result r =
      run("diagnose transformer --depth-sweep --json --init \"layers.*.norm2.weight=constant_(val=0.5)\"");
  ASSERT_EQ(r.status, 0) << r.output;
  const nlohmann::json j = parse_json(r);
  const nlohmann::json& scheme = j["depth_sweep"][0]["schemes"][0];
  EXPECT_EQ(scheme["name"], "--init rules");
  for (const nlohmann::json& v : scheme["activation_std"]) EXPECT_NEAR(v.get<double>(), 0.5, 1e-3);
}

TEST_F(Cli, DiagnoseSweepDepthSetsTheCopies) {
  const Result r = run("diagnose transformer --depth-sweep --sweep-depth 7 --json");
  ASSERT_EQ(r.status, 0) << r.output;
  const nlohmann::json j = parse_json(r);
  EXPECT_EQ(j["depth_sweep"][0]["depth"], 7);
  EXPECT_EQ(j["depth_sweep"][0]["schemes"][0]["gradient_std"].size(), 7u);

  const Result zero = run("diagnose transformer --depth-sweep --sweep-depth 0");
  EXPECT_EQ(zero.status, 2) << zero.output;
  EXPECT_TRUE(contains(zero.output, "--sweep-depth must be at least 1, got 0")) << zero.output;
  const Result alone = run("diagnose transformer --sweep-depth 5");
  EXPECT_EQ(alone.status, 2) << alone.output;
  EXPECT_TRUE(contains(alone.output, "--sweep-depth requires --depth-sweep")) << alone.output;
}

TEST_F(Cli, DiagnoseSweepFallsBackToTheDemoWithoutARepeatedBlock) {
  const Result r = run("diagnose mlp --depth-sweep --json");
  ASSERT_EQ(r.status, 0) << r.output;
  const nlohmann::json j = parse_json(r);
  EXPECT_TRUE(j["depth_sweep_note"].get<std::string>().starts_with("The model has no repeated block"));
  ASSERT_EQ(j["depth_sweep"].size(), 2u);
  for (const nlohmann::json& sweep : j["depth_sweep"]) EXPECT_TRUE(sweep["block"].is_null());
  EXPECT_EQ(j["depth_sweep"][1]["activation"], "ReLU");
}

TEST_F(Cli, DiagnoseSweepSaysWhyABlockCannotBeStacked) {
  // A decoder layer takes the memory beside its input: a stack of them alone has no memory to give it.
  const Result r =
      run("diagnose \"TransformerDecoder(TransformerDecoderLayer(d_model=16, nhead=2, dim_feedforward=32, "
          "dropout=0.0, batch_first=True), num_layers=2)\" --input \"2,5,16;2,7,16\" --depth-sweep --json");
  ASSERT_EQ(r.status, 0) << r.output;
  const nlohmann::json j = parse_json(r);
  const std::string note = j["depth_sweep_note"].get<std::string>();
  EXPECT_TRUE(note.starts_with("The model's repeated block layers.0 cannot be stacked (")) << note;
  EXPECT_TRUE(contains(note, "forward takes 2 input(s), got 1")) << note;
  EXPECT_EQ(j["depth_sweep"].size(), 2u) << "the demo instead";
}

TEST_F(Cli, DiagnoseReportShowsRecurrentLayersOverTime) {
  const std::string report = path("lstm.html");
  const Result r = run("diagnose lstm --report " + report);
  ASSERT_EQ(r.status, 0) << r.output;
  std::ifstream in(report);
  const std::string html((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(contains(html, "Recurrent layers over time"));
  EXPECT_TRUE(contains(html, "LSTM layer 1: std by time step")) << "one chart per layer";
  EXPECT_TRUE(contains(html, "gradient reaching h_t"));
}

TEST_F(Cli, DiagnoseInputsFromAFile) {
  const nninit::Tensor x = nninit::Tensor::full({4, 784}, 0.5);
  const std::vector<nninit::NamedTensor> tensors = {{"x", x}};
  nninit::io::write_safetensors(path("x.safetensors"), tensors, {});
  Result r = run("diagnose mlp --input-file " + path("x.safetensors") + " --json");
  ASSERT_EQ(r.status, 0) << r.output;
  const nlohmann::json j = parse_json(r);
  EXPECT_EQ(j["diagnosis"]["inputs"][0], (std::vector<int>{4, 784}));
  EXPECT_EQ(j["diagnosis"]["input_std"].get<double>(), 0.0);

  r = run("diagnose mlp --input-file " + path("missing.safetensors"));
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(contains(r.output, "missing.safetensors")) << r.output;
  r = run("diagnose mlp --input 4,784 --input-file " + path("x.safetensors"));
  EXPECT_EQ(r.status, 2);
}

TEST_F(Cli, DiagnoseRejectsBadInputWithAPointedMessage) {
  Result r = run("diagnose \"Sequential(Linear(8, 4), ReLU())\"");
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(contains(r.output, "--input SHAPE")) << r.output;
  r = run("diagnose \"Sequential(Linear(8, 4), ReLU())\" --input 2,9");
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(contains(r.output, "9")) << r.output;
  r = run("diagnose mlp --input 64,x");
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(contains(r.output, "--input")) << r.output;
  r = run("diagnose mlp --probe --optimizer rmsprop");
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(contains(r.output, "rmsprop")) << r.output;
  // A report that cannot be written is an I/O error (status 3) naming the path; nothing is left behind.
  r = run("diagnose mlp --report " + path("no/such/folder/report.html"));
  EXPECT_EQ(r.status, 3);
  EXPECT_TRUE(contains(r.output, "no/such/folder")) << r.output;
  EXPECT_FALSE(fs::exists(path("no")));
}

// The severity follows the predicted end-to-end effect (docs/diagnostics.md): PyTorch's default in the
// 3-layer MLP shrinks the signal 0.41^2 = 0.17 over its 2 compounding layers, a warning; Xavier before ReLU
// in a 9-layer Linear(256, 256) stack 0.71^8 = 0.063 over 8, an error.
TEST_F(Cli, CheckGatesOnErrors) {
  Result r = run("check mlp");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "warning: [scale] 0.weight")) << r.output;
  EXPECT_TRUE(contains(r.output, "kaiming_normal_(nonlinearity='relu')")) << r.output;
  std::string stack = "Sequential(";
  for (int i = 0; i < 8; ++i) stack += "Linear(256, 256), ReLU(), ";
  stack += "Linear(256, 256))";
  r = run("check \"" + stack +
          "\" --init \"Linear.weight=xavier_normal_()\" --init \"Linear.bias=zeros_()\"");
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "error: [scale] 0.weight")) << r.output;
  EXPECT_TRUE(contains(r.output, "across this model's 8 compounding layers")) << r.output;
  r = run("check mlp --preset auto --json");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(parse_json(r)["errors"], 0);
  r = run(
      "check \"Sequential(Linear(16, 32), Tanh(), Linear(32, 2))\" --init \"Linear.weight=zeros_()\" --json");
  EXPECT_EQ(r.status, 1);
  bool symmetry = false;
  const nlohmann::json findings = parse_json(r)["findings"];
  for (const auto& f : findings) symmetry |= f["check"] == "symmetry";
  EXPECT_TRUE(symmetry) << r.output;
  r = run("check \"Sequential(Linear(16, 32), SELU(), Linear(32, 2))\" --init \"0.weight=lecun_normal_()\"");
  EXPECT_EQ(r.status, 0) << r.output;
  r = run("check \"Sequential(Linear(16, 32), Tanh(), Linear(32, 2))\" --init \"Linear.weight=nonsense_()\"");
  EXPECT_EQ(r.status, 2) << r.output;
}

// The lint's text scales: one finding per pattern, --quiet one line each (plus the layers it covers),
// --min-severity hides the milder ones and says how many.
TEST_F(Cli, CheckGroupsAndFiltersFindings) {
  Result r = run("check transformer --quiet");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(
      contains(r.output, "covers: 4 parameters (layers.0.linear1.weight ... layers.3.linear1.weight)"))
      << r.output;
  EXPECT_LE(std::count(r.output.begin(), r.output.end(), '\n'), 11) << r.output;
  EXPECT_FALSE(contains(r.output, "fix:")) << r.output;
  // A 24-layer encoder stays within one screen (24 lines): one finding per role, not 120.
  r =
      run("check \"TransformerEncoder(TransformerEncoderLayer(d_model=64, nhead=4, dim_feedforward=256, "
          "batch_first=True), num_layers=24)\"");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_LE(std::count(r.output.begin(), r.output.end(), '\n'), 24) << r.output;
  EXPECT_TRUE(contains(r.output, "covers: 24 parameters")) << r.output;
  r = run("check mlp --min-severity warning");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "--init \"[02].weight=kaiming_normal_(nonlinearity='relu')\"")) << r.output;
  EXPECT_FALSE(contains(r.output, "info:")) << r.output;
  EXPECT_TRUE(contains(r.output, "0 error(s), 1 warning(s), 2 note(s) (2 below warning not shown)"))
      << r.output;
  r = run("check mlp --min-severity fatal");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "--min-severity: unknown severity 'fatal'")) << r.output;
}

// --json: a versioned schema (docs/diagnostics.md); the seed and every number a finding states are numbers.
TEST_F(Cli, JsonDocumentsAreVersionedWithNumericFields) {
  Result r = run("check mlp --json --seed 7");
  ASSERT_EQ(r.status, 0) << r.output;
  nlohmann::json j = parse_json(r);
  EXPECT_EQ(j["schema_version"], 1);
  EXPECT_TRUE(j["seed"].is_number_unsigned()) << r.output;
  EXPECT_EQ(j["seed"], 7);
  const nlohmann::json& scale = j["findings"][0];
  EXPECT_EQ(scale["check"], "scale");
  for (const char* field : {"measured_std", "expected_std", "ratio", "end_to_end"})
    EXPECT_TRUE(scale[field].is_number()) << field << "\n" << r.output;
  EXPECT_EQ(scale["compounding_layers"], 2);
  EXPECT_EQ(scale["covers"].size(), 2u);
  r = run("diagnose mlp --json --seed 7");
  ASSERT_EQ(r.status, 0) << r.output;
  j = parse_json(r);
  EXPECT_EQ(j["schema_version"], 1);
  EXPECT_EQ(j["seed"], 7);
}

// LSUV's data-measured scales are not judged by fan-in (diag::LintOptions): before, `check tanh-mlp --preset
// lsuv` failed with a 0.49x "scale" error on the first layer, whose pre-activation LSUV had set to std 1.
TEST_F(Cli, CheckAcceptsWhatLsuvScaled) {
  for (const std::string model : {"mlp", "tanh-mlp", "cnn"}) {
    const Result r = run("check " + model + " --preset lsuv --json");
    EXPECT_EQ(r.status, 0) << model << "\n" << r.output;
    const nlohmann::json findings = parse_json(r)["findings"];  // named: a range-for keeps no temporary alive
    for (const auto& f : findings) EXPECT_NE(f["check"], "scale") << model << "\n" << r.output;
  }
}

// The probe says what it will cost before the bulk of it runs, and a budget cuts every candidate's steps
// alike and says so. The budget here is far below one step, so the cut (to 1 step) does not depend on
// the machine's speed.
TEST_F(Cli, ProbeSaysItsCostAndHonoursABudget) {
  Result r = run("diagnose mlp --probe --steps 40 --probe-budget 0.000001");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output,
                       "training probe: 5 candidates x 1 steps (23 batches per epoch); the first step took "))
      << r.output;
  EXPECT_TRUE(contains(r.output, "(steps cut from 40 to fit --probe-budget)")) << r.output;
  EXPECT_TRUE(
      contains(r.output, "stopped early: the time budget of 1e-06 s allowed 1 of the 40 steps per candidate"))
      << r.output;
  EXPECT_EQ(r.output.find('\r'), std::string::npos) << "progress is for terminals only";
  r = run("diagnose mlp --probe --steps 40 --probe-budget 0.000001 --json");
  ASSERT_EQ(r.status, 0) << r.output;
  // stderr (merged into the output here) holds the plan line first; the document follows it.
  const std::size_t document = r.output.find("{\n");
  ASSERT_NE(document, std::string::npos) << r.output;
  const nlohmann::json probe = nlohmann::json::parse(r.output.substr(document))["probe"];
  EXPECT_EQ(probe["steps"], 40);
  EXPECT_EQ(probe["steps_per_candidate"], 1);
  EXPECT_EQ(probe["cut_by_budget"], true);
  EXPECT_EQ(probe["budget_seconds"], 1e-6);
  EXPECT_TRUE(probe["first_step_seconds"].is_number()) << probe;
  for (const auto& c : probe["candidates"]) EXPECT_EQ(c["steps_run"], 1) << c["label"];
  // Without a budget: no cut, the plan still said.
  r = run("diagnose mlp --probe --steps 3");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "training probe: 5 candidates x 3 steps")) << r.output;
  EXPECT_FALSE(contains(r.output, "stopped early")) << r.output;
  // Bad budgets are usage errors.
  r = run("diagnose mlp --probe --probe-budget -5");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "--probe-budget must be a positive number of seconds, got -5")) << r.output;
  r = run("diagnose mlp --probe --probe-budget inf");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "--probe-budget must be a positive number of seconds, got inf")) << r.output;
  r = run("diagnose mlp --probe-budget 60");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "--probe-budget needs --probe")) << r.output;
}

// --weights: a state_dict written by `init -o` is what check and diagnose then judge, loaded by name.
TEST_F(Cli, CheckAndDiagnoseJudgeTheWeightsOfAFile) {
  const std::string kaiming = path("kaiming.safetensors");
  ASSERT_EQ(run("init mlp --init \"Linear.weight=kaiming_normal_(nonlinearity='relu')\" --init "
                "\"Linear.bias=zeros_()\" -o " +
                kaiming)
                .status,
            0);
  // mlp under PyTorch's default has a scale warning; with the file's Kaiming weights it has none.
  Result r = run("check mlp --weights " + kaiming + " --json");
  ASSERT_EQ(r.status, 0) << r.output;
  nlohmann::json j = parse_json(r);
  EXPECT_EQ(j["weights"], kaiming);
  EXPECT_EQ(j["warnings"], 0) << r.output;
  EXPECT_EQ(j["errors"], 0) << r.output;
  // All-zero weights in the file are what the lint sees: symmetry errors, exit status 1.
  const std::string zeros = path("zeros.safetensors");
  ASSERT_EQ(run("init mlp --init \"*=zeros_()\" -o " + zeros).status, 0);
  r = run("check mlp --weights " + zeros);
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "error: [symmetry]")) << r.output;
  // A float64 file loads into the float32 model, converted as copy_ converts: the stds are the file's.
  const std::string wide = path("float64.safetensors");
  ASSERT_EQ(run("init mlp --dtype float64 --seed 3 -o " + wide).status, 0);
  r = run("diagnose mlp --weights " + wide + " --json");
  ASSERT_EQ(r.status, 0) << r.output;
  j = parse_json(r);
  const nninit::io::SafetensorsContents file = nninit::io::read_safetensors(wide);
  const double file_std = nninit::statistics(file.at("0.weight")).std;
  EXPECT_NEAR(j["diagnosis"]["parameters"][0]["value"]["std"].get<double>(), file_std, 1e-6 * file_std);
  EXPECT_EQ(j["weights"], wide);
  // The probe trains the file's weights as one more candidate.
  r = run("diagnose mlp --weights " + kaiming + " --probe --steps 5");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "\n--weights ")) << r.output;
}

// Each mismatch kind exits 2 with PyTorch 1.13's load_state_dict(strict=True) message (tabs printed as four
// spaces): the texts are str(e) from torch for the same models, the dict in load_file's (sorted) order.
TEST_F(Cli, WeightsThatDoNotFitExitTwoWithPyTorchsMessage) {
  const std::string model = "\"Sequential(Linear(4, 3), ReLU(), Linear(3, 2))\"";
  struct Case {
    std::string source, message;
  };
  const Case cases[] = {
      {"Sequential(Linear(4, 3))", "    Missing key(s) in state_dict: \"2.weight\", \"2.bias\". \n"},
      {"Sequential(Linear(4, 3), ReLU(), Linear(3, 2), ReLU(), Linear(2, 2))",
       "    Unexpected key(s) in state_dict: \"4.bias\", \"4.weight\". \n"},
      {"Sequential(Linear(4, 5), ReLU(), Linear(5, 2))",
       "    size mismatch for 0.weight: copying a param with shape torch.Size([5, 4]) from checkpoint, the "
       "shape "
       "in current model is torch.Size([3, 4]).\n"
       "    size mismatch for 0.bias: copying a param with shape torch.Size([5]) from checkpoint, the shape "
       "in "
       "current model is torch.Size([3]).\n"
       "    size mismatch for 2.weight: copying a param with shape torch.Size([2, 5]) from checkpoint, the "
       "shape "
       "in current model is torch.Size([2, 3]).\n"},
  };
  const std::string file = path("other.safetensors");
  const std::string page = path("page.html");
  for (const Case& c : cases) {
    ASSERT_EQ(run("init \"" + c.source + "\" -o " + file).status, 0) << c.source;
    for (const std::string& command : {"check " + model, "diagnose " + model + " --report " + page}) {
      const Result r = run(command + " --weights " + file);
      EXPECT_EQ(r.status, 2) << r.output;
      EXPECT_EQ(r.output, "nninit: error: --weights " + file +
                              ": Error(s) in loading state_dict for Sequential:\n" + c.message)
          << command << " with the weights of " << c.source;
      EXPECT_FALSE(fs::exists(page)) << "a failed load writes no report";
    }
  }
  // The file sets every parameter: --init and --preset beside it are refused.
  const Result r = run("check " + model + " --weights " + file + " --preset auto");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "--weights " + file + " sets every parameter: it excludes --preset"))
      << r.output;
}

}  // namespace
