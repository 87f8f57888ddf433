/* test-cuda-kernels.c — every op of the CUDA backend (except attention, in
 * test-cuda-attention.c) against double-precision host references
 * (cuda-ref.c), with identical inputs, NMSE bounds and guard bytes around
 * every device buffer. Runs twice: F32 activations (tight bounds) and BF16
 * activations (bounds of a few bf16 roundings).
 *
 * Linked with the real backend (suite gpu; exit 77 without a device) and
 * with the CPU emulator of tests/gpu/emu (suite gpu-emu).
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cuda-ref.h"
#include "cuda-test-util.h"
#include "pt-cuda.h"
#include "pt-rng.h"

static PtTestCtx contexts[2];

static PtTestCtx *
setup (gconstpointer data, uint64_t seed)
{
  PtTestCtx *ctx = (PtTestCtx *) data;
  ctx->rng.seed = seed;
  ctx->rng.counter = 0;
  return ctx;
}

static double
bound_for (PtTestCtx *ctx, PtDType dtype)
{
  if (dtype == PT_DTYPE_BF16 || dtype == PT_DTYPE_F16)
    return 4e-5;
  if (dtype == PT_DTYPE_F64)
    return 1e-13;   /* compared after a download to float */
  return ctx->act == PT_DTYPE_F32 ? 1e-11 : ctx->bound_acc;
}

/* ---- convert ------------------------------------------------------------------ */

static void
test_convert (gconstpointer data)
{
  PtTestCtx *ctx = setup (data, 1);
  const PtDType pairs[][2] = {
    { PT_DTYPE_F32, PT_DTYPE_BF16 }, { PT_DTYPE_BF16, PT_DTYPE_F32 }, { PT_DTYPE_F32, PT_DTYPE_F16 },
    { PT_DTYPE_F16, PT_DTYPE_F32 }, { PT_DTYPE_F64, PT_DTYPE_F32 }, { PT_DTYPE_F32, PT_DTYPE_F64 },
    { PT_DTYPE_BF16, PT_DTYPE_F16 }, { PT_DTYPE_I32, PT_DTYPE_F32 }, { PT_DTYPE_F32, PT_DTYPE_I32 },
  };
  const size_t n = 1003;

  for (guint c = 0; c < G_N_ELEMENTS (pairs); c++)
    {
      PtDType from = pairs[c][0], to = pairs[c][1];
      g_autofree float *x = pt_test_random (ctx, n, -300.0f, 300.0f, from);
      void *src, *dst;
      g_autofree float *got = NULL, *want = g_new (float, n);

      if (from == PT_DTYPE_I32)
        for (size_t i = 0; i < n; i++)
          x[i] = floorf (x[i]);
      src = pt_test_upload (ctx, x, n, from);
      dst = pt_test_alloc (ctx, n, to);
      ctx->be->ops->convert (ctx->be, dst, to, src, from, n);
      got = pt_test_download (ctx, dst, n, to);
      for (size_t i = 0; i < n; i++)
        want[i] = to == PT_DTYPE_I32 ? truncf (x[i]) : pt_test_round (x[i], to);
      for (size_t i = 0; i < n; i++)
        if (got[i] != want[i])
          {
            g_printerr ("convert %s -> %s: element %zu is %.9g, want %.9g\n", pt_dtype_name (from),
                        pt_dtype_name (to), i, got[i], want[i]);
            g_test_fail ();
            break;
          }
      pt_test_free (ctx, src);
      pt_test_free (ctx, dst);
    }
  pt_test_check_ok (ctx);
}

/* ---- gemm ------------------------------------------------------------------------ */

typedef struct {
  gboolean ta, tb;
  int m, n, k, pad;
  double alpha, beta;
  int a, b, c;     /* -1: the activation dtype, else a PtDType */
} GemmCase;

static PtDType
resolve (PtTestCtx *ctx, int d)
{
  return d < 0 ? ctx->act : (PtDType) d;
}

static void
run_gemm (PtTestCtx *ctx, const GemmCase *gc, int batch, gboolean interleave, gboolean broadcast_b)
{
  PtDType ad = resolve (ctx, gc->a), bd = resolve (ctx, gc->b), cd = resolve (ctx, gc->c);
  int ra = gc->ta ? gc->k : gc->m, ca = gc->ta ? gc->m : gc->k;
  int rb = gc->tb ? gc->n : gc->k, cb = gc->tb ? gc->k : gc->n;
  /* interleave: the batch's matrices side by side in each row (heads in (T, H, D)) */
  int lda = interleave ? batch * ca + gc->pad : ca + gc->pad;
  int ldb = cb + gc->pad, ldc = interleave ? batch * gc->n + gc->pad : gc->n + gc->pad;
  int64_t sa = interleave ? ca : (int64_t) ra * lda;
  int64_t sb = broadcast_b ? 0 : (int64_t) rb * ldb;
  int64_t sc = interleave ? gc->n : (int64_t) gc->m * ldc;
  size_t na = (size_t) (batch - 1) * sa + (size_t) ra * lda;
  size_t nb = (size_t) (batch - 1) * sb + (size_t) rb * ldb;
  size_t nc = (size_t) (batch - 1) * sc + (size_t) gc->m * ldc;
  g_autofree float *a = pt_test_random (ctx, na, -1.0f, 1.0f, ad);
  g_autofree float *b = pt_test_random (ctx, nb, -1.0f, 1.0f, bd);
  g_autofree float *c = pt_test_random (ctx, nc, -1.0f, 1.0f, cd);
  g_autofree double *want = g_new (double, nc);
  g_autofree float *got = NULL;
  g_autofree char *what = NULL;
  void *da = pt_test_upload (ctx, a, na, ad), *db = pt_test_upload (ctx, b, nb, bd);
  void *dc = pt_test_upload (ctx, c, nc, cd);

  for (size_t i = 0; i < nc; i++)
    want[i] = c[i];
  for (int i = 0; i < batch; i++)
    pt_ref_gemm (gc->ta, gc->tb, gc->m, gc->n, gc->k, gc->alpha, a + i * sa, lda, b + i * sb, ldb,
                 gc->beta, want + i * sc, ldc);
  if (batch == 1 && !interleave)
    ctx->be->ops->gemm (ctx->be, gc->ta, gc->tb, gc->m, gc->n, gc->k, gc->alpha, da, ad, lda,
                        db, bd, ldb, gc->beta, dc, cd, ldc);
  else
    ctx->be->ops->gemm_batched (ctx->be, gc->ta, gc->tb, gc->m, gc->n, gc->k, gc->alpha,
                                da, ad, lda, sa, db, bd, ldb, sb, gc->beta, dc, cd, ldc, sc, batch);
  got = pt_test_download (ctx, dc, nc, cd);
  what = g_strdup_printf ("gemm%s %c%c m%d n%d k%d %s x %s -> %s batch %d", interleave ? " interleaved" : "",
                          gc->ta ? 'T' : 'N', gc->tb ? 'T' : 'N', gc->m, gc->n, gc->k,
                          pt_dtype_name (ad), pt_dtype_name (bd), pt_dtype_name (cd), batch);
  pt_test_expect (what, got, want, nc, bound_for (ctx, cd));
  pt_test_free (ctx, da);
  pt_test_free (ctx, db);
  pt_test_free (ctx, dc);
}

