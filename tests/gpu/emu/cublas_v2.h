/* cublas_v2.h (emulator) — cublasGemmEx and its strided-batched form with
 * cuBLAS's column-major semantics, argument checks and dtype combinations,
 * computed naively on the CPU. */
#pragma once

#include "cuda_runtime.h"

typedef struct PtEmuBlas *cublasHandle_t;

typedef enum {
  CUBLAS_STATUS_SUCCESS = 0,
  CUBLAS_STATUS_NOT_INITIALIZED = 1,
  CUBLAS_STATUS_ALLOC_FAILED = 3,
  CUBLAS_STATUS_INVALID_VALUE = 7,
  CUBLAS_STATUS_EXECUTION_FAILED = 13,
  CUBLAS_STATUS_NOT_SUPPORTED = 15,
} cublasStatus_t;

typedef enum { CUBLAS_OP_N = 0, CUBLAS_OP_T = 1, CUBLAS_OP_C = 2 } cublasOperation_t;
typedef enum { CUBLAS_COMPUTE_32F = 68, CUBLAS_COMPUTE_32F_FAST_TF32 = 77, CUBLAS_COMPUTE_64F = 70 } cublasComputeType_t;
typedef enum { CUBLAS_GEMM_DEFAULT = -1 } cublasGemmAlgo_t;
typedef enum { CUBLAS_DEFAULT_MATH = 0, CUBLAS_TF32_TENSOR_OP_MATH = 3 } cublasMath_t;

cublasStatus_t cublasCreate (cublasHandle_t *handle);
cublasStatus_t cublasDestroy (cublasHandle_t handle);
cublasStatus_t cublasSetStream (cublasHandle_t handle, cudaStream_t stream);
cublasStatus_t cublasSetWorkspace (cublasHandle_t handle, void *workspace, size_t bytes);
cublasStatus_t cublasSetMathMode (cublasHandle_t handle, cublasMath_t mode);
const char    *cublasGetStatusString (cublasStatus_t status);

cublasStatus_t cublasGemmEx (cublasHandle_t handle, cublasOperation_t transa,
                             cublasOperation_t transb, int m, int n, int k, const void *alpha,
                             const void *A, cudaDataType_t Atype, int lda,
                             const void *B, cudaDataType_t Btype, int ldb, const void *beta,
                             void *C, cudaDataType_t Ctype, int ldc,
                             cublasComputeType_t compute, cublasGemmAlgo_t algo);
cublasStatus_t cublasGemmStridedBatchedEx (cublasHandle_t handle, cublasOperation_t transa,
                                           cublasOperation_t transb, int m, int n, int k,
                                           const void *alpha,
                                           const void *A, cudaDataType_t Atype, int lda,
                                           long long strideA,
                                           const void *B, cudaDataType_t Btype, int ldb,
                                           long long strideB, const void *beta,
                                           void *C, cudaDataType_t Ctype, int ldc,
                                           long long strideC, int batch,
                                           cublasComputeType_t compute, cublasGemmAlgo_t algo);
