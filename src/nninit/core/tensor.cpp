#include "nninit/core/tensor.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <utility>
#include <vector>

#include <sys/mman.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "nninit/core/error.h"
#include "nninit/core/memory_order.h"
#include "nninit/core/threads.h"

namespace nninit {

std::string shape_string(std::span<const std::int64_t> shape) {
  return fmt::format("[{}]", fmt::join(shape, ", "));
}

std::int64_t shape_numel(std::span<const std::int64_t> shape) {
  std::int64_t n = 1;
  for (std::int64_t s : shape) {
    if (s < 0)
      throw RuntimeError(
          fmt::format("Trying to create tensor with negative dimension {}: {}", s, shape_string(shape)));
    if (s != 0 && n > INT64_MAX / s)
      throw RuntimeError(fmt::format("shape {} is too large", shape_string(shape)));
    n *= s;
  }
  return n;
}

Shape contiguous_strides(std::span<const std::int64_t> shape) {
  Shape strides(shape.size());
  std::int64_t running = 1;
  for (std::size_t i = shape.size(); i-- > 0;) {
    strides[i] = running;
    const std::int64_t size = std::max<std::int64_t>(shape[i], 1);
    if (running > INT64_MAX / size)
      throw RuntimeError(fmt::format("shape {} is too large", shape_string(shape)));
    running *= size;
  }
  return strides;
}

std::int64_t size_product(std::int64_t factor, std::int64_t size, std::size_t position) {
  std::int64_t product = 0;
  if (__builtin_mul_overflow(factor, size, &product)) {
    throw TypeError(fmt::format(
        "empty(): argument 'size' must be tuple of SymInts, but found element of type int at pos {}",
        position));
  }
  return product;
}

std::size_t storage_nbytes(std::span<const std::int64_t> shape, DType dtype) {
  // c10's computeStorageNbytesContiguous: the sizes multiplied in order from 1 (a product that wraps
  // before a later zero still counts), then the item size, each step checked.
  std::uint64_t nbytes = 1;
  bool overflowed = false;
  for (const std::int64_t size : shape) {
    if (size < 0) shape_numel(shape);  // throws PyTorch's negative-dimension error
    overflowed |= __builtin_mul_overflow(nbytes, static_cast<std::uint64_t>(size), &nbytes);
  }
  overflowed |= __builtin_mul_overflow(nbytes, static_cast<std::uint64_t>(itemsize(dtype)), &nbytes);
  if (overflowed || nbytes > static_cast<std::uint64_t>(INT64_MAX)) {
    throw RuntimeError(fmt::format("Storage size calculation overflowed with sizes={}", shape_string(shape)));
  }
  return static_cast<std::size_t>(nbytes);
}

namespace {

constexpr std::size_t huge_page_bytes = std::size_t{2} << 20;
constexpr std::size_t huge_page_advice_bytes = 4 * huge_page_bytes;

}  // namespace

void Storage::advise_huge_pages(std::byte* data, std::size_t nbytes) {
#ifdef MADV_HUGEPAGE
  if (nbytes < huge_page_advice_bytes) return;
  const auto begin = reinterpret_cast<std::uintptr_t>(data);
  const std::uintptr_t first = (begin + huge_page_bytes - 1) / huge_page_bytes * huge_page_bytes;
  const std::uintptr_t last = (begin + nbytes) / huge_page_bytes * huge_page_bytes;
  if (first < last) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
#else
  (void)data;
  (void)nbytes;
#endif
}

std::shared_ptr<Storage> Storage::allocate(std::size_t nbytes) {
  auto storage = std::make_shared<Storage>();
  if (nbytes == 0) return storage;
  // Large blocks start on a huge page, so that advise_huge_pages covers all of them.
  const bool huge = nbytes >= huge_page_advice_bytes;
  const std::size_t alignment = huge ? huge_page_bytes : 64;
  // Below INT64_MAX, rounding up to the alignment cannot wrap.
  const std::size_t rounded = (nbytes + alignment - 1) / alignment * alignment;
  void* memory =
      nbytes > static_cast<std::size_t>(INT64_MAX) ? nullptr : std::aligned_alloc(alignment, rounded);
  if (memory != nullptr && huge) advise_huge_pages(static_cast<std::byte*>(memory), rounded);
  if (memory == nullptr) {
    throw OutOfMemoryError(
        fmt::format("DefaultCPUAllocator: can't allocate memory: you tried to allocate {} bytes", nbytes));
  }
  storage->data_ = static_cast<std::byte*>(memory);
  storage->nbytes_ = nbytes;
  storage->owner_ = std::shared_ptr<void>(memory, [](void* p) { std::free(p); });
  return storage;
}

std::shared_ptr<Storage> Storage::wrap(std::byte* data, std::size_t nbytes, std::shared_ptr<void> owner) {
  auto storage = std::make_shared<Storage>();
  storage->data_ = data;
  storage->nbytes_ = nbytes;
  storage->owner_ = std::move(owner);
  return storage;
}

Tensor::Tensor(std::shared_ptr<Storage> storage, DType dtype, Shape sizes, Shape strides, std::int64_t offset)
    : storage_(std::move(storage)),
      dtype_(dtype),
      sizes_(std::move(sizes)),
      strides_(std::move(strides)),
      offset_(offset) {}

Tensor Tensor::empty(Shape sizes, DType dtype) {
  auto storage = Storage::allocate(storage_nbytes(sizes, dtype));
  Shape strides = contiguous_strides(sizes);
  return Tensor(std::move(storage), dtype, std::move(sizes), std::move(strides), 0);
}

Tensor Tensor::empty_strided(Shape sizes, Shape strides, DType dtype) {
  auto storage = Storage::allocate(storage_nbytes(sizes, dtype));
  const std::int64_t n = shape_numel(sizes);
  Tensor t(std::move(storage), dtype, std::move(sizes), std::move(strides), 0);
  if (n != 0 && !t.is_non_overlapping_and_dense()) {
    throw ValueError(fmt::format("empty_strided: strides {} do not describe a dense layout of shape {}",
                                 shape_string(t.strides()), shape_string(t.sizes())));
  }
  return t;
}

Shape infer_dense_strides(std::span<const std::int64_t> sizes, std::span<const std::int64_t> strides) {
  // at::infer_dense_strides: order the dimensions as TensorIterator does (innermost first, insertion sort
  // on stride, equal strides ordered by size, zero strides ambiguous), then lay them out densely.
  const std::size_t ndim = sizes.size();
  std::vector<std::size_t> perm(ndim);
  for (std::size_t i = 0; i < ndim; ++i) perm[i] = ndim - 1 - i;
  auto should_swap = [&](std::size_t d0, std::size_t d1) {
    if (strides[d0] == 0 || strides[d1] == 0) return 0;
    if (strides[d0] < strides[d1]) return -1;
    if (strides[d0] > strides[d1]) return 1;
    return sizes[d0] > sizes[d1] ? 1 : 0;
  };
  for (std::size_t i = 1; i < ndim; ++i) {
    std::size_t dim1 = i;
    for (std::size_t dim0 = i; dim0-- > 0;) {
      const int comparison = should_swap(perm[dim0], perm[dim1]);
      if (comparison > 0) {
        std::swap(perm[dim0], perm[dim1]);
        dim1 = dim0;
      } else if (comparison < 0) {
        break;
      }
    }
  }
  Shape out(ndim);
  std::int64_t stride = 1;
  for (std::size_t i = 0; i < ndim; ++i) {
    out[perm[i]] = stride;
    if (sizes[perm[i]] > 1) stride *= sizes[perm[i]];
  }
  return out;
}

Tensor empty_like(const Tensor& tensor) {
  if (tensor.is_non_overlapping_and_dense()) {
    return Tensor::empty_strided(tensor.sizes(), tensor.strides(), tensor.dtype());
  }
  return Tensor::empty_strided(tensor.sizes(), infer_dense_strides(tensor.sizes(), tensor.strides()),
                               tensor.dtype());
}

Tensor Tensor::zeros(Shape sizes, DType dtype) {
  Tensor t = empty(std::move(sizes), dtype);
  if (t.storage_->nbytes() != 0) std::memset(t.storage_->data(), 0, t.storage_->nbytes());
  return t;
}

Tensor Tensor::full(Shape sizes, double value, DType dtype) {
  return empty(std::move(sizes), dtype).fill_(value);
}

Tensor Tensor::from_values(std::span<const double> values, Shape sizes, DType dtype) {
  Tensor t = empty(std::move(sizes), dtype);
  if (static_cast<std::int64_t>(values.size()) != t.numel()) {
    throw ValueError(
        fmt::format("Tensor::from_values: {} values for shape {}", values.size(), shape_string(t.sizes())));
  }
  dispatch_all(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* out = t.data_ptr<T>();
    for (std::size_t i = 0; i < values.size(); ++i) out[i] = narrow_to<T>(values[i]);
  });
  return t;
}

