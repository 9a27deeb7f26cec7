#include "nninit/core/error.h"

namespace nninit {

std::string_view python_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::value: return "ValueError";
    case ErrorKind::type: return "TypeError";
    case ErrorKind::runtime: return "RuntimeError";
    case ErrorKind::index: return "IndexError";
    case ErrorKind::not_implemented: return "NotImplementedError";
    case ErrorKind::zero_division: return "ZeroDivisionError";
    case ErrorKind::overflow: return "OverflowError";
    case ErrorKind::assertion: return "AssertionError";
    case ErrorKind::attribute: return "AttributeError";
    case ErrorKind::name: return "NameError";
    case ErrorKind::io: return "OSError";
  }
  return "Error";
}

}  // namespace nninit
