/* op-cases.h — a table of backend op cases, run on any pair of backends.
 *
 * ggml test-backend-ops style: every case is an op family + shapes + an
 * error bound. The harness makes seeded host inputs (double), uploads them
 * to a backend in that backend's act/acc dtypes, runs the op (forward, then
 * backward with a fixed random dout), downloads every output as double and
 * compares. Every buffer has guard bytes on both sides, checked after every
 * op call. Used by tests/engine/test-ops.c (CPU F64 vs finite differences,
 * vs naive references, CPU F32 vs F64) and tests/gpu/test-cuda-ops.c (CPU vs
 * CUDA): an op a backend lacks (NULL) is "not supported", not failed.
 *
 * Families live in op-cases-*.c, the case table in op-cases-table.c.
 */
#pragma once

#include <glib.h>           /* gboolean, GString */

#include "pt-backend.h"     /* PtBackend, PtAttnMask */
#include "pt-rng.h"        /* PtRng */

G_BEGIN_DECLS

/* ---- describing a case --------------------------------------------------- */

/* Tensor kinds: the backend's act or acc dtype, or an explicit PtDType (>= 0). */
enum { PT_OC_ACT = -1, PT_OC_ACC = -2 };

typedef enum {
  PT_OC_IN    = 1 << 0,  /* uploaded before every forward (in-place tensors too) */
  PT_OC_OUT   = 1 << 1,  /* written by the forward, compared */
  PT_OC_GRAD  = 1 << 2,  /* input with a gradient, written by the backward */
  PT_OC_ACCUM = 1 << 3,  /* that gradient accumulates (+=): pre-filled at random */
  PT_OC_DIFF  = 1 << 4,  /* output the loss Σ out·R is taken over (gets dout = R) */
  PT_OC_INT   = 1 << 5,  /* integer data (ids, bytes): never rounded or perturbed */
} PtOcFlags;

typedef struct {
  const char *name;
  int         kind;      /* PT_OC_ACT, PT_OC_ACC or a PtDType */
  size_t      n;         /* elements */
  unsigned    flags;
  double      lo, hi;    /* uniform init range (integers: inclusive) */
} PtOcTensor;

#define PT_OC_MAX_TENSORS 10

typedef struct _PtOpCase PtOpCase;
typedef struct _PtOcRun  PtOcRun;

typedef struct {
  const char *name;   /* "attention" */
  /* fills t[0..n_tensors) for the case */
  void      (*build)     (const PtOpCase *c, PtOcTensor *t);
  int         n_tensors;
  /* the ops a backend needs for this family */
  gboolean  (*supported) (const PtBackendOps *ops, const PtOpCase *c);
  void      (*forward)   (PtOcRun *r);
  /* NULL when the family has no backward */
  void      (*backward)  (PtOcRun *r);
  /* naive double-precision reference: fills the OUT tensors of h from the
   * inputs (in-place tensors are updated); NULL when there is none */
  void      (*reference) (const PtOpCase *c, double **h);
  /* optional: custom input values (ids with out-of-range entries, …) */
  void      (*init)      (const PtOpCase *c, int tensor, double *x, size_t n, PtRng *rng);
  /* optional: FALSE for elements an op leaves unwritten (attention's dk rows
   * past Tk): they are not compared */
  gboolean  (*defined)   (const PtOpCase *c, int tensor, size_t i);
  /* optional: dout of every DIFF output is this constant (cross-entropy:
   * grad_scale) instead of random */
  double    (*dout_constant) (const PtOpCase *c);
  /* outputs must match exactly (data moves, conversions, table lookups) */
  gboolean    exact;
} PtOcFamily;

struct _PtOpCase {
  const PtOcFamily *family;
  const char       *name;      /* "gqa-causal-prefix" */
  int               p[12];     /* integer parameters, meaning per family */
  double            f[4];      /* real parameters (eps, scale, …) */
  double            nmse;      /* F32 vs F64 bound, 0: 1e-9 */
  double            nmse_bf16; /* bound for a BF16 act backend, 0: 2e-4 */
};

/* What a family's forward/backward sees: device buffers of its tensors and
 * of their gradients (inputs) / douts (outputs), and their dtypes. */
struct _PtOcRun {
  PtBackend      *be;
  const PtOpCase *c;
  int             n;
  PtOcTensor      spec[PT_OC_MAX_TENSORS];
  PtDType         dtype[PT_OC_MAX_TENSORS];
  void           *t[PT_OC_MAX_TENSORS];
  void           *g[PT_OC_MAX_TENSORS];
  /* private */
  void           *t_base[PT_OC_MAX_TENSORS];
  void           *g_base[PT_OC_MAX_TENSORS];
  GString        *errors;
};

/* The table (op-cases-table.c), NULL-family terminated. */
extern const PtOpCase pt_op_cases[];

/* "family/name", to g_free */
char *pt_op_case_path (const PtOpCase *c);

typedef enum {
  PT_OC_PASS,
  PT_OC_FAIL,
  PT_OC_UNSUPPORTED,
} PtOcResult;

/* ---- checks ---------------------------------------------------------------- */

/* Runs the case forward (and backward, when it has one) on both backends
 * with identical inputs (rounded to the coarser of their dtypes), compares
 * every output and gradient by NMSE against the bound for other's act dtype.
 * Appends what it did to log. */
PtOcResult pt_op_case_compare (const PtOpCase *c, PtBackend *reference, PtBackend *other,
                               GString *log);
/* The same with an explicit bound (0: bit-identical up to the sign of zero). */
PtOcResult pt_op_case_compare_bound (const PtOpCase *c, PtBackend *reference, PtBackend *other,
                                     double bound, GString *log);
/* Every gradient against central finite differences of Σ out·R in be (an
 * F64 backend): max |fd - analytic| <= tol · max |fd| per tensor. */
PtOcResult pt_op_case_check_gradients (const PtOpCase *c, PtBackend *be, double tol,
                                       GString *log);
/* Forward outputs against the family's naive reference (NMSE <= bound). */
PtOcResult pt_op_case_check_reference (const PtOpCase *c, PtBackend *be, double bound,
                                       GString *log);

/* Runs pt_op_case_compare on every case whose path contains filter (NULL:
 * all), printing one line per case; returns FALSE when any failed. */
gboolean   pt_op_cases_compare (PtBackend *reference, PtBackend *other, const char *filter,
                                int *n_pass, int *n_fail, int *n_unsupported);

/* ---- helpers for families ------------------------------------------------ */

/* x rounded to dtype: round half to even, overflow to inf, an
 * implementation independent of pt-half.h; I32 truncates and saturates. */
double pt_oc_round (double x, PtDType dtype);
/* the attention visibility rule, evaluated literally */
gboolean pt_oc_attn_visible (const PtAttnMask *mask, int b, int i, int j, int Tk);

/* the families (op-cases-*.c) */
extern const PtOcFamily pt_oc_convert, pt_oc_gemm, pt_oc_gemm_batched;
extern const PtOcFamily pt_oc_add, pt_oc_scale, pt_oc_gelu, pt_oc_geglu, pt_oc_dropout;
extern const PtOcFamily pt_oc_bias, pt_oc_layernorm, pt_oc_rmsnorm, pt_oc_rope;
extern const PtOcFamily pt_oc_attention;
extern const PtOcFamily pt_oc_embedding, pt_oc_gather, pt_oc_scatter, pt_oc_im2col;
extern const PtOcFamily pt_oc_cross_entropy, pt_oc_argmax, pt_oc_sum_squares, pt_oc_adamw;
extern const PtOcFamily pt_oc_nf4;

G_END_DECLS
