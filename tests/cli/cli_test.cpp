// End-to-end tests of the `nninit` executable: exit codes, messages, files written (or not), and
// agreement of `nninit fill` with PyTorch 1.13 run through /usr/bin/python3.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_test_support.h"
#include "nninit/io/safetensors.h"

namespace {

namespace fs = std::filesystem;
using nninit::cli_test::Cli;
using nninit::cli_test::Result;
using nninit::cli_test::run;
using nninit::cli_test::shell;

TEST_F(Cli, VersionAndHelp) {
  EXPECT_EQ(run("--version").status, 0);
  const Result help = run("fill --help");
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.output.find("--shape"), std::string::npos);
  EXPECT_EQ(run("").status, 2);
  EXPECT_EQ(run("frobnicate").status, 2);
}

TEST_F(Cli, FillWritesOneTensorNamedTensor) {
  const Result r =
      run("fill \"kaiming_uniform_(a=math.sqrt(5))\" --shape 3,4 --seed 0 -o " + path("w.safetensors"));
  ASSERT_EQ(r.status, 0) << r.output;
  const auto contents = nninit::io::read_safetensors(path("w.safetensors"));
  ASSERT_EQ(contents.tensors.size(), 1u);
  EXPECT_EQ(contents.tensors[0].name, "tensor");
  EXPECT_EQ(contents.tensors[0].tensor.sizes(), (nninit::Shape{3, 4}));
  // nn.Linear(4, 3).weight after torch.manual_seed(0): weight[0, 0] is bb755400
  // (tests/data/known_answers.txt).
  EXPECT_EQ(std::bit_cast<std::uint32_t>(static_cast<float>(contents.tensors[0].tensor.at({0, 0}))),
            0xbb755400u);
  EXPECT_EQ(contents.header.metadata.at("nninit.expression"), "kaiming_uniform_(a=math.sqrt(5))");
}

TEST_F(Cli, BadInputExitsWithStatusTwoAndPointsAtTheProblem) {
  Result r = run("fill \"kaiming_normal_(mode='fan_out',, )\" --shape 3,4");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("at column 32"), std::string::npos) << r.output;
  r = run("fill \"kaiming_norml_()\" --shape 3,4");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("did you mean 'kaiming_normal_'"), std::string::npos) << r.output;
  r = run("fill \"xavier_uniform_()\" --shape 5");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("fewer than 2 dimensions"), std::string::npos) << r.output;
  r = run("fill zeros_ --shape 3,x");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("--shape"), std::string::npos) << r.output;
  r = run("fill zeros_ --shape 3 --seed 18446744073709551616");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("Overflow when unpacking long"), std::string::npos) << r.output;
  r = run("fill zeros_ --shape 3 --torch-version 1.9");
  EXPECT_EQ(r.status, 2);
  r = run("fill zeros_ --shape 3 --capability sse2");
  EXPECT_EQ(r.status, 2);
  r = run("fill zeros_ --shape 3 --dtype int8");
  EXPECT_EQ(r.status, 2);
}

TEST_F(Cli, WarningsGoToStandardError) {
  const Result r = run("fill \"kaiming_normal_()\" --shape 0,3");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.output.find("warning: Initializing zero-element tensors is a no-op"), std::string::npos)
      << r.output;
}

TEST_F(Cli, AFailedRunLeavesAnExistingOutputUntouched) {
  ASSERT_EQ(run("fill ones_ --shape 2 -o " + path("keep.safetensors")).status, 0);
  const auto before = fs::file_size(path("keep.safetensors"));
  EXPECT_EQ(run("fill \"normal_(std=-1.0)\" --shape 64 -o " + path("keep.safetensors")).status, 2);
  EXPECT_EQ(fs::file_size(path("keep.safetensors")), before);
  EXPECT_EQ(nninit::io::read_safetensors(path("keep.safetensors")).tensors[0].tensor.at({0}), 1.0);
  // An output directory that does not exist: an I/O error (status 3), and no file anywhere.
  const Result r = run("fill ones_ --shape 2 -o " + path("missing/dir/out.safetensors"));
  EXPECT_EQ(r.status, 3) << r.output;
  EXPECT_FALSE(fs::exists(path("missing")));
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(directory_)) ++files;
  EXPECT_EQ(files, 1u);  // keep.safetensors only: no temporary file left behind
}

TEST_F(Cli, InspectReportsAndRejectsCorruptFiles) {
  ASSERT_EQ(run("fill \"normal_(std=0.02)\" --shape 64,32 --seed 1 -o " + path("n.safetensors")).status, 0);
  const Result table = run("inspect " + path("n.safetensors"));
  EXPECT_EQ(table.status, 0);
  EXPECT_NE(table.output.find("[64, 32]"), std::string::npos);
  const Result json = run("inspect --json " + path("n.safetensors"));
  ASSERT_EQ(json.status, 0);
  const auto document = nlohmann::json::parse(json.output);
  EXPECT_EQ(document["tensors"][0]["fan_in"], 32);
  EXPECT_NEAR(document["tensors"][0]["std"].get<double>(), 0.02, 0.002);

  std::ofstream(path("bad.safetensors"), std::ios::binary) << "not a safetensors file at all";
  const Result bad = run("inspect " + path("bad.safetensors"));
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.output.find("bad.safetensors"), std::string::npos) << bad.output;
  EXPECT_EQ(run("inspect " + path("absent.safetensors")).status, 2);
}

