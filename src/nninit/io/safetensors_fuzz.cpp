// libFuzzer entry point for the safetensors reader (built with -DNNINIT_FUZZ=ON and clang). Any input must
// either be read or throw one of nninit's typed errors; crashes, sanitizer reports, hangs and other
// exceptions are bugs. A file that is read must agree with its own header: every tensor has the header's
// shape and byte size, and its bytes lie inside the image.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>

#include "nninit/core/error.h"
#include "nninit/io/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::byte> image(reinterpret_cast<const std::byte*>(data), size);
  try {
    const nninit::io::SafetensorsContents contents = nninit::io::parse_safetensors(image, "<fuzz>");
    if (contents.tensors.size() != contents.header.tensors.size()) std::abort();
    for (std::size_t i = 0; i < contents.tensors.size(); ++i) {
      const nninit::io::TensorInfo& info = contents.header.tensors[i];
      const nninit::Tensor& t = contents.tensors[i].tensor;
      if (contents.tensors[i].name != info.name || t.sizes() != info.shape) std::abort();
      const std::uint64_t bytes = static_cast<std::uint64_t>(t.numel()) * nninit::itemsize(t.dtype());
      if (bytes != info.nbytes() || 8 + contents.header.header_size + info.end > size) std::abort();
      // Every byte of the tensor is read, so that a short or misplaced buffer is an ASan report.
      unsigned char sink = 0;
      const auto* raw = reinterpret_cast<const unsigned char*>(t.raw_data());
      for (std::uint64_t b = 0; b < bytes; ++b) sink = static_cast<unsigned char>(sink ^ raw[b]);
      volatile unsigned char keep = sink;
      (void)keep;
    }
  } catch (const nninit::Error&) {
  }
  return 0;
}
