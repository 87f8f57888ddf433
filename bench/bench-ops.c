/* bench-ops.c — times the main backend ops at micro-model and PaliGemma
 * sizes (not a test).
 *
 *   bench-ops [--device cpu|cuda:0] [--threads N] [--filter TEXT] [--quick]
 *
 * Each op runs until 0.3 s have passed (at least twice, the first call not
 * timed) and prints wall ms per call, process CPU ms per call (all threads:
 * on a busy machine wall ≫ CPU / threads), and a rate from the wall time:
 * GFLOP/s for products and attention, GB/s of tensor traffic otherwise.
 */
#include "config.h"

#include <math.h>           /* sqrt */
#include <stdarg.h>         /* va_list */
#include <stdio.h>          /* printf */
#include <string.h>         /* strstr */

#include "bench-util.h"      /* bench_cpu_seconds */
#include "pt-backend.h"     /* the op table */
#include "pt-rng.h"         /* input values */
#if HAVE_CUDA && defined(PT_WITH_CUDA)
#include "pt-cuda.h"        /* pt_cuda_register */
#endif

typedef struct {
  PtBackend *be;
  const char *filter;
  double min_seconds;
} Bench;

/* device buffer of n elements of dtype, filled with values in [-1, 1) */
static void *
buffer (Bench *b, PtDType dtype, size_t n)
{
  g_autoptr(GError) error = NULL;
  g_autofree float *host = g_new (float, MAX (n, 1));
  void *dev, *tmp;
  PtRng rng = { n, 0 };

  for (size_t i = 0; i < n; i++)
    host[i] = (float) (2 * pt_rng_next_double (&rng) - 1);
  dev = b->be->ops->alloc (b->be, MAX (n, 1) * pt_dtype_size (dtype), &error);
  if (dev == NULL)
    g_error ("%s", error->message);
  tmp = b->be->ops->alloc (b->be, MAX (n, 1) * sizeof (float), &error);
  b->be->ops->upload (b->be, tmp, host, n * sizeof (float));
  if (b->be->ops->convert != NULL)
    b->be->ops->convert (b->be, dev, dtype, tmp, PT_DTYPE_F32, n);
  b->be->ops->free (b->be, tmp);
  return dev;
}

static int32_t *
ids (Bench *b, size_t n, int below)
{
  g_autofree int32_t *host = g_new (int32_t, MAX (n, 1));
  g_autoptr(GError) error = NULL;
  int32_t *dev = b->be->ops->alloc (b->be, MAX (n, 1) * sizeof (int32_t), &error);
  PtRng rng = { 7, 0 };

  for (size_t i = 0; i < n; i++)
    host[i] = (int32_t) pt_rng_next_below (&rng, below);
  b->be->ops->upload (b->be, dev, host, n * sizeof (int32_t));
  return dev;
}

/* frees the NULL-terminated list of device buffers */
static void
release (Bench *b, ...)
{
  va_list ap;
  void *p;

  va_start (ap, b);
  while ((p = va_arg (ap, void *)) != NULL)
    b->be->ops->free (b->be, p);
  va_end (ap);
}

typedef void (*BenchFunc) (Bench *b, gpointer data);

/* runs fn until min_seconds pass; prints ms per call and work / s */
static void
run (Bench      *b,
     const char *name,
     double      work,      /* flops or bytes per call */
     const char *unit,      /* "GFLOP/s" or "GB/s" */
     BenchFunc   fn,
     gpointer    data)
{
  gint64 start, now;
  int calls = 0;
  double seconds, cpu0, cpu;

  if (b->filter != NULL && strstr (name, b->filter) == NULL)
    return;
  fn (b, data);   /* warm up */
  b->be->ops->synchronize (b->be);
  start = g_get_monotonic_time ();
  cpu0 = bench_cpu_seconds ();
  do
    {
      fn (b, data);
      calls++;
      b->be->ops->synchronize (b->be);
      now = g_get_monotonic_time ();
    }
  while ((now - start) * 1e-6 < b->min_seconds || calls < 2);
  seconds = (now - start) * 1e-6 / calls;
  cpu = (bench_cpu_seconds () - cpu0) / calls;
  printf ("%-44s %10.3f ms %10.3f ms  %8.2f %s\n", name, seconds * 1e3, cpu * 1e3,
          work / seconds * 1e-9, unit);
  fflush (stdout);
}

