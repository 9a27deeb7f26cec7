#include "nninit/io/safetensors_writer.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cassert>
#include <cerrno>
#include <system_error>

#include <fmt/format.h>

#include "nninit/core/error.h"

namespace nninit::io {
namespace {

constexpr std::string_view writer_name = "SafetensorsWriter";

}  // namespace

SafetensorsWriter::SafetensorsWriter(std::filesystem::path path, std::span<const TensorSpec> tensors,
                                     const Metadata& metadata)
    : layout_(detail::plan_safetensors(tensors, metadata, writer_name)),
      file_(std::move(path), writer_name),
      provided_(layout_.header.tensors.size(), false) {
  for (std::size_t i = 0; i < layout_.header.tensors.size(); ++i)
    index_.emplace(layout_.header.tensors[i].name, i);
  file_.allocate(layout_.header.file_size);
  const std::string header = detail::encode_header(layout_);
  file_.write_at(0, std::as_bytes(std::span<const char>(header.data(), header.size())));
}

SafetensorsWriter::~SafetensorsWriter() = default;  // file_ removes an uncommitted temporary file

void SafetensorsWriter::check_usable(std::string_view function) const {
  if (finished_) {
    throw RuntimeError(fmt::format("{}: '{}' was already committed (or its commit failed)", function,
                                   file_.target().string()));
  }
}

std::size_t SafetensorsWriter::index_of(std::string_view name, std::string_view function) const {
  if (const auto found = index_.find(name); found != index_.end()) return found->second;
  throw ValueError(
      fmt::format("{}: '{}' declares no tensor named '{}'", function, file_.target().string(), name));
}

void SafetensorsWriter::write(std::string_view name, const Tensor& value) {
  constexpr std::string_view function = "SafetensorsWriter::write";
  check_usable(function);
  const std::size_t index = index_of(name, function);
  const TensorInfo& info = layout_.header.tensors[index];
  if (!value.defined()) throw ValueError(fmt::format("{}: the tensor for '{}' is undefined", function, name));
  if (value.dtype() != *info.nninit_dtype || value.sizes() != info.shape) {
    throw ValueError(fmt::format("{}: '{}' was declared {} {} but the tensor is {} {}", function, name,
                                 dtype_name(*info.nninit_dtype), shape_string(info.shape),
                                 dtype_name(value.dtype()), shape_string(value.sizes())));
  }
  std::uint64_t position = layout_.header.data_start() + info.begin;
  detail::for_each_byte_chunk(value, [&](std::span<const std::byte> bytes) {
    file_.write_at(position, bytes);
    position += bytes.size();
  });
  provided_[index] = true;
}

Tensor SafetensorsWriter::view(std::string_view name) {
  constexpr std::string_view function = "SafetensorsWriter::view";
  check_usable(function);
  const std::size_t index = index_of(name, function);
  const TensorInfo& info = layout_.header.tensors[index];
  const DType dtype = *info.nninit_dtype;
  std::shared_ptr<Storage> storage;
  if (info.nbytes() == 0) {
    storage = Storage::wrap(nullptr, 0, nullptr);
  } else {
    if (!mapping_) {
      const auto size = static_cast<std::size_t>(layout_.header.file_size);
      void* address = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, file_.descriptor(), 0);
      if (address == MAP_FAILED) {
        throw IoError(fmt::format("{}: cannot map '{}' (temporary file '{}') into memory: {}", function,
                                  file_.target().string(), file_.temp_path().string(),
                                  std::generic_category().message(errno)));
      }
      mapping_ = std::shared_ptr<std::byte>(static_cast<std::byte*>(address),
                                            [size](std::byte* p) { ::munmap(p, size); });
    }
    const std::uint64_t offset = layout_.header.data_start() + info.begin;
    assert(offset % itemsize(dtype) == 0);  // the layout's dtype order guarantees natural alignment
    storage = Storage::wrap(mapping_.get() + offset, static_cast<std::size_t>(info.nbytes()), mapping_);
  }
  provided_[index] = true;
  return Tensor(std::move(storage), dtype, info.shape, contiguous_strides(info.shape), 0);
}

void SafetensorsWriter::release(std::string_view name) {
  constexpr std::string_view function = "SafetensorsWriter::release";
  check_usable(function);
  const TensorInfo& info = layout_.header.tensors[index_of(name, function)];
  if (!mapping_ || info.nbytes() == 0) return;
  const auto begin = static_cast<std::uintptr_t>(layout_.header.data_start() + info.begin);
  const auto end = begin + static_cast<std::uintptr_t>(info.nbytes());
  // Only whole pages: the first and last may hold a neighbour's bytes, still being written.
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const std::uintptr_t first = (begin + page - 1) / page * page;
  const std::uintptr_t last = end / page * page;
  if (first >= last) return;
  // Best effort: either call failing leaves the data where it is, and commit() writes it all.
  ::madvise(mapping_.get() + first, last - first, MADV_DONTNEED);
  ::sync_file_range(file_.descriptor(), static_cast<off_t>(first), static_cast<off_t>(last - first),
                    SYNC_FILE_RANGE_WRITE);
}

void SafetensorsWriter::commit() {
  constexpr std::string_view function = "SafetensorsWriter::commit";
  check_usable(function);
  finished_ = true;
  std::vector<std::string_view> missing;
  for (std::size_t i = 0; i < provided_.size(); ++i) {
    if (!provided_[i]) missing.push_back(layout_.header.tensors[i].name);
  }
  if (!missing.empty()) {
    file_.discard();
    constexpr std::size_t shown = 10;
    const std::size_t count = missing.size();
    if (count > shown) missing.resize(shown);
    throw ValueError(fmt::format("{}: '{}': {} declared tensor(s) never written: '{}'{}", function,
                                 file_.target().string(), count, fmt::join(missing, "', '"),
                                 count > shown ? ", ..." : ""));
  }
  if (mapping_ && ::msync(mapping_.get(), static_cast<std::size_t>(layout_.header.file_size), MS_SYNC) != 0) {
    const int error_number = errno;
    file_.discard();
    throw IoError(fmt::format("{}: cannot flush the mapping of '{}': {}", function, file_.target().string(),
                              std::generic_category().message(error_number)));
  }
  file_.commit();
}

}  // namespace nninit::io
