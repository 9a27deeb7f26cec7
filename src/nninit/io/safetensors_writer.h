// SafetensorsWriter: writes a safetensors file too large to hold in memory, one tensor at a time.
//
// Every tensor is declared up front, so the header (and with it every tensor's place in the file) is
// known before any value is. The output is a temporary file of the final size, with its blocks
// allocated at construction (a full disk fails then, as an IoError). Each tensor is then provided in
// either of two ways, in any order:
//   * write(name, value): copies a Tensor of the declared dtype and shape (any strides) into the file;
//   * view(name): returns a contiguous Tensor over the tensor's bytes in a shared memory mapping of the
//     file; whatever is stored through it before commit() is the file's content. A 10 GB model then
//     needs no 10 GB of extra memory: the page cache holds it, and writes it back as it likes.
// commit() flushes everything, checks that every tensor was provided, and renames the file into
// place. Destroying the writer without commit(), or any error, removes the temporary file and leaves
// an existing file at `path` untouched.
//
// The file is byte-identical to what write_safetensors writes for the same tensors (one layout,
// safetensors_layout.h). The writer is not thread-safe, but views may be filled concurrently.
//
// A view keeps the mapping alive (it may outlive the writer), but only what was stored through it before
// commit() reaches the file.
//
//   const io::TensorSpec specs[] = {{"embed.weight", DType::float32, {50000, 4096}},
//                                   {"embed.bias", DType::float32, {4096}}};
//   io::SafetensorsWriter writer("big.safetensors", specs);
//   init::normal_(writer.view("embed.weight"), {.std = 0.02});  // drawn straight into the mapped file
//   writer.write("embed.bias", Tensor::zeros({4096}));
//   writer.commit();                                            // "big.safetensors" appears only now
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "nninit/core/tensor.h"
#include "nninit/io/file.h"
#include "nninit/io/safetensors_header.h"
#include "nninit/io/safetensors_layout.h"

namespace nninit::io {

class SafetensorsWriter {
 public:
  // Plans the file (ValueError as plan_safetensors), creates the temporary file, sizes it and writes
  // the header (IoError).
  SafetensorsWriter(std::filesystem::path path, std::span<const TensorSpec> tensors,
                    const Metadata& metadata = Metadata{{"format", "pt"}});
  ~SafetensorsWriter();
  SafetensorsWriter(const SafetensorsWriter&) = delete;
  SafetensorsWriter& operator=(const SafetensorsWriter&) = delete;

  // The file's header: the tensors in data order, with their offsets.
  const SafetensorsHeader& header() const { return layout_.header; }

  // Copies `value` into the file. ValueError for an undeclared name or a dtype or shape other than
  // the declared ones. Writing a tensor again replaces its bytes.
  void write(std::string_view name, const Tensor& value);

  // A writable contiguous Tensor over the named tensor's bytes in the mapped file, aligned to its
  // element size; obtaining it counts as providing the tensor. The mapping lives as long as any view
  // does, but only what is stored before commit() is guaranteed to reach the file.
  Tensor view(std::string_view name);

  // Says that the named tensor's bytes are final: their write to disk starts now, in the background, and
  // their pages leave this process's resident memory (the page cache keeps them until they are written).
  // Views stay valid; reading one again brings its pages back. What keeps `nninit init -o` of a model larger
  // than memory within a bounded footprint. A no-op before the first view() and for empty tensors.
  void release(std::string_view name);

  // msync + fsync + rename. ValueError, and no file, when a declared tensor was never provided;
  // IoError when flushing or renaming fails. Anything after a commit() or a failed one is an error.
  void commit();

 private:
  std::size_t index_of(std::string_view name, std::string_view function) const;
  void check_usable(std::string_view function) const;

  SafetensorsLayout layout_;
  AtomicOutputFile file_;
  std::map<std::string, std::size_t, std::less<>> index_;  // name -> position in layout_.header.tensors
  std::vector<bool> provided_;                             // by position in layout_.header.tensors
  std::shared_ptr<std::byte> mapping_;  // the whole file, mapped on the first view(); unmapped by its deleter
  bool finished_ = false;               // committed, or a commit failed
};

}  // namespace nninit::io
