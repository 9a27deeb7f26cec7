// InitRecording: builds a model and applies its rules without keeping their values, so that each tensor's
// values can be made later, one tensor at a time, into memory of the caller's choosing.
//
// While an InitRecording is active on a thread, every init function called there (uniform_, kaiming_normal_,
// orthogonal_, zeros_, ... and the schemes of beyond_torch.h) runs on a scratch copy of its tensor's
// layout instead of the tensor: the generator advances exactly as it would, errors and warnings are the
// same, but the tensor itself is not written. The call is remembered with a copy of the generator as it
// was. materialize(tensor, out) then replays, into `out`, every call that wrote into `tensor`'s storage, in
// order, each from its own copy of the generator: `out` receives the bytes the tensor would hold had the
// calls run immediately. Writes made outside init functions (a module zeroing its buffers) go to the tensor
// itself as usual and are copied from it.
//
// This is how `nninit init -o` keeps its memory bounded: a 7-billion-parameter model is built in address
// space only (its tensors are allocated but their pages never touched), and each tensor is made into a
// scratch buffer or straight into the output file, converted, and forgotten.
//
//   init::InitRecording recording;
//   const nn::ModulePtr model = expr::build_model("Linear(4096, 4096)", default_generator());
//   recording.finish();
//   for (const NamedTensor& p : model->state_dict()) {
//     const Tensor out = Tensor::empty(p.tensor.sizes());
//     recording.materialize(p.tensor, out);  // the values the model would hold
//   }
//
// Not recordable: sparse_, whose permutations come from the default generator whatever generator it is
// given (PyTorch's behaviour). It runs immediately and marks the recording incomplete (complete() false,
// refusal() says why); callers then build the model the ordinary way.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "nninit/core/tensor.h"
#include "nninit/random/generator.h"
#include "nninit/random/philox.h"

namespace nninit::init {

class InitRecording {
 public:
  // Starts recording on this thread; recordings do not nest (ValueError).
  InitRecording();
  ~InitRecording();
  InitRecording(const InitRecording&) = delete;
  InitRecording& operator=(const InitRecording&) = delete;

  // Stops recording; init functions run immediately again. Idempotent.
  void finish();

  bool complete() const { return refusal_.empty(); }
  const std::string& refusal() const { return refusal_; }

  // How many init calls were recorded.
  std::size_t calls() const { return calls_; }

  // Writes into `out` the values `tensor` would hold. `tensor` must be a whole contiguous tensor (a
  // parameter or buffer, not a view of part of one); `out` a contiguous tensor of the same dtype and shape,
  // anywhere (the heap, a file mapping). ValueError otherwise. Warnings of the replayed calls are not
  // emitted again. May be called from several threads at once for different `out`s.
  void materialize(const Tensor& tensor, const Tensor& out) const;
  // The same, but every recorded call draws from `stream` (a copy of it) instead of its remembered
  // generator, as if the tensor's whole history had drawn from it: each generator call is the stream's next
  // draw, calls that a later one overwrites included (their draws are skipped, not made), and calls made on
  // the tensor a copy was made from too. With PhiloxGenerator(seed, name) this is `nninit init --rng
  // philox`: each tensor's values depend on the seed, its name and its own history of init calls only.
  void materialize(const Tensor& tensor, const Tensor& out, const PhiloxGenerator& stream) const;

  // Used by copy_storage and the init functions (internal/recorded_write.h).
  void record_copy(const Tensor& source, const Tensor& copy);
  using Write = std::function<void(const Tensor& target, Generator* generator)>;
  void record(const Tensor& tensor, Generator* generator, Write write);
  void refuse(std::string reason);

 private:
  // materialize with only the first `count` calls on tensor's storage, drawing from the remembered
  // generators, or from `stream` when it is given (which then advances by every call's draws).
  void replay(const Tensor& tensor, const Tensor& out, std::size_t count, PhiloxGenerator* stream) const;
  // The generator calls made by the first `count` calls on tensor's storage, those of copies' sources
  // included.
  std::uint32_t draws_of(const Tensor& tensor, std::size_t count) const;

  struct Call {
    Tensor target;  // the tensor (or view) the call wrote into: its storage and layout
    Write write;
    std::shared_ptr<const Generator>
        generator;            // as it was before the call; null for calls that draw nothing
    std::uint32_t draws = 0;  // the generator calls it made
    // For a copy (record_copy): the tensor copied and how many of its calls had been made.
    Tensor copy_of{};
    std::size_t copied_calls = 0;
  };
  std::map<const Storage*, std::vector<Call>> calls_by_storage_;
  std::shared_ptr<Storage> scratch_;  // where recorded calls write, reused; as large as the largest storage
  std::string refusal_;
  std::size_t calls_ = 0;
  bool active_ = true;
};

// Copies the bytes of source's whole storage into copy's storage, which has the same size (a module's
// deepcopy). With a recording active, the copy is recorded instead: copy's values are source's as they
// are at this point, made when copy is materialised.
void copy_storage(const Tensor& source, const Tensor& copy);

}  // namespace nninit::init
