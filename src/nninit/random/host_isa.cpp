#include "nninit/random/host_isa.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <string>

namespace nninit {
namespace {

HostIsa detect() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  const bool avx512 = avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
  return avx512 ? HostIsa::avx512 : avx2 ? HostIsa::avx2 : HostIsa::generic;
#else
  return HostIsa::generic;
#endif
}

// The detected level capped by NNINIT_CPU.
HostIsa environment_level() {
  HostIsa level = detect();
  if (const char* requested = std::getenv("NNINIT_CPU")) {
    const std::string_view name(requested);
    for (HostIsa cap : {HostIsa::generic, HostIsa::avx2, HostIsa::avx512}) {
      if (name == host_isa_name(cap)) level = std::min(level, cap);
    }
  }
  return level;
}

std::atomic<int> override_cap{static_cast<int>(HostIsa::avx512)};

}  // namespace

HostIsa detected_host_isa() {
  static const HostIsa level = detect();
  return level;
}

HostIsa host_isa() {
  static const HostIsa level = environment_level();
  return std::min(level, static_cast<HostIsa>(override_cap.load(std::memory_order_relaxed)));
}

std::string_view host_isa_name(HostIsa level) {
  switch (level) {
    case HostIsa::generic: return "generic";
    case HostIsa::avx2: return "avx2";
    case HostIsa::avx512: return "avx512";
  }
  return "?";
}

ScopedHostIsa::ScopedHostIsa(HostIsa level)
    : previous_(override_cap.exchange(static_cast<int>(level), std::memory_order_relaxed)) {}

ScopedHostIsa::~ScopedHostIsa() {
  override_cap.store(previous_, std::memory_order_relaxed);
}

}  // namespace nninit
