// End-to-end tests of `nninit init CONFIG.json`: Hugging Face GPT-2 and Llama configs, the shape-only dry
// run (which counts a 7B model without allocating it) and the errors a config can give.
#include <filesystem>
#include <fstream>
#include <string>

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

std::string example(const std::string& name) {
  return std::string(NNINIT_SOURCE_DIR) + "/examples/configs/" + name;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The totals Hugging Face publishes: GPT-2 124M = 124,439,808 and Llama-2-7B = 6,738,415,616 parameters.
TEST_F(Cli, DryRunCountsPublishedTotals) {
  const Result gpt2 = run("init " + example("gpt2.json") + " --dry-run --json");
  ASSERT_EQ(gpt2.status, 0) << gpt2.output;
  const nlohmann::json document = nlohmann::json::parse(gpt2.output);
  EXPECT_EQ(document["model"], "GPT2LMHeadModel (model_type gpt2)");
  EXPECT_EQ(document["parameters"], 124'439'808);
  EXPECT_EQ(document["tensors"].size(), 149u);  // 2 embeddings, 12 blocks of 12, ln_f's 2, lm_head
  EXPECT_EQ(document["tensors"].back()["name"], "lm_head.weight");
  EXPECT_EQ(document["tensors"].back()["tied_to"], "transformer.wte.weight");

  const Result llama = run("init --config " + example("llama-2-7b.json") + " --dry-run");
  ASSERT_EQ(llama.status, 0) << llama.output;
  EXPECT_TRUE(contains(llama.output, "LlamaForCausalLM (model_type llama): 6,738,415,616 parameters"))
      << llama.output;
  const std::size_t row = llama.output.find("model.layers.31.mlp.down_proj.weight ");
  ASSERT_NE(row, std::string::npos) << llama.output;
  EXPECT_TRUE(contains(llama.output.substr(row, llama.output.find('\n', row) - row), " 4096x11008 "));
}

TEST_F(Cli, InitWritesAConfigAsSavePretrainedDoes) {
  const std::string out = path("model.safetensors");
  const Result r = run("init " + example("gpt2-tiny.json") + " --seed 3 -o " + out);
  ASSERT_EQ(r.status, 0) << r.output;
  const nninit::io::SafetensorsContents file = nninit::io::read_safetensors(out);
  // The tied lm_head.weight is the embedding: stored once, under transformer.wte.weight.
  EXPECT_EQ(file.tensors.size(), 28u);
  for (const nninit::NamedTensor& t : file.tensors) EXPECT_NE(t.name, "lm_head.weight");
  EXPECT_EQ(file.at("transformer.h.1.mlp.c_fc.weight").sizes(), (nninit::Shape{64, 256}));
  EXPECT_TRUE(contains(file.header.metadata.at("nninit.model"), "\"model_type\":\"gpt2\""));
}

TEST_F(Cli, ABadConfigNamesTheKeyAndWritesNothing) {
  const std::string config = path("config.json");
  {
    std::ofstream(config)
        << R"({"model_type": "llama", "vocab_size": 10, "hidden_size": 8, "num_hidden_layers": 1,
                                 "num_attention_heads": 2})";
  }
  const std::string out = path("model.safetensors");
  const Result r = run("init " + config + " -o " + out);
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(contains(r.output,
                       "config.json: Hugging Face config (model_type 'llama'): missing key "
                       "'intermediate_size'"))
      << r.output;
  EXPECT_FALSE(std::filesystem::exists(out));

  { std::ofstream(config) << R"({"model_type": "t5"})"; }
  const Result t5 = run("init " + config + " --dry-run");
  EXPECT_EQ(t5.status, 2);
  EXPECT_TRUE(contains(t5.output, "key 'model_type': 't5' is not a model nninit builds")) << t5.output;

  const Result both = run("init mlp --config " + example("gpt2-tiny.json"));
  EXPECT_EQ(both.status, 2);
  EXPECT_TRUE(contains(both.output, "init takes MODEL or --config FILE, not both")) << both.output;
  const Result none = run("init --dry-run");
  EXPECT_EQ(none.status, 2);
  EXPECT_TRUE(contains(none.output, "init needs MODEL")) << none.output;

  const Result check = run("check " + example("gpt2-tiny.json"));
  EXPECT_EQ(check.status, 2);
  EXPECT_TRUE(
      contains(check.output, "gpt2-tiny.json is a Hugging Face config, which only `nninit init` reads"))
      << check.output;
}

