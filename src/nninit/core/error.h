// Typed errors. Each class mirrors the Python exception PyTorch raises for the same mistake, so a
// message can carry PyTorch's wording and a caller (or the conformance suite) can compare the kind.
// Messages start with the function that raised them: "kaiming_uniform_: Fan in and fan out ...".
//
// Every class derives from Error (a std::runtime_error), which carries the kind:
//
//   try {
//     init::kaiming_uniform_(Tensor::empty({3}));  // a 1-D tensor has no fans
//   } catch (const Error& e) {                      // or catch (const ValueError&)
//     std::printf("%s: %s\n", std::string(python_name(e.kind())).c_str(), e.what());
//   }  // ValueError: kaiming_uniform_: Fan in and fan out can not be computed for tensor with fewer than ...
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace nninit {

enum class ErrorKind {
  value,
  type,
  runtime,
  index,
  not_implemented,
  zero_division,
  overflow,
  assertion,
  attribute,
  name,
  io
};

// The Python exception class name for a kind ("ValueError", "TypeError", ...).
std::string_view python_name(ErrorKind kind);

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

// Bad value for an argument: an unknown mode, a negative size, a wrong number of dimensions.
class ValueError : public Error {
 public:
  explicit ValueError(const std::string& message) : Error(ErrorKind::value, message) {}
};

// An argument of the wrong type: a bool where a number is expected, a string where an int is.
class TypeError : public Error {
 public:
  explicit TypeError(const std::string& message) : Error(ErrorKind::type, message) {}
};

// PyTorch's generic RuntimeError (TORCH_CHECK failures).
class RuntimeError : public Error {
 public:
  explicit RuntimeError(const std::string& message) : Error(ErrorKind::runtime, message) {}
};

// The system refused memory for a tensor. PyTorch raises a RuntimeError ("DefaultCPUAllocator: can't
// allocate memory"), so this is one; the command line gives it an exit status of its own, because the
// input was valid and a machine with more memory would run it.
class OutOfMemoryError : public RuntimeError {
 public:
  using RuntimeError::RuntimeError;
};

class IndexError : public Error {
 public:
  explicit IndexError(const std::string& message) : Error(ErrorKind::index, message) {}
};

// An operation PyTorch does not implement for a dtype ("... not implemented for 'Half'").
class NotImplementedError : public Error {
 public:
  explicit NotImplementedError(const std::string& message) : Error(ErrorKind::not_implemented, message) {}
};

// Python's ZeroDivisionError, raised by nn.init code that divides by a user-given value.
class ZeroDivisionError : public Error {
 public:
  explicit ZeroDivisionError(const std::string& message) : Error(ErrorKind::zero_division, message) {}
};

// Python's OverflowError, e.g. converting an infinite float to an integer.
class OverflowError : public Error {
 public:
  explicit OverflowError(const std::string& message) : Error(ErrorKind::overflow, message) {}
};

// Python's AssertionError: PyTorch checks some constructor arguments with `assert`
// (e.g. MultiheadAttention's "embed_dim must be divisible by num_heads").
class AssertionError : public Error {
 public:
  explicit AssertionError(const std::string& message) : Error(ErrorKind::assertion, message) {}
};

// Python's AttributeError, e.g. a mode that is not a string has no .lower().
class AttributeError : public Error {
 public:
  explicit AttributeError(const std::string& message) : Error(ErrorKind::attribute, message) {}
};

// Python's NameError: an expression uses a name that does not exist (`Dense(...)`).
class NameError : public Error {
 public:
  explicit NameError(const std::string& message) : Error(ErrorKind::name, message) {}
};

// A file that cannot be read, written or parsed.
class IoError : public Error {
 public:
  explicit IoError(const std::string& message) : Error(ErrorKind::io, message) {}
};

}  // namespace nninit
