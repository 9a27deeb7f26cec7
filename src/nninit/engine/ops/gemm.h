// Matrix products in float32 through a real BLAS (OpenBLAS's cblas_sgemm), and a plain reference in
// double for tests. Every matrix is row-major with a leading dimension (the distance, in elements,
// between the starts of two consecutive rows), so strided sub-matrices (one attention head, one group
// of a convolution) need no copy.
//
//   C (m x n) = alpha * op(A) (m x k) * op(B) (k x n) + beta * C
//   op(X) = X or X^T; A is stored m x k (k x m when transposed), B k x n (n x k when transposed).
#pragma once

#include <cstdint>

namespace nninit::engine {

enum class Transpose { no, yes };

// beta == 0 overwrites C without reading it (NaNs in C do not survive), as BLAS specifies.
void gemm(Transpose transpose_a, Transpose transpose_b, std::int64_t m, std::int64_t n, std::int64_t k,
          float alpha, const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float beta,
          float* c, std::int64_t ldc);

// The same contract computed with triple loops and double accumulation (for tests only: slow).
void gemm_reference(Transpose transpose_a, Transpose transpose_b, std::int64_t m, std::int64_t n,
                    std::int64_t k, float alpha, const float* a, std::int64_t lda, const float* b,
                    std::int64_t ldb, float beta, float* c, std::int64_t ldc);

}  // namespace nninit::engine
