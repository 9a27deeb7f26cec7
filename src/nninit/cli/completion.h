// Shell completion (bash, zsh) and the man page, generated from the command line's own definitions: the
// CLI11 application main() builds, with its subcommands, options and help texts. The build runs
// `nninit --generate bash|zsh|man FILE` and `cmake --install` installs the files, so they cannot drift from
// --help.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace CLI {
class App;
}

namespace nninit::cli {

// What completes an option's value: the names it accepts (--dtype: float32 ...), a file name, or nothing
// that can be listed (free text such as a seed or a rule).
struct ValueCompletion {
  std::vector<std::string> choices;
  bool file = false;
};
ValueCompletion value_completion(std::string_view long_option);

// A completion script for bash (`complete -F _nninit nninit`) or zsh (`#compdef nninit`).
std::string bash_completion(const CLI::App& app);
std::string zsh_completion(const CLI::App& app);
// nninit(1) in roff (man 7 man): synopsis, each subcommand with its options, exit status.
std::string man_page(const CLI::App& app);

// `nninit --generate bash|zsh|man`: prints that file; UsageError for another kind.
int print_generated(const CLI::App& app, std::string_view kind);

}  // namespace nninit::cli