static const GemmCase gemm_cases[] = {
  { FALSE, FALSE, 17, 23, 31, 0, 1.0, 0.0, -1, -1, -1 },
  { FALSE, TRUE, 17, 23, 31, 3, 0.5, 0.25, -1, -1, -1 },
  { TRUE, FALSE, 19, 8, 40, 0, 1.0, 1.0, -1, -1, PT_DTYPE_F32 },   /* weight grads into F32 */
  { TRUE, TRUE, 9, 12, 7, 2, -1.5, 0.0, -1, -1, -1 },
  { FALSE, TRUE, 21, 8, 33, 0, 1.0, 0.0, -1, PT_DTYPE_F32, -1 },   /* x · loraAᵀ */
  { TRUE, FALSE, 8, 33, 21, 1, 1.0, 1.0, PT_DTYPE_F32, -1, PT_DTYPE_F32 },
  { FALSE, TRUE, 13, 29, 64, 0, 1.0, 0.0, -1, PT_DTYPE_BF16, -1 },  /* a BF16 weight */
  { FALSE, FALSE, 11, 5, 6, 1, 1.0, 0.5, PT_DTYPE_F64, PT_DTYPE_F64, PT_DTYPE_F64 },
  { FALSE, FALSE, 1, 40, 25, 0, 1.0, 0.0, -1, -1, -1 },
  { FALSE, TRUE, 30, 1, 25, 0, 1.0, 0.0, -1, -1, -1 },
  { FALSE, FALSE, 6, 7, 0, 1, 1.0, 0.5, -1, -1, -1 },              /* k = 0: C = beta C */
};

static void
test_gemm (gconstpointer data)
{
  PtTestCtx *ctx = setup (data, 2);

  for (guint i = 0; i < G_N_ELEMENTS (gemm_cases); i++)
    run_gemm (ctx, &gemm_cases[i], 1, FALSE, FALSE);
  pt_test_check_ok (ctx);
}

static void
test_gemm_batched (gconstpointer data)
{
  PtTestCtx *ctx = setup (data, 3);
  const GemmCase nt = { FALSE, TRUE, 12, 10, 16, 0, 1.0, 0.0, -1, -1, -1 };
  const GemmCase nn = { FALSE, FALSE, 12, 16, 10, 2, 0.5, 1.0, -1, -1, -1 };
  const GemmCase mixed = { FALSE, TRUE, 9, 8, 16, 0, 1.0, 0.0, -1, PT_DTYPE_F32, PT_DTYPE_F32 };

  run_gemm (ctx, &nt, 3, FALSE, FALSE);
  run_gemm (ctx, &nt, 4, FALSE, TRUE);     /* one B for every entry (MQA keys) */
  run_gemm (ctx, &nn, 3, TRUE, FALSE);     /* heads interleaved in rows */
  run_gemm (ctx, &mixed, 2, FALSE, FALSE);
  pt_test_check_ok (ctx);
}

/* ---- element-wise ---------------------------------------------------------------- */

