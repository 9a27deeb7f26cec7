// How the init functions take part in an InitRecording (recording.h): each wraps its work, as a function
// of the tensor it writes and the generator it draws from, in recorded_write. With no recording active, or
// inside another init function's work (delta_orthogonal_ calling orthogonal_), the work runs at once on the
// tensor; otherwise the active recording runs it on scratch memory and remembers it.
#pragma once

#include <utility>

#include "nninit/init/recording.h"

namespace nninit::init::internal {

// The recording that the outermost init function on this thread reports to, or null.
InitRecording* recording_for_next_write();

// Marks the calling thread as inside an init function's work while it lives.
class NestedWrite {
 public:
  NestedWrite();
  ~NestedWrite();
  NestedWrite(const NestedWrite&) = delete;
  NestedWrite& operator=(const NestedWrite&) = delete;
};

template <class Work>
Tensor recorded_write(const Tensor& tensor, Generator* generator, Work&& work) {
  if (InitRecording* recording = recording_for_next_write()) {
    recording->record(tensor, generator, InitRecording::Write(std::forward<Work>(work)));
    return tensor;
  }
  const NestedWrite nested;
  work(tensor, generator);
  return tensor;
}

// For work that cannot be replayed: runs it at once and marks the active recording (if any) incomplete.
template <class Work>
Tensor unrecordable_write(const Tensor& tensor, const char* reason, Work&& work) {
  if (InitRecording* recording = recording_for_next_write()) recording->refuse(reason);
  const NestedWrite nested;
  work(tensor);
  return tensor;
}

}  // namespace nninit::init::internal
