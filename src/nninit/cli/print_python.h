// `nninit init --print-python`: the PyTorch code that initialises the model as `nninit init` does.
#pragma once

#include "nninit/cli/commands.h"

namespace nninit::cli {

// Prints the init_fn code of the rules (--init, then the preset's) after a header that says how to build the
// model it applies to; writes nothing. UsageError when there are no rules to print.
int print_python(const InitOptions& options);

}  // namespace nninit::cli
