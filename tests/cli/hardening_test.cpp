// End-to-end tests of what nninit does with hostile or careless input: impossible sizes, numbers that do
// not fit, huge repetitions, files that are not safetensors, special files as inputs and outputs. Each
// case is a row of docs/errors.md. Expected messages are PyTorch 1.13's where PyTorch has one (quoted
// beside the case).
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_test_support.h"
#include "nninit/io/safetensors.h"

namespace {

namespace fs = std::filesystem;
using nninit::cli_test::Cli;
using nninit::cli_test::Result;
using nninit::cli_test::run;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The table's columns are aligned with runs of spaces; one space is enough to compare a row.
std::string collapse_spaces(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c != ' ' || out.empty() || out.back() != ' ') out += c;
  }
  return out;
}

// --help ends with the exit statuses, as the README's "Exit status" lists them.
TEST_F(Cli, HelpListsTheExitStatuses) {
  const Result r = run("--help");
  EXPECT_EQ(r.status, 0);
  EXPECT_TRUE(contains(r.output,
                       "Exit status: 0 success; 1 `check` found errors; 2 bad input or usage (an "
                       "expression, option or input file); 3 an output could not be written; 4 out "
                       "of memory; 5 an internal error (a bug in nninit)."))
      << r.output;
}

// Sizes whose byte count passes INT64_MAX are refused before any allocation, in PyTorch's words
// (torch.empty(2**62) and nn.Linear(2**31, 2**31) raise "Storage size calculation overflowed with
// sizes=[...]"); they once wrapped to a small buffer that the fill then overran.
TEST_F(Cli, ImpossibleSizesAreBadInputInPyTorchsWords) {
  struct Case {
    std::string arguments;
    std::string message;
  };
  const Case cases[] = {
      {"fill \"normal_()\" --shape 4611686018427387904",
       "Storage size calculation overflowed with sizes=[4611686018427387904]"},
      {"fill \"normal_()\" --shape 2305843009213693952",  // 2**61 float32: 2**63 bytes
       "Storage size calculation overflowed with sizes=[2305843009213693952]"},
      {"fill ones_ --shape 4294967296,4294967296,0",  // the product wraps before the zero, as in c10
       "Storage size calculation overflowed with sizes=[4294967296, 4294967296, 0]"},
      {"init \"Linear(2147483648, 2147483648)\"",
       "Storage size calculation overflowed with sizes=[2147483648, 2147483648]"},
      {"init \"Embedding(2**40, 2**40)\"",
       "Storage size calculation overflowed with sizes=[1099511627776, 1099511627776]"},
      {"init \"MultiheadAttention(2**61, 1)\"",
       "Storage size calculation overflowed with sizes=[6917529027641081856, 2305843009213693952]"},
      // 4 * hidden_size and 3 * embed_dim past int64: torch.empty's own TypeError.
      {"init \"LSTM(10, 2**62)\"",
       "empty(): argument 'size' must be tuple of SymInts, but found element of type int at pos 1"},
      {"init \"GRUCell(10, 2**62)\"",
       "empty(): argument 'size' must be tuple of SymInts, but found element of type int at pos 1"},
      {"init \"MultiheadAttention(2**62, 1)\"",
       "empty(): argument 'size' must be tuple of SymInts, but found element of type int at pos 1"},
  };
  for (const Case& c : cases) {
    const Result r = run(c.arguments);
    EXPECT_EQ(r.status, 2) << c.arguments << "\n" << r.output;
    EXPECT_TRUE(contains(r.output, c.message)) << c.arguments << "\n" << r.output;
  }
}

// Under AddressSanitizer a huge malloc aborts unless the allocator may return null, as libc's does; the
// nninit processes this test starts may. Appended, so that the preset's options (detect_leaks) still hold.
void allow_failed_allocations() {
  const char* options = std::getenv("ASAN_OPTIONS");
  const std::string asan_options = std::string(options != nullptr ? options : "") +
                                   (options != nullptr ? ":" : "") + "allocator_may_return_null=1";
  ::setenv("ASAN_OPTIONS", asan_options.c_str(), 1);
}

