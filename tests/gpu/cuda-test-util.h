/* cuda-test-util.h — helpers for comparing a device backend with host
 * references: dtype rounding on the host, guarded device buffers, NMSE. */
#pragma once

#include <stddef.h>   /* size_t */
#include <stdint.h>   /* uint16_t */

#include "pt-backend.h"
#include "pt-rng.h"   /* PtRng */

G_BEGIN_DECLS

/* sentinel bytes before and after every output buffer */
#define PT_TEST_GUARD 256

typedef struct {
  PtBackend *be;
  PtDType    act;       /* the backend's activation dtype */
  double     bound;     /* NMSE bound for act outputs */
  double     bound_acc; /* NMSE bound for F32 outputs computed from act inputs */
  PtRng      rng;
} PtTestCtx;

uint16_t pt_test_f32_to_bf16 (float f);
float    pt_test_bf16_to_f32 (uint16_t h);
uint16_t pt_test_f32_to_f16  (float f);
float    pt_test_f16_to_f32  (uint16_t h);
/* f rounded to dtype and back (F32/BF16/F16; F64 keeps f) */
float    pt_test_round       (float f, PtDType dtype);

/* n uniform values in [lo, hi), already rounded to dtype */
float   *pt_test_random      (PtTestCtx *ctx, size_t n, float lo, float hi, PtDType dtype);

/* Device buffers with guard bytes on both sides; pt_test_free checks them. */
void    *pt_test_upload      (PtTestCtx *ctx, const float *host, size_t n, PtDType dtype);
void    *pt_test_upload_i32  (PtTestCtx *ctx, const int32_t *host, size_t n);
void    *pt_test_upload_raw  (PtTestCtx *ctx, const void *host, size_t bytes);
void    *pt_test_alloc       (PtTestCtx *ctx, size_t n, PtDType dtype);   /* garbage-filled */
float   *pt_test_download    (PtTestCtx *ctx, const void *dev, size_t n, PtDType dtype);
int32_t *pt_test_download_i32 (PtTestCtx *ctx, const void *dev, size_t n);
void     pt_test_free        (PtTestCtx *ctx, void *dev);

/* NMSE = Σ (got - want)² / Σ want²; fails the test (with the worst element)
 * when above bound, or when got has a NaN where want has none. */
double   pt_test_nmse        (const float *got, const double *want, size_t n);
void     pt_test_expect      (const char *what, const float *got, const double *want, size_t n,
                              double bound);
void     pt_test_expect_f    (const char *what, const float *got, const float *want, size_t n,
                              double bound);

/* the backend reports no latched error */
void     pt_test_check_ok    (PtTestCtx *ctx);

G_END_DECLS
