/* test-cuda-attention.c — the CUDA attention (forward and backward, both
 * paths: scores through cuBLAS and the flash kernels) against
 * a naive double-precision softmax(q·kᵀ·scale + mask)·v, on the shapes that
 * matter: SigLIP (head_dim 72, no mask), Gemma training (head_dim 256, MQA,
 * right padding, prefix-LM), decoding with GQA, a left-padded row and a row
 * that sees no key, and a plain causal mask over several key tiles; Gemma 2's
 * sliding window (shorter than the prefix in some rows, longer in others;
 * training, decoding, left padding) and attention logit softcap. The rows
 * of k/v/dk/dv past Tk (up to tk_alloc) must stay untouched.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cuda-ref.h"
#include "cuda-test-util.h"
#include "pt-cuda.h"

static PtTestCtx contexts[4];

typedef struct {
  const char *name;
  int B, Tq, Tk, tk_alloc, Hq, Hkv, D;
  gboolean has_mask;
  int32_t key_start[4], key_end[4], prefix_end[4];
  gboolean use_start, use_end, use_prefix;
  int causal, q_offset;
  int window;               /* Gemma 2 */
  double softcap;
} AttnCase;

static const AttnCase cases[] = {
  { "siglip", 2, 20, 20, 20, 4, 4, 72, FALSE, { 0 }, { 0 }, { 0 }, FALSE, FALSE, FALSE, 0, 0 },
  { "gemma-train", 3, 41, 41, 44, 4, 1, 256, TRUE, { 0 }, { 41, 30, 35 }, { 25, 20, 33 },
    FALSE, TRUE, TRUE, 1, 0 },
  { "decode-gqa", 2, 3, 20, 24, 6, 2, 64, TRUE, { 0, 4 }, { 20, 0 }, { 10, 10 },
    TRUE, TRUE, TRUE, 1, 17 },
  { "causal-d128", 1, 50, 50, 50, 2, 2, 128, TRUE, { 0 }, { 0 }, { 0 }, FALSE, FALSE, FALSE, 1, 0 },
  { "left-pad-d96", 2, 37, 37, 40, 2, 1, 96, TRUE, { 5, 0 }, { 37, 33 }, { 20, 12 },
    TRUE, TRUE, TRUE, 1, 0 },
  /* Gemma 2: window 18 shorter than rows 0 and 2's prefix, longer than row
   * 1's; several query tiles per key block, the last row that sees a block
   * of 16 keys starting a tile of 32 queries (16 - 1 + 18 - 1 = 32; prefix
   * row 64 of row 2); softcap */
  { "gemma2-train", 3, 80, 80, 84, 4, 2, 64, TRUE, { 0 }, { 80, 70, 77 }, { 41, 9, 65 },
    FALSE, TRUE, TRUE, 1, 0, 18, 1.5 },
  /* a decode step: q_offset, tk_alloc, GQA 4:1, left padding, window, softcap */
  { "gemma2-decode", 2, 3, 50, 64, 8, 2, 256, TRUE, { 0, 6 }, { 50, 50 }, { 30, 30 },
    TRUE, TRUE, TRUE, 1, 47, 16, 2.0 },
  /* left padding, MQA, window only; a window of one key (itself) */
  { "window-left-pad", 2, 45, 45, 48, 2, 1, 96, TRUE, { 5, 0 }, { 45, 40 }, { 20, 12 },
    TRUE, TRUE, TRUE, 1, 0, 7, 0.0 },
  { "window-1", 1, 40, 40, 40, 2, 2, 64, TRUE, { 0 }, { 0 }, { 10 }, FALSE, FALSE, TRUE, 1, 0, 1, 0.0 },
  /* the longest window that hides a key: key 0 from the last query only */
  { "window-edge", 1, 40, 40, 40, 2, 1, 32, TRUE, { 0 }, { 0 }, { 0 }, FALSE, FALSE, FALSE, 1, 0, 39, 0.0 },
  /* softcap only, head_dim 256, a cap the scores reach */
  { "softcap-d256", 2, 33, 33, 33, 4, 4, 256, TRUE, { 0 }, { 33, 25 }, { 12, 20 },
    FALSE, TRUE, TRUE, 1, 0, 0, 0.7 },
};