/* ---- the ops ------------------------------------------------------------- */

typedef struct {
  int m, n, k;
  gboolean tb;
  PtDType b_dtype;
  void *a, *bm, *c;
} Gemm;

static void
gemm_fn (Bench *b, gpointer data)
{
  Gemm *g = data;
  PtDType act = b->be->act_dtype;

  b->be->ops->gemm (b->be, FALSE, g->tb, g->m, g->n, g->k, 1.0, g->a, act, g->k,
                    g->bm, g->b_dtype, g->tb ? g->k : g->n, 0.0, g->c, act, g->n);
}

static void
bench_gemm (Bench *b, const char *name, int m, int n, int k, gboolean tb, PtDType b_dtype)
{
  Gemm g = { m, n, k, tb, b_dtype };

  if (b->filter != NULL && strstr (name, b->filter) == NULL)
    return;
  g.a = buffer (b, b->be->act_dtype, (size_t) m * k);
  g.bm = buffer (b, b_dtype, (size_t) k * n);
  g.c = buffer (b, b->be->act_dtype, (size_t) m * n);
  run (b, name, 2.0 * m * n * k, "GFLOP/s", gemm_fn, &g);
  release (b, g.a, g.bm, g.c, NULL);
}

typedef struct {
  int B, T, Hq, Hkv, D;
  gboolean backward;
  void *q, *k, *v, *out, *lse, *dq, *dk, *dv, *dout;
  int32_t key_end[PT_MAX_BATCH], prefix_end[PT_MAX_BATCH];
  PtAttnMask mask;
} Attn;

static void
attn_fn (Bench *b, gpointer data)
{
  Attn *a = data;
  double scale = 1.0 / sqrt (a->D);

  if (!a->backward)
    b->be->ops->attention_forward (b->be, a->out, a->lse, a->q, a->k, a->v, a->B, a->T, a->T,
                                   a->T, a->Hq, a->Hkv, a->D, scale, &a->mask);
  else
    b->be->ops->attention_backward (b->be, a->dq, a->dk, a->dv, a->dout, a->out, a->lse, a->q,
                                    a->k, a->v, a->B, a->T, a->T, a->T, a->Hq, a->Hkv, a->D,
                                    scale, &a->mask);
}

static void
bench_attention (Bench *b, const char *name, int B, int T, int Hq, int Hkv, int D, int prefix,
                 gboolean causal)
{
  Attn a = { B, T, Hq, Hkv, D };
  PtDType act = b->be->act_dtype;
  size_t nq = (size_t) B * T * Hq * D, nk = (size_t) B * T * Hkv * D;
  g_autofree char *fwd = g_strdup_printf ("%s fwd", name);
  g_autofree char *bwd = g_strdup_printf ("%s bwd", name);
  double visible = 0;

  if (b->filter != NULL && strstr (fwd, b->filter) == NULL && strstr (bwd, b->filter) == NULL)
    return;
  for (int i = 0; i < B; i++)
    {
      a.key_end[i] = T;
      a.prefix_end[i] = causal ? prefix : T;
    }
  a.mask = (PtAttnMask) { NULL, a.key_end, a.prefix_end, causal, 0 };
  for (int i = 0; i < T; i++)
    visible += causal ? MAX (prefix, i + 1) : T;
  a.q = buffer (b, act, nq);
  a.k = buffer (b, act, nk);
  a.v = buffer (b, act, nk);
  a.out = buffer (b, act, nq);
  a.dout = buffer (b, act, nq);
  a.dq = buffer (b, act, nq);
  a.dk = buffer (b, act, nk);
  a.dv = buffer (b, act, nk);
  a.lse = buffer (b, b->be->acc_dtype, (size_t) B * Hq * T);
  run (b, fwd, 4.0 * B * Hq * visible * D, "GFLOP/s", attn_fn, &a);
  a.backward = TRUE;
  run (b, bwd, 8.0 * B * Hq * visible * D, "GFLOP/s", attn_fn, &a);
  release (b, a.q, a.k, a.v, a.out, a.lse, a.dq, a.dk, a.dv, a.dout, NULL);
}

typedef struct {
  int N, C;
  void *x, *w, *bias, *out, *mean, *rstd, *dx, *dw, *db, *dout;
  gboolean rms, backward;
} Norm;