// Output sizes the engine computes from a layer's arguments (padding, dilation, stride, output size) once
// overflowed int64 silently (undefined behaviour; a wrapped size); they are errors now, and a huge but
// representable output is memory (status 4), failing at once.
TEST_F(Cli, ComputedOutputSizesPastInt64AreErrors) {
  struct Case {
    std::string arguments;
    int status;
    std::string message;
  };
  allow_failed_allocations();
  const std::string conv = "convolution: the calculated output size is out of the range of a 64-bit integer";
  const std::string pool = "pooling: the calculated output size is out of the range of a 64-bit integer";
  const Case cases[] = {
      {"\"Conv2d(1, 1, 3, padding=2**62)\" --input 1,1,4,4", 2, "(Conv2d): " + conv},
      {"\"Conv1d(1, 1, 3, dilation=2**62)\" --input 1,1,8", 2, "(Conv1d): " + conv},
      {"\"ConvTranspose1d(1, 1, 3, stride=2**62)\" --input 1,1,8", 2, "(ConvTranspose1d): " + conv},
      {"\"MaxPool1d(3, dilation=2**62)\" --input 1,1,8", 2, "(MaxPool1d): " + pool},
      {"\"AdaptiveAvgPool1d(2**62)\" --input 1,1,8", 2,
       "AdaptiveAvgPool1d: output size 4611686018427387904 for an input of size 8 is out of the range"},
      {"\"AdaptiveAvgPool1d(10**12)\" --input 1,1,8", 4, "nninit: error: out of memory"},
  };
  for (const Case& c : cases) {
    const Result r = run("diagnose " + c.arguments);
#if defined(__SANITIZE_ADDRESS__)
    // AddressSanitizer's operator new reports a request it cannot serve and stops the process instead of
    // throwing std::bad_alloc (allocator_may_return_null covers malloc only), so the out-of-memory case ends
    // in its report there; the release build holds status 4.
    if (c.status == 4) {
      EXPECT_TRUE(contains(r.output, "allocator is out of memory")) << c.arguments << "\n" << r.output;
      continue;
    }
#endif
    EXPECT_EQ(r.status, c.status) << c.arguments << "\n" << r.output;
    EXPECT_TRUE(contains(r.output, c.message)) << c.arguments << "\n" << r.output;
  }
}

// A size below the limit that no machine can hold is an out-of-memory error (status 4), not bad input:
// PyTorch's "DefaultCPUAllocator: can't allocate memory: you tried to allocate ... bytes".
TEST_F(Cli, AnAllocationTheSystemRefusesIsOutOfMemory) {
  allow_failed_allocations();
  Result r = run("fill zeros_ --shape 2305843009213693951");
  EXPECT_EQ(r.status, 4) << r.output;
  EXPECT_TRUE(contains(r.output,
                       "nninit: error: out of memory: DefaultCPUAllocator: can't allocate memory: "
                       "you tried to allocate 9223372036854775804 bytes"))
      << r.output;
  // With -o the values are drawn into the file, so it is the file system that refuses the size: an I/O
  // error, before any work, and no file or temporary file is left.
  r = run("fill zeros_ --shape 2305843009213693951 -o " + path("never.safetensors"));
  EXPECT_EQ(r.status, 3) << r.output;
  EXPECT_TRUE(contains(r.output, "cannot resize '" + path("never.safetensors") + "'")) << r.output;
  EXPECT_TRUE(fs::is_empty(directory_));
}

