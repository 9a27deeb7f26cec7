// `nninit fill --rng philox`: the tensor's values come from the Philox stream of (seed, its name), the same
// bytes whatever the thread count and instruction set (random/philox.h, docs/rng.md §11).
#include <cstdlib>
#include <cstring>
#include <string>

#include <gtest/gtest.h>

#include "cli_test_support.h"
#include "nninit/io/safetensors.h"
#include "nninit/random/philox.h"

namespace nninit::cli_test {
namespace {

// Sets NNINIT_NUM_THREADS and NNINIT_CPU for the commands run while it lives (popen passes the environment
// on).
class ScopedFillEnvironment {
 public:
  ScopedFillEnvironment(const char* threads, const char* cpu) {
    ::setenv("NNINIT_NUM_THREADS", threads, 1);
    if (cpu != nullptr) ::setenv("NNINIT_CPU", cpu, 1);
  }
  ~ScopedFillEnvironment() {
    ::unsetenv("NNINIT_NUM_THREADS");
    ::unsetenv("NNINIT_CPU");
  }
  ScopedFillEnvironment(const ScopedFillEnvironment&) = delete;
  ScopedFillEnvironment& operator=(const ScopedFillEnvironment&) = delete;
};

class FillPhilox : public Cli {
 protected:
  // Runs fill with `threads` fill threads (and `cpu` as NNINIT_CPU, unless null) and returns the tensor it
  // wrote under `name`.
  Tensor fill(const std::string& arguments, const char* threads = "2", const char* cpu = nullptr,
              const std::string& name = "tensor") {
    const ScopedFillEnvironment environment(threads, cpu);
    const std::string file = path("out.safetensors");
    const Result result = run(arguments + " -o " + file);
    EXPECT_EQ(result.status, 0) << threads << " " << arguments << "\n" << result.output;
    return io::read_safetensors_tensor(file, name);
  }
};

bool same_bytes(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.sizes() == b.sizes() &&
         std::memcmp(a.raw_data(), b.raw_data(), static_cast<std::size_t>(a.numel()) * itemsize(a.dtype())) ==
             0;
}

// 7 x 100003 elements: enough for 7 threads at the fills' grain of 2^16 elements, in uneven ranges.
constexpr const char* shape = "7,100003";

TEST_F(FillPhilox, TheSameBytesOnEveryThreadCountAndInstructionSetAsTheLibrarysStream) {
  const std::string arguments =
      std::string("fill \"trunc_normal_(std=0.02)\" --rng philox --seed 11 --shape ") + shape;
  // The library's stream for (11, "tensor"), filled in this process.
  const Tensor expected = Tensor::empty({7, 100003});
  PhiloxGenerator(11, "tensor").trunc_normal_(expected, 0.0, 0.02, -2.0, 2.0);
  for (const char* threads : {"1", "2", "3", "7"}) {
    EXPECT_TRUE(same_bytes(fill(arguments, threads), expected)) << threads << " threads";
  }
  // The scalar kernels and the AVX2 ones (where the machine has them) give the same bytes.
  EXPECT_TRUE(same_bytes(fill(arguments, "3", "generic"), expected));
  EXPECT_TRUE(same_bytes(fill(arguments, "7", "avx2"), expected));
}

TEST_F(FillPhilox, TheStreamIsTheNamesAndTheSeeds) {
  const std::string uniform = "fill \"uniform_(-1, 1)\" --shape 64,64 --dtype bfloat16 ";
  const std::string philox = uniform + "--rng philox ";
  const std::string name = "layers.0.weight";
  const Tensor named = fill(philox + "--seed 3 --name " + name, "2", nullptr, name);
  const Tensor expected = Tensor::empty({64, 64}, DType::bfloat16);
  PhiloxGenerator(3, name).uniform_(expected, -1.0, 1.0);
  EXPECT_TRUE(same_bytes(named, expected));
  // Another name, another seed, or PyTorch's stream: other values.
  EXPECT_FALSE(same_bytes(fill(philox + "--seed 3"), named));
  EXPECT_FALSE(same_bytes(fill(philox + "--seed 4 --name " + name, "2", nullptr, name), named));
  EXPECT_FALSE(same_bytes(fill(uniform + "--seed 3 --name " + name, "2", nullptr, name), named));
}

TEST_F(FillPhilox, OptionsThatChooseTorchStreamsAreRefused) {
  for (const char* options : {"--torch-version 1.13", "--capability avx512"}) {
    const Result result = run(std::string("fill \"normal_()\" --shape 3 --rng philox ") + options);
    EXPECT_EQ(result.status, 2) << options;
    EXPECT_NE(result.output.find("--rng philox draws nninit's own streams"), std::string::npos)
        << result.output;
  }
  const Result unknown = run("fill \"normal_()\" --shape 3 --rng mt19937");
  EXPECT_EQ(unknown.status, 2);
  EXPECT_NE(unknown.output.find("--rng: unknown engine 'mt19937'; expected torch or philox"),
            std::string::npos)
      << unknown.output;
  // init takes only PyTorch's streams for now, and says so.
  const Result init = run("init mlp --rng philox");
  EXPECT_EQ(init.status, 2);
  EXPECT_NE(init.output.find("--rng philox: this command draws from PyTorch's streams only"),
            std::string::npos)
      << init.output;
  EXPECT_TRUE(fs::is_empty(directory_));
}

}  // namespace
}  // namespace nninit::cli_test
