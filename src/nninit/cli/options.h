// Parsing of the command line's shared option values (seed, dtype, shape, PyTorch release, capability),
// each with a message that says what was wrong and what is accepted. Strings become typed values here
// and nowhere below the cli layer.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "nninit/core/dtype.h"
#include "nninit/core/tensor.h"
#include "nninit/core/torch_release.h"

namespace nninit::cli {

// A seed as torch.manual_seed takes it: an integer in [-2^63, 2^64); negative values wrap modulo 2^64.
std::uint64_t parse_seed(std::string_view text);
// float32 | float64 | float16 | bfloat16 (also torch.float32, float, double, half, bf16 ...).
DType parse_dtype(std::string_view text);
// "256,784" or "[256, 784]" or "" (a scalar). The message does not name the option: the caller does
// (--shape, --input).
Shape parse_shape(std::string_view text);
// "1.13", "2.6", "2.14.1": a release from 1.13 to the newest nninit knows.
TorchVersion parse_torch_version(std::string_view text);
// default | avx2 | avx512
TorchCapability parse_capability(std::string_view text);

// The random engines of --rng.
enum class RngEngine {
  torch,   // PyTorch's mt19937 streams, bit for bit (the default)
  philox,  // nninit's counter-based streams keyed by seed and tensor name (random/philox.h, docs/rng.md §11)
};
// torch | philox
RngEngine parse_rng(std::string_view text);
std::string_view rng_name(RngEngine engine);
// --max-shard-size as transformers' save_pretrained takes it: bytes ("1000000"), or a number (a decimal
// fraction allowed) with a unit, any case: KB, MB, GB, TB (10^3 ... 10^12, as huggingface_hub's
// parse_size_to_int) or KiB, MiB, GiB, TiB (2^10 ... 2^40, as transformers' older convert_file_size_to_int).
// A fractional byte count is rounded down; the result must be at least 1 byte and fit in 64 bits.
std::uint64_t parse_shard_size(std::string_view text);

// Before any work: `output` (the value of `option`, a file to write) can be written (io::check_output_path:
// an existing, writable folder; absent or a regular file), else Failure (exit status 3); and it is none of
// `inputs`, under any name (the same device and inode), else UsageError: writing it would destroy what is
// being read. Empty paths are skipped.
void check_output(std::string_view option, const std::string& output,
                  std::initializer_list<std::string> inputs);

// A usage error: the command line itself is wrong (exit status 2).
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace nninit::cli
