/* op-cases-misc.c — families: embedding, gather, scatter, im2col,
 * cross_entropy, argmax, sum_squares, adamw, nf4. */
#include "config.h"

#include <math.h>           /* exp, log, sqrt, pow, NAN */

#include "op-cases.h"

#define OPS(r) ((r)->be->ops)

/* ---- embedding: p = { N, C, V, table kind }, f = { scale } ----------------
 * ids cycle through -1 … V (one below and one above the table) with repeats. */

static void
embedding_build (const PtOpCase *c, PtOcTensor *t)
{
  unsigned grad = c->p[3] == PT_OC_ACC ? PT_OC_GRAD | PT_OC_ACCUM : 0;

  t[0] = (PtOcTensor) { "ids", PT_DTYPE_I32, c->p[0], PT_OC_IN | PT_OC_INT, 0, 0 };
  t[1] = (PtOcTensor) { "table", c->p[3], (size_t) c->p[2] * c->p[1], PT_OC_IN | grad, -1, 1 };
  t[2] = (PtOcTensor) { "out", PT_OC_ACT, (size_t) c->p[0] * c->p[1], PT_OC_OUT | PT_OC_DIFF,
                        0, 0 };
}

static void
embedding_init (const PtOpCase *c, int tensor, double *x, size_t n, PtRng *rng)
{
  for (size_t i = 0; i < n; i++)
    x[i] = tensor == 0 ? (double) ((i * 7) % (c->p[2] + 2)) - 1
                       : 2 * pt_rng_next_double (rng) - 1;
}

static gboolean
has_embedding (const PtBackendOps *ops, const PtOpCase *c)
{
  return ops->embedding_forward != NULL && ops->embedding_backward != NULL;
}

static void
embedding_forward (PtOcRun *r)
{
  const PtOpCase *c = r->c;

  OPS (r)->embedding_forward (r->be, r->t[2], r->t[0], r->t[1], r->dtype[1], c->p[0], c->p[1],
                              c->p[2], c->f[0]);
}

static void
embedding_backward (PtOcRun *r)
{
  const PtOpCase *c = r->c;

  OPS (r)->embedding_backward (r->be, r->g[1], r->g[2], r->t[0], c->p[0], c->p[1], c->p[2],
                               c->f[0]);
}

static void
embedding_reference (const PtOpCase *c, double **h)
{
  int N = c->p[0], C = c->p[1], V = c->p[2];

  for (int i = 0; i < N; i++)
    for (int j = 0; j < C; j++)
      {
        int id = (int) h[0][i];
        h[2][(size_t) i * C + j] = id >= 0 && id < V ? h[1][(size_t) id * C + j] * c->f[0] : 0;
      }
}

const PtOcFamily pt_oc_embedding = {
  .name = "embedding", .build = embedding_build, .n_tensors = 3, .supported = has_embedding,
  .forward = embedding_forward, .backward = embedding_backward,
  .reference = embedding_reference, .init = embedding_init,
};

/* ---- gather: p = { N, C, M }; backward = scatter with accumulate ---------- */

static void
gather_build (const PtOpCase *c, PtOcTensor *t)
{
  t[0] = (PtOcTensor) { "src", PT_OC_ACT, (size_t) c->p[0] * c->p[1],
                        PT_OC_IN | PT_OC_GRAD | PT_OC_ACCUM, -1, 1 };
  t[1] = (PtOcTensor) { "idx", PT_DTYPE_I32, c->p[2], PT_OC_IN | PT_OC_INT, 0, c->p[0] - 1 };
  t[2] = (PtOcTensor) { "out", PT_OC_ACT, (size_t) c->p[2] * c->p[1], PT_OC_OUT | PT_OC_DIFF,
                        0, 0 };
}

static gboolean
has_gather (const PtBackendOps *ops, const PtOpCase *c)
{
  return ops->gather_rows != NULL && ops->scatter_rows != NULL;
}

static void
gather_forward (PtOcRun *r)
{
  OPS (r)->gather_rows (r->be, r->t[2], r->t[0], r->t[1], r->c->p[2], r->c->p[1]);
}

static void
gather_backward (PtOcRun *r)
{
  OPS (r)->scatter_rows (r->be, r->g[0], r->g[2], r->t[1], r->c->p[2], r->c->p[1], TRUE);
}

static void
gather_reference (const PtOpCase *c, double **h)
{
  for (int i = 0; i < c->p[2]; i++)
    for (int j = 0; j < c->p[1]; j++)
      h[2][(size_t) i * c->p[1] + j] = h[0][(size_t) h[1][i] * c->p[1] + j];
}

