/* cuda-ref.h — plain double-precision references for the backend ops, written
 * from the formulas in pt-backend.h and the Hugging Face sources (not from
 * the CUDA kernels), for the CUDA op tests. Inputs are float arrays already
 * rounded to the dtype the device sees; outputs are double. */
#pragma once

#include "pt-backend.h"

G_BEGIN_DECLS

/* row-major C (m,n) = alpha op(A) op(B) + beta C */
void   pt_ref_gemm (gboolean ta, gboolean tb, int m, int n, int k, double alpha,
                    const float *a, int lda, const float *b, int ldb,
                    double beta, double *c, int ldc);
double pt_ref_gelu      (double x);
double pt_ref_gelu_grad (double x);

void pt_ref_layernorm_forward  (double *out, double *mean, double *rstd, const float *x,
                                const float *w, const float *b, int N, int C, double eps);
/* dinp, dw, db accumulate (+=) like the op */
void pt_ref_layernorm_backward (double *dinp, double *dw, double *db, const float *dout,
                                const float *x, const float *w, int N, int C, double eps);
void pt_ref_rmsnorm_forward    (double *out, double *rstd, const float *x, const float *w,
                                int N, int C, double eps);
void pt_ref_rmsnorm_backward   (double *dinp, double *dw, const float *dout, const float *x,
                                const float *w, int N, int C, double eps);

/* x (B,T,H,D) → out, half-split rotation by ±(pos·θ^(-2j/D)) */
void pt_ref_rope (double *out, const float *x, int B, int T, int H, int D,
                  const int32_t *pos_start, int pos0, double theta, gboolean inverse);

/* out (B,Tq,Hq,D), lse (B,Hq,Tq) (-inf for a row that sees nothing) */
void pt_ref_attention_forward  (double *out, double *lse, const float *q, const float *k,
                                const float *v, int B, int Tq, int Tk, int tk_alloc, int Hq,
                                int Hkv, int D, double scale, const PtAttnMask *mask);
/* dq (B,Tq,Hq,D), dk, dv (B,tk_alloc,Hkv,D): first Tk rows written */
void pt_ref_attention_backward (double *dq, double *dk, double *dv, const float *dout,
                                const float *q, const float *k, const float *v, int B, int Tq,
                                int Tk, int tk_alloc, int Hq, int Hkv, int D, double scale,
                                const PtAttnMask *mask);
gboolean pt_ref_visible (const PtAttnMask *mask, int b, int i, int j, int Tk);

/* losses (M), dlogits (M,V) (may be NULL) */
void pt_ref_cross_entropy (double *losses, double *dlogits, const float *logits,
                           const int32_t *targets, int M, int V, double grad_scale);

/* one AdamW step on double state */
void pt_ref_adamw (double *p, const double *g, double *m, double *v, size_t n, double lr,
                   double b1, double b2, double eps, double wd, int step, double grad_scale);

extern const float pt_ref_nf4_code[16];

G_END_DECLS
