/* op-cases-norm.c — families: layernorm, rmsnorm, rope. */
#include "config.h"

#include <math.h>           /* sqrt, pow, cos, sin */

#include "op-cases.h"

#define OPS(r) ((r)->be->ops)

/* ---- layernorm: p = { N, C, dweight, dbias }, f = { eps } ---------------- */

enum { LN_INP, LN_W, LN_B, LN_OUT, LN_MEAN, LN_RSTD };

static void
layernorm_build (const PtOpCase *c, PtOcTensor *t)
{
  size_t n = (size_t) c->p[0] * c->p[1];
  unsigned gw = c->p[2] ? PT_OC_GRAD | PT_OC_ACCUM : 0;
  unsigned gb = c->p[3] ? PT_OC_GRAD | PT_OC_ACCUM : 0;

  t[LN_INP] = (PtOcTensor) { "inp", PT_OC_ACT, n, PT_OC_IN | PT_OC_GRAD | PT_OC_ACCUM, -2, 3 };
  t[LN_W] = (PtOcTensor) { "weight", PT_OC_ACC, c->p[1], PT_OC_IN | gw, 0.5, 1.5 };
  t[LN_B] = (PtOcTensor) { "bias", PT_OC_ACC, c->p[1], PT_OC_IN | gb, -0.5, 0.5 };
  t[LN_OUT] = (PtOcTensor) { "out", PT_OC_ACT, n, PT_OC_OUT | PT_OC_DIFF, 0, 0 };
  t[LN_MEAN] = (PtOcTensor) { "mean", PT_OC_ACC, c->p[0], PT_OC_OUT, 0, 0 };
  t[LN_RSTD] = (PtOcTensor) { "rstd", PT_OC_ACC, c->p[0], PT_OC_OUT, 0, 0 };
}

static gboolean
has_layernorm (const PtBackendOps *ops, const PtOpCase *c)
{
  return ops->layernorm_forward != NULL && ops->layernorm_backward != NULL;
}

static void
layernorm_forward (PtOcRun *r)
{
  OPS (r)->layernorm_forward (r->be, r->t[LN_OUT], r->t[LN_MEAN], r->t[LN_RSTD], r->t[LN_INP],
                              r->t[LN_W], r->t[LN_B], r->c->p[0], r->c->p[1], r->c->f[0]);
}

static void
layernorm_backward (PtOcRun *r)
{
  OPS (r)->layernorm_backward (r->be, r->g[LN_INP], r->c->p[2] ? r->g[LN_W] : NULL,
                               r->c->p[3] ? r->g[LN_B] : NULL, r->g[LN_OUT], r->t[LN_INP],
                               r->t[LN_W], r->t[LN_MEAN], r->t[LN_RSTD], r->c->p[0], r->c->p[1]);
}

static void
layernorm_reference (const PtOpCase *c, double **h)
{
  int N = c->p[0], C = c->p[1];

  for (int i = 0; i < N; i++)
    {
      const double *x = h[LN_INP] + (size_t) i * C;
      double mean = 0, var = 0, rstd;

      for (int j = 0; j < C; j++)
        mean += x[j] / C;
      for (int j = 0; j < C; j++)
        var += (x[j] - mean) * (x[j] - mean) / C;
      rstd = 1 / sqrt (var + c->f[0]);
      for (int j = 0; j < C; j++)
        h[LN_OUT][(size_t) i * C + j] = (x[j] - mean) * rstd * h[LN_W][j] + h[LN_B][j];
      h[LN_MEAN][i] = mean;
      h[LN_RSTD][i] = rstd;
    }
}

const PtOcFamily pt_oc_layernorm = {
  .name = "layernorm", .build = layernorm_build, .n_tensors = 6, .supported = has_layernorm,
  .forward = layernorm_forward, .backward = layernorm_backward, .reference = layernorm_reference,
};

/* ---- rmsnorm: p = { N, C, dweight }, f = { eps } ------------------------- */

enum { RMS_INP, RMS_W, RMS_OUT, RMS_RSTD };

static void
rmsnorm_build (const PtOpCase *c, PtOcTensor *t)
{
  size_t n = (size_t) c->p[0] * c->p[1];
  unsigned gw = c->p[2] ? PT_OC_GRAD | PT_OC_ACCUM : 0;

  t[RMS_INP] = (PtOcTensor) { "inp", PT_OC_ACT, n, PT_OC_IN | PT_OC_GRAD | PT_OC_ACCUM, -2, 3 };
  t[RMS_W] = (PtOcTensor) { "weight", PT_OC_ACC, c->p[1], PT_OC_IN | gw, -0.5, 0.5 };
  t[RMS_OUT] = (PtOcTensor) { "out", PT_OC_ACT, n, PT_OC_OUT | PT_OC_DIFF, 0, 0 };
  t[RMS_RSTD] = (PtOcTensor) { "rstd", PT_OC_ACC, c->p[0], PT_OC_OUT, 0, 0 };
}

