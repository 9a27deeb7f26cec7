// Warnings that PyTorch emits through Python's `warnings` module (for example the zero-element
// no-op of kaiming_uniform_). Library code never prints: it hands each warning to the current
// handler, which by default drops it. The command line installs a handler that prints to stderr;
// tests capture warnings with ScopedWarningCapture.
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
