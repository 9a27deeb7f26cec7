// POSIX file access for the io layer: reading at offsets, and writing a file atomically (a temporary
// file in the target's directory, fsync, rename over the target).
//
// Every failure is an IoError whose message starts with the calling function (passed in, so that the
// user sees `write_safetensors: ...`, not the name of a helper), then the path and the system's reason
// (strerror). Nothing here prints.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

namespace nninit::io {

// A regular file opened for reading; its size is taken once, at open.
class InputFile {
 public:
  InputFile(std::filesystem::path path, std::string_view function);
  ~InputFile();
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::uint64_t size() const { return size_; }
  // Reads exactly out.size() bytes starting at `offset`; a short read is an IoError.
  void read_at(std::uint64_t offset, std::span<std::byte> out) const;

 private:
  std::filesystem::path path_;
  std::string function_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

// Throws an IoError unless `target` can be written as AtomicOutputFile writes it: it names a file in an
// existing, writable folder, and is either absent or a regular file (after symbolic links). A device, a
// FIFO or a directory there is refused, never replaced. For commands to check before doing their work;
// AtomicOutputFile checks again.
void check_output_path(const std::filesystem::path& target, std::string_view function);

// A new file that replaces `target` only when commit() succeeds; `target` must pass check_output_path.
//
// The bytes go to a temporary file `.<target name>.tmp-<pid>-<64 random bits>` in the target's directory
// (the same file system, so the final rename is atomic), created exclusively (O_EXCL, O_NOFOLLOW: a file or
// link planted at that name is never opened). commit() fsyncs it, renames it over the target and then
// fsyncs the directory (best effort: the rename has already happened). Until then an existing target is
// untouched; if anything fails, or the object is destroyed without commit(), the temporary file is
// removed. SIGINT, SIGTERM and SIGHUP remove it too, then end the process as the signal would (the handler
// is installed with the first file, for the signals the program leaves at their default). The file is
// created with mode 0666 minus the umask, as open(2) would create it.
class AtomicOutputFile {
 public:
  AtomicOutputFile(std::filesystem::path target, std::string_view function);
  ~AtomicOutputFile();
  AtomicOutputFile(const AtomicOutputFile&) = delete;
  AtomicOutputFile& operator=(const AtomicOutputFile&) = delete;

  const std::filesystem::path& target() const { return target_; }
  const std::filesystem::path& temp_path() const { return temp_path_; }
  // The open descriptor of the temporary file (for mmap); -1 after commit() or discard().
  int descriptor() const { return fd_; }

  // Appends at the current position.
  void write(std::span<const std::byte> bytes);
  // Writes at an absolute offset; the current position is unchanged.
  void write_at(std::uint64_t offset, std::span<const std::byte> bytes);
  // Sets the file's size and allocates its blocks, so that a full disk fails here (an IoError) rather
  // than later, as a SIGBUS, through a memory mapping.
  void allocate(std::uint64_t size);
  // fsync, close, rename over the target. On failure the temporary file is removed and the target is
  // as it was. Every write and commit() after a commit or a failure is an IoError.
  void commit();
  // Closes and removes the temporary file; does nothing once committed or discarded. Never throws.
  void discard() noexcept;

 private:
  void check_open() const;
  [[noreturn]] void fail(std::string_view what, int error_number);
  // Takes the temporary file off the list the signal handler removes.
  void unregister() noexcept;

  std::filesystem::path target_;
  std::filesystem::path temp_path_;
  std::string function_;
  int fd_ = -1;
  bool done_ = false;
  std::size_t slot_ = SIZE_MAX;  // this file's place in the signal handler's list; SIZE_MAX: none
};

}  // namespace nninit::io