static void
test_elementwise (gconstpointer data)
{
  PtTestCtx *ctx = setup (data, 4);
  PtDType act = ctx->act;
  const size_t n = 4099;   /* odd: the vector paths meet a tail */
  g_autofree float *a = pt_test_random (ctx, n, -3.0f, 3.0f, act);
  g_autofree float *b = pt_test_random (ctx, n, -3.0f, 3.0f, act);
  g_autofree float *dy = pt_test_random (ctx, n, -1.0f, 1.0f, act);
  g_autofree double *want = g_new (double, n), *want2 = g_new (double, n);
  void *da = pt_test_upload (ctx, a, n, act), *db = pt_test_upload (ctx, b, n, act);
  void *ddy = pt_test_upload (ctx, dy, n, act);
  void *out = pt_test_alloc (ctx, n, act), *out2 = pt_test_alloc (ctx, n, act);
  float *got;

  ctx->be->ops->add (ctx->be, out, da, db, n);
  for (size_t i = 0; i < n; i++)
    want[i] = (double) a[i] + b[i];
  got = pt_test_download (ctx, out, n, act);
  pt_test_expect ("add", got, want, n, ctx->bound);
  g_free (got);

  ctx->be->ops->gelu_forward (ctx->be, out, da, n);
  for (size_t i = 0; i < n; i++)
    want[i] = pt_ref_gelu (a[i]);
  got = pt_test_download (ctx, out, n, act);
  pt_test_expect ("gelu_forward", got, want, n, ctx->bound);
  g_free (got);

  ctx->be->ops->gelu_backward (ctx->be, out, da, ddy, n);
  for (size_t i = 0; i < n; i++)
    want[i] = pt_ref_gelu_grad (a[i]) * dy[i];
  got = pt_test_download (ctx, out, n, act);
  pt_test_expect ("gelu_backward", got, want, n, ctx->bound);
  g_free (got);

  ctx->be->ops->geglu_forward (ctx->be, out, da, db, n);
  for (size_t i = 0; i < n; i++)
    want[i] = pt_ref_gelu (a[i]) * b[i];
  got = pt_test_download (ctx, out, n, act);
  pt_test_expect ("geglu_forward", got, want, n, ctx->bound);
  g_free (got);

  ctx->be->ops->geglu_backward (ctx->be, out, out2, ddy, da, db, n);
  for (size_t i = 0; i < n; i++)
    {
      want[i] = dy[i] * b[i] * pt_ref_gelu_grad (a[i]);
      want2[i] = dy[i] * pt_ref_gelu (a[i]);
    }
  got = pt_test_download (ctx, out, n, act);
  pt_test_expect ("geglu_backward dgate", got, want, n, ctx->bound);
  g_free (got);
  got = pt_test_download (ctx, out2, n, act);
  pt_test_expect ("geglu_backward dup", got, want2, n, ctx->bound);
  g_free (got);

  /* in place: out aliases a */
  ctx->be->ops->add (ctx->be, da, da, db, n);
  for (size_t i = 0; i < n; i++)
    want[i] = pt_test_round ((float) ((double) a[i] + b[i]), act);
  got = pt_test_download (ctx, da, n, act);
  pt_test_expect ("add in place", got, want, n, ctx->bound);
  g_free (got);

  ctx->be->ops->scale (ctx->be, db, act, n, -0.375);
  for (size_t i = 0; i < n; i++)
    want[i] = b[i] * -0.375;
  got = pt_test_download (ctx, db, n, act);
  pt_test_expect ("scale", got, want, n, ctx->bound);
  g_free (got);

  pt_test_free (ctx, da);
  pt_test_free (ctx, db);
  pt_test_free (ctx, ddy);
  pt_test_free (ctx, out);
  pt_test_free (ctx, out2);
  pt_test_check_ok (ctx);
}

static void
test_dropout (gconstpointer data)
{
  PtTestCtx *ctx = setup (data, 5);
  const size_t n = 5001;
  const double p = 0.1;
  const uint64_t seed = 1234, offset = 99;
  g_autofree float *x = pt_test_random (ctx, n, 0.5f, 2.0f, ctx->act);
  g_autofree double *want = g_new (double, n);
  void *dx = pt_test_upload (ctx, x, n, ctx->act);
  g_autofree float *got = NULL;
  size_t dropped = 0;

  ctx->be->ops->dropout (ctx->be, dx, dx, n, p, seed, offset);   /* in place */
  got = pt_test_download (ctx, dx, n, ctx->act);
  for (size_t i = 0; i < n; i++)
    {
      gboolean keep = pt_rng_uniform (seed, offset + i) >= (float) p;
      want[i] = keep ? x[i] / (1.0 - p) : 0.0;
      if ((got[i] == 0.0f) != !keep)
        {
          g_printerr ("dropout: element %zu kept=%d on the device, %d by pt_rng\n", i,
                      got[i] != 0.0f, keep);
          g_test_fail ();
          break;
        }
      dropped += !keep;
    }
  g_assert_cmpuint (dropped, >, n / 20);
  g_assert_cmpuint (dropped, <, n / 5);
  pt_test_expect ("dropout", got, want, n, ctx->bound);
  pt_test_free (ctx, dx);
  pt_test_check_ok (ctx);
}

static void
test_bias (gconstpointer data)
{
  PtTestCtx *ctx = setup (data, 6);
  const int N = 70, C = 45;
  size_t n = (size_t) N * C;
  g_autofree float *x = pt_test_random (ctx, n, -1.0f, 1.0f, ctx->act);
  g_autofree float *bias = pt_test_random (ctx, C, -1.0f, 1.0f, PT_DTYPE_F32);
  g_autofree float *dbias0 = pt_test_random (ctx, C, -1.0f, 1.0f, PT_DTYPE_F32);
  g_autofree double *want = g_new (double, n), *want_db = g_new (double, C);
  void *dx = pt_test_upload (ctx, x, n, ctx->act), *dbias = pt_test_upload (ctx, bias, C, PT_DTYPE_F32);
  void *ddb = pt_test_upload (ctx, dbias0, C, PT_DTYPE_F32);
  g_autofree float *got = NULL, *got_db = NULL;

  ctx->be->ops->bias_backward (ctx->be, ddb, dx, N, C);
  ctx->be->ops->bias_add (ctx->be, dx, dbias, N, C);
  for (int c = 0; c < C; c++)
    {
      want_db[c] = dbias0[c];
      for (int r = 0; r < N; r++)
        want_db[c] += x[(size_t) r * C + c];
    }
  for (size_t i = 0; i < n; i++)
    want[i] = (double) x[i] + bias[i % C];
  got = pt_test_download (ctx, dx, n, ctx->act);
  got_db = pt_test_download (ctx, ddb, C, PT_DTYPE_F32);
  pt_test_expect ("bias_add", got, want, n, ctx->bound);
  pt_test_expect ("bias_backward", got_db, want_db, C, ctx->bound_acc);
  pt_test_free (ctx, dx);
  pt_test_free (ctx, dbias);
  pt_test_free (ctx, ddb);
  pt_test_check_ok (ctx);
}

