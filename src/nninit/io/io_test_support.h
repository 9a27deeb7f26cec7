// Support for the io layer's tests; "_test" in the name keeps it out of the installed headers. A scratch
// directory that removes itself, whole-file reads and writes, a stand-in for a full disk, and
// predicates that show the whole message when a substring is missing.
#pragma once

#include <sys/resource.h>
#include <unistd.h>

#include <csignal>

#include <atomic>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace nninit::io::test_support {

// For EXPECT_PRED_FORMAT2(has_substr, text, part): shows the whole text when the part is missing.
inline ::testing::AssertionResult has_substr(const char* text_expression, const char* /*part_expression*/,
                                             std::string_view text, std::string_view part) {
  if (text.find(part) != std::string_view::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << text_expression << " is\n  \"" << text << "\"\nwhich lacks\n  \"" << part << "\"";
}

// For EXPECT_PRED_FORMAT2(starts_with, text, prefix).
inline ::testing::AssertionResult starts_with(const char* text_expression, const char* /*prefix_expression*/,
                                              std::string_view text, std::string_view prefix) {
  if (text.substr(0, prefix.size()) == prefix) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << text_expression << " is\n  \"" << text << "\"\nwhich does not start with\n  \"" << prefix << "\"";
}

// Runs `fn`, expects it to throw an exception of type E, and returns the message (empty, with a test
// failure, when it throws nothing or something else).
template <class E, class Fn>
std::string error_message(Fn&& fn) {
  try {
    fn();
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected another exception type, got: " << e.what();
    return {};
  }
  ADD_FAILURE() << "expected an exception";
  return {};
}

// A fresh, empty directory under the system's temporary directory, removed with its contents.
class TempDirectory {
 public:
  TempDirectory() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("nninit-io-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDirectory(const TempDirectory&) = delete;
  TempDirectory& operator=(const TempDirectory&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

  // The names of the entries in the directory (hidden ones, such as temporary files, included).
  std::set<std::string> entries() const {
    std::set<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(path_))
      names.insert(entry.path().filename());
    return names;
  }

 private:
  std::filesystem::path path_;
};

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void write_file(const std::filesystem::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Makes writes past `bytes` fail with EFBIG ("File too large") while it lives: a stand-in for a full
// disk that needs no special file system. SIGXFSZ is ignored meanwhile, so the write fails instead of
// killing the process.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    ::getrlimit(RLIMIT_FSIZE, &saved_);
    previous_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    rlimit limited = saved_;
    limited.rlim_cur = bytes;
    ::setrlimit(RLIMIT_FSIZE, &limited);
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &saved_);
    std::signal(SIGXFSZ, previous_handler_);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  rlimit saved_{};
  void (*previous_handler_)(int) = nullptr;
};

}  // namespace nninit::io::test_support
