#include "nninit/init/recording.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "nninit/core/error.h"
#include "nninit/core/warning.h"
#include "nninit/init/internal/recorded_write.h"

namespace nninit::init {
namespace {

thread_local InitRecording* active_recording = nullptr;
thread_local int nested_writes = 0;

bool is_whole(const Tensor& tensor) {
  return tensor.is_contiguous() && tensor.storage_offset() == 0 &&
         static_cast<std::size_t>(tensor.numel()) * itemsize(tensor.dtype()) == tensor.storage()->nbytes();
}

// Forwards to another generator and counts the calls that draw.
class CountingGenerator final : public Generator {
 public:
  explicit CountingGenerator(Generator& inner) : inner_(inner) {}
  std::uint32_t calls() const { return calls_; }

  std::unique_ptr<Generator> clone() const override { return inner_.clone(); }
  void set_values_unneeded(bool unneeded) override { inner_.set_values_unneeded(unneeded); }
  const TorchRelease& release() const override { return inner_.release(); }
  void uniform_(const Tensor& tensor, double from, double to) override {
    ++calls_;
    inner_.uniform_(tensor, from, to);
  }
  void normal_(const Tensor& tensor, double mean, double std) override {
    ++calls_;
    inner_.normal_(tensor, mean, std);
  }
  void trunc_normal_(const Tensor& tensor, double mean, double std, double a, double b) override {
    ++calls_;
    inner_.trunc_normal_(tensor, mean, std, a, b);
  }
  Tensor randperm(std::int64_t n) override {
    ++calls_;
    return inner_.randperm(n);
  }
  void random_(const Tensor& tensor, std::int64_t from, std::int64_t to) override {
    ++calls_;
    inner_.random_(tensor, from, to);
  }