/* the first Tk rows of each batch row of a (B, tk_alloc, Hkv, D) tensor */
static void
valid_rows (const AttnCase *c, const float *all, float *out)
{
  size_t row = (size_t) c->Hkv * c->D;
  for (int b = 0; b < c->B; b++)
    memcpy (out + (size_t) b * c->Tk * row, all + (size_t) b * c->tk_alloc * row,
            (size_t) c->Tk * row * sizeof (float));
}

static void
valid_rows_d (const AttnCase *c, const double *all, double *out)
{
  size_t row = (size_t) c->Hkv * c->D;
  for (int b = 0; b < c->B; b++)
    memcpy (out + (size_t) b * c->Tk * row, all + (size_t) b * c->tk_alloc * row,
            (size_t) c->Tk * row * sizeof (double));
}

/* rows Tk..tk_alloc of an output the op must not write still hold the 0xff fill (NaN) */
static void
expect_untouched (const AttnCase *c, const float *all, const char *what)
{
  size_t row = (size_t) c->Hkv * c->D;
  for (int b = 0; b < c->B; b++)
    for (size_t i = (size_t) c->Tk * row; i < (size_t) c->tk_alloc * row; i++)
      if (!isnan (all[(size_t) b * c->tk_alloc * row + i]))
        {
          g_printerr ("%s %s: row %zu past Tk was written\n", c->name, what, i / row);
          g_test_fail ();
          return;
        }
}

static void
run_case (PtTestCtx *ctx, const AttnCase *c)
{
  PtDType act = ctx->act;
  PtAttnMask mask = { 0 };
  const PtAttnMask *mp = NULL;
  size_t nq = (size_t) c->B * c->Tq * c->Hq * c->D;
  size_t nk = (size_t) c->B * c->tk_alloc * c->Hkv * c->D, nkv = (size_t) c->B * c->Tk * c->Hkv * c->D;
  size_t nl = (size_t) c->B * c->Hq * c->Tq;
  double scale = 1.0 / sqrt (c->D);
  g_autofree float *q = pt_test_random (ctx, nq, -2.0f, 2.0f, act);
  g_autofree float *k = pt_test_random (ctx, nk, -2.0f, 2.0f, act);
  g_autofree float *v = pt_test_random (ctx, nk, -1.0f, 1.0f, act);
  g_autofree float *dout = pt_test_random (ctx, nq, -1.0f, 1.0f, act);
  g_autofree double *out = g_new (double, nq), *lse = g_new (double, nl);
  g_autofree double *dq = g_new (double, nq), *dk = g_new (double, nk), *dv = g_new (double, nk);
  g_autofree double *dk_valid = g_new (double, nkv + 1), *dv_valid = g_new (double, nkv + 1);
  g_autofree float *got_valid = g_new (float, nkv + 1);
  void *d_q = pt_test_upload (ctx, q, nq, act), *d_k = pt_test_upload (ctx, k, nk, act);
  void *d_v = pt_test_upload (ctx, v, nk, act), *d_dout = pt_test_upload (ctx, dout, nq, act);
  void *d_out = pt_test_alloc (ctx, nq, act), *d_lse = pt_test_alloc (ctx, nl, PT_DTYPE_F32);
  void *d_dq = pt_test_alloc (ctx, nq, act), *d_dk = pt_test_alloc (ctx, nk, act);
  void *d_dv = pt_test_alloc (ctx, nk, act);
  float *got;
  char what[96];

  if (c->has_mask)
    {
      mask.key_start = c->use_start ? c->key_start : NULL;
      mask.key_end = c->use_end ? c->key_end : NULL;
      mask.prefix_end = c->use_prefix ? c->prefix_end : NULL;
      mask.causal = c->causal;
      mask.q_offset = c->q_offset;
      mask.window = c->window;
      mask.softcap = c->softcap;
      mp = &mask;
    }
  pt_ref_attention_forward (out, lse, q, k, v, c->B, c->Tq, c->Tk, c->tk_alloc, c->Hq, c->Hkv,
                            c->D, scale, mp);
  pt_ref_attention_backward (dq, dk, dv, dout, q, k, v, c->B, c->Tq, c->Tk, c->tk_alloc, c->Hq,
                             c->Hkv, c->D, scale, mp);
  ctx->be->ops->attention_forward (ctx->be, d_out, d_lse, d_q, d_k, d_v, c->B, c->Tq, c->Tk,
                                   c->tk_alloc, c->Hq, c->Hkv, c->D, scale, mp);
  ctx->be->ops->attention_backward (ctx->be, d_dq, d_dk, d_dv, d_dout, d_out, d_lse, d_q, d_k, d_v,
                                    c->B, c->Tq, c->Tk, c->tk_alloc, c->Hq, c->Hkv, c->D, scale, mp);

  got = pt_test_download (ctx, d_out, nq, act);
  g_snprintf (what, sizeof what, "attention %s out", c->name);
  pt_test_expect (what, got, out, nq, ctx->bound);
  g_free (got);
  got = pt_test_download (ctx, d_lse, nl, PT_DTYPE_F32);
  g_snprintf (what, sizeof what, "attention %s lse", c->name);
  pt_test_expect (what, got, lse, nl, ctx->bound_acc);
  g_free (got);
  /* the backward reads the bf16-rounded forward output (Dsum = dO·O), as
   * FlashAttention does: allow a few more roundings */
  got = pt_test_download (ctx, d_dq, nq, act);
  g_snprintf (what, sizeof what, "attention %s dq", c->name);
  pt_test_expect (what, got, dq, nq, 4 * ctx->bound);
  g_free (got);

  got = pt_test_download (ctx, d_dk, nk, act);
  expect_untouched (c, got, "dk");
  valid_rows (c, got, got_valid);
  valid_rows_d (c, dk, dk_valid);
  g_snprintf (what, sizeof what, "attention %s dk", c->name);
  pt_test_expect (what, got_valid, dk_valid, nkv, 4 * ctx->bound);
  g_free (got);
  got = pt_test_download (ctx, d_dv, nk, act);
  expect_untouched (c, got, "dv");
  valid_rows (c, got, got_valid);
  valid_rows_d (c, dv, dv_valid);
  g_snprintf (what, sizeof what, "attention %s dv", c->name);
  pt_test_expect (what, got_valid, dv_valid, nkv, 4 * ctx->bound);
  g_free (got);

  pt_test_free (ctx, d_q);
  pt_test_free (ctx, d_k);
  pt_test_free (ctx, d_v);
  pt_test_free (ctx, d_dout);
  pt_test_free (ctx, d_out);
  pt_test_free (ctx, d_lse);
  pt_test_free (ctx, d_dq);
  pt_test_free (ctx, d_dk);
  pt_test_free (ctx, d_dv);
  pt_test_check_ok (ctx);
}

