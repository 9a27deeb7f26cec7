// `nninit fill --rng philox`: the tensor's values come from the Philox stream of (seed, its name), the same
// bytes whatever the thread count and instruction set (random/philox.h, docs/rng.md §11).
#include <cmath>
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
  // diagnose and check judge PyTorch's streams only, and say so.
  const Result diagnose = run("diagnose mlp --rng philox");
  EXPECT_EQ(diagnose.status, 2);
  EXPECT_NE(diagnose.output.find("--rng philox: this command draws from PyTorch's streams only"),
            std::string::npos)
      << diagnose.output;
  EXPECT_TRUE(fs::is_empty(directory_));
}

// `nninit init --rng philox`: every tensor is made from the Philox stream of (seed, its state_dict name),
// replaying its history of init calls (construction's, then the rules'), the same bytes on every thread
// count (init/recording.h).
TEST_F(FillPhilox, InitMakesEachTensorFromTheStreamOfItsName) {
  const std::string model = "\"Sequential(Linear(300, 200), ReLU(), Linear(200, 10))\"";
  const std::string arguments =
      "init " + model + " --rng philox --seed 5 --init \"2.weight=normal_(std=0.02)\"";
  // 0.weight: Linear's kaiming_uniform_(a=sqrt(5)), bound 1/sqrt(300), the stream's draw 0.
  const Tensor first = Tensor::empty({200, 300});
  PhiloxGenerator(5, "0.weight").uniform_(first, -1.0 / std::sqrt(300.0), 1.0 / std::sqrt(300.0));
  const Tensor first_bias = Tensor::empty({200});
  PhiloxGenerator(5, "0.bias").uniform_(first_bias, -1.0 / std::sqrt(300.0), 1.0 / std::sqrt(300.0));
  // 2.weight: drawn at construction (draw 0), then by the rule (draw 1): the values are draw 1's.
  const Tensor last = Tensor::empty({10, 200});
  PhiloxGenerator overridden(5, "2.weight");
  overridden.skip_draws(1);
  overridden.normal_(last, 0.0, 0.02);
  for (const char* threads : {"1", "2", "3", "7"}) {
    const ScopedFillEnvironment environment(threads, nullptr);
    const std::string file = path("model.safetensors");
    const Result result = run(arguments + " -o " + file);
    ASSERT_EQ(result.status, 0) << result.output;
    EXPECT_TRUE(same_bytes(io::read_safetensors_tensor(file, "0.weight"), first)) << threads;
    EXPECT_TRUE(same_bytes(io::read_safetensors_tensor(file, "0.bias"), first_bias)) << threads;
    EXPECT_TRUE(same_bytes(io::read_safetensors_tensor(file, "2.weight"), last)) << threads;
  }
  // What cannot be drawn per tensor is refused, and nothing is written.
  for (const char* refused :
       {"--preset lsuv --input 2,300", "--init \"0.weight=sparse_(0.5)\"", "--capability avx2"}) {
    const Result result = run("init " + model + " --rng philox " + refused + " -o " + path("no.safetensors"));
    EXPECT_EQ(result.status, 2) << refused << "\n" << result.output;
  }
  EXPECT_FALSE(fs::exists(path("no.safetensors")));
}

}  // namespace
}  // namespace nninit::cli_test