std::int64_t Tensor::wrap_dim(std::int64_t dim, const char* op) const {
  const std::int64_t n = std::max<std::int64_t>(this->dim(), 1);
  if (dim < -n || dim >= n) {
    throw IndexError(fmt::format(
        "{}: Dimension out of range (expected to be in range of [{}, {}], but got {})", op, -n, n - 1, dim));
  }
  return dim < 0 ? dim + n : dim;
}

std::int64_t Tensor::size(std::int64_t dim) const {
  return sizes_[static_cast<std::size_t>(wrap_dim(dim, "size"))];
}

std::int64_t Tensor::stride(std::int64_t dim) const {
  return strides_[static_cast<std::size_t>(wrap_dim(dim, "stride"))];
}

std::int64_t Tensor::numel() const {
  return shape_numel(sizes_);
}

bool Tensor::is_contiguous() const {
  std::int64_t expected = 1;
  for (std::size_t i = sizes_.size(); i-- > 0;) {
    if (sizes_[i] == 0) return true;
    if (sizes_[i] == 1) continue;
    if (strides_[i] != expected) return false;
    expected *= sizes_[i];
  }
  return true;
}

bool Tensor::is_non_overlapping_and_dense() const {
  const MemoryOrder order = memory_order(*this);
  std::int64_t expected = 1;
  for (std::size_t i = 0; i < order.sizes.size(); ++i) {
    if (order.strides[i] != expected) return false;
    expected *= order.sizes[i];
  }
  return true;
}