static gboolean
has_rmsnorm (const PtBackendOps *ops, const PtOpCase *c)
{
  return ops->rmsnorm_forward != NULL && ops->rmsnorm_backward != NULL;
}

static void
rmsnorm_forward (PtOcRun *r)
{
  OPS (r)->rmsnorm_forward (r->be, r->t[RMS_OUT], r->t[RMS_RSTD], r->t[RMS_INP], r->t[RMS_W],
                            r->c->p[0], r->c->p[1], r->c->f[0]);
}

static void
rmsnorm_backward (PtOcRun *r)
{
  OPS (r)->rmsnorm_backward (r->be, r->g[RMS_INP], r->c->p[2] ? r->g[RMS_W] : NULL, r->g[RMS_OUT],
                             r->t[RMS_INP], r->t[RMS_W], r->t[RMS_RSTD], r->c->p[0], r->c->p[1]);
}

static void
rmsnorm_reference (const PtOpCase *c, double **h)
{
  int N = c->p[0], C = c->p[1];

  for (int i = 0; i < N; i++)
    {
      const double *x = h[RMS_INP] + (size_t) i * C;
      double ms = 0, rstd;

      for (int j = 0; j < C; j++)
        ms += x[j] * x[j] / C;
      rstd = 1 / sqrt (ms + c->f[0]);
      for (int j = 0; j < C; j++)
        h[RMS_OUT][(size_t) i * C + j] = x[j] * rstd * (1 + h[RMS_W][j]);
      h[RMS_RSTD][i] = rstd;
    }
}

const PtOcFamily pt_oc_rmsnorm = {
  .name = "rmsnorm", .build = rmsnorm_build, .n_tensors = 4, .supported = has_rmsnorm,
  .forward = rmsnorm_forward, .backward = rmsnorm_backward, .reference = rmsnorm_reference,
};

/* ---- rope: p = { B, T, H, D, per-row starts, pos0 }, f = { theta } -------
 * Rows start at 1 + 7b (PaliGemma's positions are 1-based) when per-row. */

static void
rope_starts (const PtOpCase *c, int32_t *starts)
{
  for (int b = 0; b < c->p[0]; b++)
    starts[b] = 1 + 7 * b;
}

static void
rope_build (const PtOpCase *c, PtOcTensor *t)
{
  size_t n = (size_t) c->p[0] * c->p[1] * c->p[2] * c->p[3];

  t[0] = (PtOcTensor) { "x", PT_OC_ACT, n, PT_OC_IN | PT_OC_GRAD, -2, 2 };
  t[1] = (PtOcTensor) { "y", PT_OC_ACT, n, PT_OC_OUT | PT_OC_DIFF, 0, 0 };
}

static gboolean
has_rope (const PtBackendOps *ops, const PtOpCase *c)
{
  return ops->rope != NULL;
}

static void
rope_apply (PtOcRun *r, void *dst, const void *src, gboolean inverse)
{
  const PtOpCase *c = r->c;
  int32_t starts[PT_MAX_BATCH];

  rope_starts (c, starts);
  OPS (r)->copy (r->be, dst, src, r->spec[0].n * pt_dtype_size (r->dtype[0]));
  OPS (r)->rope (r->be, dst, c->p[0], c->p[1], c->p[2], c->p[3], c->p[4] ? starts : NULL,
                 c->p[5], c->f[0], inverse);
}

static void
rope_forward (PtOcRun *r)
{
  rope_apply (r, r->t[1], r->t[0], FALSE);
}

/* the backward of a rotation is the rotation by the negative angle */
static void
rope_backward (PtOcRun *r)
{
  rope_apply (r, r->g[0], r->g[1], TRUE);
}

/* the direct formula: (x_j, x_{j+D/2}) rotated by pos · theta^(-2j/D) */
static void
rope_reference (const PtOpCase *c, double **h)
{
  int B = c->p[0], T = c->p[1], H = c->p[2], D = c->p[3], half = D / 2;
  int32_t starts[PT_MAX_BATCH];

  rope_starts (c, starts);
  for (int b = 0; b < B; b++)
    for (int t = 0; t < T; t++)
      for (int hh = 0; hh < H; hh++)
        for (int j = 0; j < half; j++)
          {
            size_t at = (((size_t) b * T + t) * H + hh) * D;
            double pos = (c->p[4] ? starts[b] : c->p[5]) + t;
            double angle = pos * pow (c->f[0], -2.0 * j / D);
            double x1 = h[0][at + j], x2 = h[0][at + j + half];
            h[1][at + j] = x1 * cos (angle) - x2 * sin (angle);
            h[1][at + j + half] = x2 * cos (angle) + x1 * sin (angle);
          }
}

const PtOcFamily pt_oc_rope = {
  .name = "rope", .build = rope_build, .n_tensors = 2, .supported = has_rope,
  .forward = rope_forward, .backward = rope_backward, .reference = rope_reference,
};