// Numbers in options that do not fit an int are usage errors that say what is accepted; --torch-version
// 99999999999.0 once printed "stoi".
TEST_F(Cli, OptionNumbersThatDoNotFitAreUsageErrors) {
  Result r = run("fill ones_ --shape 2 --torch-version 99999999999.0");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "--torch-version: nninit knows PyTorch 1.13 to ")) << r.output;
  EXPECT_TRUE(contains(r.output, "not '99999999999.0'")) << r.output;
  r = run("fill ones_ --shape 99999999999999999999");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "--shape: '99999999999999999999' is not a non-negative integer"))
      << r.output;
  r = run("fill ones_ --shape 2 --seed 99999999999999999999");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "--seed: Overflow when unpacking long")) << r.output;
  r = run("diagnose mlp --probe --steps 99999999999");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "--steps")) << r.output;
}

// Repetition is bounded by what it produces: `[] * 10**18` once looped 10**18 times, and a million
// strings of a million characters passed a limit that counted only the outer elements.
TEST_F(Cli, ExpressionRepetitionIsBoundedByItsResult) {
  Result r = run("fill \"normal_(mean=[]*10**18)\" --shape 2");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_FALSE(contains(r.output, "repeating")) << "the empty list is built at once\n" << r.output;
  r = run("fill \"normal_(mean=['a'*1000000]*1000000)\" --shape 2");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_TRUE(contains(r.output,
                       "repeating a sequence of size 1000001 (elements and what they hold) 1000000 "
                       "times makes more than 1048576"))
      << r.output;
}

// `inspect` on a file that is not safetensors says so, rather than only reporting a nonsense length.
TEST_F(Cli, InspectSaysWhenAFileIsNotSafetensors) {
  std::ofstream(path("notes.txt"), std::ios::binary) << "These are my notes, not a checkpoint.\n";
  Result r = run("inspect " + path("notes.txt"));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "not a safetensors file: " + path("notes.txt") +
                                     " (its first 8 bytes give a header length of "))
      << r.output;
  std::ofstream(path("short"), std::ios::binary) << "tiny";
  r = run("inspect " + path("short"));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "not a safetensors file: " + path("short") + " (the file is 4 bytes"))
      << r.output;
}

// inspect parsed the header once per tensor: 4,000 tensors took about two minutes. Parsed once, it is a
// fraction of a second; the bound leaves room for a sanitizer build.
TEST_F(Cli, InspectIsLinearInTheTensorCount) {
  std::vector<nninit::NamedTensor> tensors;
  for (int i = 0; i < 4000; ++i)
    tensors.push_back({"layer." + std::to_string(i), nninit::Tensor::full({2}, i)});
  nninit::io::write_safetensors(path("many.safetensors"), tensors);
  const auto start = std::chrono::steady_clock::now();
  const Result r = run("inspect " + path("many.safetensors"));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(r.status, 0);
  EXPECT_TRUE(contains(r.output, "layer.3999")) << r.output.substr(0, 2000);
  EXPECT_LT(seconds, 20.0);
}

// A FIFO (or any file that is not regular) as an input is refused at once: opening it used to wait for a
// writer before the check could run.
TEST_F(Cli, FifoInputsAreRefusedWithoutBlocking) {
  ASSERT_EQ(::mkfifo(path("pipe").c_str(), 0600), 0);
  Result r = run("inspect " + path("pipe"));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "'" + path("pipe") + "' is not a regular file (a FIFO)")) << r.output;
  r = run("diagnose mlp --input-file " + path("pipe"));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "is not a regular file (a FIFO)")) << r.output;
  r = run("init " + path("pipe"));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "MODEL: '" + path("pipe") + "' is not a regular file holding an expression"))
      << r.output;
  r = run("inspect " + directory_.string());
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "is not a regular file (a directory)")) << r.output;
}

