// The instruction sets and the number of threads that nninit's fills use on this machine.
//
// The choice never changes a bit of output: every fast kernel sits beside its scalar reference and the
// tests hold them equal (random/fill_kernels_test.cpp). It only decides how fast the bits come.
//   generic  plain x86-64 (or any other CPU): the scalar references, std::fma through the C library
//   avx2     AVX2 + FMA: 8-lane kernels, hardware fused multiply-add
//   avx512   AVX-512 F/BW/DQ/VL on top of avx2: 16-lane kernels
// The environment variable NNINIT_CPU=generic|avx2|avx512, read once, caps the level (a level the CPU
// lacks is never taken; an unknown value is ignored). NNINIT_CPU=generic runs the scalar fallback that
// machines without AVX2 run.
#pragma once

#include <string_view>

namespace nninit {

enum class CpuLevel { generic = 0, avx2 = 1, avx512 = 2 };

// What this CPU supports (ignores NNINIT_CPU and overrides).
CpuLevel detected_cpu_level();
// The level the kernels use now: the detected level, capped by NNINIT_CPU and by a ScopedCpuLevel.
CpuLevel cpu_level();
std::string_view cpu_level_name(CpuLevel level);  // "generic", "avx2", "avx512"

// For tests and benchmarks: while alive, caps the level process-wide (not thread-safe against
// concurrent fills; the previous cap returns on destruction).
class ScopedCpuLevel {
 public:
  explicit ScopedCpuLevel(CpuLevel level);
  ~ScopedCpuLevel();
  ScopedCpuLevel(const ScopedCpuLevel&) = delete;
  ScopedCpuLevel& operator=(const ScopedCpuLevel&) = delete;

 private:
  int previous_;
};

// The number of threads fills use: the machine's hardware threads, or NNINIT_NUM_THREADS (>= 1) when set,
// or what a ScopedThreadCount says while one lives. Like the level, it never changes a bit of output.
int fill_thread_count();

// For tests and benchmarks: while alive, fills use `count` threads (not thread-safe against concurrent
// fills).
class ScopedThreadCount {
 public:
  explicit ScopedThreadCount(int count);
  ~ScopedThreadCount();
  ScopedThreadCount(const ScopedThreadCount&) = delete;
  ScopedThreadCount& operator=(const ScopedThreadCount&) = delete;

 private:
  int previous_;
};

}  // namespace nninit
