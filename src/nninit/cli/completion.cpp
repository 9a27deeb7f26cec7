#include "nninit/cli/completion.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "nninit/cli/builtin_models.h"
#include "nninit/cli/options.h"
#include "nninit/diag/transformer_presets.h"

namespace nninit::cli {
namespace {

std::vector<const CLI::App*> subcommands(const CLI::App& app) {
  std::vector<const CLI::App*> out;
  for (const CLI::App* sub :
       const_cast<CLI::App&>(app).get_subcommands([](const CLI::App*) { return true; })) {
    out.push_back(sub);
  }
  return out;
}

// The options a user types (positional arguments have no names to complete), help included.
std::vector<const CLI::Option*> named_options(const CLI::App& command) {
  std::vector<const CLI::Option*> out;
  for (const CLI::Option* option : command.get_options()) {
    if (!option->get_lnames().empty() || !option->get_snames().empty()) out.push_back(option);
  }
  return out;
}

std::vector<std::string> option_names(const CLI::Option& option) {
  std::vector<std::string> names;
  for (const std::string& name : option.get_snames()) names.push_back("-" + name);
  for (const std::string& name : option.get_lnames()) names.push_back("--" + name);
  // A flag's negation (--train,!--eval) is a name too.
  for (const std::string& name : option.get_fnames()) {
    if (std::find(names.begin(), names.end(), "--" + name) == names.end()) names.push_back("--" + name);
  }
  return names;
}

std::string long_name(const CLI::Option& option) {
  return option.get_lnames().empty() ? "" : "--" + option.get_lnames().front();
}

// A flag expects no items; an option one (or, repeated, many).
bool takes_value(const CLI::Option& option) {
  return option.get_items_expected_max() > 0;
}

std::string join(const std::vector<std::string>& items, std::string_view separator = " ") {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) out += (i > 0 ? std::string(separator) : "") + items[i];
  return out;
}

std::vector<std::string> model_names() {
  std::vector<std::string> names;
  for (const BuiltinModel& model : builtin_models()) names.push_back(model.name);
  return names;
}

bool takes_model(const CLI::App& command) {
  for (const CLI::Option* option : command.get_options()) {
    if (option->get_name() == "model") return true;
  }
  return false;
}

// Text for roff: a leading '.' or '\'' would start a request, and '\' starts an escape.
std::string roff(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out += c;
    }
  }
  if (!out.empty() && (out.front() == '.' || out.front() == '\'')) out.insert(0, "\\&");
  return out;
}