Tensor Tensor::transpose(std::int64_t dim0, std::int64_t dim1) const {
  if (dim() == 0) return *this;
  const auto a = static_cast<std::size_t>(wrap_dim(dim0, "transpose"));
  const auto b = static_cast<std::size_t>(wrap_dim(dim1, "transpose"));
  Tensor out = *this;
  std::swap(out.sizes_[a], out.sizes_[b]);
  std::swap(out.strides_[a], out.strides_[b]);
  return out;
}

Tensor Tensor::t() const {
  if (dim() > 2)
    throw RuntimeError(fmt::format("t() expects a tensor with <= 2 dimensions, but self is {}D", dim()));
  return dim() < 2 ? *this : transpose(0, 1);
}

Tensor Tensor::permute(std::span<const std::int64_t> dims) const {
  if (static_cast<std::int64_t>(dims.size()) != dim()) {
    throw RuntimeError(
        fmt::format("permute(sparse_coo): number of dimensions in the tensor input does not match the length "
                    "of the desired "
                    "ordering of dimensions i.e. input.dim() = {} is not equal to len(dims) = {}",
                    dim(), dims.size()));
  }
  Tensor out = *this;
  std::vector<bool> seen(dims.size(), false);
  for (std::size_t i = 0; i < dims.size(); ++i) {
    const auto d = static_cast<std::size_t>(wrap_dim(dims[i], "permute"));
    if (seen[d]) throw RuntimeError("permute(): duplicate dims are not allowed.");
    seen[d] = true;
    out.sizes_[i] = sizes_[d];
    out.strides_[i] = strides_[d];
  }
  return out;
}

Tensor Tensor::slice(std::int64_t dim, std::optional<std::int64_t> start, std::optional<std::int64_t> stop,
                     std::int64_t step) const {
  if (step <= 0) throw ValueError("slice: slice step must be positive");
  const auto d = static_cast<std::size_t>(wrap_dim(dim, "slice"));
  const std::int64_t n = sizes_[d];
  auto clamp_index = [n](std::int64_t i) {
    if (i < 0) i += n;
    return std::clamp<std::int64_t>(i, 0, n);
  };
  const std::int64_t begin = start ? clamp_index(*start) : 0;
  const std::int64_t end = std::max(begin, stop ? clamp_index(*stop) : n);
  Tensor out = *this;
  out.offset_ += begin * strides_[d];
  out.sizes_[d] = (end - begin + step - 1) / step;
  out.strides_[d] *= step;
  return out;
}

Tensor Tensor::narrow(std::int64_t dim, std::int64_t start, std::int64_t length) const {
  const auto d = static_cast<std::size_t>(wrap_dim(dim, "narrow"));
  if (start < 0) start += sizes_[d];
  if (start < 0 || length < 0 || start + length > sizes_[d]) {
    throw RuntimeError(fmt::format("narrow: start ({}) + length ({}) exceeds dimension size ({}).", start,
                                   length, sizes_[d]));
  }
  return slice(dim, start, start + length);
}

