#include "nninit/core/tensor.h"

#include <cstdint>
#include <limits>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "nninit/core/error.h"

namespace nninit {
namespace {

Tensor arange(Shape shape) {
  std::vector<double> values(static_cast<std::size_t>(shape_numel(shape)));
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<double>(i);
  return Tensor::from_values(values, std::move(shape));
}

TEST(Tensor, EmptyHasContiguousStrides) {
  Tensor t = Tensor::empty({2, 3, 4});
  EXPECT_EQ(t.strides(), (Shape{12, 4, 1}));
  EXPECT_EQ(t.numel(), 24);
  EXPECT_TRUE(t.is_contiguous());
  EXPECT_EQ(t.size(-1), 4);
  EXPECT_THROW((void)t.size(3), IndexError);
}

// Storage::allocate aligns every block to 64 bytes, and blocks of 8 MiB and more to a 2 MiB huge page, the
// unit its advice covers; the advice (on owned or borrowed bytes) changes none of them.
TEST(Storage, LargeBlocksStartOnAHugePageAndTheAdviceKeepsTheBytes) {
  constexpr std::size_t mib = std::size_t{1} << 20;
  auto address = [](const std::shared_ptr<Storage>& s) {
    return reinterpret_cast<std::uintptr_t>(s->data());
  };
  for (const std::size_t nbytes : {std::size_t{1}, std::size_t{100}, 8 * mib - 1}) {
    EXPECT_EQ(address(Storage::allocate(nbytes)) % 64, 0u) << nbytes;
  }
  for (const std::size_t nbytes : {8 * mib, 8 * mib + 3, 64 * mib}) {
    EXPECT_EQ(address(Storage::allocate(nbytes)) % (2 * mib), 0u) << nbytes;
  }
  const std::shared_ptr<Storage> block = Storage::allocate(16 * mib);
  for (std::size_t i = 0; i < block->nbytes(); ++i) block->data()[i] = static_cast<std::byte>(i * 7 + 1);
  Storage::advise_huge_pages(block->data() + 1000, 12 * mib);
  Storage::advise_huge_pages(block->data(), 4 * mib);  // below the size it advises from: nothing happens
  std::size_t changed = 0;
  for (std::size_t i = 0; i < block->nbytes(); ++i)
    changed += block->data()[i] != static_cast<std::byte>(i * 7 + 1);
  EXPECT_EQ(changed, 0u);
}

TEST(Tensor, NegativeSizeIsAnError) {
  EXPECT_THROW(Tensor::empty({2, -1}), RuntimeError);
}

TEST(Tensor, TransposeSharesStorageAndSwapsStrides) {
  Tensor a = arange({2, 3});
  Tensor b = a.t();
  EXPECT_TRUE(b.shares_storage_with(a));
  EXPECT_EQ(b.sizes(), (Shape{3, 2}));
  EXPECT_FALSE(b.is_contiguous());
  EXPECT_TRUE(b.is_non_overlapping_and_dense());
  EXPECT_EQ(b.at({2, 1}), 5.0);
  EXPECT_EQ(b.to_doubles(), (std::vector<double>{0, 3, 1, 4, 2, 5}));
}

TEST(Tensor, SliceWithStep) {
  Tensor a = arange({10});
  Tensor s = a.slice(0, 1, 9, 3);
  EXPECT_EQ(s.to_doubles(), (std::vector<double>{1, 4, 7}));
  EXPECT_FALSE(s.is_non_overlapping_and_dense());
  Tensor negative = a.slice(0, -3, std::nullopt);
  EXPECT_EQ(negative.to_doubles(), (std::vector<double>{7, 8, 9}));
}

TEST(Tensor, SelectAndPermute) {
  Tensor a = arange({2, 3, 4});
  EXPECT_EQ(a.select(1, -1).to_doubles(), (std::vector<double>{8, 9, 10, 11, 20, 21, 22, 23}));
  const std::int64_t dims[] = {2, 0, 1};
  Tensor p = a.permute(dims);
  EXPECT_EQ(p.sizes(), (Shape{4, 2, 3}));
  EXPECT_EQ(p.at({3, 1, 2}), a.at({1, 2, 3}));
  const std::int64_t duplicate[] = {0, 0, 1};
  EXPECT_THROW(a.permute(duplicate), RuntimeError);
}

TEST(Tensor, ViewFollowsPyTorchRules) {
  Tensor a = arange({4, 6});
  EXPECT_EQ(a.view({2, -1, 3}).sizes(), (Shape{2, 4, 3}));
  EXPECT_THROW(a.view({5, -1}), RuntimeError);
  EXPECT_THROW(a.view({-1, -1}), RuntimeError);
  // A transposed tensor cannot be flattened without a copy; reshape copies instead.
  EXPECT_THROW(a.t().view({24}), RuntimeError);
  Tensor r = a.t().reshape({24});
  EXPECT_FALSE(r.shares_storage_with(a));
  EXPECT_EQ(r.at({1}), 6.0);
  // Splitting a dimension of a transposed view is allowed.
  EXPECT_TRUE(a.t().view({2, 3, 4}).shares_storage_with(a));
}

TEST(Tensor, ComputeViewStridesMatchesPyTorch) {
  // Values from PyTorch 1.13: torch.empty(4, 6).t().view(3, 2, 4).stride() == (2, 1, 6).
  const std::int64_t sizes[] = {6, 4};
  const std::int64_t strides[] = {1, 6};
  const std::int64_t target[] = {3, 2, 4};
  auto s = compute_view_strides(sizes, strides, target);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(*s, (Shape{2, 1, 6}));
}

TEST(Tensor, FillAndCopyConvertDtypes) {
  Tensor a = Tensor::full({3}, 0.1, DType::bfloat16);
  EXPECT_EQ(a.data_ptr<BFloat16>()[0].bits, float_to_bfloat16_bits(0.1f));
  Tensor b = a.to(DType::float64);
  EXPECT_EQ(b.at({2}), static_cast<double>(bfloat16_bits_to_float(float_to_bfloat16_bits(0.1f))));
  EXPECT_THROW(b.data_ptr<float>(), TypeError);
  Tensor c = Tensor::empty({2});
  EXPECT_THROW(c.copy_(a), RuntimeError);
}

TEST(Tensor, LongContiguousCopiesConvertEveryElementOnce) {
  // Long enough to be split over threads: every element rounds as the element-by-element conversion does
  // (round to nearest even, NaN to the canonical NaN), to bfloat16, float16 and float64.
  const std::int64_t n = (std::int64_t{1} << 22) + 3;
  const Tensor source = Tensor::empty({n});
  float* values = source.data_ptr<float>();
  for (std::int64_t i = 0; i < n; ++i) values[i] = static_cast<float>(i) * 1.000123f - 2e6f;
  values[12345] = std::numeric_limits<float>::quiet_NaN();
  const Tensor bf16 = Tensor::empty({n}, DType::bfloat16);
  const Tensor f16 = Tensor::empty({n}, DType::float16);
  const Tensor f64 = Tensor::empty({n}, DType::float64);
  bf16.copy_(source);
  f16.copy_(source);
  f64.copy_(source);
  const auto* bf16_bits = reinterpret_cast<const std::uint16_t*>(bf16.raw_data());
  const auto* f16_bits = reinterpret_cast<const std::uint16_t*>(f16.raw_data());
  for (std::int64_t i = 0; i < n; ++i) {
    ASSERT_EQ(bf16_bits[i], float_to_bfloat16_bits(values[i])) << i;
    ASSERT_EQ(f16_bits[i], float_to_half_bits(values[i])) << i;
    if (i != 12345) {
      ASSERT_EQ(f64.data_ptr<double>()[i], static_cast<double>(values[i])) << i;
    }
  }
  EXPECT_EQ(bf16_bits[12345], 0x7fc0);
}

TEST(Tensor, CopyKeepsLargeIntegersExact) {
  Tensor a = Tensor::empty({2}, DType::int64);
  a.data_ptr<std::int64_t>()[0] = (std::int64_t{1} << 60) + 1;
  a.data_ptr<std::int64_t>()[1] = -((std::int64_t{1} << 62) + 3);
  const Tensor b = a.t().clone();
  EXPECT_EQ(b.data_ptr<std::int64_t>()[0], (std::int64_t{1} << 60) + 1);
  EXPECT_EQ(b.data_ptr<std::int64_t>()[1], -((std::int64_t{1} << 62) + 3));
}

TEST(Tensor, EmptyLikeKeepsTheStrideOrderOfAView) {
  // A permuted, sliced (non-dense) view: empty_like lays it out densely in the same dimension order.
  const std::int64_t dims[] = {0, 2, 1};
  const Tensor view = Tensor::empty({4, 5, 6}).permute(dims).slice(1, 0, 6, 2);
  EXPECT_FALSE(view.is_non_overlapping_and_dense());
  const Tensor like = empty_like(view);
  EXPECT_EQ(like.sizes(), (Shape{4, 3, 5}));
  EXPECT_EQ(like.strides(), (Shape{15, 1, 3}));
}

TEST(Tensor, CopyBetweenOverlappingViewsIsSafe) {
  Tensor a = arange({2, 2});
  a.copy_(a.t());
  EXPECT_EQ(a.to_doubles(), (std::vector<double>{0, 2, 1, 3}));
}

TEST(Tensor, ZeroSizeTensors) {
  Tensor z = Tensor::zeros({0, 5});
  EXPECT_EQ(z.numel(), 0);
  EXPECT_TRUE(z.is_contiguous());
  z.fill_(3.0);  // no elements, no error
  EXPECT_TRUE(z.to_doubles().empty());
}

// The message thrown by `fn`, which must throw an E.
template <class E, class Fn>
std::string message_of(Fn&& fn) {
  try {
    fn();
  } catch (const E& e) {
    return e.what();
  }
  return "no error";
}

TEST(TensorSizes, ByteCountsPastInt64AreRefusedInPyTorchsWords) {
  // torch.empty(2**62) and torch.empty(2**61) (float32) raise "Storage size calculation overflowed with
  // sizes=[...]" in PyTorch 1.13; both once wrapped to a small buffer.
  EXPECT_EQ(message_of<RuntimeError>([] { Tensor::empty({std::int64_t{1} << 62}); }),
            "Storage size calculation overflowed with sizes=[4611686018427387904]");
  EXPECT_EQ(message_of<RuntimeError>([] { Tensor::empty({std::int64_t{1} << 61}); }),
            "Storage size calculation overflowed with sizes=[2305843009213693952]");
  EXPECT_EQ(message_of<RuntimeError>([] {
              Tensor::empty({std::int64_t{1} << 31, std::int64_t{1} << 31});
            }),
            "Storage size calculation overflowed with sizes=[2147483648, 2147483648]");
  EXPECT_EQ(message_of<RuntimeError>([] {
              Tensor::empty({std::int64_t{1} << 40, std::int64_t{1} << 40}, DType::float16);
            }),
            "Storage size calculation overflowed with sizes=[1099511627776, 1099511627776]");
  // c10 multiplies in order: a product that wraps before a zero still counts (torch.empty(2**62, 4, 0)
  // raises), one that is zero first does not overflow.
  EXPECT_THROW(storage_nbytes(Shape{std::int64_t{1} << 62, 4, 0}, DType::float32), RuntimeError);
  EXPECT_EQ(storage_nbytes(Shape{0, std::int64_t{1} << 62, 4}, DType::float32), 0U);
  EXPECT_EQ(storage_nbytes(Shape{std::int64_t{1} << 62, 0}, DType::float32), 0U);
  EXPECT_EQ(storage_nbytes(Shape{(std::int64_t{1} << 61) - 1}, DType::float32), (std::size_t{1} << 63) - 4);
  EXPECT_EQ(storage_nbytes(Shape{3, 5}, DType::float64), 120U);
  EXPECT_EQ(message_of<RuntimeError>([] {
              storage_nbytes(Shape{2, -1}, DType::float32);
            }),
            "Trying to create tensor with negative dimension -1: [2, -1]");
}

TEST(TensorSizes, AnAllocationTheSystemRefusesIsOutOfMemory) {
  // 2**63 - 4 bytes is a valid size that no machine holds: PyTorch's DefaultCPUAllocator error, as an
  // OutOfMemoryError (a RuntimeError, as in PyTorch).
  EXPECT_THROW(Storage::allocate(SIZE_MAX), OutOfMemoryError);  // no rounding wraps to a small block
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer aborts on such a request unless started with allocator_may_return_null=1 (the CLI
  // test runs nninit so); this process cannot change that now.
  GTEST_SKIP() << "AddressSanitizer's allocator aborts on a 2**63-byte request";
#endif
  EXPECT_EQ(message_of<OutOfMemoryError>([] { Tensor::empty({(std::int64_t{1} << 61) - 1}); }),
            "DefaultCPUAllocator: can't allocate memory: you tried to allocate 9223372036854775804 bytes");
}

TEST(TensorSizes, ComputedDimensionsPastInt64AreTorchEmptysTypeError) {
  // nn.LSTM(10, 2**62) computes 4 * hidden_size = 2**64, which torch.empty cannot take: "empty(): argument
  // 'size' must be tuple of SymInts, but found element of type int at pos 1" (PyTorch 1.13).
  EXPECT_EQ(message_of<TypeError>([] { size_product(4, std::int64_t{1} << 62, 1); }),
            "empty(): argument 'size' must be tuple of SymInts, but found element of type int at pos 1");
  EXPECT_THROW(size_product(2, INT64_MAX, 2), TypeError);
  EXPECT_EQ(size_product(3, 1000, 1), 3000);
}

}  // namespace
}  // namespace nninit