/* ---- norms -------------------------------------------------------------------------- */

static void
run_norm (PtTestCtx *ctx, gboolean layernorm, int N, int C)
{
  PtDType act = ctx->act;
  size_t n = (size_t) N * C;
  const double eps = 1e-6;
  g_autofree float *x = pt_test_random (ctx, n, -2.0f, 3.0f, act);
  g_autofree float *w = pt_test_random (ctx, C, -0.5f, 1.5f, PT_DTYPE_F32);
  g_autofree float *bias = pt_test_random (ctx, C, -0.5f, 0.5f, PT_DTYPE_F32);
  g_autofree float *dy = pt_test_random (ctx, n, -1.0f, 1.0f, act);
  g_autofree float *dx0 = pt_test_random (ctx, n, -1.0f, 1.0f, act);
  g_autofree float *dw0 = pt_test_random (ctx, C, -1.0f, 1.0f, PT_DTYPE_F32);
  g_autofree float *db0 = pt_test_random (ctx, C, -1.0f, 1.0f, PT_DTYPE_F32);
  g_autofree double *out = g_new (double, n), *mean = g_new (double, N), *rstd = g_new (double, N);
  g_autofree double *dx = g_new (double, n), *dw = g_new (double, C), *db = g_new (double, C);
  void *d_x = pt_test_upload (ctx, x, n, act), *d_w = pt_test_upload (ctx, w, C, PT_DTYPE_F32);
  void *d_b = pt_test_upload (ctx, bias, C, PT_DTYPE_F32), *d_dy = pt_test_upload (ctx, dy, n, act);
  void *d_dx = pt_test_upload (ctx, dx0, n, act), *d_dw = pt_test_upload (ctx, dw0, C, PT_DTYPE_F32);
  void *d_db = pt_test_upload (ctx, db0, C, PT_DTYPE_F32);
  void *d_out = pt_test_alloc (ctx, n, act), *d_mean = pt_test_alloc (ctx, N, PT_DTYPE_F32);
  void *d_rstd = pt_test_alloc (ctx, N, PT_DTYPE_F32);
  const char *name = layernorm ? "layernorm" : "rmsnorm";
  float *got;
  char what[64];

  for (size_t i = 0; i < n; i++)
    dx[i] = dx0[i];
  for (int c = 0; c < C; c++)
    {
      dw[c] = dw0[c];
      db[c] = db0[c];
    }
  if (layernorm)
    {
      pt_ref_layernorm_forward (out, mean, rstd, x, w, bias, N, C, eps);
      pt_ref_layernorm_backward (dx, dw, db, dy, x, w, N, C, eps);
      ctx->be->ops->layernorm_forward (ctx->be, d_out, d_mean, d_rstd, d_x, d_w, d_b, N, C, eps);
      ctx->be->ops->layernorm_backward (ctx->be, d_dx, d_dw, d_db, d_dy, d_x, d_w, d_mean, d_rstd, N, C);
    }
  else
    {
      pt_ref_rmsnorm_forward (out, rstd, x, w, N, C, eps);
      pt_ref_rmsnorm_backward (dx, dw, dy, x, w, N, C, eps);
      ctx->be->ops->rmsnorm_forward (ctx->be, d_out, d_rstd, d_x, d_w, N, C, eps);
      ctx->be->ops->rmsnorm_backward (ctx->be, d_dx, d_dw, d_dy, d_x, d_w, d_rstd, N, C);
    }
#define EXPECT(dev, ref, count, dtype, label, bound) \
  got = pt_test_download (ctx, dev, count, dtype); \
  g_snprintf (what, sizeof what, "%s %dx%d %s", name, N, C, label); \
  pt_test_expect (what, got, ref, count, bound); \
  g_free (got)
  EXPECT (d_out, out, n, act, "out", ctx->bound);
  EXPECT (d_rstd, rstd, N, PT_DTYPE_F32, "rstd", ctx->bound_acc);
  EXPECT (d_dx, dx, n, act, "dinp (+=)", ctx->bound);
  EXPECT (d_dw, dw, C, PT_DTYPE_F32, "dweight (+=)", ctx->bound_acc);
  if (layernorm)
    {
      EXPECT (d_mean, mean, N, PT_DTYPE_F32, "mean", ctx->bound_acc);
      EXPECT (d_db, db, C, PT_DTYPE_F32, "dbias (+=)", ctx->bound_acc);
    }
#undef EXPECT
  pt_test_free (ctx, d_x);
  pt_test_free (ctx, d_w);
  pt_test_free (ctx, d_b);
  pt_test_free (ctx, d_dy);
  pt_test_free (ctx, d_dx);
  pt_test_free (ctx, d_dw);
  pt_test_free (ctx, d_db);
  pt_test_free (ctx, d_out);
  pt_test_free (ctx, d_mean);
  pt_test_free (ctx, d_rstd);
}

static void
test_layernorm (gconstpointer data)
{
  PtTestCtx *ctx = setup (data, 7);
  run_norm (ctx, TRUE, 37, 72);
  run_norm (ctx, TRUE, 5, 1152);
  pt_test_check_ok (ctx);
}

static void
test_rmsnorm (gconstpointer data)
{
  PtTestCtx *ctx = setup (data, 8);
  run_norm (ctx, FALSE, 37, 256);
  run_norm (ctx, FALSE, 3, 2048);
  pt_test_check_ok (ctx);
}