static void
norm_fn (Bench *b, gpointer data)
{
  Norm *n = data;

  if (n->rms && !n->backward)
    b->be->ops->rmsnorm_forward (b->be, n->out, n->rstd, n->x, n->w, n->N, n->C, 1e-6);
  else if (n->rms)
    b->be->ops->rmsnorm_backward (b->be, n->dx, n->dw, n->dout, n->x, n->w, n->rstd, n->N, n->C);
  else if (!n->backward)
    b->be->ops->layernorm_forward (b->be, n->out, n->mean, n->rstd, n->x, n->w, n->bias,
                                   n->N, n->C, 1e-6);
  else
    b->be->ops->layernorm_backward (b->be, n->dx, n->dw, n->db, n->dout, n->x, n->w, n->mean,
                                    n->rstd, n->N, n->C);
}

static void
bench_norm (Bench *b, const char *name, int N, int C, gboolean rms)
{
  Norm n = { N, C };
  PtDType act = b->be->act_dtype, acc = b->be->acc_dtype;
  g_autofree char *fwd = g_strdup_printf ("%s fwd", name);
  g_autofree char *bwd = g_strdup_printf ("%s bwd", name);
  double bytes = (double) N * C * pt_dtype_size (act);

  if (b->filter != NULL && strstr (fwd, b->filter) == NULL && strstr (bwd, b->filter) == NULL)
    return;
  n.rms = rms;
  n.x = buffer (b, act, (size_t) N * C);
  n.out = buffer (b, act, (size_t) N * C);
  n.dx = buffer (b, act, (size_t) N * C);
  n.dout = buffer (b, act, (size_t) N * C);
  n.w = buffer (b, acc, C);
  n.bias = buffer (b, acc, C);
  n.dw = buffer (b, acc, C);
  n.db = buffer (b, acc, C);
  n.mean = buffer (b, acc, N);
  n.rstd = buffer (b, acc, N);
  run (b, fwd, 2 * bytes, "GB/s", norm_fn, &n);
  n.backward = TRUE;
  run (b, bwd, 4 * bytes, "GB/s", norm_fn, &n);
  release (b, n.x, n.w, n.bias, n.out, n.mean, n.rstd, n.dx, n.dw, n.db, n.dout, NULL);
}

typedef struct {
  size_t n;
  int op;   /* 0 gelu fwd, 1 gelu bwd, 2 geglu fwd, 3 geglu bwd, 4 rope, 5 adamw, 6 nf4 */
  int B, T, H, D;
  void *x, *y, *z, *w, *u;
  int step;
} Elem;

static void
elem_fn (Bench *b, gpointer data)
{
  Elem *e = data;

  switch (e->op)
    {
    case 0: b->be->ops->gelu_forward (b->be, e->y, e->x, e->n); break;
    case 1: b->be->ops->gelu_backward (b->be, e->z, e->x, e->y, e->n); break;
    case 2: b->be->ops->geglu_forward (b->be, e->z, e->x, e->y, e->n); break;
    case 3: b->be->ops->geglu_backward (b->be, e->w, e->u, e->z, e->x, e->y, e->n); break;
    case 4: b->be->ops->rope (b->be, e->x, e->B, e->T, e->H, e->D, NULL, 1, 10000, FALSE); break;
    case 5:
      b->be->ops->scale (b->be, e->y, b->be->acc_dtype, e->n, 1e-3);   /* keep v small */
      b->be->ops->adamw (b->be, e->x, e->y, e->z, e->w, e->n, 1e-5, 0.9, 0.999, 1e-8, 1e-6,
                         ++e->step, 1.0, NULL, PT_DTYPE_BF16);
      break;
    case 6: b->be->ops->nf4_dequantize (b->be, e->y, b->be->act_dtype, e->x, e->w, e->n); break;
    default: break;
    }
}

static void
bench_elem (Bench *b, const char *name, int op, size_t n, double bytes_per)
{
  Elem e = { n, op };
  PtDType act = op == 5 ? b->be->acc_dtype : b->be->act_dtype;

  if (b->filter != NULL && strstr (name, b->filter) == NULL)
    return;
  e.x = op == 6 ? buffer (b, PT_DTYPE_U8, (n + 1) / 2) : buffer (b, act, n);
  e.y = buffer (b, act, n);
  e.z = buffer (b, act, n);
  e.w = op == 6 ? buffer (b, PT_DTYPE_F32, n / 64 + 1) : buffer (b, act, n);
  e.u = buffer (b, act, n);
  if (op == 5)
    b->be->ops->zero (b->be, e.w, n * pt_dtype_size (act));
  run (b, name, bytes_per * n, "GB/s", elem_fn, &e);
  release (b, e.x, e.y, e.z, e.w, e.u, NULL);
}

