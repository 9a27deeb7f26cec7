// Tensor: an owning, reference-counted storage plus a strided view of it (sizes, strides and an
// offset, all in elements). Copies of a Tensor share storage, as PyTorch tensors do; clone() copies.
//
// Views (transpose, permute, slice, select, view, reshape when possible) share storage with their
// base. Random fills visit elements in PyTorch's memory order (see memory_order.h), which is what
// decides which element receives which draw.
//
// Every copy and view of a Tensor holds its Storage (a shared_ptr): the elements live as long as the last
// handle to them, so a view may outlive the tensor it was taken from, and a Tensor over borrowed memory
// (Storage::wrap) keeps the borrowed block's owner alive.
//
//   const Tensor w = Tensor::empty({256, 784});  // float32, contiguous, uninitialised
//   const Tensor row = w.select(0, 3);            // a view: shares w's storage
//   row.fill_(0.5);                               // writes through the view into w: w.at({3, 0}) == 0.5
//   const Tensor copy = w.clone();                // new storage
//   const Tensor half = w.to(DType::float16);     // a converted copy
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "nninit/core/dtype.h"

namespace nninit {

using Shape = std::vector<std::int64_t>;

// "[3, 4]": the form PyTorch prints inside torch.Size(...).
std::string shape_string(std::span<const std::int64_t> shape);
// Product of the sizes; 1 for an empty shape (a scalar). Throws on negative sizes or overflow.
std::int64_t shape_numel(std::span<const std::int64_t> shape);
// Row-major strides for a shape.
Shape contiguous_strides(std::span<const std::int64_t> shape);
// factor * size, a dimension computed for a tensor about to be created (an LSTM's 4 * hidden_size). Python
// computes it exactly; a product past int64 is PyTorch's TypeError for a size torch.empty cannot take,
// naming the dimension at `position` (from 1).
std::int64_t size_product(std::int64_t factor, std::int64_t size, std::size_t position);
// The bytes a dense tensor of this shape and dtype needs. A count past INT64_MAX (PyTorch's storage_max)
// is PyTorch's RuntimeError "Storage size calculation overflowed with sizes=[...]", however the product
// overflows (element count or bytes); a negative size is shape_numel's error.
std::size_t storage_nbytes(std::span<const std::int64_t> shape, DType dtype);

// A block of bytes, 64-byte aligned, either owned or borrowed from an owner kept alive alongside.
class Storage {
 public:
  // OutOfMemoryError (core/error.h) when the system refuses the memory; a count past INT64_MAX is
  // refused the same way, as no allocator could give it. Blocks of 8 MiB and more are aligned to 2 MiB and
  // advised as huge pages (advise_huge_pages).
  static std::shared_ptr<Storage> allocate(std::size_t nbytes);
  static std::shared_ptr<Storage> wrap(std::byte* data, std::size_t nbytes, std::shared_ptr<void> owner);
  // When [data, data + nbytes) spans 8 MiB or more, advises the kernel to back the 2 MiB pages that lie
  // wholly inside it with transparent huge pages. A first write into fresh memory then faults 2 MiB at a
  // time rather than 4 KiB, which is most of what that write costs. Advice only (Linux; ignored where THP
  // is off); pages never written stay unmapped. Only whole pages inside the range are touched, so memory
  // that neighbours it in the same allocation (another tensor's) keeps its pages.
  static void advise_huge_pages(std::byte* data, std::size_t nbytes);
  std::byte* data() const { return data_; }
  std::size_t nbytes() const { return nbytes_; }

 private:
  std::byte* data_ = nullptr;
  std::size_t nbytes_ = 0;
  std::shared_ptr<void> owner_;
};

class Tensor {
 public:
  Tensor() = default;  // an undefined tensor; defined() is false

  static Tensor empty(Shape sizes, DType dtype = DType::float32);
  static Tensor zeros(Shape sizes, DType dtype = DType::float32);
  static Tensor full(Shape sizes, double value, DType dtype = DType::float32);
  // A new tensor with the given strides, which must describe a non-overlapping, dense layout.
  static Tensor empty_strided(Shape sizes, Shape strides, DType dtype = DType::float32);
  // A contiguous tensor holding `values` (narrowed to dtype) with the given shape.
  static Tensor from_values(std::span<const double> values, Shape sizes, DType dtype = DType::float32);
  // A tensor over existing storage.
  Tensor(std::shared_ptr<Storage> storage, DType dtype, Shape sizes, Shape strides, std::int64_t offset);