// Text for a zsh description in single quotes: brackets end an _arguments description, a colon ends a
// _describe name, a single quote the string.
std::string zsh_description(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '[' || c == ']' || c == ':' || c == '\\') out += '\\';
    if (c == '\'') {
      out += "'\\''";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

ValueCompletion value_completion(std::string_view option) {
  if (option == "--dtype") return {{"float32", "float64", "float16", "bfloat16"}};
  if (option == "--capability") return {{"default", "avx2", "avx512"}};
  if (option == "--rng") return {{"torch"}};
  if (option == "--min-severity") return {{"info", "warning", "error"}};
  if (option == "--optimizer") return {{"sgd", "adam"}};
  if (option == "--preset") {
    ValueCompletion presets{{"auto", "lsuv"}};
    for (const diag::TransformerPreset& preset : diag::transformer_presets())
      presets.choices.push_back(preset.name);
    return presets;
  }
  if (option == "--output" || option == "--report" || option == "--config" || option == "--input-file") {
    return {{}, true};
  }
  return {};
}

std::string bash_completion(const CLI::App& app) {
  std::vector<std::string> commands;
  for (const CLI::App* sub : subcommands(app)) commands.push_back(sub->get_name());
  std::vector<std::string> top;
  for (const CLI::Option* option : named_options(app)) {
    for (const std::string& name : option_names(*option)) top.push_back(name);
  }
  std::string out = fmt::format(
      "# bash completion for nninit, generated from its option definitions (nninit --generate bash).\n"
      "_nninit() {{\n"
      "    local cur=\"${{COMP_WORDS[COMP_CWORD]}}\" prev=\"${{COMP_WORDS[COMP_CWORD-1]}}\" command=\"\" i\n"
      "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
      "        case \"${{COMP_WORDS[i]}}\" in\n"
      "            {}) command=\"${{COMP_WORDS[i]}}\"; break ;;\n"
      "        esac\n"
      "    done\n"
      "    if [[ -z $command ]]; then\n"
      "        COMPREPLY=($(compgen -W \"{} {}\" -- \"$cur\"))\n"
      "        return\n"
      "    fi\n"
      "    case \"$prev\" in\n",
      join(commands, "|"), join(commands), join(top));
  // Value completions, by option name: the same name means the same values in every subcommand.
  std::vector<std::string> files, free_text;
  std::vector<std::pair<std::string, std::string>> choices;
  for (const CLI::App* sub : subcommands(app)) {
    for (const CLI::Option* option : named_options(*sub)) {
      if (!takes_value(*option)) continue;
      const ValueCompletion value = value_completion(long_name(*option));
      const std::string pattern = join(option_names(*option), "|");
      const auto seen = [&](const std::string& p) {
        return std::find(files.begin(), files.end(), p) != files.end() ||
               std::find(free_text.begin(), free_text.end(), p) != free_text.end() ||
               std::any_of(choices.begin(), choices.end(), [&](const auto& c) { return c.first == p; });
      };
      if (seen(pattern)) continue;
      if (value.file) {
        files.push_back(pattern);
      } else if (!value.choices.empty()) {
        choices.emplace_back(pattern, join(value.choices));
      } else {
        free_text.push_back(pattern);
      }
    }
  }
  for (const auto& [pattern, words] : choices) {
    out +=
        fmt::format("        {}) COMPREPLY=($(compgen -W \"{}\" -- \"$cur\")); return ;;\n", pattern, words);
  }
  if (!files.empty()) {
    out += fmt::format("        {}) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n", join(files, "|"));
  }
  if (!free_text.empty()) out += fmt::format("        {}) return ;;\n", join(free_text, "|"));
  out += "    esac\n    local options models=\"\"\n    case \"$command\" in\n";
  for (const CLI::App* sub : subcommands(app)) {
    std::vector<std::string> names;
    for (const CLI::Option* option : named_options(*sub)) {
      for (const std::string& name : option_names(*option)) names.push_back(name);
    }
    out += fmt::format("        {}) options=\"{}\"{} ;;\n", sub->get_name(), join(names),
                       takes_model(*sub) ? fmt::format("; models=\"{}\"", join(model_names())) : "");
  }
  out +=
      "    esac\n"
      "    if [[ $cur == -* ]]; then\n"
      "        COMPREPLY=($(compgen -W \"$options\" -- \"$cur\"))\n"
      "    else\n"
      "        COMPREPLY=($(compgen -W \"$models\" -- \"$cur\") $(compgen -f -- \"$cur\"))\n"
      "    fi\n"
      "}\n"
      "complete -o filenames -F _nninit nninit\n";
  return out;
}

std::string zsh_completion(const CLI::App& app) {
  std::string out =
      "#compdef nninit\n"
      "# zsh completion for nninit, generated from its option definitions (nninit --generate zsh).\n"
      "_nninit() {\n"
      "    local -a commands\n"
      "    commands=(\n";
  for (const CLI::App* sub : subcommands(app)) {
    out += fmt::format("        '{}:{}'\n", sub->get_name(), zsh_description(sub->get_description()));
  }
  out +=
      "    )\n"
      "    if (( CURRENT == 2 )); then\n"
      "        _describe 'command' commands\n"
      "        return\n"
      "    fi\n"
      "    local command=$words[2]\n"
      "    shift words\n"
      "    (( CURRENT-- ))\n"
      "    case $command in\n";
  for (const CLI::App* sub : subcommands(app)) {
    out += fmt::format("        {})\n            _arguments \\\n", sub->get_name());
    for (const CLI::Option* option : named_options(*sub)) {
      const std::string description = zsh_description(option->get_description());
      std::string value;
      if (takes_value(*option)) {
        const ValueCompletion completion = value_completion(long_name(*option));
        const std::string what = option->get_lnames().empty() ? "value" : option->get_lnames().front();
        value = completion.file               ? fmt::format(":{}:_files", what)
                : !completion.choices.empty() ? fmt::format(":{}:({})", what, join(completion.choices))
                                              : fmt::format(":{}: ", what);
      }
      const bool repeatable = option->get_expected_max() > 1;
      for (const std::string& name : option_names(*option)) {
        out +=
            fmt::format("                '{}{}[{}]{}' \\\n", repeatable ? "*" : "", name, description, value);
      }
    }
    if (takes_model(*sub)) {
      out += fmt::format("                '1:model:({})' \\\n", join(model_names()));
    } else if (sub->get_name() == "inspect") {
      out += "                '1:file:_files -g \"*.safetensors\"' \\\n";
    } else {
      out += "                '1:expression: ' \\\n";
    }
    out += "                && return\n            ;;\n";
  }
  out += "    esac\n}\n_nninit \"$@\"\n";
  return out;
}

std::string man_page(const CLI::App& app) {
  std::string out = fmt::format(
      ".\\\" nninit(1), generated from the command line's option definitions (nninit --generate man).\n"
      ".TH NNINIT 1 \"\" \"nninit\" \"User Commands\"\n"
      ".SH NAME\n"
      "nninit \\- {}\n"
      ".SH SYNOPSIS\n",
      roff(app.get_description().substr(app.get_description().find(':') + 2)));
  for (const CLI::App* sub : subcommands(app)) {
    out += fmt::format(".B nninit {}\n[\\fIoptions\\fR]", sub->get_name());
    for (const CLI::Option* option : sub->get_options()) {
      if (option->get_lnames().empty() && option->get_snames().empty()) {
        const bool required = option->get_required();
        out += fmt::format(" {}\\fI{}\\fR{}", required ? "" : "[", roff(option->get_name()),
                           required ? "" : "]");
      }
    }
    out += "\n.br\n";
  }
  out += ".SH COMMANDS\n";
  for (const CLI::App* sub : subcommands(app)) {
    out += fmt::format(".SS nninit {}\n{}\n", sub->get_name(), roff(sub->get_description()));
    for (const CLI::Option* option : sub->get_options()) {
      std::vector<std::string> names = option_names(*option);
      const bool positional = names.empty();
      if (positional) names.push_back(option->get_name());
      std::string heading;
      for (std::size_t i = 0; i < names.size(); ++i) {
        heading += (i > 0 ? ", " : "") + fmt::format("\\fB{}\\fR", roff(names[i]));
      }
      if (!positional && takes_value(*option)) {
        const ValueCompletion completion = value_completion(long_name(*option));
        const std::string placeholder = completion.file               ? "FILE"
                                        : !completion.choices.empty() ? join(completion.choices, "|")
                                                                      : option->get_type_name();
        heading += fmt::format(" \\fI{}\\fR", roff(placeholder));
      }
      out += fmt::format(".TP\n{}\n{}\n", heading, roff(option->get_description()));
    }
  }
  out += fmt::format(".SH EXIT STATUS\n{}\n", roff(app.get_footer()));
  return out;
}

int print_generated(const CLI::App& app, std::string_view kind) {
  std::string text;
  if (kind == "bash") {
    text = bash_completion(app);
  } else if (kind == "zsh") {
    text = zsh_completion(app);
  } else if (kind == "man") {
    text = man_page(app);
  } else {
    throw UsageError(fmt::format("--generate: unknown kind '{}'; expected bash, zsh or man", kind));
  }
  std::fputs(text.c_str(), stdout);
  return 0;
}

}  // namespace nninit::cli