const PtOcFamily pt_oc_gather = {
  .name = "gather", .build = gather_build, .n_tensors = 3, .supported = has_gather,
  .forward = gather_forward, .backward = gather_backward, .reference = gather_reference,
  .exact = TRUE,
};

/* ---- scatter: p = { N, C, M, accumulate } (repeated indices: the last row
 * wins when assigning) --------------------------------------------------- */

static void
scatter_build (const PtOpCase *c, PtOcTensor *t)
{
  t[0] = (PtOcTensor) { "dst", PT_OC_ACT, (size_t) c->p[0] * c->p[1], PT_OC_IN | PT_OC_OUT, -1, 1 };
  t[1] = (PtOcTensor) { "src", PT_OC_ACT, (size_t) c->p[2] * c->p[1], PT_OC_IN, -1, 1 };
  t[2] = (PtOcTensor) { "idx", PT_DTYPE_I32, c->p[2], PT_OC_IN | PT_OC_INT, 0, c->p[0] - 1 };
}

/* assigning: distinct rows (which of two writers wins is not part of the
 * contract); accumulating: repeats */
static void
scatter_init (const PtOpCase *c, int tensor, double *x, size_t n, PtRng *rng)
{
  for (size_t i = 0; i < n; i++)
    if (tensor != 2)
      x[i] = 2 * pt_rng_next_double (rng) - 1;
    else
      x[i] = c->p[3] ? pt_rng_next_below (rng, c->p[0]) : (double) ((i * 5 + 1) % c->p[0]);
}

static gboolean
has_scatter (const PtBackendOps *ops, const PtOpCase *c)
{
  return ops->scatter_rows != NULL;
}

static void
scatter_forward (PtOcRun *r)
{
  OPS (r)->scatter_rows (r->be, r->t[0], r->t[1], r->t[2], r->c->p[2], r->c->p[1], r->c->p[3]);
}

static void
scatter_reference (const PtOpCase *c, double **h)
{
  for (int i = 0; i < c->p[2]; i++)
    for (int j = 0; j < c->p[1]; j++)
      {
        double *d = &h[0][(size_t) h[2][i] * c->p[1] + j];
        *d = (c->p[3] ? *d : 0) + h[1][(size_t) i * c->p[1] + j];
      }
}

const PtOcFamily pt_oc_scatter = {
  .name = "scatter", .build = scatter_build, .n_tensors = 3, .supported = has_scatter,
  .forward = scatter_forward, .reference = scatter_reference, .init = scatter_init,
};

/* ---- im2col: p = { B, Cin, H, W, P } ---------------------------------------- */

static void
im2col_build (const PtOpCase *c, PtOcTensor *t)
{
  int B = c->p[0], Cin = c->p[1], H = c->p[2], W = c->p[3], P = c->p[4];

  t[0] = (PtOcTensor) { "pixels", PT_OC_ACT, (size_t) B * Cin * H * W, PT_OC_IN, -1, 1 };
  t[1] = (PtOcTensor) { "out", PT_OC_ACT, (size_t) B * (H / P) * (W / P) * Cin * P * P,
                        PT_OC_OUT, 0, 0 };
}

static gboolean
has_im2col (const PtBackendOps *ops, const PtOpCase *c)
{
  return ops->im2col != NULL;
}

static void
im2col_forward (PtOcRun *r)
{
  const int *p = r->c->p;

  OPS (r)->im2col (r->be, r->t[1], r->t[0], p[0], p[1], p[2], p[3], p[4]);
}

/* walk the output in order and fetch each feature's pixel */
static void
im2col_reference (const PtOpCase *c, double **h)
{
  int B = c->p[0], Cin = c->p[1], H = c->p[2], W = c->p[3], P = c->p[4];
  size_t o = 0;

  for (int b = 0; b < B; b++)
    for (int patch = 0; patch < (H / P) * (W / P); patch++)
      for (int f = 0; f < Cin * P * P; f++)
        {
          int ch = f / (P * P), y = (f / P) % P, x = f % P;
          int py = patch / (W / P), px = patch % (W / P);
          h[1][o++] = h[0][(((size_t) b * Cin + ch) * H + py * P + y) * W + px * P + x];
        }
}

const PtOcFamily pt_oc_im2col = {
  .name = "im2col", .build = im2col_build, .n_tensors = 2, .supported = has_im2col,
  .forward = im2col_forward, .reference = im2col_reference, .exact = TRUE,
};

