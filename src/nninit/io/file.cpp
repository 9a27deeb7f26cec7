#include "nninit/io/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <random>
#include <system_error>
#include <utility>

#include <fmt/format.h>

#include "nninit/core/error.h"

namespace nninit::io {
namespace {

std::string reason(int error_number) {
  return std::generic_category().message(error_number);
}

// What a file that is not a regular file is, for messages.
std::string_view file_type_name(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

// The temporary files now open, for the signal handler to remove. A slot holds the path's C string (owned
// by its AtomicOutputFile, which empties the slot before the string goes away) or null. Plain atomics of
// pointers are lock-free, so the handler may read them.
constexpr std::size_t kTempSlots = 64;
std::array<std::atomic<const char*>, kTempSlots> live_temp_files{};
static_assert(std::atomic<const char*>::is_always_lock_free);

// SIGINT/SIGTERM/SIGHUP: remove every temporary file, then die of the signal as if unhandled (so the exit
// status still says which signal). unlink, signal and raise are async-signal-safe.
extern "C" void remove_temp_files_and_reraise(int signal_number) {
  for (auto& slot : live_temp_files) {
    if (const char* path = slot.exchange(nullptr)) ::unlink(path);
  }
  std::signal(signal_number, SIG_DFL);
  std::raise(signal_number);
}

// Installs the handler once, for the signals whose disposition is still the default: a program that
// handles (or ignores) them itself keeps its choice.
void install_signal_cleanup() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (const int signal_number : {SIGINT, SIGTERM, SIGHUP}) {
      struct sigaction current {};
      if (::sigaction(signal_number, nullptr, &current) != 0 || current.sa_handler != SIG_DFL) continue;
      struct sigaction action {};
      action.sa_handler = remove_temp_files_and_reraise;
      sigemptyset(&action.sa_mask);
      ::sigaction(signal_number, &action, nullptr);
    }
  });
}

// Slot index of a registered path, or kTempSlots when every slot is taken (the file is then only removed
// by the destructor, as before, not on a signal).
std::size_t register_temp_file(const char* path) {
  install_signal_cleanup();
  for (std::size_t i = 0; i < kTempSlots; ++i) {
    const char* expected = nullptr;
    if (live_temp_files[i].compare_exchange_strong(expected, path)) return i;
  }
  return kTempSlots;
}

// 64 random bits in hex: a temporary name another user cannot predict and plant a file or link at.
std::string random_suffix() {
  std::random_device device;
  const std::uint64_t bits = (std::uint64_t{device()} << 32) ^ device();
  return fmt::format("{:016x}", bits);
}

}  // namespace

void check_output_path(const std::filesystem::path& target, std::string_view function) {
  if (!target.has_filename()) {
    throw IoError(fmt::format("{}: '{}' does not name a file", function, target.string()));
  }
  struct stat info {};
  if (::stat(target.c_str(), &info) == 0 && !S_ISREG(info.st_mode)) {
    throw IoError(
        fmt::format("{}: '{}' is {}; nninit writes only regular files (it replaces them atomically), so it "
                    "leaves it as it "
                    "is",
                    function, target.string(), file_type_name(info.st_mode)));
  }
  const std::filesystem::path directory = target.has_parent_path() ? target.parent_path() : ".";
  if (::stat(directory.c_str(), &info) != 0) {
    throw IoError(fmt::format("{}: cannot write '{}': the folder '{}' cannot be used: {}", function,
                              target.string(), directory.string(), reason(errno)));
  }
  if (!S_ISDIR(info.st_mode)) {
    throw IoError(fmt::format("{}: cannot write '{}': '{}' is not a folder", function, target.string(),
                              directory.string()));
  }
  if (::access(directory.c_str(), W_OK | X_OK) != 0) {
    throw IoError(fmt::format("{}: cannot write '{}': the folder '{}' is not writable: {}", function,
                              target.string(), directory.string(), reason(errno)));
  }
}

InputFile::InputFile(std::filesystem::path path, std::string_view function)
    : path_(std::move(path)), function_(function) {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, forever, before the check
  // below could refuse it. On a regular file the flag changes nothing; it is cleared all the same.
  fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd_ < 0) {
    throw IoError(fmt::format("{}: cannot open '{}': {}", function_, path_.string(), reason(errno)));
  }
  struct stat info {};
  if (::fstat(fd_, &info) != 0) {
    const int error_number = errno;
    ::close(fd_);
    throw IoError(fmt::format("{}: cannot stat '{}': {}", function_, path_.string(), reason(error_number)));
  }
  if (!S_ISREG(info.st_mode)) {
    ::close(fd_);
    throw IoError(fmt::format("{}: '{}' is not a regular file ({})", function_, path_.string(),
                              file_type_name(info.st_mode)));
  }
  const int flags = ::fcntl(fd_, F_GETFL);
  if (flags >= 0) ::fcntl(fd_, F_SETFL, flags & ~O_NONBLOCK);
  size_ = static_cast<std::uint64_t>(info.st_size);
}