Tensor Tensor::select(std::int64_t dim, std::int64_t index) const {
  if (this->dim() == 0) throw IndexError("select() cannot be applied to a 0-dim tensor.");
  const auto d = static_cast<std::size_t>(wrap_dim(dim, "select"));
  const std::int64_t n = sizes_[d];
  if (index < -n || index >= n) {
    throw IndexError(fmt::format("index {} is out of bounds for dimension {} with size {}", index, d, n));
  }
  if (index < 0) index += n;
  Tensor out = *this;
  out.offset_ += index * strides_[d];
  out.sizes_.erase(out.sizes_.begin() + static_cast<std::ptrdiff_t>(d));
  out.strides_.erase(out.strides_.begin() + static_cast<std::ptrdiff_t>(d));
  return out;
}

Tensor Tensor::unsqueeze(std::int64_t dim) const {
  const std::int64_t n = this->dim() + 1;
  if (dim < -n || dim >= n) {
    throw IndexError(
        fmt::format("unsqueeze: Dimension out of range (expected to be in range of [{}, {}], but got {})", -n,
                    n - 1, dim));
  }
  const auto d = static_cast<std::size_t>(dim < 0 ? dim + n : dim);
  Tensor out = *this;
  const std::int64_t stride = d < sizes_.size() ? sizes_[d] * strides_[d] : 1;
  out.sizes_.insert(out.sizes_.begin() + static_cast<std::ptrdiff_t>(d), 1);
  out.strides_.insert(out.strides_.begin() + static_cast<std::ptrdiff_t>(d), stride);
  return out;
}

namespace {

// Resolves a single -1 in a requested shape, with PyTorch's messages (at::infer_size).
Shape infer_size(Shape sizes, std::int64_t numel) {
  std::optional<std::size_t> inferred;
  std::int64_t known = 1;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] == -1) {
      if (inferred) throw RuntimeError("only one dimension can be inferred");
      inferred = i;
    } else if (sizes[i] < 0) {
      throw RuntimeError(fmt::format("invalid shape dimension {}", sizes[i]));
    } else {
      known *= sizes[i];
    }
  }
  if (numel == known || (inferred && known > 0 && numel % known == 0)) {
    if (inferred) {
      if (known == 0) {
        throw RuntimeError(
            fmt::format("cannot reshape tensor of 0 elements into shape {} because the unspecified "
                        "dimension size -1 can be any value and is ambiguous",
                        shape_string(sizes)));
      }
      sizes[*inferred] = numel / known;
    }
    return sizes;
  }
  throw RuntimeError(fmt::format("shape '{}' is invalid for input of size {}", shape_string(sizes), numel));
}

}  // namespace