/* ---- rope ---------------------------------------------------------------------------- */

static void
run_rope (PtTestCtx *ctx, int B, int T, int H, int D, const int32_t *pos_start, int pos0,
          gboolean inverse)
{
  size_t n = (size_t) B * T * H * D;
  g_autofree float *x = pt_test_random (ctx, n, -2.0f, 2.0f, ctx->act);
  g_autofree double *want = g_new (double, n);
  g_autofree float *got = NULL, *back = NULL;
  void *dx = pt_test_upload (ctx, x, n, ctx->act);
  char what[64];

  pt_ref_rope (want, x, B, T, H, D, pos_start, pos0, 10000.0, inverse);
  ctx->be->ops->rope (ctx->be, dx, B, T, H, D, pos_start, pos0, 10000.0, inverse);
  got = pt_test_download (ctx, dx, n, ctx->act);
  g_snprintf (what, sizeof what, "rope B%d T%d H%d D%d%s", B, T, H, D, inverse ? " inverse" : "");
  pt_test_expect (what, got, want, n, ctx->bound);
  /* and back */
  ctx->be->ops->rope (ctx->be, dx, B, T, H, D, pos_start, pos0, 10000.0, !inverse);
  back = pt_test_download (ctx, dx, n, ctx->act);
  g_snprintf (what, sizeof what, "rope B%d T%d H%d D%d round trip", B, T, H, D);
  pt_test_expect_f (what, back, x, n, 4 * ctx->bound);
  pt_test_free (ctx, dx);
}

static void
test_rope (gconstpointer data)
{
  PtTestCtx *ctx = setup (data, 9);
  const int32_t starts[2] = { 1, 37 };

  run_rope (ctx, 2, 7, 3, 16, starts, 0, FALSE);
  run_rope (ctx, 1, 4, 2, 256, NULL, 100, FALSE);
  run_rope (ctx, 2, 5, 1, 256, starts, 0, TRUE);
  pt_test_check_ok (ctx);
}

/* ---- embeddings and rows --------------------------------------------------------------- */

static void
test_embedding (gconstpointer data)
{
  PtTestCtx *ctx = setup (data, 10);
  const int V = 50, C = 24, N = 13;
  const int32_t ids[13] = { 3, 0, 49, -1, 50, 7, 3, 3, 12, 49, 20, 1000, 5 };
  const PtDType table_dtypes[2] = { PT_DTYPE_F32, PT_DTYPE_BF16 };
  const double scale = 45.254833995939045;   /* sqrt (2048), as Gemma */
  float scale_act = pt_test_round ((float) scale, ctx->act);
  void *d_ids = pt_test_upload_i32 (ctx, ids, N);

  for (int t = 0; t < 2; t++)
    {
      g_autofree float *table = pt_test_random (ctx, (size_t) V * C, -1.0f, 1.0f, table_dtypes[t]);
      g_autofree double *want = g_new (double, (size_t) N * C);
      g_autofree float *got = NULL;
      void *d_table = pt_test_upload (ctx, table, (size_t) V * C, table_dtypes[t]);
      void *d_out = pt_test_alloc (ctx, (size_t) N * C, ctx->act);

      for (int r = 0; r < N; r++)
        for (int c = 0; c < C; c++)
          want[(size_t) r * C + c] = ids[r] >= 0 && ids[r] < V
            ? (double) pt_test_round (table[(size_t) ids[r] * C + c], ctx->act) * scale_act : 0.0;
      ctx->be->ops->embedding_forward (ctx->be, d_out, d_ids, d_table, table_dtypes[t], N, C, V, scale);
      got = pt_test_download (ctx, d_out, (size_t) N * C, ctx->act);
      pt_test_expect (t == 0 ? "embedding_forward F32 table" : "embedding_forward BF16 table",
                      got, want, (size_t) N * C, ctx->bound);
      pt_test_free (ctx, d_table);
      pt_test_free (ctx, d_out);
    }

  {
    g_autofree float *dy = pt_test_random (ctx, (size_t) N * C, -1.0f, 1.0f, ctx->act);
    g_autofree float *dt0 = pt_test_random (ctx, (size_t) V * C, -1.0f, 1.0f, PT_DTYPE_F32);
    g_autofree double *want = g_new (double, (size_t) V * C);
    g_autofree float *got = NULL;
    void *d_dy = pt_test_upload (ctx, dy, (size_t) N * C, ctx->act);
    void *d_dt = pt_test_upload (ctx, dt0, (size_t) V * C, PT_DTYPE_F32);

    for (size_t i = 0; i < (size_t) V * C; i++)
      want[i] = dt0[i];
    for (int r = 0; r < N; r++)
      if (ids[r] >= 0 && ids[r] < V)
        for (int c = 0; c < C; c++)
          want[(size_t) ids[r] * C + c] += dy[(size_t) r * C + c] * 0.5;
    ctx->be->ops->embedding_backward (ctx->be, d_dt, d_dy, d_ids, N, C, V, 0.5);
    got = pt_test_download (ctx, d_dt, (size_t) V * C, PT_DTYPE_F32);
    pt_test_expect ("embedding_backward", got, want, (size_t) V * C, 1e-12);
    pt_test_free (ctx, d_dy);
    pt_test_free (ctx, d_dt);
  }
  pt_test_free (ctx, d_ids);
  pt_test_check_ok (ctx);
}

