/* op-cases-basic.c — families: convert, gemm, gemm_batched, add, scale,
 * gelu, geglu, dropout, bias. */
#include "config.h"

#include <math.h>           /* tanh, INFINITY, NAN */

#include "pt-rng.h"         /* pt_rng_uniform (dropout's definition) */
#include "op-cases.h"

#define OPS(r) ((r)->be->ops)

static gboolean
has_convert (const PtBackendOps *ops, const PtOpCase *c)
{
  return ops->convert != NULL;
}

/* ---- convert: p = { src dtype, dst dtype, n } ---------------------------- */

static void
convert_build (const PtOpCase *c, PtOcTensor *t)
{
  unsigned int_src = c->p[0] == PT_DTYPE_I32 ? PT_OC_INT : 0;
  unsigned int_dst = c->p[1] == PT_DTYPE_I32 ? PT_OC_INT : 0;

  t[0] = (PtOcTensor) { "src", c->p[0], c->p[2], PT_OC_IN | int_src, -1, 1 };
  t[1] = (PtOcTensor) { "dst", c->p[1], c->p[2], PT_OC_OUT | int_dst, 0, 0 };
}

/* Special values first (ties for BF16 and F16, subnormals, overflow, NaN,
 * saturating integers), then values over 16 decades. */
static void
convert_init (const PtOpCase *c, int tensor, double *x, size_t n, PtRng *rng)
{
  static const double special[] = {
    0.0, -0.0, INFINITY, -INFINITY, NAN, 1.0 + 0x1p-8, 1.0 + 3 * 0x1p-8, -(1.0 + 0x1p-8),
    1.0 + 0x1p-11, 1.0 + 3 * 0x1p-11, 65504.0, 65520.0, 65519.0, 0x1p-24, 0x1p-25, 3 * 0x1p-26,
    1e-40, 3e38, 1e39, 2.5, -2.5, 3.7, -3.7, 2147483647.0, 3e9, -3e9, 16777217.0,
  };

  for (size_t i = 0; i < n; i++)
    {
      double u = pt_rng_next_double (rng), v = 2 * pt_rng_next_double (rng) - 1;
      if (tensor != 0)
        x[i] = 0;
      else if (c->p[0] == PT_DTYPE_I32)
        x[i] = i < 4 ? (double[]) { 16777217, -16777217, 2147483647, -2147483647.0 - 1 }[i]
                     : floor (v * 1073741824.0);
      else
        x[i] = i < G_N_ELEMENTS (special) ? special[i] : v * pow (10.0, 16 * u - 8);
    }
}

static void
convert_forward (PtOcRun *r)
{
  OPS (r)->convert (r->be, r->t[1], r->dtype[1], r->t[0], r->dtype[0], r->c->p[2]);
}

static void
convert_reference (const PtOpCase *c, double **h)
{
  gboolean narrow = c->p[1] == PT_DTYPE_BF16 || c->p[1] == PT_DTYPE_F16;
  gboolean via_f32 = narrow && (c->p[0] == PT_DTYPE_F64 || c->p[0] == PT_DTYPE_I32);

  for (int i = 0; i < c->p[2]; i++)
    h[1][i] = pt_oc_round (via_f32 ? pt_oc_round (h[0][i], PT_DTYPE_F32) : h[0][i], c->p[1]);
}

const PtOcFamily pt_oc_convert = {
  .name = "convert", .build = convert_build, .n_tensors = 2, .supported = has_convert,
  .forward = convert_forward, .reference = convert_reference, .init = convert_init,
  .exact = TRUE,
};

/* ---- gemm: p = { m, n, k, trans_a, trans_b, a kind, b kind, c kind,
 *                  pad a, pad b, pad c, batch }, f = { alpha, beta } --------
 * Matrix i of a batch starts 3 elements past the end of matrix i-1. */

typedef struct {
  int m, n, k, ta, tb, ar, ac, br, bc, lda, ldb, ldc, batch;
  int64_t sa, sb, sc;
} Gemm;

static Gemm
gemm_shape (const PtOpCase *c)
{
  Gemm g = { c->p[0], c->p[1], c->p[2], c->p[3], c->p[4] };

  g.ar = g.ta ? g.k : g.m;
  g.ac = g.ta ? g.m : g.k;
  g.br = g.tb ? g.n : g.k;
  g.bc = g.tb ? g.k : g.n;
  g.lda = g.ac + c->p[8];
  g.ldb = g.bc + c->p[9];
  g.ldc = g.n + c->p[10];
  g.batch = MAX (c->p[11], 1);
  g.sa = (int64_t) g.ar * g.lda + 3;
  g.sb = (int64_t) g.br * g.ldb + 3;
  g.sc = (int64_t) g.m * g.ldc + 3;
  return g;
}