/* ---- cross_entropy: p = { M, V, dlogits in place }, f = { grad_scale,
 * logit range, softcap } — targets include -100 and V (loss 0, gradient 0).
 * With a softcap the case is the pair the model runs: the softcap op on a
 * copy of the raw logits (in the gradient buffer), then the cross-entropy
 * on the capped copy, in place, whose gradient is the raw logits'. ------- */

enum { CE_LOGITS, CE_TARGETS, CE_LOSSES, CE_SCRATCH };

static void
ce_build (const PtOpCase *c, PtOcTensor *t)
{
  double range = c->f[1] > 0 ? c->f[1] : 3;

  t[CE_LOGITS] = (PtOcTensor) { "logits", PT_OC_ACT, (size_t) c->p[0] * c->p[1],
                                PT_OC_IN | PT_OC_GRAD, -range, range };
  t[CE_TARGETS] = (PtOcTensor) { "targets", PT_DTYPE_I32, c->p[0], PT_OC_IN | PT_OC_INT, 0, 0 };
  t[CE_LOSSES] = (PtOcTensor) { "losses", PT_OC_ACC, c->p[0], PT_OC_OUT | PT_OC_DIFF, 0, 0 };
  t[CE_SCRATCH] = (PtOcTensor) { "losses (backward)", PT_OC_ACC, c->p[0], 0, 0, 0 };
}

static void
ce_init (const PtOpCase *c, int tensor, double *x, size_t n, PtRng *rng)
{
  double range = c->f[1] > 0 ? c->f[1] : 3;

  for (size_t i = 0; i < n; i++)
    {
      double u = pt_rng_next_double (rng);
      if (tensor == CE_TARGETS)
        x[i] = i == 1 ? -100 : i == 3 ? c->p[1] : floor (u * c->p[1]);
      else
        x[i] = range * (2 * u - 1);
    }
}

static double
ce_dout (const PtOpCase *c)
{
  return c->f[0];
}

static gboolean
has_ce (const PtBackendOps *ops, const PtOpCase *c)
{
  return ops->cross_entropy != NULL && (c->f[2] <= 0 || ops->softcap != NULL);
}

/* the logits the cross-entropy reads: the raw ones, or a capped copy in g */
static const void *
ce_logits (PtOcRun *r)
{
  const PtOpCase *c = r->c;
  size_t n = r->spec[CE_LOGITS].n;

  if (!c->p[2] && c->f[2] <= 0)
    return r->t[CE_LOGITS];
  OPS (r)->copy (r->be, r->g[CE_LOGITS], r->t[CE_LOGITS], n * pt_dtype_size (r->dtype[CE_LOGITS]));
  if (c->f[2] > 0)
    OPS (r)->softcap (r->be, r->g[CE_LOGITS], n, c->f[2]);
  return r->g[CE_LOGITS];
}

static void
ce_forward (PtOcRun *r)
{
  const PtOpCase *c = r->c;

  OPS (r)->cross_entropy (r->be, r->t[CE_LOSSES], NULL, ce_logits (r), r->t[CE_TARGETS],
                          c->p[0], c->p[1], c->f[0], c->f[2]);
}

static void
ce_backward (PtOcRun *r)
{
  const PtOpCase *c = r->c;

  OPS (r)->cross_entropy (r->be, r->t[CE_SCRATCH], r->g[CE_LOGITS], ce_logits (r),
                          r->t[CE_TARGETS], c->p[0], c->p[1], c->f[0], c->f[2]);
}

/* loss = -log_softmax(y)[t], y = x or cap·tanh(x / cap) */
static void
ce_reference (const PtOpCase *c, double **h)
{
  int M = c->p[0], V = c->p[1];

  for (int i = 0; i < M; i++)
    {
      const double *raw = h[CE_LOGITS] + (size_t) i * V;
      g_autofree double *x = g_new (double, V);
      int t = (int) h[CE_TARGETS][i];
      double max = -INFINITY, sum = 0;

      for (int j = 0; j < V; j++)
        x[j] = c->f[2] > 0 ? c->f[2] * tanh (raw[j] / c->f[2]) : raw[j];

      if (t < 0 || t >= V)
        {
          h[CE_LOSSES][i] = 0;
          continue;
        }
      for (int j = 0; j < V; j++)
        max = MAX (max, x[j]);
      for (int j = 0; j < V; j++)
        sum += exp (x[j] - max);
      h[CE_LOSSES][i] = -(x[t] - max - log (sum));
    }
}

const PtOcFamily pt_oc_cross_entropy = {
  .name = "cross_entropy", .build = ce_build, .n_tensors = 4, .supported = has_ce,
  .forward = ce_forward, .backward = ce_backward, .reference = ce_reference,
  .init = ce_init, .dout_constant = ce_dout,
};

