// Warnings that PyTorch emits through Python's `warnings` module (for example the zero-element
// no-op of kaiming_uniform_). Library code never prints: it hands each warning to the current
// handler, which by default drops it. The command line installs a handler that prints to stderr;
// tests capture warnings with ScopedWarningCapture.
//
// A ScopedWarningCapture collects what its own thread emits while it lives; captures nest (the innermost
// collects) and must end in reverse order of creation, on the thread that made them. The process-wide
// handler is called under a lock, so it must not warn itself.
//
//   ScopedWarningCapture capture;
//   init::kaiming_uniform_(Tensor::empty({0, 3}));  // zero elements: warns, changes nothing
//   for (const Warning& w : capture.warnings()) std::printf("%s\n", w.message.c_str());
//
//   set_warning_handler([](const Warning& w) { std::fprintf(stderr, "warning: %s\n", w.message.c_str()); });
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace nninit {

enum class WarningCategory { user, future, deprecation };

struct Warning {
  WarningCategory category = WarningCategory::user;
  std::string message;
};

using WarningHandler = std::function<void(const Warning&)>;

// Emits a warning to the handler of the calling thread (or the global one when none is set).
void warn(const std::string& message, WarningCategory category = WarningCategory::user);

// Sets the process-wide handler and returns the previous one. An empty handler drops warnings.
WarningHandler set_warning_handler(WarningHandler handler);

// Collects the warnings emitted on this thread while it lives.
class ScopedWarningCapture {
 public:
  ScopedWarningCapture();
  ~ScopedWarningCapture();
  ScopedWarningCapture(const ScopedWarningCapture&) = delete;
  ScopedWarningCapture& operator=(const ScopedWarningCapture&) = delete;
  const std::vector<Warning>& warnings() const { return warnings_; }

 private:
  friend void warn(const std::string& message, WarningCategory category);

  std::vector<Warning> warnings_;
  ScopedWarningCapture* previous_;
};

}  // namespace nninit