static void
test_rows (gconstpointer data)
{
  PtTestCtx *ctx = setup (data, 11);
  const int N = 10, C = 33, M = 7;
  const int32_t gather_idx[7] = { 9, 0, 3, -1, 3, 5, 2 };
  const int32_t scatter_idx[7] = { 9, 0, 3, -1, 4, 5, 2 };
  const int32_t add_idx[7] = { 1, 1, 8, 1, -1, 0, 8 };
  g_autofree float *src = pt_test_random (ctx, (size_t) N * C, -1.0f, 1.0f, ctx->act);
  g_autofree float *rows = pt_test_random (ctx, (size_t) M * C, -1.0f, 1.0f, ctx->act);
  g_autofree double *want = g_new (double, (size_t) N * C);
  void *d_src = pt_test_upload (ctx, src, (size_t) N * C, ctx->act);
  void *d_rows = pt_test_upload (ctx, rows, (size_t) M * C, ctx->act);
  void *d_out = pt_test_alloc (ctx, (size_t) M * C, ctx->act);
  void *d_g = pt_test_upload_i32 (ctx, gather_idx, M), *d_s = pt_test_upload_i32 (ctx, scatter_idx, M);
  void *d_a = pt_test_upload_i32 (ctx, add_idx, M);
  float *got;

  ctx->be->ops->gather_rows (ctx->be, d_out, d_src, d_g, M, C);
  for (int m = 0; m < M; m++)
    for (int c = 0; c < C; c++)
      want[(size_t) m * C + c] = gather_idx[m] >= 0 ? src[(size_t) gather_idx[m] * C + c] : 0.0;
  got = pt_test_download (ctx, d_out, (size_t) M * C, ctx->act);
  pt_test_expect ("gather_rows", got, want, (size_t) M * C, 0.0);
  g_free (got);

  for (size_t i = 0; i < (size_t) N * C; i++)
    want[i] = src[i];
  ctx->be->ops->scatter_rows (ctx->be, d_src, d_rows, d_s, M, C, FALSE);
  for (int m = 0; m < M; m++)
    if (scatter_idx[m] >= 0)
      for (int c = 0; c < C; c++)
        want[(size_t) scatter_idx[m] * C + c] = rows[(size_t) m * C + c];
  got = pt_test_download (ctx, d_src, (size_t) N * C, ctx->act);
  pt_test_expect ("scatter_rows", got, want, (size_t) N * C, 0.0);
  g_free (got);

  ctx->be->ops->scatter_rows (ctx->be, d_src, d_rows, d_a, M, C, TRUE);
  for (int m = 0; m < M; m++)
    if (add_idx[m] >= 0)
      for (int c = 0; c < C; c++)
        want[(size_t) add_idx[m] * C + c] += rows[(size_t) m * C + c];
  got = pt_test_download (ctx, d_src, (size_t) N * C, ctx->act);
  pt_test_expect ("scatter_rows accumulate", got, want, (size_t) N * C, ctx->bound);
  g_free (got);

  pt_test_free (ctx, d_src);
  pt_test_free (ctx, d_rows);
  pt_test_free (ctx, d_out);
  pt_test_free (ctx, d_g);
  pt_test_free (ctx, d_s);
  pt_test_free (ctx, d_a);
  pt_test_check_ok (ctx);
}

static void
test_im2col (gconstpointer data)
{
  PtTestCtx *ctx = setup (data, 12);
  const int B = 2, Cin = 3, H = 28, W = 42, P = 14;
  size_t n = (size_t) B * Cin * H * W, np = (size_t) (H / P) * (W / P), K = (size_t) Cin * P * P;
  g_autofree float *pix = pt_test_random (ctx, n, -1.0f, 1.0f, ctx->act);
  g_autofree double *want = g_new (double, B * np * K);
  g_autofree float *got = NULL;
  void *d_pix = pt_test_upload (ctx, pix, n, ctx->act), *d_out = pt_test_alloc (ctx, B * np * K, ctx->act);

  /* written from the Conv2d definition: patch (ph, pw), weight index (c, ky, kx) */
  for (int b = 0; b < B; b++)
    for (int ph = 0; ph < H / P; ph++)
      for (int pw = 0; pw < W / P; pw++)
        for (int c = 0; c < Cin; c++)
          for (int ky = 0; ky < P; ky++)
            for (int kx = 0; kx < P; kx++)
              want[((size_t) b * np + (size_t) ph * (W / P) + pw) * K + ((size_t) c * P + ky) * P + kx]
                = pix[(((size_t) b * Cin + c) * H + ph * P + ky) * W + pw * P + kx];
  ctx->be->ops->im2col (ctx->be, d_out, d_pix, B, Cin, H, W, P);
  got = pt_test_download (ctx, d_out, B * np * K, ctx->act);
  pt_test_expect ("im2col", got, want, B * np * K, 0.0);
  pt_test_free (ctx, d_pix);
  pt_test_free (ctx, d_out);
  pt_test_check_ok (ctx);
}

/* ---- loss ------------------------------------------------------------------------------ */

static void
run_cross_entropy (PtTestCtx *ctx, int M, int V, const int32_t *targets, gboolean in_place)
{
  size_t n = (size_t) M * V;
  g_autofree float *logits = pt_test_random (ctx, n, -6.0f, 6.0f, ctx->act);
  g_autofree double *want_loss = g_new (double, M), *want_d = g_new (double, n);
  g_autofree float *got_loss = NULL, *got_d = NULL;
  void *d_logits = pt_test_upload (ctx, logits, n, ctx->act);
  void *d_targets = pt_test_upload_i32 (ctx, targets, M);
  void *d_loss = pt_test_alloc (ctx, M, PT_DTYPE_F32);
  void *d_d = in_place ? d_logits : pt_test_alloc (ctx, n, ctx->act);
  char what[80];

  pt_ref_cross_entropy (want_loss, want_d, logits, targets, M, V, 0.25);
  ctx->be->ops->cross_entropy (ctx->be, d_loss, d_d, d_logits, d_targets, M, V, 0.25, 0.0);
  got_loss = pt_test_download (ctx, d_loss, M, PT_DTYPE_F32);
  got_d = pt_test_download (ctx, d_d, n, ctx->act);
  g_snprintf (what, sizeof what, "cross_entropy M%d V%d%s losses", M, V, in_place ? " in place" : "");
  pt_test_expect (what, got_loss, want_loss, M, ctx->act == PT_DTYPE_F32 ? 1e-11 : 1e-10);
  g_snprintf (what, sizeof what, "cross_entropy M%d V%d%s dlogits", M, V, in_place ? " in place" : "");
  pt_test_expect (what, got_d, want_d, n, ctx->bound);
  pt_test_free (ctx, d_logits);
  pt_test_free (ctx, d_targets);
  pt_test_free (ctx, d_loss);
  if (!in_place)
    pt_test_free (ctx, d_d);
}