static void
gemm_build (const PtOpCase *c, PtOcTensor *t)
{
  Gemm g = gemm_shape (c);

  t[0] = (PtOcTensor) { "a", c->p[5], g.sa * g.batch, PT_OC_IN, -1, 1 };
  t[1] = (PtOcTensor) { "b", c->p[6], g.sb * g.batch, PT_OC_IN, -1, 1 };
  t[2] = (PtOcTensor) { "c", c->p[7], g.sc * g.batch, PT_OC_IN | PT_OC_OUT, -1, 1 };
}

/* beta = 0 must not read C: it starts as NaN then */
static void
gemm_init (const PtOpCase *c, int tensor, double *x, size_t n, PtRng *rng)
{
  for (size_t i = 0; i < n; i++)
    x[i] = tensor == 2 && c->f[1] == 0 ? NAN : 2 * pt_rng_next_double (rng) - 1;
}

static gboolean
has_gemm (const PtBackendOps *ops, const PtOpCase *c)
{
  return c->p[11] > 0 ? ops->gemm_batched != NULL : ops->gemm != NULL;
}

static void
gemm_forward (PtOcRun *r)
{
  const PtOpCase *c = r->c;
  Gemm g = gemm_shape (c);

  if (c->p[11] > 0)
    OPS (r)->gemm_batched (r->be, g.ta, g.tb, g.m, g.n, g.k, c->f[0],
                           r->t[0], r->dtype[0], g.lda, g.sa, r->t[1], r->dtype[1], g.ldb, g.sb,
                           c->f[1], r->t[2], r->dtype[2], g.ldc, g.sc, g.batch);
  else
    OPS (r)->gemm (r->be, g.ta, g.tb, g.m, g.n, g.k, c->f[0], r->t[0], r->dtype[0], g.lda,
                   r->t[1], r->dtype[1], g.ldb, c->f[1], r->t[2], r->dtype[2], g.ldc);
}

static void
gemm_reference (const PtOpCase *c, double **h)
{
  Gemm g = gemm_shape (c);

  for (int b = 0; b < g.batch; b++)
    {
      const double *A = h[0] + b * g.sa, *B = h[1] + b * g.sb;
      double *C = h[2] + b * g.sc;

      for (int i = 0; i < g.m; i++)
        for (int j = 0; j < g.n; j++)
          {
            double sum = 0;
            for (int l = 0; l < g.k; l++)
              sum += (g.ta ? A[l * g.lda + i] : A[i * g.lda + l])
                     * (g.tb ? B[j * g.ldb + l] : B[l * g.ldb + j]);
            C[i * g.ldc + j] = c->f[0] * sum + (c->f[1] == 0 ? 0 : c->f[1] * C[i * g.ldc + j]);
          }
    }
}

const PtOcFamily pt_oc_gemm = {
  .name = "gemm", .build = gemm_build, .n_tensors = 3, .supported = has_gemm,
  .forward = gemm_forward, .reference = gemm_reference, .init = gemm_init,
};

const PtOcFamily pt_oc_gemm_batched = {
  .name = "gemm_batched", .build = gemm_build, .n_tensors = 3, .supported = has_gemm,
  .forward = gemm_forward, .reference = gemm_reference, .init = gemm_init,
};

/* ---- add: p = { n, out aliases a } --------------------------------------- */

static void
add_build (const PtOpCase *c, PtOcTensor *t)
{
  t[0] = (PtOcTensor) { "a", PT_OC_ACT, c->p[0], PT_OC_IN, -2, 2 };
  t[1] = (PtOcTensor) { "b", PT_OC_ACT, c->p[0], PT_OC_IN, -2, 2 };
  t[2] = (PtOcTensor) { "out", PT_OC_ACT, c->p[0], PT_OC_OUT, 0, 0 };
}

static gboolean
has_add (const PtBackendOps *ops, const PtOpCase *c)
{
  return ops->add != NULL;
}

static void
add_forward (PtOcRun *r)
{
  size_t bytes = r->c->p[0] * pt_dtype_size (r->dtype[2]);

  if (r->c->p[1])
    {
      OPS (r)->copy (r->be, r->t[2], r->t[0], bytes);
      OPS (r)->add (r->be, r->t[2], r->t[2], r->t[1], r->c->p[0]);
    }
  else
    OPS (r)->add (r->be, r->t[2], r->t[0], r->t[1], r->c->p[0]);
}

