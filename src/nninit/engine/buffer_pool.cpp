#include "nninit/engine/buffer_pool.h"

#include <cstdlib>
#include <memory>
#include <mutex>
#include <new>
#include <unordered_map>
#include <utility>
#include <vector>

namespace nninit::engine {
namespace {

constexpr std::size_t kMinimumBytes = std::size_t{64} << 10;
constexpr std::size_t kCapacityBytes = std::size_t{256} << 20;
constexpr std::size_t kAlignment = 64;

class Pool {
 public:
  void* take(std::size_t bytes) {
    {
      std::lock_guard lock(mutex_);
      auto it = free_.find(bytes);
      if (it != free_.end() && !it->second.empty()) {
        void* p = it->second.back();
        it->second.pop_back();
        held_ -= bytes;
        return p;
      }
    }
    void* p = std::aligned_alloc(kAlignment, bytes);
    if (!p) throw std::bad_alloc();
    return p;
  }

  void give_back(void* p, std::size_t bytes) {
    {
      std::lock_guard lock(mutex_);
      if (held_ + bytes <= kCapacityBytes) {
        free_[bytes].push_back(p);
        held_ += bytes;
        return;
      }
    }
    std::free(p);
  }

  void clear() {
    std::lock_guard lock(mutex_);
    for (auto& [bytes, list] : free_) {
      for (void* p : list) std::free(p);
    }
    free_.clear();
    held_ = 0;
  }

  std::size_t held() {
    std::lock_guard lock(mutex_);
    return held_;
  }

 private:
  std::mutex mutex_;
  std::unordered_map<std::size_t, std::vector<void*>> free_;
  std::size_t held_ = 0;
};

// Never destroyed: tensors may outlive static destruction order.
Pool& pool() {
  static Pool* instance = new Pool;
  return *instance;
}

}  // namespace

Tensor pooled_empty(Shape sizes) {
  const std::int64_t n = shape_numel(sizes);
  const std::size_t nbytes = static_cast<std::size_t>(n) * sizeof(float);
  if (nbytes < kMinimumBytes) return Tensor::empty(std::move(sizes), DType::float32);
  const std::size_t rounded = (nbytes + kAlignment - 1) / kAlignment * kAlignment;
  void* memory = pool().take(rounded);
  std::shared_ptr<void> owner(memory, [rounded](void* p) { pool().give_back(p, rounded); });
  Shape strides = contiguous_strides(sizes);
  return Tensor(Storage::wrap(static_cast<std::byte*>(memory), nbytes, std::move(owner)), DType::float32,
                std::move(sizes), std::move(strides), 0);
}

void release_pooled_buffers() {
  pool().clear();
}

std::size_t pooled_bytes() {
  return pool().held();
}

}  // namespace nninit::engine