std::optional<Shape> compute_view_strides(std::span<const std::int64_t> old_sizes,
                                          std::span<const std::int64_t> old_strides,
                                          std::span<const std::int64_t> new_sizes) {
  Shape new_strides(new_sizes.size());
  if (old_sizes.empty()) {
    std::fill(new_strides.begin(), new_strides.end(), 1);
    return new_strides;
  }
  const std::int64_t numel = shape_numel(old_sizes);
  if (numel == 0) {
    if (std::equal(old_sizes.begin(), old_sizes.end(), new_sizes.begin(), new_sizes.end())) {
      return Shape(old_strides.begin(), old_strides.end());
    }
    return contiguous_strides(new_sizes);
  }
  // Walk the old dimensions from the innermost out, grouping those that are contiguous with each other
  // ("chunks"); every chunk must be split into whole new dimensions.
  std::int64_t view_d = static_cast<std::int64_t>(new_sizes.size()) - 1;
  std::int64_t chunk_base_stride = old_strides.back();
  std::int64_t tensor_numel = 1;
  std::int64_t view_numel = 1;
  for (std::int64_t tensor_d = static_cast<std::int64_t>(old_sizes.size()) - 1; tensor_d >= 0; --tensor_d) {
    const auto td = static_cast<std::size_t>(tensor_d);
    tensor_numel *= old_sizes[td];
    const bool chunk_ends =
        tensor_d == 0 || (old_sizes[td - 1] != 1 && old_strides[td - 1] != tensor_numel * chunk_base_stride);
    if (chunk_ends) {
      while (view_d >= 0 && (view_numel < tensor_numel || new_sizes[static_cast<std::size_t>(view_d)] == 1)) {
        new_strides[static_cast<std::size_t>(view_d)] = view_numel * chunk_base_stride;
        view_numel *= new_sizes[static_cast<std::size_t>(view_d)];
        --view_d;
      }
      if (view_numel != tensor_numel) return std::nullopt;
      if (tensor_d > 0) {
        chunk_base_stride = old_strides[td - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  if (view_d != -1) return std::nullopt;
  return new_strides;
}

Tensor Tensor::view(Shape sizes) const {
  sizes = infer_size(std::move(sizes), numel());
  auto strides = compute_view_strides(sizes_, strides_, sizes);
  if (!strides) {
    throw RuntimeError(
        "view size is not compatible with input tensor's size and stride (at least one dimension spans "
        "across two "
        "contiguous subspaces). Use .reshape(...) instead.");
  }
  Tensor out = *this;
  out.sizes_ = std::move(sizes);
  out.strides_ = std::move(*strides);
  return out;
}

Tensor Tensor::reshape(Shape sizes) const {
  sizes = infer_size(std::move(sizes), numel());
  if (auto strides = compute_view_strides(sizes_, strides_, sizes)) {
    Tensor out = *this;
    out.sizes_ = std::move(sizes);
    out.strides_ = std::move(*strides);
    return out;
  }
  return clone().view(std::move(sizes));
}

Tensor Tensor::contiguous() const {
  return is_contiguous() ? *this : clone();
}

Tensor Tensor::clone() const {
  Tensor out = empty(sizes_, dtype_);
  out.copy_(*this);
  return out;
}

Tensor Tensor::to(DType dtype) const {
  if (dtype == dtype_) return *this;
  Tensor out = empty(sizes_, dtype);
  out.copy_(*this);
  return out;
}

std::byte* Tensor::raw_data() const {
  if (!storage_) throw RuntimeError("Tensor: the tensor is undefined");
  return storage_->data() + static_cast<std::size_t>(offset_) * itemsize(dtype_);
}

void Tensor::check_element_type(DType requested) const {
  if (requested != dtype_) {
    throw TypeError(fmt::format("Tensor: expected an element type of {} but the tensor holds {}",
                                dtype_name(requested), dtype_name(dtype_)));
  }
}

std::int64_t Tensor::element_offset(std::span<const std::int64_t> index) const {
  if (static_cast<std::int64_t>(index.size()) != dim()) {
    throw IndexError(fmt::format("too many indices for tensor of dimension {}", dim()));
  }
  std::int64_t offset = 0;
  for (std::size_t i = 0; i < index.size(); ++i) {
    std::int64_t k = index[i];
    if (k < -sizes_[i] || k >= sizes_[i]) {
      throw IndexError(
          fmt::format("index {} is out of bounds for dimension {} with size {}", k, i, sizes_[i]));
    }
    if (k < 0) k += sizes_[i];
    offset += k * strides_[i];
  }
  return offset;
}

double Tensor::at(std::span<const std::int64_t> index) const {
  const std::int64_t offset = element_offset(index);
  return dispatch_all(dtype_, [&](auto tag) {
    using T = decltype(tag);
    return static_cast<double>(reinterpret_cast<const T*>(raw_data())[offset]);
  });
}

void Tensor::set(std::span<const std::int64_t> index, double value) const {
  const std::int64_t offset = element_offset(index);
  dispatch_all(dtype_, [&](auto tag) {
    using T = decltype(tag);
    reinterpret_cast<T*>(raw_data())[offset] = narrow_to<T>(value);
  });
}

std::vector<double> Tensor::to_doubles() const {
  std::vector<double> values;
  values.reserve(static_cast<std::size_t>(numel()));
  dispatch_all(dtype_, [&](auto tag) {
    using T = decltype(tag);
    const T* base = reinterpret_cast<const T*>(raw_data());
    for_each_logical_offset(
        *this, [&](std::int64_t offset) { values.push_back(static_cast<double>(base[offset])); });
  });
  return values;
}

const Tensor& Tensor::fill_(double value) const {
  if (numel() == 0) return *this;
  dispatch_all(dtype_, [&](auto tag) {
    using T = decltype(tag);
    const T v = narrow_to<T>(value);
    T* base = reinterpret_cast<T*>(raw_data());
    for_each_memory_run(*this, [&](std::int64_t offset, std::int64_t length, std::int64_t stride) {
      for (std::int64_t i = 0; i < length; ++i) base[offset + i * stride] = v;
    });
  });
  return *this;
}

namespace {

template <class Op>
void map_in_place(const Tensor& tensor, Op op) {
  dispatch_all(tensor.dtype(), [&](auto tag) {
    using T = decltype(tag);
    using OpMath = std::conditional_t<std::is_same_v<T, double> || std::is_same_v<T, std::int64_t>, T, float>;
    T* base = reinterpret_cast<T*>(tensor.raw_data());
    for_each_memory_offset(tensor, [&](std::int64_t offset) {
      base[offset] = narrow_to<T>(op(static_cast<OpMath>(base[offset])));
    });
  });
}

}  // namespace

const Tensor& Tensor::mul_(double value) const {
  if (dtype_ == DType::float64) {
    map_in_place(*this, [value](auto x) { return x * value; });
  } else {
    const auto v = static_cast<float>(value);
    map_in_place(*this, [v](auto x) { return x * v; });
  }
  return *this;
}

const Tensor& Tensor::add_(double value) const {
  if (dtype_ == DType::float64) {
    map_in_place(*this, [value](auto x) { return x + value; });
  } else {
    const auto v = static_cast<float>(value);
    map_in_place(*this, [v](auto x) { return x + v; });
  }
  return *this;
}

const Tensor& Tensor::copy_(const Tensor& src) const {
  if (src.numel() != numel()) {
    throw RuntimeError(
        fmt::format("copy_: the source has {} elements but the destination has {} (shapes {} and {})",
                    src.numel(), numel(), shape_string(src.sizes()), shape_string(sizes_)));
  }
  if (numel() == 0) return *this;
  if (is_contiguous() && src.is_contiguous() && storage_ != src.storage_) {
    // Separate memory, both in row-major order: one pass, each element converted once.
    dispatch_all(src.dtype(), [&](auto source_tag) {
      using S = decltype(source_tag);
      const S* source = reinterpret_cast<const S*>(src.raw_data());
      dispatch_all(dtype_, [&](auto tag) {
        using T = decltype(tag);
        T* out = reinterpret_cast<T*>(raw_data());
        // Elementwise: the split over threads changes nothing but the time.
        parallel_for(numel(), std::int64_t{1} << 20, [&](std::int64_t first, std::int64_t last) {
          const auto begin = static_cast<std::size_t>(first);
          const auto end = static_cast<std::size_t>(last);
          if constexpr (std::is_same_v<S, T>) {
            std::memcpy(out + begin, source + begin, (end - begin) * sizeof(T));
          } else if constexpr (std::is_same_v<S, float> && std::is_same_v<T, BFloat16>) {
            auto* bits = reinterpret_cast<std::uint16_t*>(out);
            for (std::size_t i = begin; i < end; ++i) bits[i] = float_to_bfloat16_bits(source[i]);
          } else if constexpr (std::is_same_v<S, Half> || std::is_same_v<S, BFloat16>) {
            for (std::size_t i = begin; i < end; ++i) out[i] = narrow_to<T>(static_cast<float>(source[i]));
          } else {
            for (std::size_t i = begin; i < end; ++i) out[i] = narrow_to<T>(source[i]);
          }
        });
      });
    });
    return *this;
  }
  // Gather the source first (so that copying between overlapping views of one storage is safe) in its
  // own type, then convert each element once: int64 values beyond 2^53 survive, and every float
  // conversion rounds once, as a PyTorch copy does.
  dispatch_all(src.dtype(), [&](auto source_tag) {
    using S = decltype(source_tag);
    std::vector<S> values;
    values.reserve(static_cast<std::size_t>(numel()));
    const S* source = reinterpret_cast<const S*>(src.raw_data());
    for_each_logical_offset(src, [&](std::int64_t offset) { values.push_back(source[offset]); });
    dispatch_all(dtype_, [&](auto tag) {
      using T = decltype(tag);
      T* base = reinterpret_cast<T*>(raw_data());
      std::size_t i = 0;
      for_each_logical_offset(*this, [&](std::int64_t offset) {
        if constexpr (std::is_same_v<S, T>) {
          base[offset] = values[i++];
        } else if constexpr (std::is_same_v<S, Half> || std::is_same_v<S, BFloat16>) {
          base[offset] = narrow_to<T>(static_cast<float>(values[i++]));
        } else {
          base[offset] = narrow_to<T>(values[i++]);
        }
      });
    });
  });
  return *this;
}

}  // namespace nninit