// A preset is a rule set a user can read, and override with --init rules, which come first.
TEST_F(Cli, PrintRulesShowsThePresetAfterTheUsersRules) {
  const Result r = run("init " + example("gpt2-tiny.json") +
                       " --preset gpt2 --init \"*.mlp.c_proj.weight=zeros_()\" --print-rules --json");
  ASSERT_EQ(r.status, 0) << r.output;
  const nlohmann::json document = nlohmann::json::parse(r.output.substr(r.output.find('{')));
  EXPECT_EQ(document["paper"], "Radford et al. 2019, Language Models are Unsupervised Multitask Learners");
  const nlohmann::json& rules = document["rules"];
  ASSERT_GE(rules.size(), 2u);
  EXPECT_EQ(rules[0], "*.mlp.c_proj.weight=zeros_()");
  bool scaled = false;
  for (const auto& rule : rules)
    scaled = scaled || rule == "transformer.h.*.attn.c_proj.weight=normal_(std=0.02/math.sqrt(2*2))";
  EXPECT_TRUE(scaled) << r.output;

  // A 7B config's rules come from its shapes: nothing is allocated.
  const Result llama = run("init " + example("llama-2-7b.json") + " --preset mitchell --print-rules");
  ASSERT_EQ(llama.status, 0) << llama.output;
  EXPECT_TRUE(contains(llama.output,
                       "\nmodel.layers.31.self_attn.o_proj.weight=trunc_normal_(std=1/math.sqrt(4096)/"
                       "math.sqrt(2*(31+1)), "))
      << llama.output;

  const Result unknown = run("init " + example("gpt2-tiny.json") + " --preset xavier");
  EXPECT_EQ(unknown.status, 2);
  EXPECT_TRUE(contains(unknown.output,
                       "unknown preset 'xavier'; expected one of auto, lsuv, gpt2, megatron, mitchell, "
                       "deepnorm, t-fixup, fixup, rezero, skipinit"))
      << unknown.output;
}

// --preset rezero written to a file: every residual projection (weight and bias) is 0 there.
TEST_F(Cli, APresetChangesTheWrittenTensors) {
  const std::string out = path("model.safetensors");
  const Result r = run("init " + example("llama-tiny.json") + " --preset rezero -o " + out);
  ASSERT_EQ(r.status, 0) << r.output;
  const nninit::io::SafetensorsContents file = nninit::io::read_safetensors(out);
  EXPECT_EQ(nninit::statistics(file.at("model.layers.1.self_attn.o_proj.weight")).zero_fraction, 1.0);
  EXPECT_EQ(nninit::statistics(file.at("model.layers.0.mlp.down_proj.weight")).zero_fraction, 1.0);
  EXPECT_EQ(nninit::statistics(file.at("model.layers.0.mlp.up_proj.weight")).zero_fraction, 0.0);
  EXPECT_EQ(file.at("model.layers.0.mlp.up_proj.weight").dtype(),
            nninit::DType::bfloat16);  // the config's dtype
}

// transformers itself, in the Debian sid oracle (scripts/oracles, with python3-transformers installed in it):
// AutoModelForCausalLM.from_config after torch.manual_seed gives the file's bits, tensor for tensor. The
// oracle sees the repository only, so the files are written in the build folder inside it.
TEST(ConfigAgainstTransformers, EveryTensorBitForBit) {
  const fs::path source = NNINIT_SOURCE_DIR;
  const fs::path folder =
      fs::path(NNINIT_BINARY).parent_path() / ("config-test-" + std::to_string(::getpid()));
  const std::string oracle = "cd " + source.string() + " && scripts/in-oracle sid python3";
  if (std::system((oracle + " -c 'import transformers' >/dev/null 2>&1").c_str()) != 0) {
    GTEST_SKIP() << "no sid oracle with python3-transformers";
  }
  if (fs::relative(folder, source).string().starts_with(".."))
    GTEST_SKIP() << "the build folder is outside the repository";
  fs::create_directories(folder);
  const std::string configs[] = {"examples/configs/gpt2-tiny.json",
                                 "examples/configs/llama-tiny.json",
                                 "tests/data/hf_configs/qwen2-tied.json",
                                 "tests/data/hf_configs/mistral-padding.json",
                                 "tests/data/hf_configs/llama-biases-float16.json",
                                 "tests/data/hf_configs/gpt2-bare.json"};
  for (const std::string& config : configs) {
    const fs::path out = folder / "model.safetensors";
    const Result r = run("init " + (source / config).string() + " --seed 7 -o " + out.string());
    ASSERT_EQ(r.status, 0) << r.output;
    const std::string check = oracle + " tests/cli/config_with_transformers.py " + config + " 7 " +
                              fs::relative(out, source).string();
    EXPECT_EQ(std::system(check.c_str()), 0) << config;
    // The same as a sharded checkpoint folder, loaded by from_pretrained.
    const fs::path checkpoint = folder / "checkpoint";
    const Result sharded = run("init " + (source / config).string() + " --seed 7 --max-shard-size 20kB -o " +
                               checkpoint.string());
    ASSERT_EQ(sharded.status, 0) << sharded.output;
    EXPECT_TRUE(fs::exists(checkpoint / "model.safetensors.index.json")) << config;
    fs::copy_file(source / config, checkpoint / "config.json", fs::copy_options::overwrite_existing);
    const std::string load = oracle + " tests/cli/config_with_transformers.py " + config + " 7 " +
                             fs::relative(checkpoint, source).string();
    EXPECT_EQ(std::system(load.c_str()), 0) << config << ", sharded";
    fs::remove_all(checkpoint);
  }
  fs::remove_all(folder);
}

}  // namespace