InputFile::~InputFile() {
  if (fd_ >= 0) ::close(fd_);
}

void InputFile::read_at(std::uint64_t offset, std::span<std::byte> out) const {
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      throw IoError(fmt::format("{}: cannot read '{}' at byte {}: {}", function_, path_.string(),
                                offset + done, reason(errno)));
    }
    if (n == 0) {
      throw IoError(
          fmt::format("{}: '{}' ended at byte {} while reading {} bytes at byte {} (was it truncated?)",
                      function_, path_.string(), offset + done, out.size(), offset));
    }
    done += static_cast<std::size_t>(n);
  }
}

AtomicOutputFile::AtomicOutputFile(std::filesystem::path target, std::string_view function)
    : target_(std::move(target)), function_(function) {
  done_ = true;  // nothing to remove until the temporary file exists
  check_output_path(target_, function_);
  const std::filesystem::path directory = target_.has_parent_path() ? target_.parent_path() : ".";
  // O_EXCL creates a new file or fails, and never follows a link planted at the name; O_NOFOLLOW says
  // so again for systems where O_EXCL alone would.
  for (int attempt = 0; attempt < 100; ++attempt) {
    temp_path_ =
        directory / fmt::format(".{}.tmp-{}-{}", target_.filename().string(), ::getpid(), random_suffix());
    fd_ = ::open(temp_path_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd_ >= 0) {
      done_ = false;
      slot_ = register_temp_file(temp_path_.c_str());
      return;
    }
    if (errno != EEXIST) break;
  }
  const int error_number = errno;
  throw IoError(fmt::format("{}: cannot create a temporary file for '{}' in '{}': {}", function_,
                            target_.string(), directory.string(), reason(error_number)));
}

AtomicOutputFile::~AtomicOutputFile() {
  discard();
}

void AtomicOutputFile::fail(std::string_view what, int error_number) {
  discard();
  throw IoError(fmt::format("{}: cannot {} '{}' (temporary file '{}'): {}", function_, what, target_.string(),
                            temp_path_.string(), reason(error_number)));
}

void AtomicOutputFile::check_open() const {
  if (fd_ < 0) {
    throw IoError(
        fmt::format("{}: '{}': the temporary file was already closed (committed, or discarded after "
                    "an earlier error)",
                    function_, target_.string()));
  }
}

void AtomicOutputFile::write(std::span<const std::byte> bytes) {
  check_open();
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("write", errno);
    done += static_cast<std::size_t>(n);
  }
}

void AtomicOutputFile::write_at(std::uint64_t offset, std::span<const std::byte> bytes) {
  check_open();
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n =
        ::pwrite(fd_, bytes.data() + done, bytes.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("write", errno);
    done += static_cast<std::size_t>(n);
  }
}

void AtomicOutputFile::allocate(std::uint64_t size) {
  check_open();
  if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) fail("resize", errno);
  if (size == 0) return;
  // posix_fallocate returns the error instead of setting errno; glibc emulates it where the file
  // system lacks fallocate.
  const int error_number = ::posix_fallocate(fd_, 0, static_cast<off_t>(size));
  if (error_number != 0) fail("allocate space for", error_number);
}

void AtomicOutputFile::commit() {
  check_open();
  if (::fsync(fd_) != 0) fail("flush", errno);
  const int fd = std::exchange(fd_, -1);
  if (::close(fd) != 0) fail("close", errno);
  if (std::rename(temp_path_.c_str(), target_.c_str()) != 0) fail("rename the temporary file to", errno);
  done_ = true;
  unregister();
  const std::filesystem::path directory = target_.has_parent_path() ? target_.parent_path() : ".";
  const int directory_fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (directory_fd >= 0) {
    ::fsync(directory_fd);  // best effort: the file is already in place
    ::close(directory_fd);
  }
}

void AtomicOutputFile::discard() noexcept {
  if (fd_ >= 0) ::close(std::exchange(fd_, -1));
  if (!done_) {
    unregister();
    ::unlink(temp_path_.c_str());
    done_ = true;
  }
}

void AtomicOutputFile::unregister() noexcept {
  if (slot_ < kTempSlots) live_temp_files[std::exchange(slot_, kTempSlots)].store(nullptr);
}

}  // namespace nninit::io
