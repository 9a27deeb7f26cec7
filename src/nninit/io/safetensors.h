// Reading and writing safetensors files (https://github.com/huggingface/safetensors, README "Format").
//
// Reading is strict (safetensors_header.h lists what is checked): a file nninit accepts is one the
// reference reader accepts, and a malformed file is an IoError naming the file and the fault. Tensors
// of the dtypes nninit holds (F32, F64, F16, BF16, I64) are read into contiguous Tensors; the other
// dtypes of the format are listed in the header, but reading their data is a NotImplementedError.
//
// Writing is atomic (a temporary file, fsync, rename; see file.h) and uses the reference writer's
// layout (see safetensors_layout.h). For outputs too large to hold in memory, see
// safetensors_writer.h.
//
// Reading gives Tensors with storage of their own (no mapping of the file stays open); writing reads the
// tensors during the call only.
//
//   io::write_safetensors("model.safetensors", model->state_dict());  // safetensors.torch.save_file
//   const io::SafetensorsContents file = io::read_safetensors("model.safetensors");
//   const Tensor& w = file.at("0.weight");                             // contiguous; copy it to keep it
//   const Tensor b = io::read_safetensors_tensor("model.safetensors", "0.bias");  // that tensor's bytes only
//   io::read_safetensors_header("model.safetensors").tensors;          // names, dtypes, shapes, offsets
#pragma once

#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nninit/core/tensor.h"
#include "nninit/io/file.h"
#include "nninit/io/safetensors_header.h"
#include "nninit/io/safetensors_layout.h"

namespace nninit::io {

// A whole file: its header and its tensors.
struct SafetensorsContents {
  SafetensorsHeader header;
  // tensors[i] holds header.tensors[i]: the header's order. header.offset_order() gives data order.
  std::vector<NamedTensor> tensors;

  // The tensor named `name`; ValueError when there is none. A linear search: for many lookups, build
  // a map.
  const Tensor& at(std::string_view name) const;
};

// Reads and validates only the header: 8 + N bytes, however large the file.
SafetensorsHeader read_safetensors_header(const std::filesystem::path& path);

// An open safetensors file whose header was read and validated once, at construction; its tensors are
// then read one at a time, each from its own bytes only (for `inspect`: time linear in the file, memory
// bounded by the largest tensor). The file stays open for the object's lifetime.
class SafetensorsFile {
 public:
  explicit SafetensorsFile(const std::filesystem::path& path);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const SafetensorsHeader& header() const { return header_; }
  // The data of `info`, an entry of header().tensors: NotImplementedError for a dtype nninit does not
  // hold; IoError if the file has changed and no longer holds the bytes.
  Tensor read(const TensorInfo& info) const;

 private:
  std::string source_;
  std::unique_ptr<InputFile> file_;
  SafetensorsHeader header_;
};

// Reads the whole file. NotImplementedError, before any data is read, when a tensor's dtype is not one
// nninit holds.
SafetensorsContents read_safetensors(const std::filesystem::path& path);

// Reads one tensor: the header, then only that tensor's bytes. ValueError when the file has no tensor
// named `name`; NotImplementedError for a dtype nninit does not hold.
Tensor read_safetensors_tensor(const std::filesystem::path& path, std::string_view name);

// read_safetensors for an in-memory file image; `source` names it in messages. For tests and fuzzing.
SafetensorsContents parse_safetensors(std::span<const std::byte> image, std::string_view source = "<memory>");

// Writes `tensors` to `path` atomically: an existing file is replaced only when the new one is
// complete, and left untouched on any error. Tensors may be any strided views; each is written in
// logical (row-major) order. `metadata` becomes `__metadata__` (none when empty; the default is what
// Hugging Face tools write). ValueError before anything is written for an undefined tensor or a name
// plan_safetensors refuses; IoError (naming the path and the system's reason) when the file cannot be
// created, written or renamed.
void write_safetensors(const std::filesystem::path& path, std::span<const NamedTensor> tensors,
                       const Metadata& metadata = Metadata{{"format", "pt"}});

}  // namespace nninit::io