static void
add_reference (const PtOpCase *c, double **h)
{
  for (int i = 0; i < c->p[0]; i++)
    h[2][i] = h[0][i] + h[1][i];
}

const PtOcFamily pt_oc_add = {
  .name = "add", .build = add_build, .n_tensors = 3, .supported = has_add,
  .forward = add_forward, .reference = add_reference,
};

/* ---- scale: p = { n, kind }, f = { alpha } -------------------------------- */

static void
scale_build (const PtOpCase *c, PtOcTensor *t)
{
  t[0] = (PtOcTensor) { "x", c->p[1], c->p[0], PT_OC_IN | PT_OC_OUT, -3, 3 };
}

static gboolean
has_scale (const PtBackendOps *ops, const PtOpCase *c)
{
  return ops->scale != NULL;
}

static void
scale_forward (PtOcRun *r)
{
  OPS (r)->scale (r->be, r->t[0], r->dtype[0], r->c->p[0], r->c->f[0]);
}

/* F64 multiplies in double; narrower dtypes in F32, then round */
static void
scale_reference (const PtOpCase *c, double **h)
{
  gboolean f32 = c->p[1] == PT_DTYPE_BF16 || c->p[1] == PT_DTYPE_F16 || c->p[1] == PT_DTYPE_F32;

  for (int i = 0; i < c->p[0]; i++)
    h[0][i] = f32 ? pt_oc_round (h[0][i] * pt_oc_round (c->f[0], PT_DTYPE_F32), PT_DTYPE_F32)
                  : h[0][i] * c->f[0];
}

const PtOcFamily pt_oc_scale = {
  .name = "scale", .build = scale_build, .n_tensors = 1, .supported = has_scale,
  .forward = scale_forward, .reference = scale_reference,
};

/* ---- gelu: p = { n } ------------------------------------------------------ */

static double
gelu_ref (double x)
{
  return 0.5 * x * (1 + tanh (sqrt (2 / G_PI) * (x + 0.044715 * x * x * x)));
}

static void
gelu_build (const PtOpCase *c, PtOcTensor *t)
{
  t[0] = (PtOcTensor) { "inp", PT_OC_ACT, c->p[0], PT_OC_IN | PT_OC_GRAD, -4, 4 };
  t[1] = (PtOcTensor) { "out", PT_OC_ACT, c->p[0], PT_OC_OUT | PT_OC_DIFF, 0, 0 };
}

static gboolean
has_gelu (const PtBackendOps *ops, const PtOpCase *c)
{
  return ops->gelu_forward != NULL && ops->gelu_backward != NULL;
}

static void
gelu_forward (PtOcRun *r)
{
  OPS (r)->gelu_forward (r->be, r->t[1], r->t[0], r->c->p[0]);
}

static void
gelu_backward (PtOcRun *r)
{
  OPS (r)->gelu_backward (r->be, r->g[0], r->t[0], r->g[1], r->c->p[0]);
}

static void
gelu_reference (const PtOpCase *c, double **h)
{
  for (int i = 0; i < c->p[0]; i++)
    h[1][i] = gelu_ref (h[0][i]);
}

const PtOcFamily pt_oc_gelu = {
  .name = "gelu", .build = gelu_build, .n_tensors = 2, .supported = has_gelu,
  .forward = gelu_forward, .backward = gelu_backward, .reference = gelu_reference,
};

/* ---- geglu: p = { N·I } ----------------------------------------------------- */

static void
geglu_build (const PtOpCase *c, PtOcTensor *t)
{
  t[0] = (PtOcTensor) { "gate", PT_OC_ACT, c->p[0], PT_OC_IN | PT_OC_GRAD, -4, 4 };
  t[1] = (PtOcTensor) { "up", PT_OC_ACT, c->p[0], PT_OC_IN | PT_OC_GRAD, -2, 2 };
  t[2] = (PtOcTensor) { "out", PT_OC_ACT, c->p[0], PT_OC_OUT | PT_OC_DIFF, 0, 0 };
}

static gboolean
has_geglu (const PtBackendOps *ops, const PtOpCase *c)
{
  return ops->geglu_forward != NULL && ops->geglu_backward != NULL;
}

static void
geglu_forward (PtOcRun *r)
{
  OPS (r)->geglu_forward (r->be, r->t[2], r->t[0], r->t[1], r->c->p[0]);
}

static void
geglu_backward (PtOcRun *r)
{
  OPS (r)->geglu_backward (r->be, r->g[0], r->g[1], r->g[2], r->t[0], r->t[1], r->c->p[0]);
}

