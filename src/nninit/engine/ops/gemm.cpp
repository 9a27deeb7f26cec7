#include "nninit/engine/ops/gemm.h"

#include <cblas.h>

#include <limits>

#include "nninit/core/error.h"

namespace nninit::engine {
namespace {

int blas_int(std::int64_t value) {
  if (value > std::numeric_limits<int>::max()) {
    throw RuntimeError("gemm: a matrix dimension exceeds the BLAS's 32-bit index range");
  }
  return static_cast<int>(value);
}

// C = beta * C, with beta == 0 writing zeros (what sgemm does when k == 0 is left to us).
void scale_rows(std::int64_t m, std::int64_t n, float beta, float* c, std::int64_t ldc) {
  for (std::int64_t i = 0; i < m; ++i) {
    float* row = c + i * ldc;
    for (std::int64_t j = 0; j < n; ++j) row[j] = beta == 0.0f ? 0.0f : beta * row[j];
  }
}

}  // namespace

void gemm(Transpose transpose_a, Transpose transpose_b, std::int64_t m, std::int64_t n, std::int64_t k,
          float alpha, const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float beta,
          float* c, std::int64_t ldc) {
  if (m == 0 || n == 0) return;
  if (k == 0 || alpha == 0.0f) {
    scale_rows(m, n, beta, c, ldc);
    return;
  }
  cblas_sgemm(CblasRowMajor, transpose_a == Transpose::yes ? CblasTrans : CblasNoTrans,
              transpose_b == Transpose::yes ? CblasTrans : CblasNoTrans, blas_int(m), blas_int(n),
              blas_int(k), alpha, a, blas_int(lda), b, blas_int(ldb), beta, c, blas_int(ldc));
}

void gemm_reference(Transpose transpose_a, Transpose transpose_b, std::int64_t m, std::int64_t n,
                    std::int64_t k, float alpha, const float* a, std::int64_t lda, const float* b,
                    std::int64_t ldb, float beta, float* c, std::int64_t ldc) {
  for (std::int64_t i = 0; i < m; ++i) {
    for (std::int64_t j = 0; j < n; ++j) {
      double sum = 0.0;
      for (std::int64_t p = 0; p < k; ++p) {
        const float x = transpose_a == Transpose::yes ? a[p * lda + i] : a[i * lda + p];
        const float y = transpose_b == Transpose::yes ? b[j * ldb + p] : b[p * ldb + j];
        sum += static_cast<double>(x) * static_cast<double>(y);
      }
      const double previous = beta == 0.0f ? 0.0 : static_cast<double>(beta) * c[i * ldc + j];
      c[i * ldc + j] = static_cast<float>(static_cast<double>(alpha) * sum + previous);
    }
  }
}

}  // namespace nninit::engine
