#include "nninit/io/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <system_error>
#include <utility>

#include <fmt/format.h>

#include "nninit/core/error.h"

namespace nninit::io {
namespace {

std::string reason(int error_number) {
  return std::generic_category().message(error_number);
}

// Distinguishes the temporary files of one process; the pid distinguishes processes.
std::atomic<std::uint64_t> temp_counter{0};

}  // namespace

InputFile::InputFile(std::filesystem::path path, std::string_view function)
    : path_(std::move(path)), function_(function) {
  fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
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
    throw IoError(fmt::format("{}: '{}' is not a regular file", function_, path_.string()));
  }
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
  if (!target_.has_filename()) {
    throw IoError(fmt::format("{}: '{}' does not name a file", function_, target_.string()));
  }
  const std::filesystem::path directory = target_.has_parent_path() ? target_.parent_path() : ".";
  for (int attempt = 0; attempt < 100; ++attempt) {
    temp_path_ = directory / fmt::format(".{}.tmp-{}-{}", target_.filename().string(), ::getpid(),
                                         temp_counter.fetch_add(1));
    fd_ = ::open(temp_path_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ >= 0) return;
    if (errno != EEXIST) break;  // a stale file of an earlier process with our pid: try the next name
  }
  const int error_number = errno;
  done_ = true;
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
    ::unlink(temp_path_.c_str());
    done_ = true;
  }
}

}  // namespace nninit::io