static void
test_cross_entropy (gconstpointer data)
{
  PtTestCtx *ctx = setup (data, 13);
  const int32_t targets[6] = { 3, 999, -100, 0, 500, 1000 };
  const int32_t big_targets[2] = { 257152, 17 };

  run_cross_entropy (ctx, 6, 1000, targets, FALSE);
  run_cross_entropy (ctx, 6, 1000, targets, TRUE);
  run_cross_entropy (ctx, 2, 257216, big_targets, TRUE);   /* Gemma's vocabulary */
  pt_test_check_ok (ctx);
}

static void
test_argmax (gconstpointer data)
{
  PtTestCtx *ctx = setup (data, 14);
  const int M = 4, V = 777;
  g_autofree float *x = pt_test_random (ctx, (size_t) M * V, -3.0f, 3.0f, ctx->act);
  g_autofree int32_t *got = NULL;
  void *d_x, *d_out;

  x[1 * V + 500] = 7.0f;    /* ties: the lower index wins */
  x[1 * V + 20] = 7.0f;
  x[2 * V + 776] = 9.0f;
  x[3 * V + 0] = 9.0f;
  d_x = pt_test_upload (ctx, x, (size_t) M * V, ctx->act);
  d_out = pt_test_alloc (ctx, M, PT_DTYPE_I32);
  ctx->be->ops->argmax (ctx->be, d_out, d_x, M, V);
  got = pt_test_download_i32 (ctx, d_out, M);
  for (int r = 0; r < M; r++)
    {
      int best = 0;
      for (int i = 1; i < V; i++)
        if (x[(size_t) r * V + i] > x[(size_t) r * V + best])
          best = i;
      g_assert_cmpint (got[r], ==, best);
    }
  g_assert_cmpint (got[1], ==, 20);
  pt_test_free (ctx, d_x);
  pt_test_free (ctx, d_out);
  pt_test_check_ok (ctx);
}

/* ---- optimiser --------------------------------------------------------------------------- */

static void
test_sum_squares (gconstpointer data)
{
  PtTestCtx *ctx = setup (data, 15);
  const size_t n = 100003;
  const PtDType dtypes[2] = { PT_DTYPE_F32, PT_DTYPE_BF16 };

  for (int t = 0; t < 2; t++)
    {
      g_autofree float *x = pt_test_random (ctx, n, -1.0f, 1.0f, dtypes[t]);
      const float start = 1.5f;
      double want = start;
      void *d_x = pt_test_upload (ctx, x, n, dtypes[t]);
      void *d_out = pt_test_upload (ctx, &start, 1, PT_DTYPE_F32);
      g_autofree float *got = NULL;

      for (size_t i = 0; i < n; i++)
        want += (double) x[i] * x[i];
      ctx->be->ops->sum_squares (ctx->be, d_out, d_x, dtypes[t], n);
      got = pt_test_download (ctx, d_out, 1, PT_DTYPE_F32);
      pt_test_expect (t == 0 ? "sum_squares F32" : "sum_squares BF16", got, &want, 1, 1e-12);
      pt_test_free (ctx, d_x);
      pt_test_free (ctx, d_out);
    }
  pt_test_check_ok (ctx);
}

static void
test_adamw (gconstpointer data)
{
  PtTestCtx *ctx = setup (data, 16);
  const size_t n = 1000;
  g_autofree float *p0 = pt_test_random (ctx, n, -1.0f, 1.0f, PT_DTYPE_F32);
  g_autofree double *p = g_new (double, n), *m = g_new0 (double, n), *v = g_new0 (double, n);
  g_autofree double *g = g_new (double, n);
  void *d_p = pt_test_upload (ctx, p0, n, PT_DTYPE_F32), *d_m = pt_test_alloc (ctx, n, PT_DTYPE_F32);
  void *d_v = pt_test_alloc (ctx, n, PT_DTYPE_F32), *d_copy = pt_test_alloc (ctx, n, PT_DTYPE_BF16);
  float *got;

  ctx->be->ops->zero (ctx->be, d_m, n * 4);
  ctx->be->ops->zero (ctx->be, d_v, n * 4);
  for (size_t i = 0; i < n; i++)
    p[i] = p0[i];
  for (int step = 1; step <= 3; step++)
    {
      g_autofree float *grad = pt_test_random (ctx, n, -0.1f, 0.1f, PT_DTYPE_F32);
      void *d_g = pt_test_upload (ctx, grad, n, PT_DTYPE_F32);
      for (size_t i = 0; i < n; i++)
        g[i] = grad[i];
      pt_ref_adamw (p, g, m, v, n, 1e-3, 0.9, 0.999, 1e-8, 0.01, step, 0.5);
      ctx->be->ops->adamw (ctx->be, d_p, d_g, d_m, d_v, n, 1e-3, 0.9, 0.999, 1e-8, 0.01, step, 0.5,
                           step == 3 ? d_copy : NULL, PT_DTYPE_BF16);
      pt_test_free (ctx, d_g);
    }
  got = pt_test_download (ctx, d_p, n, PT_DTYPE_F32);
  pt_test_expect ("adamw param", got, p, n, 1e-12);
  {
    g_autofree float *copy = pt_test_download (ctx, d_copy, n, PT_DTYPE_BF16);
    for (size_t i = 0; i < n; i++)
      g_assert_cmpfloat (copy[i], ==, pt_test_round (got[i], PT_DTYPE_BF16));
  }
  g_free (got);
  got = pt_test_download (ctx, d_m, n, PT_DTYPE_F32);
  pt_test_expect ("adamw m", got, m, n, 1e-12);
  g_free (got);
  got = pt_test_download (ctx, d_v, n, PT_DTYPE_F32);
  pt_test_expect ("adamw v", got, v, n, 1e-12);
  g_free (got);
  pt_test_free (ctx, d_p);
  pt_test_free (ctx, d_m);
  pt_test_free (ctx, d_v);
  pt_test_free (ctx, d_copy);
  pt_test_check_ok (ctx);
}

