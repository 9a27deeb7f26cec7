#include "nninit/io/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "nninit/core/error.h"
#include "nninit/io/io_test_support.h"

namespace nninit::io {
namespace {

using test_support::FileSizeLimit;
using test_support::has_substr;
using test_support::read_file;
using test_support::starts_with;
using test_support::TempDirectory;
using test_support::write_file;

std::span<const std::byte> bytes_of(const std::string& text) {
  return std::as_bytes(std::span<const char>(text.data(), text.size()));
}

template <class Fn>
std::string io_error_message(Fn&& fn) {
  return test_support::error_message<IoError>(fn);
}

TEST(InputFile, ReadsAtOffsets) {
  TempDirectory dir;
  write_file(dir / "f", "0123456789");
  const InputFile file(dir / "f", "test_read");
  EXPECT_EQ(file.size(), 10U);
  std::string out(4, '?');
  file.read_at(3, std::as_writable_bytes(std::span<char>(out.data(), out.size())));
  EXPECT_EQ(out, "3456");
}

TEST(InputFile, MissingFileNamesPathAndReason) {
  TempDirectory dir;
  const std::string message = io_error_message([&] { InputFile(dir / "absent.safetensors", "test_read"); });
  EXPECT_PRED_FORMAT2(starts_with, message, "test_read: cannot open '");
  EXPECT_PRED_FORMAT2(has_substr, message, "absent.safetensors");
  EXPECT_PRED_FORMAT2(has_substr, message, "No such file or directory");
}

TEST(InputFile, DirectoryIsNotARegularFile) {
  TempDirectory dir;
  EXPECT_PRED_FORMAT2(has_substr, io_error_message([&] { InputFile(dir.path(), "test_read"); }),
                      "is not a regular file");
}

TEST(InputFile, ReadPastTheEndIsAnError) {
  TempDirectory dir;
  write_file(dir / "f", "0123");
  const InputFile file(dir / "f", "test_read");
  std::vector<std::byte> out(8);
  const std::string message = io_error_message([&] { file.read_at(2, out); });
  EXPECT_PRED_FORMAT2(has_substr, message, "ended at byte 4 while reading 8 bytes at byte 2");
}

TEST(AtomicOutputFile, CommitCreatesTheTargetAndLeavesNoTemporaryFile) {
  TempDirectory dir;
  {
    AtomicOutputFile file(dir / "out.bin", "test_write");
    EXPECT_EQ(file.temp_path().parent_path(), dir.path());
    EXPECT_PRED_FORMAT2(starts_with, file.temp_path().filename().string(),
                        fmt::format(".out.bin.tmp-{}-", ::getpid()));
    EXPECT_TRUE(std::filesystem::exists(file.temp_path()));
    EXPECT_FALSE(std::filesystem::exists(dir / "out.bin"));
    file.write(bytes_of("hello "));
    file.write_at(0, bytes_of("J"));
    file.write(bytes_of("world"));
    file.commit();
  }
  EXPECT_EQ(read_file(dir / "out.bin"), "Jello world");
  EXPECT_EQ(dir.entries(), (std::set<std::string>{"out.bin"}));
}

TEST(AtomicOutputFile, ReplacesAnExistingFile) {
  TempDirectory dir;
  write_file(dir / "out.bin", "old contents");
  AtomicOutputFile file(dir / "out.bin", "test_write");
  file.write(bytes_of("new"));
  EXPECT_EQ(read_file(dir / "out.bin"), "old contents");  // untouched until the commit
  file.commit();
  EXPECT_EQ(read_file(dir / "out.bin"), "new");
}

TEST(AtomicOutputFile, DestructionWithoutCommitRemovesTheTemporaryFile) {
  TempDirectory dir;
  write_file(dir / "out.bin", "old contents");
  {
    AtomicOutputFile file(dir / "out.bin", "test_write");
    file.write(bytes_of("partial"));
  }
  EXPECT_EQ(read_file(dir / "out.bin"), "old contents");
  EXPECT_EQ(dir.entries(), (std::set<std::string>{"out.bin"}));
}

TEST(AtomicOutputFile, MissingDirectoryNamesPathAndReason) {
  TempDirectory dir;
  const std::string message =
      io_error_message([&] { AtomicOutputFile(dir / "no" / "such" / "out.bin", "write_safetensors"); });
  EXPECT_PRED_FORMAT2(starts_with, message, "write_safetensors: cannot write '");
  EXPECT_PRED_FORMAT2(has_substr, message, "out.bin': the folder '");
  EXPECT_PRED_FORMAT2(has_substr, message, "' cannot be used: No such file or directory");
}

TEST(AtomicOutputFile, UnwritableDirectoryNamesPathAndReason) {
  TempDirectory dir;
  std::filesystem::create_directory(dir / "locked");
  ::chmod((dir / "locked").c_str(), 0555);
  // In a child process, which drops root's privileges first (root ignores directory permissions).
  EXPECT_EXIT(
      {
        if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) std::_Exit(2);
        try {
          AtomicOutputFile file(dir / "locked" / "out.bin", "test_write");
        } catch (const IoError& e) {
          std::fprintf(stderr, "%s\n", e.what());
          std::_Exit(0);
        }
        std::_Exit(1);
      },
      ::testing::ExitedWithCode(0),
      "test_write: cannot write .*out.bin.: the folder .*locked. is not writable: Permission denied");
  EXPECT_EQ(dir.entries(), (std::set<std::string>{"locked"}));
  EXPECT_TRUE(std::filesystem::is_empty(dir / "locked"));
}

TEST(AtomicOutputFile, FailedWriteRemovesTheTemporaryFileAndKeepsTheTarget) {
  TempDirectory dir;
  write_file(dir / "out.bin", "old contents");
  AtomicOutputFile file(dir / "out.bin", "test_write");
  const std::string big(1 << 16, 'x');
  std::string message;
  {
    FileSizeLimit limit(4096);  // the next write runs into it, as into a full disk
    message = io_error_message([&] { file.write(bytes_of(big)); });
  }
  EXPECT_PRED_FORMAT2(starts_with, message, "test_write: cannot write '");
  EXPECT_PRED_FORMAT2(has_substr, message, "File too large");
  EXPECT_EQ(read_file(dir / "out.bin"), "old contents");
  EXPECT_EQ(dir.entries(), (std::set<std::string>{"out.bin"}));
  // The file is unusable after a failure.
  EXPECT_PRED_FORMAT2(has_substr, io_error_message([&] { file.commit(); }), "already closed");
  EXPECT_EQ(dir.entries(), (std::set<std::string>{"out.bin"}));
}

TEST(AtomicOutputFile, FailedRenameRemovesTheTemporaryFile) {
  TempDirectory dir;
  AtomicOutputFile file(dir / "out.bin", "test_write");
  file.write(bytes_of("data"));
  // A directory appears at the target after the checks: it cannot be replaced by a file.
  std::filesystem::create_directory(dir / "out.bin");
  write_file(dir / "out.bin" / "inside", "kept");
  const std::string message = io_error_message([&] { file.commit(); });
  EXPECT_PRED_FORMAT2(has_substr, message, "cannot rename the temporary file to");
  EXPECT_PRED_FORMAT2(has_substr, message, "Is a directory");
  EXPECT_EQ(dir.entries(), (std::set<std::string>{"out.bin"}));
  EXPECT_EQ(read_file(dir / "out.bin" / "inside"), "kept");
}

TEST(AtomicOutputFile, AllocateSetsTheSize) {
  TempDirectory dir;
  AtomicOutputFile file(dir / "out.bin", "test_write");
  file.allocate(1000);
  file.write_at(996, bytes_of("tail"));
  file.commit();
  const std::string contents = read_file(dir / "out.bin");
  ASSERT_EQ(contents.size(), 1000U);
  EXPECT_EQ(contents.substr(996), "tail");
  EXPECT_EQ(contents[0], '\0');
}

TEST(AtomicOutputFile, AllocateBeyondTheLimitFails) {
  TempDirectory dir;
  AtomicOutputFile file(dir / "out.bin", "test_write");
  std::string message;
  {
    FileSizeLimit limit(4096);
    message = io_error_message([&] { file.allocate(1 << 20); });
  }
  EXPECT_PRED_FORMAT2(has_substr, message, "File too large");
  EXPECT_TRUE(dir.entries().empty());
}

TEST(AtomicOutputFile, RelativeTargetUsesTheWorkingDirectory) {
  TempDirectory dir;
  const auto previous = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  {
    AtomicOutputFile file("plain.bin", "test_write");
    EXPECT_EQ(file.temp_path().parent_path(), ".");
    file.write(bytes_of("x"));
    file.commit();
  }
  std::filesystem::current_path(previous);
  EXPECT_EQ(read_file(dir / "plain.bin"), "x");
}

TEST(AtomicOutputFile, TargetWithoutFileNameIsAnError) {
  TempDirectory dir;
  EXPECT_PRED_FORMAT2(has_substr, io_error_message([&] { AtomicOutputFile(dir.path() / "", "test_write"); }),
                      "does not name a file");
}

TEST(AtomicOutputFile, ATargetThatIsNotARegularFileIsRefusedAndLeftAsItIs) {
  TempDirectory dir;
  ASSERT_EQ(::mkfifo((dir / "pipe").c_str(), 0600), 0);
  std::filesystem::create_directory(dir / "folder");
  EXPECT_PRED_FORMAT2(has_substr, io_error_message([&] { AtomicOutputFile("/dev/null", "test_write"); }),
                      "test_write: '/dev/null' is a character device; nninit writes only regular files");
  EXPECT_PRED_FORMAT2(has_substr, io_error_message([&] { AtomicOutputFile(dir / "pipe", "test_write"); }),
                      "' is a FIFO; nninit writes only regular files");
  EXPECT_PRED_FORMAT2(has_substr, io_error_message([&] { AtomicOutputFile(dir / "folder", "test_write"); }),
                      "' is a directory; nninit writes only regular files");
  EXPECT_EQ(dir.entries(), (std::set<std::string>{"folder", "pipe"}));
  EXPECT_TRUE(std::filesystem::is_fifo(dir / "pipe"));
  EXPECT_TRUE(std::filesystem::is_character_file("/dev/null"));
}

TEST(AtomicOutputFile, TemporaryNamesAreUnpredictable) {
  // Names with 64 random bits: two files for one target in one process never share a suffix pattern
  // that a counter would make guessable.
  TempDirectory dir;
  const AtomicOutputFile first(dir / "out.bin", "test_write");
  const AtomicOutputFile second(dir / "out.bin", "test_write");
  const std::string prefix = fmt::format(".out.bin.tmp-{}-", ::getpid());
  const std::string a = first.temp_path().filename().string();
  const std::string b = second.temp_path().filename().string();
  ASSERT_PRED_FORMAT2(starts_with, a, prefix);
  ASSERT_PRED_FORMAT2(starts_with, b, prefix);
  EXPECT_EQ(a.size(), prefix.size() + 16);
  EXPECT_NE(a, b);
  EXPECT_NE(a.substr(prefix.size()), "0000000000000000");
}

TEST(AtomicOutputFile, ALinkPlantedAtTheTemporaryNameIsNeverFollowed) {
  // O_EXCL | O_NOFOLLOW: whatever exists at the name, the open fails and another name is tried.
  TempDirectory dir;
  write_file(dir / "victim", "precious");
  AtomicOutputFile file(dir / "out.bin", "test_write");
  const std::filesystem::path taken = file.temp_path();
  file.discard();
  std::filesystem::create_symlink(dir / "victim", taken);
  const int fd = ::open(taken.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
  EXPECT_EQ(fd, -1);
  EXPECT_EQ(errno, EEXIST);
  AtomicOutputFile again(dir / "out.bin", "test_write");
  again.write(bytes_of("new"));
  again.commit();
  EXPECT_EQ(read_file(dir / "victim"), "precious");
  EXPECT_EQ(read_file(dir / "out.bin"), "new");
}

TEST(AtomicOutputFile, SigtermAndSigintRemoveTheTemporaryFile) {
  for (const int signal_number : {SIGTERM, SIGINT}) {
    TempDirectory dir;
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      AtomicOutputFile file(dir / "out.bin", "test_write");
      file.write(bytes_of("partial"));
      std::raise(signal_number);  // as a Ctrl-C or a kill during a long write
      std::_Exit(0);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFSIGNALED(status)) << "the process still dies of the signal";
    if (WIFSIGNALED(status)) {
      EXPECT_EQ(WTERMSIG(status), signal_number);
    }
    EXPECT_EQ(dir.entries(), std::set<std::string>{}) << "signal " << signal_number;
  }
}

}  // namespace
}  // namespace nninit::io