typedef struct {
  PtTestCtx *ctx;
  const AttnCase *c;
} TestData;

static void
test_case (gconstpointer data)
{
  const TestData *td = data;
  td->ctx->rng.seed = 100;
  td->ctx->rng.counter = 0;
  run_case (td->ctx, td->c);
}

int
main (int argc, char **argv)
{
  const PtDType acts[2] = { PT_DTYPE_F32, PT_DTYPE_BF16 };
  /* both paths of the backend: scores through cuBLAS, and the flash kernels */
  const char *paths[2] = { "gemm", "flash" };
  static TestData data[4][G_N_ELEMENTS (cases)];
  int status;

  if (pt_cuda_device_count () == 0)
    {
      printf ("SKIP: no CUDA device\n");
      return 77;
    }
  g_test_init (&argc, &argv, NULL);
  for (int x = 0; x < 4; x++)
    {
      g_autoptr(GError) error = NULL;
      int a = x % 2;

      g_setenv ("PT_CUDA_ATTENTION", paths[x / 2], TRUE);
      contexts[x].be = pt_cuda_backend_new_full ("cuda:0", acts[a], &error);
      g_assert_no_error (error);
      contexts[x].act = acts[a];
      contexts[x].bound = acts[a] == PT_DTYPE_F32 ? 1e-11 : 4e-5;
      contexts[x].bound_acc = acts[a] == PT_DTYPE_F32 ? 1e-11 : 1e-10;
      for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
        {
          g_autofree char *path = g_strdup_printf ("/gpu/attention/%s/%s/%s", paths[x / 2],
                                                   a == 0 ? "f32" : "bf16", cases[i].name);
          data[x][i].ctx = &contexts[x];
          data[x][i].c = &cases[i];
          g_test_add_data_func (path, &data[x][i], test_case);
        }
    }
  g_unsetenv ("PT_CUDA_ATTENTION");
  status = g_test_run ();
  for (int x = 0; x < 4; x++)
    pt_backend_free (contexts[x].be);
  return status;
}