/* ---- NF4 ----------------------------------------------------------------------------------- */

static void
test_nf4 (gconstpointer data)
{
  PtTestCtx *ctx = setup (data, 17);
  const size_t sizes[3] = { 1000, 1001, 4096 };
  const PtDType dtypes[3] = { PT_DTYPE_BF16, PT_DTYPE_F32, PT_DTYPE_F16 };

  for (int s = 0; s < 3; s++)
    for (int t = 0; t < 3; t++)
      for (int shift = 0; shift < 2; shift++)   /* shift: misaligned output (no vector path) */
        {
          size_t n = sizes[s], n_bytes = (n + 1) / 2, n_blocks = (n + 63) / 64;
          g_autofree guint8 *packed = g_new (guint8, n_bytes);
          g_autofree float *absmax = pt_test_random (ctx, n_blocks, 0.01f, 2.0f, PT_DTYPE_F32);
          g_autofree float *want = g_new (float, n);
          g_autofree float *got = NULL;
          void *d_packed, *d_absmax, *d_out;
          char what[64];

          for (size_t i = 0; i < n_bytes; i++)
            packed[i] = (guint8) pt_rng_next_below (&ctx->rng, 256);
          for (size_t i = 0; i < n; i++)
            {
              int idx = i % 2 == 0 ? packed[i / 2] >> 4 : packed[i / 2] & 15;
              want[i] = pt_test_round (pt_ref_nf4_code[idx] * absmax[i / 64], dtypes[t]);
            }
          d_packed = pt_test_upload_raw (ctx, packed, n_bytes);
          d_absmax = pt_test_upload (ctx, absmax, n_blocks, PT_DTYPE_F32);
          d_out = pt_test_alloc (ctx, n + shift, dtypes[t]);
          ctx->be->ops->nf4_dequantize (ctx->be, (guint8 *) d_out + shift * pt_dtype_size (dtypes[t]),
                                        dtypes[t], d_packed, d_absmax, n);
          got = pt_test_download (ctx, (guint8 *) d_out + shift * pt_dtype_size (dtypes[t]), n, dtypes[t]);
          g_snprintf (what, sizeof what, "nf4 n%zu -> %s%s", n, pt_dtype_name (dtypes[t]),
                      shift ? " misaligned" : "");
          pt_test_expect_f (what, got, want, n, 0.0);
          pt_test_free (ctx, d_packed);
          pt_test_free (ctx, d_absmax);
          pt_test_free (ctx, d_out);
        }
  pt_test_check_ok (ctx);
}

int
main (int argc, char **argv)
{
  static const struct {
    const char *name;
    GTestDataFunc func;
  } tests[] = {
    { "convert", test_convert }, { "gemm", test_gemm }, { "gemm-batched", test_gemm_batched },
    { "elementwise", test_elementwise }, { "dropout", test_dropout }, { "bias", test_bias },
    { "layernorm", test_layernorm }, { "rmsnorm", test_rmsnorm }, { "rope", test_rope },
    { "embedding", test_embedding }, { "rows", test_rows }, { "im2col", test_im2col },
    { "cross-entropy", test_cross_entropy }, { "argmax", test_argmax },
    { "sum-squares", test_sum_squares }, { "adamw", test_adamw }, { "nf4", test_nf4 },
  };
  const PtDType acts[2] = { PT_DTYPE_F32, PT_DTYPE_BF16 };
  int status;

  if (pt_cuda_device_count () == 0)
    {
      printf ("SKIP: no CUDA device\n");
      return 77;
    }
  g_test_init (&argc, &argv, NULL);
  for (int a = 0; a < 2; a++)
    {
      g_autoptr(GError) error = NULL;
      contexts[a].be = pt_cuda_backend_new_full ("cuda:0", acts[a], &error);
      g_assert_no_error (error);
      contexts[a].act = acts[a];
      contexts[a].bound = acts[a] == PT_DTYPE_F32 ? 1e-11 : 4e-5;
      contexts[a].bound_acc = acts[a] == PT_DTYPE_F32 ? 1e-11 : 1e-10;
      for (guint t = 0; t < G_N_ELEMENTS (tests); t++)
        {
          g_autofree char *path = g_strdup_printf ("/gpu/ops/%s/%s", a == 0 ? "f32" : "bf16",
                                                   tests[t].name);
          g_test_add_data_func (path, &contexts[a], tests[t].func);
        }
    }
  status = g_test_run ();
  for (int a = 0; a < 2; a++)
    pt_backend_free (contexts[a].be);
  return status;
}
