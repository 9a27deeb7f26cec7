// The fixture of the end-to-end tests: runs the `nninit` executable and gives each test a scratch folder.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

namespace nninit::cli_test {

namespace fs = std::filesystem;

struct Result {
  int status = -1;
  std::string output;  // stdout and stderr together
};

// A shell command's output (stdout and stderr) and exit status.
inline Result shell(const std::string& command) {
  Result result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) result.output += buffer.data();
  const int status = pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// nninit with these arguments (a shell command line).
inline Result run(const std::string& arguments) {
  return shell(std::string(NNINIT_BINARY) + " " + arguments);
}

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ =
        fs::temp_directory_path() / ("nninit-cli-test-" + std::to_string(::getpid()) + "-" +
                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(directory_);
  }
  void TearDown() override { fs::remove_all(directory_); }
  std::string path(const std::string& name) const { return (directory_ / name).string(); }
  fs::path directory_;
};

inline bool have_torch() {
  return fs::exists("/usr/bin/python3") && std::system("/usr/bin/python3 -c 'import torch' 2>/dev/null") == 0;
}

}  // namespace nninit::cli_test