/* ---- argmax: p = { M, V } — row 0 has a tie (the first wins), row 1 a NaN
 * (it counts as the maximum), row 2 is all equal ----------------------------- */

static void
argmax_build (const PtOpCase *c, PtOcTensor *t)
{
  t[0] = (PtOcTensor) { "logits", PT_OC_ACT, (size_t) c->p[0] * c->p[1], PT_OC_IN, -4, 4 };
  t[1] = (PtOcTensor) { "out", PT_DTYPE_I32, c->p[0], PT_OC_OUT | PT_OC_INT, 0, 0 };
}

static void
argmax_init (const PtOpCase *c, int tensor, double *x, size_t n, PtRng *rng)
{
  int V = c->p[1];

  for (size_t i = 0; i < n; i++)
    x[i] = tensor == 0 ? 8 * pt_rng_next_double (rng) - 4 : 0;
  if (tensor != 0)
    return;
  x[3] = x[V - 2] = 9.0;
  x[V + 5] = NAN;
  x[V + 7] = 10.0;
  for (int j = 0; j < V; j++)
    x[2 * V + j] = 0.5;
}

static gboolean
has_argmax (const PtBackendOps *ops, const PtOpCase *c)
{
  return ops->argmax != NULL;
}

static void
argmax_forward (PtOcRun *r)
{
  OPS (r)->argmax (r->be, r->t[1], r->t[0], r->c->p[0], r->c->p[1]);
}

static void
argmax_reference (const PtOpCase *c, double **h)
{
  for (int i = 0; i < c->p[0]; i++)
    {
      const double *x = h[0] + (size_t) i * c->p[1];
      int best = 0;
      for (int j = 0; j < c->p[1]; j++)
        if (isnan (x[j]))
          {
            best = j;
            break;
          }
        else if (x[j] > x[best])
          best = j;
      h[1][i] = best;
    }
}

const PtOcFamily pt_oc_argmax = {
  .name = "argmax", .build = argmax_build, .n_tensors = 2, .supported = has_argmax,
  .forward = argmax_forward, .reference = argmax_reference, .init = argmax_init,
};

/* ---- sum_squares: p = { n, kind } ------------------------------------------- */

static void
sum_squares_build (const PtOpCase *c, PtOcTensor *t)
{
  t[0] = (PtOcTensor) { "x", c->p[1], c->p[0], PT_OC_IN, -2, 2 };
  t[1] = (PtOcTensor) { "out", PT_OC_ACC, 1, PT_OC_IN | PT_OC_OUT, 0, 5 };
}

static gboolean
has_sum_squares (const PtBackendOps *ops, const PtOpCase *c)
{
  return ops->sum_squares != NULL;
}

static void
sum_squares_forward (PtOcRun *r)
{
  OPS (r)->sum_squares (r->be, r->t[1], r->t[0], r->dtype[0], r->c->p[0]);
}

static void
sum_squares_reference (const PtOpCase *c, double **h)
{
  for (int i = 0; i < c->p[0]; i++)
    h[1][0] += h[0][i] * h[0][i];
}

const PtOcFamily pt_oc_sum_squares = {
  .name = "sum_squares", .build = sum_squares_build, .n_tensors = 2,
  .supported = has_sum_squares, .forward = sum_squares_forward,
  .reference = sum_squares_reference,
};

/* ---- adamw: p = { n, steps, first step, copy kind (-3: none), beta1 % },
 * f = { lr, weight decay, grad scale } ------------------------------------ */

enum { AD_P, AD_G, AD_M, AD_V, AD_COPY };
#define NO_COPY (-3)

static void
adamw_build (const PtOpCase *c, PtOcTensor *t)
{
  int n = c->p[0];
  gboolean fresh = c->p[2] <= 1;

  t[AD_P] = (PtOcTensor) { "param", PT_OC_ACC, n, PT_OC_IN | PT_OC_OUT, -1, 1 };
  t[AD_G] = (PtOcTensor) { "grad", PT_OC_ACC, n, PT_OC_IN, -1, 1 };
  t[AD_M] = (PtOcTensor) { "m", PT_OC_ACC, n, PT_OC_IN | PT_OC_OUT, fresh ? 0 : -0.1, fresh ? 0 : 0.1 };
  t[AD_V] = (PtOcTensor) { "v", PT_OC_ACC, n, PT_OC_IN | PT_OC_OUT, 0, fresh ? 0 : 0.02 };
  t[AD_COPY] = c->p[3] == NO_COPY
               ? (PtOcTensor) { "copy", PT_OC_ACC, n, 0, 0, 0 }
               : (PtOcTensor) { "copy", c->p[3], n, PT_OC_OUT, 0, 0 };
}