// `nninit fill` against PyTorch 1.13 itself, for expressions covering each path (fill and small normal,
// the uniform FMA, bf16, trunc_normal_'s inverse CDF, the default capability, large 16-bit normal_).
TEST_F(Cli, FillEqualsPyTorch) {
  if (!nninit::cli_test::have_torch()) {
    GTEST_SKIP() << "PyTorch 1.13 (/usr/bin/python3 with python3-torch) is not installed";
  }
  struct Case {
    std::string expression, shape, dtype, seed, capability;
  };
  const Case cases[] = {
      {"kaiming_normal_(mode='fan_out', nonlinearity='relu')", "64,3,3,3", "float32", "0", "avx2"},
      {"nn.init.xavier_uniform_(gain=5/3)", "33,17", "float32", "-1", "default"},
      {"normal_(mean=0.5, std=2.0)", "3,5", "float64", "42", "avx2"},
      {"trunc_normal_(std=0.02)", "40,9", "bfloat16", "7", "avx2"},
      {"torch.nn.init.uniform_(a=-0.1, b=0.3)", "1000", "float16", "4294967296", "default"},
      // 16-bit normal_ large enough for its tabulated transforms (every pair for bfloat16 from 2^20 values,
      // per uniform for float16 from 2^15), with a ragged end.
      {"normal_(mean=0.5, std=2.0)", "1030,1021", "bfloat16", "3", "avx2"},
      {"kaiming_normal_()", "257,129", "float16", "9", "avx2"},
      {"normal_(std=0.5)", "300,111", "float16", "5", "default"},
  };
  for (const Case& c : cases) {
    const std::string out = path("case.safetensors");
    const Result r =
        run("fill \"" + c.expression + "\" --shape " + c.shape + " --dtype " + c.dtype + " --seed " + c.seed +
            " --torch-version 1.13 --capability " + c.capability + " -o " + out);
    ASSERT_EQ(r.status, 0) << r.output;
    const std::string check = "ATEN_CPU_CAPABILITY=" + c.capability + " /usr/bin/python3 " +
                              NNINIT_SOURCE_DIR + "/tests/cli/compare_with_torch.py " + out + " \"" +
                              c.expression + "\" " + c.shape + " " + c.dtype + " " + c.seed;
    EXPECT_EQ(std::system(check.c_str()), 0) << c.expression;
  }
}

}  // namespace

namespace {

// The completion scripts and the man page `cmake --install` installs are what `--generate` prints from the
// executable's own option definitions: bash completes subcommands, options, their values and model names.
TEST_F(Cli, GeneratesCompletionAndManPage) {
  const Result bash = run("--generate bash");
  ASSERT_EQ(bash.status, 0) << bash.output;
  const std::string script = path("nninit.bash");
  std::ofstream(script) << bash.output;
  const std::string probe =
      "bash -c 'source " + script +
      "; for line in \"nninit ini\" \"nninit init --print-p\" \"nninit init --dtype bf\" "
      "\"nninit check --preset t-\" \"nninit diagnose --ev\" \"nninit check ml\"; do read -ra COMP_WORDS <<< "
      "\"$line\"; COMP_CWORD=$((${#COMP_WORDS[@]}-1)); _nninit; echo \"$line -> ${COMPREPLY[*]}\"; done'";
  const Result completed = shell(probe);
  EXPECT_EQ(completed.output,
            "nninit ini -> init\n"
            "nninit init --print-p -> --print-python\n"
            "nninit init --dtype bf -> bfloat16\n"
            "nninit check --preset t- -> t-fixup\n"
            "nninit diagnose --ev -> --eval\n"
            "nninit check ml -> mlp\n");
  const Result zsh = run("--generate zsh");
  ASSERT_EQ(zsh.status, 0) << zsh.output;
  EXPECT_NE(zsh.output.find("'--print-python[Print the rules as PyTorch code"), std::string::npos);
  if (fs::exists("/usr/bin/zsh")) {
    const std::string file = path("_nninit");
    std::ofstream(file) << zsh.output;
    EXPECT_EQ(std::system(("/usr/bin/zsh -n " + file).c_str()), 0);
  }
  const Result man = run("--generate man");
  ASSERT_EQ(man.status, 0) << man.output;
  EXPECT_NE(man.output.find(".SS nninit init\n"), std::string::npos);
  EXPECT_NE(man.output.find("\\fB\\-\\-print\\-python\\fR"), std::string::npos);
  EXPECT_NE(man.output.find(".SH EXIT STATUS\nExit status: 0 success; 1 `check` found errors;"),
            std::string::npos);
  const Result unknown = run("--generate fish");
  EXPECT_EQ(unknown.status, 2);
  EXPECT_NE(unknown.output.find("--generate: unknown kind 'fish'; expected bash, zsh or man"),
            std::string::npos);
}

}  // namespace