static void
bench_rope (Bench *b, const char *name, int B, int T, int H, int D)
{
  Elem e = { (size_t) B * T * H * D, 4, B, T, H, D };

  if (b->filter != NULL && strstr (name, b->filter) == NULL)
    return;
  e.x = buffer (b, b->be->act_dtype, e.n);
  run (b, name, 2.0 * e.n * pt_dtype_size (b->be->act_dtype), "GB/s", elem_fn, &e);
  b->be->ops->free (b->be, e.x);
}

typedef struct {
  int M, V;
  void *logits, *dlogits, *losses;
  int32_t *targets;
} Ce;

static void
ce_fn (Bench *b, gpointer data)
{
  Ce *c = data;

  b->be->ops->cross_entropy (b->be, c->losses, c->dlogits, c->logits, c->targets, c->M, c->V,
                             1.0 / c->M, 0.0);
}

static void
bench_ce (Bench *b, const char *name, int M, int V)
{
  Ce c = { M, V };
  PtDType act = b->be->act_dtype;

  if (b->filter != NULL && strstr (name, b->filter) == NULL)
    return;
  c.logits = buffer (b, act, (size_t) M * V);
  c.dlogits = buffer (b, act, (size_t) M * V);
  c.losses = buffer (b, b->be->acc_dtype, M);
  c.targets = ids (b, M, V);
  run (b, name, 2.0 * M * V * pt_dtype_size (act), "GB/s", ce_fn, &c);
  release (b, c.logits, c.dlogits, c.losses, c.targets, NULL);
}

typedef struct {
  int N, C, V;
  gboolean backward;
  void *table, *out, *dtable;
  int32_t *ids;
} Emb;

static void
emb_fn (Bench *b, gpointer data)
{
  Emb *e = data;

  if (!e->backward)
    b->be->ops->embedding_forward (b->be, e->out, e->ids, e->table, PT_DTYPE_BF16, e->N, e->C,
                                   e->V, 45.25);
  else
    b->be->ops->embedding_backward (b->be, e->dtable, e->out, e->ids, e->N, e->C, e->V, 45.25);
}

