// orthogonal_: a normal matrix, its QR factorisation through LAPACK (geqrf + orgqr, as
// torch.linalg.qr in reduced mode), Q's columns multiplied by sign(diag(R)). The draws are PyTorch's
// bit for bit; Q itself depends on the LAPACK build and agrees with PyTorch's to about 1e-6.
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "nninit/core/error.h"
#include "nninit/init/init.h"
#include "nninit/init/internal/recorded_write.h"

extern "C" {
void sgeqrf_(const int* m, const int* n, float* a, const int* lda, float* tau, float* work, const int* lwork,
             int* info);
void dgeqrf_(const int* m, const int* n, double* a, const int* lda, double* tau, double* work,
             const int* lwork, int* info);
void sorgqr_(const int* m, const int* n, const int* k, float* a, const int* lda, const float* tau,
             float* work, const int* lwork, int* info);
void dorgqr_(const int* m, const int* n, const int* k, double* a, const int* lda, const double* tau,
             double* work, const int* lwork, int* info);
}

namespace nninit::init {
namespace {

void geqrf(int m, int n, float* a, float* tau, float* work, int lwork, int* info) {
  sgeqrf_(&m, &n, a, &m, tau, work, &lwork, info);
}
void geqrf(int m, int n, double* a, double* tau, double* work, int lwork, int* info) {
  dgeqrf_(&m, &n, a, &m, tau, work, &lwork, info);
}
void orgqr(int m, int n, float* a, const float* tau, float* work, int lwork, int* info) {
  sorgqr_(&m, &n, &n, a, &m, tau, work, &lwork, info);
}
void orgqr(int m, int n, double* a, const double* tau, double* work, int lwork, int* info) {
  dorgqr_(&m, &n, &n, a, &m, tau, work, &lwork, info);
}

// Reduced QR of the m x n matrix (m >= n) given column-major in `a`; returns Q (column-major, m x n)
// with each column multiplied by the sign of R's diagonal entry (0 when that entry is 0, as torch.sign).
template <class T>
std::vector<T> signed_q(std::vector<T> a, int m, int n) {
  std::vector<T> tau(static_cast<std::size_t>(n));
  int info = 0;
  T query = 0;
  geqrf(m, n, a.data(), tau.data(), &query, -1, &info);
  std::vector<T> work(static_cast<std::size_t>(std::max<T>(query, T(1))));
  geqrf(m, n, a.data(), tau.data(), work.data(), static_cast<int>(work.size()), &info);
  if (info != 0) throw RuntimeError(fmt::format("orthogonal_: LAPACK geqrf failed with info={}", info));
  std::vector<T> sign(static_cast<std::size_t>(n));
  for (int j = 0; j < n; ++j) {
    const T r = a[static_cast<std::size_t>(j) * static_cast<std::size_t>(m) + static_cast<std::size_t>(j)];
    sign[static_cast<std::size_t>(j)] = r > 0 ? T(1) : (r < 0 ? T(-1) : T(0));
  }
  orgqr(m, n, a.data(), tau.data(), &query, -1, &info);
  work.resize(static_cast<std::size_t>(std::max<T>(query, T(1))));
  orgqr(m, n, a.data(), tau.data(), work.data(), static_cast<int>(work.size()), &info);
  if (info != 0) throw RuntimeError(fmt::format("orthogonal_: LAPACK orgqr failed with info={}", info));
  for (int j = 0; j < n; ++j) {
    for (int i = 0; i < m; ++i) {
      a[static_cast<std::size_t>(j) * static_cast<std::size_t>(m) + static_cast<std::size_t>(i)] *=
          sign[static_cast<std::size_t>(j)];
    }
  }
  return a;
}

}  // namespace

Tensor orthogonal_(const Tensor& tensor, OrthogonalOptions options, Generator& generator) {
  return internal::recorded_write(tensor, &generator, [options](const Tensor& t, Generator* g) {
    if (t.dim() < 2) throw ValueError("orthogonal_: Only tensors with 2 or more dimensions are supported");
    if (t.numel() == 0) return;
    const std::int64_t rows = t.size(0);
    const std::int64_t cols = t.numel() / rows;
    const Tensor flattened = Tensor::empty({rows, cols}, t.dtype());
    g->normal_(flattened, 0.0, 1.0);
    if (t.dtype() == DType::float16 || t.dtype() == DType::bfloat16) {
      throw_not_implemented_for(g->release(), "orthogonal_", "geqrf_cpu", t.dtype());
    }
    if (std::max(rows, cols) > std::numeric_limits<int>::max()) {
      throw ValueError(fmt::format("orthogonal_: a {}x{} matrix is too large for LAPACK", rows, cols));
    }
    // Factor the tall orientation: A = flattened, or its transpose when rows < cols.
    const bool transposed = rows < cols;
    const auto m = static_cast<int>(transposed ? cols : rows);
    const auto n = static_cast<int>(transposed ? rows : cols);
    dispatch_floating(t.dtype(), [&](auto tag) {
      using T = decltype(tag);
      if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
        const T* values = flattened.data_ptr<T>();
        // A is m x n; A(i, j) = flattened(i, j), or flattened(j, i) when transposed. LAPACK is column-major.
        std::vector<T> a(static_cast<std::size_t>(m) * static_cast<std::size_t>(n));
        for (int j = 0; j < n; ++j) {
          for (int i = 0; i < m; ++i) {
            const std::int64_t source = transposed ? static_cast<std::int64_t>(j) * cols + i
                                                   : static_cast<std::int64_t>(i) * cols + j;
            a[static_cast<std::size_t>(j) * static_cast<std::size_t>(m) + static_cast<std::size_t>(i)] =
                values[source];
          }
        }
        const std::vector<T> q = signed_q(std::move(a), m, n);
        const Tensor target = t.view({rows, cols});  // view_as(q): may fail for a non-contiguous tensor
        // Write Q (or Q^T) into the t, then scale by gain in the t's precision (t.mul_(gain)).
        const auto gain = static_cast<T>(options.gain);
        for (std::int64_t r = 0; r < rows; ++r) {
          for (std::int64_t c = 0; c < cols; ++c) {
            const std::size_t qi =
                transposed
                    ? static_cast<std::size_t>(r) * static_cast<std::size_t>(m) + static_cast<std::size_t>(c)
                    : static_cast<std::size_t>(c) * static_cast<std::size_t>(m) + static_cast<std::size_t>(r);
            target.set({r, c}, static_cast<double>(q[qi] * gain));
          }
        }
      }
    });
  });
}

}  // namespace nninit::init
