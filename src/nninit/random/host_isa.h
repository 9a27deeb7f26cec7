// The host's instruction set: what nninit's own fill kernels use on this machine, chosen once at run time.
// Not the capability of the PyTorch being imitated (core/torch_release.h's TorchCapability), which decides
// the bits; this only decides how fast they come. (How many threads they use: core/threads.h.)
//
// The choice never changes a bit of output: every fast kernel sits beside its scalar reference and the
// tests hold them equal (random/internal/fill_kernels_test.cpp).
//   generic  plain x86-64 (or any other CPU): the scalar references, std::fma through the C library
//   avx2     AVX2 + FMA: 8-lane kernels, hardware fused multiply-add
//   avx512   AVX-512 F/BW/DQ/VL on top of avx2: 16-lane kernels
// The environment variable NNINIT_CPU=generic|avx2|avx512, read once, caps the level (a level the CPU
// lacks is never taken; an unknown value is ignored). NNINIT_CPU=generic runs the scalar fallback that
// machines without AVX2 run.
#pragma once

#include <string_view>

namespace nninit {

enum class HostIsa { generic = 0, avx2 = 1, avx512 = 2 };

// What this CPU supports (ignores NNINIT_CPU and overrides).
HostIsa detected_host_isa();
// The level the kernels use now: the detected level, capped by NNINIT_CPU and by a ScopedHostIsa.
HostIsa host_isa();
std::string_view host_isa_name(HostIsa level);  // "generic", "avx2", "avx512"

// For tests and benchmarks: while alive, caps the level process-wide (not thread-safe against
// concurrent fills; the previous cap returns on destruction).
class ScopedHostIsa {
 public:
  explicit ScopedHostIsa(HostIsa level);
  ~ScopedHostIsa();
  ScopedHostIsa(const ScopedHostIsa&) = delete;
  ScopedHostIsa& operator=(const ScopedHostIsa&) = delete;

 private:
  int previous_;
};

}  // namespace nninit
