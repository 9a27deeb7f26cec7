#include "nninit/cli/completion.h"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <CLI/CLI.hpp>

#include "nninit/cli/options.h"

namespace nninit::cli {
namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A command line shaped like nninit's: what the generators read comes from these definitions.
struct Fixture {
  CLI::App app{"tool: does things"};
  std::string model, dtype, output;
  std::vector<std::string> rules;
  bool json = false, train = true;
  Fixture() {
    app.footer("Exit status: 0 success.");
    CLI::App* run = app.add_subcommand("run", "Runs a [model]");
    run->add_option("model", model, "The model")->required();
    run->add_option("--dtype", dtype, "The dtype");
    run->add_option("-o,--output", output, "Where to write");
    run->add_option("--init", rules, "A rule, e.g. 'a=b' (repeatable)");
    run->add_flag("--json", json, "JSON");
    run->add_flag("--train,!--eval", train, "Train or eval mode");
  }
};

TEST(Completion, ValuesComeFromWhatTheParsersAccept) {
  EXPECT_EQ(value_completion("--dtype").choices,
            (std::vector<std::string>{"float32", "float64", "float16", "bfloat16"}));
  EXPECT_TRUE(value_completion("--report").file);
  const std::vector<std::string> presets = value_completion("--preset").choices;
  EXPECT_NE(std::find(presets.begin(), presets.end(), "auto"), presets.end());
  EXPECT_NE(std::find(presets.begin(), presets.end(), "gpt2"), presets.end());
  EXPECT_TRUE(value_completion("--seed").choices.empty());
  EXPECT_FALSE(value_completion("--seed").file);
}

TEST(Completion, BashCompletesCommandsOptionsAndValues) {
  Fixture f;
  const std::string bash = bash_completion(f.app);
  EXPECT_TRUE(contains(bash, "            run) command=\"${COMP_WORDS[i]}\"; break ;;\n")) << bash;
  EXPECT_TRUE(contains(bash,
                       "        run) options=\"-h --help --dtype -o --output --init --json --train --eval\"; "
                       "models=\"mlp tanh-mlp cnn transformer lstm\" ;;\n"))
      << bash;
  EXPECT_TRUE(contains(bash,
                       "        --dtype) COMPREPLY=($(compgen -W \"float32 float64 float16 bfloat16\" -- "
                       "\"$cur\")); return ;;\n"));
  EXPECT_TRUE(contains(bash, "        -o|--output) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n"));
  EXPECT_TRUE(contains(bash, "        --init) return ;;\n"));  // free text: nothing to list
  EXPECT_FALSE(contains(bash, "--json) return"));              // a flag takes no value
  EXPECT_TRUE(contains(bash, "complete -o filenames -F _nninit nninit\n"));
}

TEST(Completion, ZshDescribesEveryOption) {
  Fixture f;
  const std::string zsh = zsh_completion(f.app);
  EXPECT_TRUE(contains(zsh, "#compdef nninit\n"));
  EXPECT_TRUE(contains(zsh, "        'run:Runs a \\[model\\]'\n")) << zsh;
  EXPECT_TRUE(contains(zsh, "'--dtype[The dtype]:dtype:(float32 float64 float16 bfloat16)' \\\n"));
  EXPECT_TRUE(contains(zsh, "'-o[Where to write]:output:_files' \\\n"));
  EXPECT_TRUE(contains(zsh, "'*--init[A rule, e.g. '\\''a=b'\\'' (repeatable)]:init: ' \\\n")) << zsh;
  EXPECT_TRUE(contains(zsh, "'--eval[Train or eval mode]' \\\n"));
  EXPECT_TRUE(contains(zsh, "'1:model:(mlp tanh-mlp cnn transformer lstm)' \\\n"));
}

TEST(Completion, ManPageListsCommandsOptionsAndExitStatus) {
  Fixture f;
  const std::string man = man_page(f.app);
  EXPECT_TRUE(contains(man, ".SH NAME\nnninit \\- does things\n")) << man;
  EXPECT_TRUE(contains(man, ".B nninit run\n[\\fIoptions\\fR] \\fImodel\\fR\n")) << man;
  EXPECT_TRUE(contains(man, ".TP\n\\fB\\-o\\fR, \\fB\\-\\-output\\fR \\fIFILE\\fR\nWhere to write\n")) << man;
  EXPECT_TRUE(contains(man, "\\fB\\-\\-dtype\\fR \\fIfloat32|float64|float16|bfloat16\\fR\n"));
  EXPECT_TRUE(contains(man, ".SH EXIT STATUS\nExit status: 0 success.\n"));
  EXPECT_THROW(print_generated(f.app, "fish"), UsageError);
}

}  // namespace
}  // namespace nninit::cli