// Outputs that are not regular files are refused before any work, and left as they are: -o /dev/null once
// replaced the device with a regular file (as root), and -o /dev/full reported success.
TEST_F(Cli, SpecialOutputPathsAreRefusedAndLeftAsTheyAre) {
  ASSERT_EQ(::mkfifo(path("pipe").c_str(), 0600), 0);
  struct Case {
    std::string output;
    std::string what;
  };
  const Case cases[] = {{"/dev/null", "is a character device"},
                        {"/dev/full", "is a character device"},
                        {path("pipe"), "is a FIFO"},
                        {directory_.string(), "is a directory"}};
  for (const Case& c : cases) {
    for (const std::string command : {"fill ones_ --shape 2 -o ", "init mlp -o ", "diagnose mlp --report "}) {
      const Result r = run(command + c.output);
      EXPECT_EQ(r.status, 3) << command << c.output << "\n" << r.output;
      EXPECT_TRUE(contains(r.output, "'" + c.output + "' " + c.what + "; nninit writes only regular files"))
          << r.output;
    }
  }
  EXPECT_TRUE(fs::is_character_file("/dev/null"));
  EXPECT_TRUE(fs::is_fifo(path("pipe")));
  // A folder that does not exist is found before the model is built, not after.
  const Result r = run("init mlp -o " + path("absent/model.safetensors"));
  EXPECT_EQ(r.status, 3) << r.output;
  EXPECT_TRUE(contains(r.output, "-o: cannot write '" + path("absent/model.safetensors") + "': the folder '" +
                                     path("absent") + "' cannot be used: No such file or directory"))
      << r.output;
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(directory_)) ++files;
  EXPECT_EQ(files, 1u);  // the FIFO alone: no temporary file anywhere
}

// Runs the nninit executable `binary` with `arguments` (no shell) as the user nobody when this process is
// root (root may write into any folder, so permissions would test nothing), and returns its status and its
// stdout and stderr.
Result run_unprivileged(const std::string& binary, const std::vector<std::string>& arguments) {
  int pipe_ends[2];
  Result result;
  if (::pipe(pipe_ends) != 0) return result;
  const pid_t child = ::fork();
  if (child == 0) {
    ::dup2(pipe_ends[1], 1);
    ::dup2(pipe_ends[1], 2);
    ::close(pipe_ends[0]);
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) std::_Exit(126);
    std::vector<char*> argv{const_cast<char*>(binary.c_str())};
    for (const std::string& a : arguments) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(binary.c_str(), argv.data());
    std::_Exit(127);
  }
  ::close(pipe_ends[1]);
  char buffer[4096];
  for (ssize_t n; (n = ::read(pipe_ends[0], buffer, sizeof buffer)) > 0;) result.output.append(buffer, n);
  ::close(pipe_ends[0]);
  int status = 0;
  if (child > 0 && ::waitpid(child, &status, 0) == child && WIFEXITED(status))
    result.status = WEXITSTATUS(status);
  return result;
}

// The folder must be writable; it is checked before the work.
TEST_F(Cli, AnUnwritableFolderIsFoundBeforeTheWork) {
  fs::permissions(directory_, fs::perms::all);  // nobody may enter the test's folder
  fs::create_directories(path("locked"));
  fs::permissions(path("locked"), fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                                      fs::perms::group_exec | fs::perms::others_read |
                                      fs::perms::others_exec);
  // A copy of the executable in the test's folder: the build may sit where nobody cannot reach it (CI builds
  // inside a private temporary folder).
  const std::string binary = path("nninit");
  fs::copy_file(NNINIT_BINARY, binary);
  fs::permissions(binary, fs::perms::all);
  const Result r =
      run_unprivileged(binary, {"fill", "ones_", "--shape", "2", "-o", path("locked/t.safetensors")});
  fs::permissions(path("locked"), fs::perms::owner_all);
  EXPECT_EQ(r.status, 3) << r.output;
  EXPECT_TRUE(contains(r.output, "the folder '" + path("locked") + "' is not writable: Permission denied"))
      << r.output;
  EXPECT_TRUE(fs::is_empty(path("locked")));
}