static gboolean
has_adamw (const PtBackendOps *ops, const PtOpCase *c)
{
  return ops->adamw != NULL;
}

static double
adamw_beta1 (const PtOpCase *c)
{
  return c->p[4] > 0 ? c->p[4] / 100.0 : 0.9;
}

static void
adamw_forward (PtOcRun *r)
{
  const PtOpCase *c = r->c;

  for (int s = 0; s < c->p[1]; s++)
    OPS (r)->adamw (r->be, r->t[AD_P], r->t[AD_G], r->t[AD_M], r->t[AD_V], c->p[0],
                    c->f[0], adamw_beta1 (c), 0.999, 1e-8, c->f[1], c->p[2] + s, c->f[2],
                    c->p[3] == NO_COPY ? NULL : r->t[AD_COPY], r->dtype[AD_COPY]);
}

/* Loshchilov & Hutter, by hand: decay, moments, bias-corrected step */
static void
adamw_reference (const PtOpCase *c, double **h)
{
  double lr = c->f[0], wd = c->f[1], b1 = adamw_beta1 (c), b2 = 0.999, eps = 1e-8;

  for (int i = 0; i < c->p[0]; i++)
    {
      double p = h[AD_P][i], m = h[AD_M][i], v = h[AD_V][i], g = h[AD_G][i] * c->f[2];
      for (int s = 0; s < c->p[1]; s++)
        {
          int t = c->p[2] + s;
          double m_hat, v_hat;
          p -= lr * wd * p;
          m = b1 * m + (1 - b1) * g;
          v = b2 * v + (1 - b2) * g * g;
          m_hat = m / (1 - pow (b1, t));
          v_hat = v / (1 - pow (b2, t));
          p -= lr * m_hat / (sqrt (v_hat) + eps);
        }
      h[AD_P][i] = p;
      h[AD_M][i] = m;
      h[AD_V][i] = v;
      h[AD_COPY][i] = p;
    }
}

const PtOcFamily pt_oc_adamw = {
  .name = "adamw", .build = adamw_build, .n_tensors = 5, .supported = has_adamw,
  .forward = adamw_forward, .reference = adamw_reference,
};

/* ---- nf4: p = { n, out kind, out offset } ----------------------------------------
 * The output starts `out offset` elements into its buffer (a misaligned
 * pointer: a vectorised kernel must take its scalar path); the elements
 * before it are not written. */

static void
nf4_build (const PtOpCase *c, PtOcTensor *t)
{
  size_t n = c->p[0];

  t[0] = (PtOcTensor) { "packed", PT_DTYPE_U8, (n + 1) / 2, PT_OC_IN | PT_OC_INT, 0, 255 };
  t[1] = (PtOcTensor) { "absmax", PT_DTYPE_F32, (n + 63) / 64, PT_OC_IN, 0.01, 2 };
  t[2] = (PtOcTensor) { "out", c->p[1], n + c->p[2], PT_OC_OUT, 0, 0 };
}

static gboolean
nf4_defined (const PtOpCase *c, int tensor, size_t i)
{
  return tensor != 2 || i >= (size_t) c->p[2];
}

static gboolean
has_nf4 (const PtBackendOps *ops, const PtOpCase *c)
{
  return ops->nf4_dequantize != NULL;
}

static void
nf4_forward (PtOcRun *r)
{
  OPS (r)->nf4_dequantize (r->be, (char *) r->t[2] + r->c->p[2] * pt_dtype_size (r->dtype[2]),
                           r->dtype[2], r->t[0], r->t[1], r->c->p[0]);
}

/* the NF4 values as the spec lists them (§6), the product in fp32 */
static void
nf4_reference (const PtOpCase *c, double **h)
{
  static const double code[16] = {
    -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453,
    -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0.0,
    0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224,
    0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0,
  };

  for (int i = 0; i < c->p[0]; i++)
    {
      int byte = (int) h[0][i / 2], idx = i % 2 == 0 ? byte >> 4 : byte & 15;
      h[2][c->p[2] + i] = pt_oc_round (pt_oc_round (code[idx], PT_DTYPE_F32) * h[1][i / 64],
                                       PT_DTYPE_F32);
    }
}

const PtOcFamily pt_oc_nf4 = {
  .name = "nf4_dequantize", .build = nf4_build, .n_tensors = 3, .supported = has_nf4,
  .forward = nf4_forward, .reference = nf4_reference, .defined = nf4_defined, .exact = TRUE,
};