 private:
  Generator& inner_;
  std::uint32_t calls_ = 0;
};

}  // namespace

namespace internal {

InitRecording* recording_for_next_write() {
  return nested_writes == 0 ? active_recording : nullptr;
}

NestedWrite::NestedWrite() {
  ++nested_writes;
}
NestedWrite::~NestedWrite() {
  --nested_writes;
}

}  // namespace internal

InitRecording::InitRecording() {
  if (active_recording != nullptr)
    throw ValueError("InitRecording: a recording is already active on this thread");
  active_recording = this;
}

InitRecording::~InitRecording() {
  finish();
}

void InitRecording::finish() {
  if (active_ && active_recording == this) active_recording = nullptr;
  active_ = false;
  scratch_.reset();  // as large as the largest tensor: not needed for replays
}

void InitRecording::refuse(std::string reason) {
  if (refusal_.empty()) refusal_ = std::move(reason);
}

void InitRecording::record(const Tensor& tensor, Generator* generator, Write write) {
  std::shared_ptr<const Generator> before = generator != nullptr ? generator->clone() : nullptr;
  std::uint32_t draws = 0;
  // The call runs on scratch memory laid out as the tensor's storage: the generator advances as the call
  // would advance it, and errors are thrown before anything is remembered.
  const std::size_t nbytes = tensor.defined() ? tensor.storage()->nbytes() : 0;
  if (scratch_ == nullptr || scratch_->nbytes() < nbytes) scratch_ = Storage::allocate(nbytes);
  const Tensor scratch = tensor.defined()
                             ? Tensor(Storage::wrap(scratch_->data(), nbytes, scratch_), tensor.dtype(),
                                      tensor.sizes(), tensor.strides(), tensor.storage_offset())
                             : tensor;
  {
    // Only the generator's state after the call matters here: it may skip computing values.
    struct ValuesUnneeded {
      Generator* generator;
      explicit ValuesUnneeded(Generator* g) : generator(g) {
        if (generator != nullptr) generator->set_values_unneeded(true);
      }
      ~ValuesUnneeded() {
        if (generator != nullptr) generator->set_values_unneeded(false);
      }
    } const unneeded(generator);
    const internal::NestedWrite nested;
    if (generator != nullptr) {
      CountingGenerator counting(*generator);
      write(scratch, &counting);
      draws = counting.calls();
    } else {
      write(scratch, nullptr);
    }
  }
  if (!tensor.defined()) return;
  calls_by_storage_[tensor.storage().get()].push_back({tensor, std::move(write), std::move(before), draws});
  ++calls_;
}

void InitRecording::record_copy(const Tensor& source, const Tensor& copy) {
  if (!is_whole(source)) {
    refuse("a copied module holds a view of part of a tensor");
    return;
  }
  const auto found = calls_by_storage_.find(source.storage().get());
  const std::size_t count = found == calls_by_storage_.end() ? 0 : found->second.size();
  calls_by_storage_[copy.storage().get()].push_back({copy, {}, nullptr, 0, source, count});
  ++calls_;
}

void copy_storage(const Tensor& source, const Tensor& copy) {
  if (InitRecording* recording = internal::recording_for_next_write()) {
    recording->record_copy(source, copy);
    return;
  }
  const std::size_t nbytes = source.storage()->nbytes();
  if (nbytes != 0) std::memcpy(copy.storage()->data(), source.storage()->data(), nbytes);
}

// materialize's arguments: ValueError unless as recording.h says.
static void check_materialize(const Tensor& tensor, const Tensor& out) {
  if (!is_whole(tensor)) {
    throw ValueError("InitRecording::materialize: the tensor must be a whole contiguous tensor, not a view");
  }
  if (out.dtype() != tensor.dtype() || out.sizes() != tensor.sizes() || !out.is_contiguous()) {
    throw ValueError(fmt::format(
        "InitRecording::materialize: out must be a contiguous {} tensor of shape [{}], got {} of shape [{}]",
        dtype_name(tensor.dtype()), fmt::join(tensor.sizes(), ", "), dtype_name(out.dtype()),
        fmt::join(out.sizes(), ", ")));
  }
}

void InitRecording::materialize(const Tensor& tensor, const Tensor& out) const {
  check_materialize(tensor, out);
  replay(tensor, out, std::numeric_limits<std::size_t>::max(), nullptr);
}

void InitRecording::materialize(const Tensor& tensor, const Tensor& out,
                                const PhiloxGenerator& stream) const {
  check_materialize(tensor, out);
  PhiloxGenerator copy = stream;
  replay(tensor, out, std::numeric_limits<std::size_t>::max(), &copy);
}

std::uint32_t InitRecording::draws_of(const Tensor& tensor, std::size_t count) const {
  const auto found = calls_by_storage_.find(tensor.storage().get());
  if (found == calls_by_storage_.end()) return 0;
  std::uint32_t draws = 0;
  for (std::size_t i = 0; i < std::min(count, found->second.size()); ++i) {
    const Call& call = found->second[i];
    draws += call.copy_of.defined() ? draws_of(call.copy_of, call.copied_calls) : call.draws;
  }
  return draws;
}

void InitRecording::replay(const Tensor& tensor, const Tensor& out, std::size_t count,
                           PhiloxGenerator* stream) const {
  const auto found = calls_by_storage_.find(tensor.storage().get());
  const std::vector<Call> none;
  const std::vector<Call>& calls = found != calls_by_storage_.end() ? found->second : none;
  const std::size_t end = std::min(count, calls.size());
  // Every init function writes every element of its target, so a call whose target is the whole storage
  // overwrites all that came before it: the replay starts at the last such call. (A model's construction
  // draws each weight, then its _init_weights draws it again: only the second is made.)
  std::size_t begin = end;
  while (begin > 0 && !is_whole(calls[begin - 1].target)) --begin;
  if (begin == 0) {
    // Values written outside init functions, or parts that no recorded call overwrites.
    if (tensor.numel() > 0 && out.raw_data() != tensor.raw_data())
      std::memcpy(out.raw_data(), tensor.raw_data(), tensor.storage()->nbytes());
  } else {
    --begin;
  }
  if (stream != nullptr) stream->skip_draws(draws_of(tensor, begin));
  if (begin == end) return;
  const ScopedWarningCapture already_warned;
  const internal::NestedWrite nested;
  for (std::size_t i = begin; i < end; ++i) {
    const Call& call = calls[i];
    const Tensor target(out.storage(), out.dtype(), call.target.sizes(), call.target.strides(),
                        out.storage_offset() + call.target.storage_offset());
    if (call.copy_of.defined()) {
      replay(call.copy_of, target, call.copied_calls, stream);
    } else if (stream != nullptr) {
      call.write(target, call.generator != nullptr ? stream : nullptr);
    } else {
      const std::unique_ptr<Generator> generator =
          call.generator != nullptr ? call.generator->clone() : nullptr;
      call.write(target, generator.get());
    }
  }
}

}  // namespace nninit::init
