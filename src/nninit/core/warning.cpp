#include "nninit/core/warning.h"

#include <mutex>
#include <utility>

namespace nninit {
namespace {

std::mutex& handler_mutex() {
  static std::mutex mutex;
  return mutex;
}

WarningHandler& global_handler() {
  static WarningHandler handler;
  return handler;
}

thread_local ScopedWarningCapture* current_capture = nullptr;

}  // namespace

void warn(const std::string& message, WarningCategory category) {
  Warning warning{category, message};
  if (current_capture != nullptr) {
    current_capture->warnings_.push_back(std::move(warning));
    return;
  }
  std::lock_guard lock(handler_mutex());
  if (global_handler()) global_handler()(warning);
}

WarningHandler set_warning_handler(WarningHandler handler) {
  std::lock_guard lock(handler_mutex());
  return std::exchange(global_handler(), std::move(handler));
}

ScopedWarningCapture::ScopedWarningCapture() : previous_(current_capture) {
  current_capture = this;
}

ScopedWarningCapture::~ScopedWarningCapture() {
  current_capture = previous_;
}

}  // namespace nninit