// An output that is also an input (by name, or by a link to the same file) is refused before anything is
// written, and the input is unchanged.
TEST_F(Cli, AnOutputThatIsAlsoAnInputIsRefused) {
  std::ofstream(path("model.txt")) << "Sequential(Linear(4, 3), ReLU())";
  const nninit::Tensor x = nninit::Tensor::full({2, 4}, 0.5);
  nninit::io::write_safetensors(path("x.safetensors"), std::vector<nninit::NamedTensor>{{"x", x}});
  fs::create_hard_link(path("x.safetensors"), path("same.safetensors"));
  const auto before = fs::file_size(path("x.safetensors"));

  Result r = run("init " + path("model.txt") + " -o " + path("model.txt"));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "-o " + path("model.txt") + ": is also an input")) << r.output;
  r = run("diagnose " + path("model.txt") + " --input-file " + path("x.safetensors") + " --report " +
          path("same.safetensors"));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "--report " + path("same.safetensors") + ": is also an input ('" +
                                     path("x.safetensors") + "')"))
      << r.output;
  EXPECT_EQ(fs::file_size(path("x.safetensors")), before);
  std::ifstream model(path("model.txt"));
  std::string text;
  std::getline(model, text);
  EXPECT_EQ(text, "Sequential(Linear(4, 3), ReLU())");
}

// A symbolic link at the output's name is replaced by the new file; the file it pointed to is not written
// through it (the report's old writer followed such links).
TEST_F(Cli, ALinkAtTheOutputIsReplacedNotFollowed) {
  std::ofstream(path("victim")) << "precious";
  fs::create_symlink(path("victim"), path("report.html"));
  const Result r = run("diagnose mlp --report " + path("report.html"));
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_FALSE(fs::is_symlink(path("report.html")));
  std::ifstream victim(path("victim"));
  std::string text;
  std::getline(victim, text);
  EXPECT_EQ(text, "precious");
}

// Names and metadata from a file reach the terminal escaped, as Python's repr writes them: a file cannot
// send escape sequences (here: colour, a C1 CSI and a title change) to the user's terminal.
TEST_F(Cli, NamesAndMetadataFromAFileAreEscaped) {
  const std::vector<nninit::NamedTensor> tensors{
      {"w\x1b[31mred\xc2\x9b"
       "2J",
       nninit::Tensor::full({2}, 1.0)}};
  nninit::io::write_safetensors(path("evil.safetensors"), tensors, {{"note\x07", "\x1b]0;owned\x07\n"}});
  const Result r = run("inspect " + path("evil.safetensors"));
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output.find('\x1b'), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find('\x07'), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("\xc2\x9b"), std::string::npos) << r.output;
  EXPECT_TRUE(contains(r.output, "w\\x1b[31mred\\x9b2J  ")) << r.output;
  EXPECT_TRUE(contains(r.output, "  note\\x07: \\x1b]0;owned\\x07\\n\n")) << r.output;
  // --json is escaped by JSON itself, and keeps the exact name.
  const Result json = run("inspect --json " + path("evil.safetensors"));
  ASSERT_EQ(json.status, 0) << json.output;
  EXPECT_EQ(json.output.find('\x1b'), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(json.output)["tensors"][0]["name"],
            "w\x1b[31mred\xc2\x9b"
            "2J");
  // Errors that quote a name from a file are escaped too.
  std::ofstream(path("expr.txt")) << "Linear(2, 2, nonlinearity='\x1b[2J')";
  const Result error = run("init " + path("expr.txt"));
  EXPECT_EQ(error.status, 2) << error.output;
  EXPECT_EQ(error.output.find('\x1b'), std::string::npos) << error.output;
  EXPECT_TRUE(contains(error.output, "nonlinearity='\\x1b[2J'")) << error.output;
}