static void
geglu_reference (const PtOpCase *c, double **h)
{
  for (int i = 0; i < c->p[0]; i++)
    h[2][i] = gelu_ref (h[0][i]) * h[1][i];
}

const PtOcFamily pt_oc_geglu = {
  .name = "geglu", .build = geglu_build, .n_tensors = 3, .supported = has_geglu,
  .forward = geglu_forward, .backward = geglu_backward, .reference = geglu_reference,
};

/* ---- dropout: p = { n, in place, seed, offset }, f = { p } ----------------- */

static void
dropout_build (const PtOpCase *c, PtOcTensor *t)
{
  t[0] = (PtOcTensor) { "inp", PT_OC_ACT, c->p[0], PT_OC_IN | PT_OC_GRAD, -2, 2 };
  t[1] = (PtOcTensor) { "out", PT_OC_ACT, c->p[0], PT_OC_OUT | PT_OC_DIFF, 0, 0 };
}

static gboolean
has_dropout (const PtBackendOps *ops, const PtOpCase *c)
{
  return ops->dropout != NULL;
}

static void
dropout_forward (PtOcRun *r)
{
  const PtOpCase *c = r->c;

  if (c->p[1])
    {
      OPS (r)->copy (r->be, r->t[1], r->t[0], c->p[0] * pt_dtype_size (r->dtype[0]));
      OPS (r)->dropout (r->be, r->t[1], r->t[1], c->p[0], c->f[0], c->p[2], c->p[3]);
    }
  else
    OPS (r)->dropout (r->be, r->t[1], r->t[0], c->p[0], c->f[0], c->p[2], c->p[3]);
}

static void
dropout_backward (PtOcRun *r)
{
  const PtOpCase *c = r->c;

  OPS (r)->dropout (r->be, r->g[0], r->g[1], c->p[0], c->f[0], c->p[2], c->p[3]);
}

static void
dropout_reference (const PtOpCase *c, double **h)
{
  for (int i = 0; i < c->p[0]; i++)
    {
      gboolean keep = pt_rng_uniform (c->p[2], (uint64_t) c->p[3] + i) >= c->f[0];
      h[1][i] = keep ? h[0][i] / (1 - c->f[0]) : 0;
    }
}

const PtOcFamily pt_oc_dropout = {
  .name = "dropout", .build = dropout_build, .n_tensors = 2, .supported = has_dropout,
  .forward = dropout_forward, .backward = dropout_backward, .reference = dropout_reference,
};

/* ---- bias: p = { N, C } ----------------------------------------------------- */

static void
bias_build (const PtOpCase *c, PtOcTensor *t)
{
  size_t n = (size_t) c->p[0] * c->p[1];

  t[0] = (PtOcTensor) { "inp", PT_OC_ACT, n, PT_OC_IN | PT_OC_GRAD, -2, 2 };
  t[1] = (PtOcTensor) { "bias", PT_OC_ACC, c->p[1], PT_OC_IN | PT_OC_GRAD | PT_OC_ACCUM, -1, 1 };
  t[2] = (PtOcTensor) { "out", PT_OC_ACT, n, PT_OC_OUT | PT_OC_DIFF, 0, 0 };
}

static gboolean
has_bias (const PtBackendOps *ops, const PtOpCase *c)
{
  return ops->bias_add != NULL && ops->bias_backward != NULL;
}

static void
bias_forward (PtOcRun *r)
{
  OPS (r)->copy (r->be, r->t[2], r->t[0], r->spec[0].n * pt_dtype_size (r->dtype[0]));
  OPS (r)->bias_add (r->be, r->t[2], r->t[1], r->c->p[0], r->c->p[1]);
}

static void
bias_backward (PtOcRun *r)
{
  OPS (r)->copy (r->be, r->g[0], r->g[2], r->spec[0].n * pt_dtype_size (r->dtype[0]));
  OPS (r)->bias_backward (r->be, r->g[1], r->g[2], r->c->p[0], r->c->p[1]);
}

static void
bias_reference (const PtOpCase *c, double **h)
{
  for (int i = 0; i < c->p[0]; i++)
    for (int j = 0; j < c->p[1]; j++)
      h[2][i * c->p[1] + j] = h[0][i * c->p[1] + j] + h[1][j];
}

const PtOcFamily pt_oc_bias = {
  .name = "bias", .build = bias_build, .n_tensors = 3, .supported = has_bias,
  .forward = bias_forward, .backward = bias_backward, .reference = bias_reference,
};