  bool defined() const { return storage_ != nullptr; }
  DType dtype() const { return dtype_; }
  std::int64_t dim() const { return static_cast<std::int64_t>(sizes_.size()); }
  const Shape& sizes() const { return sizes_; }
  const Shape& strides() const { return strides_; }
  std::int64_t size(std::int64_t dim) const;    // dim may be negative, as in Python
  std::int64_t stride(std::int64_t dim) const;  // dim may be negative
  std::int64_t numel() const;
  std::int64_t storage_offset() const { return offset_; }
  const std::shared_ptr<Storage>& storage() const { return storage_; }
  bool shares_storage_with(const Tensor& other) const { return storage_ == other.storage_; }

  // PyTorch's default (row-major) contiguity: size-1 dimensions are ignored, as in c10.
  bool is_contiguous() const;
  // True when the elements cover a gap-free block of storage without overlap, in any dimension order.
  bool is_non_overlapping_and_dense() const;

  // Views. Each throws IndexError/RuntimeError with PyTorch's wording on a bad argument.
  Tensor transpose(std::int64_t dim0, std::int64_t dim1) const;
  Tensor t() const;  // 2-D transpose (0-D and 1-D are returned as they are)
  Tensor permute(std::span<const std::int64_t> dims) const;
  Tensor slice(std::int64_t dim, std::optional<std::int64_t> start, std::optional<std::int64_t> stop,
               std::int64_t step = 1) const;
  Tensor narrow(std::int64_t dim, std::int64_t start, std::int64_t length) const;
  Tensor select(std::int64_t dim, std::int64_t index) const;
  Tensor unsqueeze(std::int64_t dim) const;
  // A view with a new shape (one size may be -1); fails when the strides do not allow it.
  Tensor view(Shape sizes) const;
  // A view when possible, otherwise a contiguous copy.
  Tensor reshape(Shape sizes) const;
  Tensor flatten() const { return reshape({-1}); }

  Tensor contiguous() const;
  Tensor clone() const;  // a contiguous copy
  Tensor to(DType dtype) const;

  // The address of element 0 of the view.
  std::byte* raw_data() const;
  template <class T>
  T* data_ptr() const {
    check_element_type(dtype_of<T>);
    return reinterpret_cast<T*>(raw_data());
  }

  // Element at a multi-index (negative indices wrap), widened to double.
  double at(std::span<const std::int64_t> index) const;
  double at(std::initializer_list<std::int64_t> index) const {
    return at(std::span<const std::int64_t>(index.begin(), index.size()));
  }
  void set(std::span<const std::int64_t> index, double value) const;
  void set(std::initializer_list<std::int64_t> index, double value) const {
    set(std::span<const std::int64_t>(index.begin(), index.size()), value);
  }
  // All elements in logical (row-major) order, widened to double.
  std::vector<double> to_doubles() const;

  // In-place fills and copies (the trailing _ means the elements are modified). A Tensor is a handle,
  // so these are const: they change the shared elements, never the view itself.
  const Tensor& fill_(double value) const;
  const Tensor& zero_() const { return fill_(0.0); }
  // Multiply or add a scalar in place, as ATen's mul_/add_ with a Python float: computed in float for the
  // float and 16-bit dtypes (the scalar narrowed to float first) and in double for float64, then rounded.
  const Tensor& mul_(double value) const;
  const Tensor& add_(double value) const;
  // Copies src element by element in logical order; shapes must match (numel equal). Converts dtype.
  const Tensor& copy_(const Tensor& src) const;

 private:
  void check_element_type(DType requested) const;
  std::int64_t wrap_dim(std::int64_t dim, const char* op) const;
  std::int64_t element_offset(std::span<const std::int64_t> index) const;

  std::shared_ptr<Storage> storage_;
  DType dtype_ = DType::float32;
  Shape sizes_;
  Shape strides_;
  std::int64_t offset_ = 0;
};

// A tensor with its name: a parameter, a buffer or a state_dict entry (dotted names, "0.weight"), or a tensor
// of a safetensors file. Module::state_dict() can be handed to io::write_safetensors as it is.
struct NamedTensor {
  std::string name;
  Tensor tensor;
};

// A new uninitialised tensor shaped like `tensor`, as torch.empty_like with the default
// preserve_format: the same strides when the tensor is non-overlapping and dense, otherwise dense strides
// that keep the order of the tensor's strides (infer_dense_strides). Random fills of it therefore visit
// its elements in the same order as the tensor's.
Tensor empty_like(const Tensor& tensor);
Shape infer_dense_strides(std::span<const std::int64_t> sizes, std::span<const std::int64_t> strides);

// Strides for viewing a tensor of (old_sizes, old_strides) as new_sizes without copying, as
// at::detail::computeStride decides; nullopt when the view is impossible.
std::optional<Shape> compute_view_strides(std::span<const std::int64_t> old_sizes,
                                          std::span<const std::int64_t> old_strides,
                                          std::span<const std::int64_t> new_sizes);

}  // namespace nninit
