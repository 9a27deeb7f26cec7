#include "nninit/random/internal/erfinv.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <type_traits>

#include "nninit/random/host_isa.h"
#include "nninit/random/internal/target.h"

namespace nninit {
namespace {

namespace portable {
#include "nninit/random/internal/erfinv_inl.h"
}  // namespace portable

#if defined(__x86_64__)
NNINIT_TARGET_BEGIN("fma")
namespace with_fma {
#include "nninit/random/internal/erfinv_inl.h"
}  // namespace with_fma
NNINIT_TARGET_END
#endif

// The build with FMA instructions where the CPU has them and the fused form is asked for (the unfused
// form has no fma to speed up).
template <class T>
T erfinv(T y, bool fused, bool correctly_rounded_erf) {
#if defined(__x86_64__)
  if (fused && host_isa() >= HostIsa::avx2) return with_fma::erfinv_impl<T>(y, fused, correctly_rounded_erf);
#endif
  return portable::erfinv_impl<T>(y, fused, correctly_rounded_erf);
}

template <class T>
void erfinv_n(const T* y, T* out, std::size_t n, bool fused, bool correctly_rounded_erf) {
  constexpr int lanes = portable::erfinv_lanes;
  for (std::size_t i = 0; i < n; i += lanes) {
    const int m = static_cast<int>(std::min<std::size_t>(lanes, n - i));
#if defined(__x86_64__)
    if (fused && host_isa() >= HostIsa::avx2) {
      with_fma::erfinv_interleaved<T>(y + i, out + i, m, fused, correctly_rounded_erf);
      continue;
    }
#endif
    portable::erfinv_interleaved<T>(y + i, out + i, m, fused, correctly_rounded_erf);
  }
}

}  // namespace

void calc_erfinv(const float* y, float* out, std::size_t n, bool fused, bool correctly_rounded_erf) {
  erfinv_n(y, out, n, fused, correctly_rounded_erf);
}
void calc_erfinv(const double* y, double* out, std::size_t n, bool fused) {
  erfinv_n(y, out, n, fused, false);
}

float calc_erfinv(float y, bool fused, bool correctly_rounded_erf) {
  return erfinv<float>(y, fused, correctly_rounded_erf);
}
double calc_erfinv(double y, bool fused) {
  return erfinv<double>(y, fused, false);
}

}  // namespace nninit