// NaN and infinity are counted, not hidden: [nan, inf, -0.0] once showed as mean 0, std 0 and 100% zeros.
// Now: one finite element, whose mean is 0 and whose std is undefined ("-"; torch.std of one element is
// nan), 33% zeros over all three elements, 2 non-finite.
TEST_F(Cli, NonFiniteValuesAreCountedAndUndefinedStatisticsSaySo) {
  const double values[] = {std::nan(""), INFINITY, -0.0};
  const std::vector<nninit::NamedTensor> tensors{{"t", nninit::Tensor::from_values(values, {3})}};
  nninit::io::write_safetensors(path("nan.safetensors"), tensors);
  const Result r = run("inspect " + path("nan.safetensors"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "nan/inf")) << r.output;
  EXPECT_TRUE(contains(collapse_spaces(r.output), "t float32 [3] - - 0 - -0 -0 33% 2 |")) << r.output;
  const Result json = run("inspect --json " + path("nan.safetensors"));
  ASSERT_EQ(json.status, 0) << json.output;
  const auto t = nlohmann::json::parse(json.output)["tensors"][0];
  EXPECT_TRUE(t["std"].is_null()) << t;
  EXPECT_EQ(t["non_finite"], 2) << t;
  const double only_nan[] = {std::nan(""), std::nan("")};
  const std::vector<nninit::NamedTensor> nans{{"n", nninit::Tensor::from_values(only_nan, {2})}};
  nninit::io::write_safetensors(path("nans.safetensors"), nans);
  const auto n =
      nlohmann::json::parse(run("inspect --json " + path("nans.safetensors")).output)["tensors"][0];
  EXPECT_TRUE(n["mean"].is_null()) << n;
  EXPECT_TRUE(n["min"].is_null()) << n;
}

// Runs nninit with `arguments` (no shell), its output discarded, and returns its peak resident memory in
// bytes (getrusage's ru_maxrss of that process alone); -1 when it did not exit with status 0.
long peak_memory_of_run(const std::vector<std::string>& arguments) {
  const pid_t child = ::fork();
  if (child == 0) {
    std::vector<char*> argv{const_cast<char*>(NNINIT_BINARY)};
    for (const std::string& a : arguments) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    if (std::freopen("/dev/null", "w", stdout) == nullptr) std::_Exit(127);
    ::execv(NNINIT_BINARY, argv.data());
    std::_Exit(127);
  }
  int status = 0;
  struct rusage usage {};
  if (child < 0 || ::wait4(child, &status, 0, &usage) != child) return -1;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
  return usage.ru_maxrss * 1024L;
}

// `init -o` builds the model under a recording (init/recording.h) and makes one tensor at a time in the
// output file, so its peak memory is a few of the largest tensors, not the model (it once held the float32
// model, and 1.5 models when converting): measured on a model of 32 tensors of 4 MB, written as float32
// and converted to bfloat16.
TEST_F(Cli, InitWithAnOutputHoldsAFewTensorsNotTheModel) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer keeps freed memory in quarantine, so peak memory says nothing here";
#endif
  std::string layers;
  for (int i = 0; i < 32; ++i) layers += "Linear(1024, 1024, bias=False), ";
  const std::string model = "Sequential(" + layers + ")";
  constexpr long model_bytes = 32L * 1024 * 1024 * 4;
  constexpr long largest = 1024L * 1024 * 4;
  const long baseline = peak_memory_of_run({"init", "Linear(2, 2)", "-o", path("small.safetensors")});
  ASSERT_GT(baseline, 0);
  for (const std::vector<std::string>& dtype : {std::vector<std::string>{}, {"--dtype", "bfloat16"}}) {
    std::vector<std::string> arguments{"init", model, "-o", path("model.safetensors")};
    arguments.insert(arguments.end(), dtype.begin(), dtype.end());
    const long peak = peak_memory_of_run(arguments);
    ASSERT_GT(peak, 0);
    const long stored = dtype.empty() ? model_bytes : model_bytes / 2;
    EXPECT_GE(fs::file_size(path("model.safetensors")), static_cast<std::uintmax_t>(stored));
    EXPECT_LT(peak - baseline, 6 * largest)
        << "peak " << peak << " bytes, baseline " << baseline << ", float32 model " << model_bytes
        << (dtype.empty() ? "" : ", converted");
  }
}

}  // namespace
