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
    write(scratch, generator);
  }
  if (!tensor.defined()) return;
  calls_by_storage_[tensor.storage().get()].push_back({tensor, std::move(write), std::move(before)});
  ++calls_;
}

void InitRecording::record_copy(const Tensor& source, const Tensor& copy) {
  if (!is_whole(source)) {
    refuse("a copied module holds a view of part of a tensor");
    return;
  }
  const auto found = calls_by_storage_.find(source.storage().get());
  const std::size_t count = found == calls_by_storage_.end() ? 0 : found->second.size();
  calls_by_storage_[copy.storage().get()].push_back(
      {copy, [this, source, count](const Tensor& target, Generator*) { replay(source, target, count); },
       nullptr});
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

void InitRecording::materialize(const Tensor& tensor, const Tensor& out) const {
  if (!is_whole(tensor)) {
    throw ValueError("InitRecording::materialize: the tensor must be a whole contiguous tensor, not a view");
  }
  if (out.dtype() != tensor.dtype() || out.sizes() != tensor.sizes() || !out.is_contiguous()) {
    throw ValueError(fmt::format(
        "InitRecording::materialize: out must be a contiguous {} tensor of shape [{}], got {} of shape [{}]",
        dtype_name(tensor.dtype()), fmt::join(tensor.sizes(), ", "), dtype_name(out.dtype()),
        fmt::join(out.sizes(), ", ")));
  }
  replay(tensor, out, std::numeric_limits<std::size_t>::max());
}

void InitRecording::replay(const Tensor& tensor, const Tensor& out, std::size_t count) const {
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
    if (tensor.numel() > 0) std::memcpy(out.raw_data(), tensor.raw_data(), tensor.storage()->nbytes());
  } else {
    --begin;
  }
  if (begin == end) return;
  const ScopedWarningCapture already_warned;
  const internal::NestedWrite nested;
  for (std::size_t i = begin; i < end; ++i) {
    const Call& call = calls[i];
    const Tensor target(out.storage(), out.dtype(), call.target.sizes(), call.target.strides(),
                        out.storage_offset() + call.target.storage_offset());
    const std::unique_ptr<Generator> generator =
        call.generator != nullptr ? call.generator->clone() : nullptr;
    call.write(target, generator.get());
  }
}

}  // namespace nninit::init