static void
bench_embedding (Bench *b, const char *name, int N, int C, int V)
{
  Emb e = { N, C, V };
  g_autofree char *fwd = g_strdup_printf ("%s fwd", name);
  g_autofree char *bwd = g_strdup_printf ("%s bwd", name);

  if (b->filter != NULL && strstr (fwd, b->filter) == NULL && strstr (bwd, b->filter) == NULL)
    return;
  e.table = buffer (b, PT_DTYPE_BF16, (size_t) V * C);
  e.dtable = buffer (b, b->be->acc_dtype, (size_t) V * C);
  e.out = buffer (b, b->be->act_dtype, (size_t) N * C);
  e.ids = ids (b, N, V);
  run (b, fwd, (double) N * C * (2 + pt_dtype_size (b->be->act_dtype)), "GB/s", emb_fn, &e);
  e.backward = TRUE;
  run (b, bwd, (double) N * C * 3 * pt_dtype_size (b->be->act_dtype), "GB/s", emb_fn, &e);
  release (b, e.table, e.dtable, e.out, e.ids, NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtBackend) be = NULL;
  g_autofree char *device = NULL;
  g_autofree char *filter = NULL;
  int threads = 0;
  gboolean quick = FALSE;
  GOptionEntry entries[] = {
    { "device", 0, 0, G_OPTION_ARG_STRING, &device, "cpu (default) or cuda:N", "ID" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads, "CPU threads (0: all cores)", "N" },
    { "filter", 0, 0, G_OPTION_ARG_STRING, &filter, "only ops whose name contains TEXT", "TEXT" },
    { "quick", 0, 0, G_OPTION_ARG_NONE, &quick, "micro-model sizes only", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— time the backend ops");
  Bench b = { 0 };
  size_t f4 = 4;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 2;
    }
#if HAVE_CUDA && defined(PT_WITH_CUDA)
  pt_cuda_register ();
#endif
  if (device == NULL || g_str_equal (device, "cpu"))
    be = pt_cpu_backend_new (PT_DTYPE_F32, threads, &error);
  else
    be = pt_backend_new (device, &error);
  if (be == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  b.be = be;
  b.filter = filter;
  b.min_seconds = 0.3;
  printf ("%s, act %s\n%-44s %13s %13s\n\n", be->device_name, pt_dtype_name (be->act_dtype),
          "op", "wall/call", "cpu/call");

  /* a micro model: SigLIP 64 patches × 128, Gemma 80 tokens × 128, 4 heads
   * of 32 (MQA), MLP 512, batch 4 */
  printf ("micro model (B 4, T 80, C 128, 4×32 heads, MQA, MLP 512)\n");
  bench_gemm (&b, "gemm 320x512x128 (fc1, f32 w)", 320, 512, 128, TRUE, PT_DTYPE_F32);
  bench_gemm (&b, "gemm 320x128x512 (fc2, f32 w)", 320, 128, 512, TRUE, PT_DTYPE_F32);
  bench_gemm (&b, "gemm 320x512x128 (bf16 w)", 320, 512, 128, TRUE, PT_DTYPE_BF16);
  bench_attention (&b, "attention 4x80 4q/1kv d32 prefix-LM", 4, 80, 4, 1, 32, 68, TRUE);
  bench_attention (&b, "attention 4x64 4q/4kv d32 full (SigLIP)", 4, 64, 4, 4, 32, 0, FALSE);
  bench_norm (&b, "rmsnorm 320x128", 320, 128, TRUE);
  bench_norm (&b, "layernorm 256x128", 256, 128, FALSE);
  bench_rope (&b, "rope 4x80x4x32", 4, 80, 4, 32);
  bench_elem (&b, "gelu fwd 320x512", 0, 320 * 512, 2 * f4);
  bench_elem (&b, "gelu bwd 320x512", 1, 320 * 512, 3 * f4);
  bench_elem (&b, "geglu fwd 320x512", 2, 320 * 512, 3 * f4);
  bench_elem (&b, "geglu bwd 320x512", 3, 320 * 512, 5 * f4);
  bench_ce (&b, "cross_entropy 64x1024", 64, 1024);
  bench_ce (&b, "cross_entropy 64x257216", 64, 257216);
  bench_embedding (&b, "embedding 320x128 of 1024", 320, 128, 1024);
  bench_elem (&b, "adamw 2M params", 5, 2000000, 7 * f4);
  if (quick)
    return 0;

  printf ("\nPaliGemma 3B-224 sizes (one layer's ops; B 1, T 288, MQA 8×256, MLP 16384)\n");
  bench_gemm (&b, "gemm 288x16384x2048 (gate, bf16 w)", 288, 16384, 2048, TRUE, PT_DTYPE_BF16);
  bench_gemm (&b, "gemm 288x2048x2048 (q_proj, bf16 w)", 288, 2048, 2048, TRUE, PT_DTYPE_BF16);
  bench_gemm (&b, "gemm 256x4304x1152 (SigLIP fc1, bf16 w)", 256, 4304, 1152, TRUE, PT_DTYPE_BF16);
  bench_attention (&b, "attention 1x288 8q/1kv d256 prefix-LM", 1, 288, 8, 1, 256, 266, TRUE);
  bench_attention (&b, "attention 1x256 16q/16kv d72 (SigLIP)", 1, 256, 16, 16, 72, 0, FALSE);
  bench_norm (&b, "rmsnorm 288x2048", 288, 2048, TRUE);
  bench_norm (&b, "layernorm 256x1152", 256, 1152, FALSE);
  bench_rope (&b, "rope 1x288x8x256", 1, 288, 8, 256);
  bench_elem (&b, "geglu fwd 288x16384", 2, 288 * 16384, 3 * f4);
  bench_elem (&b, "geglu bwd 288x16384", 3, 288 * 16384, 5 * f4);
  bench_ce (&b, "cross_entropy 32x257216", 32, 257216);
  bench_embedding (&b, "embedding 288x2048 of 257216", 288, 2048, 257216);
  bench_elem (&b, "adamw 11.3M (LoRA r8)", 5, 11298816, 7 * f4);
  bench_elem (&b, "nf4_dequantize 16384x2048", 6, (size_t) 16384 * 2048, 0.5 + f4);
  return 0;
}
