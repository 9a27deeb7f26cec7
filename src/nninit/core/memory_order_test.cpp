#include "nninit/core/memory_order.h"

#include <gtest/gtest.h>

namespace nninit {
namespace {

std::vector<std::int64_t> offsets_in_memory_order(const Tensor& t) {
  std::vector<std::int64_t> out;
  for_each_memory_offset(t, [&](std::int64_t o) { out.push_back(o + t.storage_offset()); });
  return out;
}

TEST(MemoryOrder, ContiguousIsCoalescedToOneRun) {
  Tensor t = Tensor::empty({3, 4, 5});
  MemoryOrder order = memory_order(t);
  EXPECT_EQ(order.sizes, (std::vector<std::int64_t>{60}));
  EXPECT_EQ(order.strides, (std::vector<std::int64_t>{1}));
}

TEST(MemoryOrder, TransposeVisitsStorageInAddressOrder) {
  Tensor t = Tensor::empty({3, 4}).t();
  const auto offsets = offsets_in_memory_order(t);
  for (std::size_t i = 0; i < offsets.size(); ++i) EXPECT_EQ(offsets[i], static_cast<std::int64_t>(i));
}

TEST(MemoryOrder, PermutedChannelsLast) {
  // An NHWC-strided NCHW view: memory order is the storage order.
  const std::int64_t dims[] = {0, 3, 1, 2};
  Tensor t = Tensor::empty({2, 5, 6, 3}).permute(dims);
  EXPECT_FALSE(t.is_contiguous());
  const auto offsets = offsets_in_memory_order(t);
  for (std::size_t i = 0; i < offsets.size(); ++i) EXPECT_EQ(offsets[i], static_cast<std::int64_t>(i));
}

TEST(MemoryOrder, StridedSliceInSliceOrder) {
  Tensor base = Tensor::empty({6, 8});
  Tensor s = base.slice(1, 1, 7, 2).slice(0, 0, 6, 3);  // rows 0 and 3, columns 1, 3, 5
  EXPECT_EQ(offsets_in_memory_order(s), (std::vector<std::int64_t>{1, 3, 5, 25, 27, 29}));
}

TEST(MemoryOrder, SizeOneDimensionsAreIgnored) {
  Tensor t = Tensor::empty({1, 4, 1}).transpose(0, 2);
  EXPECT_EQ(memory_order(t).sizes, (std::vector<std::int64_t>{4}));
}

TEST(MemoryOrder, EmptyTensorHasNoRuns) {
  int calls = 0;
  for_each_memory_run(Tensor::empty({0, 3}), [&](auto, auto, auto) { ++calls; });
  EXPECT_EQ(calls, 0);
  for_each_memory_run(Tensor::empty({}), [&](auto, auto, auto) { ++calls; });
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace nninit
