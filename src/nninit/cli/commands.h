// The subcommands of `nninit`. Each returns the process exit status: 0 success, 1 failure, 2 bad usage or
// bad input (DESIGN.md, "The command line"). Data goes to stdout, warnings and errors to stderr.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "nninit/core/dtype.h"
#include "nninit/random/torch_variant.h"

namespace nninit::cli {

// The options every generating command shares.
struct GeneratorOptions {
  std::string seed = "0";
  std::string rng = "torch";
  std::string torch_version;  // empty: the newest release nninit knows
  std::string capability = "avx2";
};

struct FillOptions {
  std::string expression;
  std::string shape;
  std::string dtype = "float32";
  GeneratorOptions generator;
  std::string output;  // empty: print only
  bool json = false;
};

struct InspectOptions {
  std::string file;
  bool json = false;
};

int run_fill(const FillOptions& options);
int run_inspect(const InspectOptions& options);

// A failure that is not the user's input (exit status 1), e.g. the output cannot be written.
class Failure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Seeds the default generator as torch.manual_seed would, for the chosen release and capability.
TorchVariant configure_default_generator(const GeneratorOptions& options);

}  // namespace nninit::cli
