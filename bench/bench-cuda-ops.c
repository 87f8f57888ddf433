/* bench-cuda-ops.c — times the CUDA backend's ops at PaliGemma-3B-224
 * training shapes (batch 16: 16 × 272 decoder tokens, 16 × 256 image
 * patches) and prints `op | shape | ms | TFLOP/s or GB/s`. Attention runs on
 * both paths (scores through cuBLAS, the default; the flash kernels).
 *
 *   bench-cuda-ops [--json FILE] [--quick] [--device cuda:0]
 *
 * --quick shrinks every shape (a smoke test of the bench itself, which the
 * gpu-emu suite runs on the CPU emulator). Exit 77 without a CUDA device.
 * Each figure is the median of 5 timings of 10 back-to-back calls after 2
 * warm-up calls, synchronised at both ends (host wall clock).
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "pt-backend.h"
#include "pt-cuda.h"
#include "pt-json.h"       /* pt_json_to_string */

typedef struct {
  PtBackend   *be;
  JsonBuilder *json;
  gboolean     quick;
  int          reps;
} Bench;

typedef void (*BenchFunc) (Bench *b, gpointer data);

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

/* median milliseconds per call (quick: one call, no warm-up) */
static double
time_ms (Bench *b, BenchFunc func, gpointer data)
{
  double samples[5];
  int n_samples = b->quick ? 1 : 5;

  for (int i = 0; i < (b->quick ? 0 : 2); i++)
    func (b, data);
  b->be->ops->synchronize (b->be);
  for (int s = 0; s < n_samples; s++)
    {
      gint64 t0 = g_get_monotonic_time ();
      for (int r = 0; r < b->reps; r++)
        func (b, data);
      b->be->ops->synchronize (b->be);
      samples[s] = (g_get_monotonic_time () - t0) / 1000.0 / b->reps;
    }
  qsort (samples, n_samples, sizeof samples[0], cmp_double);
  return samples[n_samples / 2];
}

static void
report (Bench *b, const char *op, const char *shape, double ms, double flops, double bytes)
{
  char rate[64] = "";

  if (flops > 0)
    g_snprintf (rate, sizeof rate, "%8.1f TFLOP/s", flops / (ms * 1e-3) / 1e12);
  else if (bytes > 0)
    g_snprintf (rate, sizeof rate, "%8.1f GB/s", bytes / (ms * 1e-3) / 1e9);
  printf ("%-22s | %-34s | %9.3f ms | %s\n", op, shape, ms, rate);
  fflush (stdout);
  json_builder_begin_object (b->json);
  json_builder_set_member_name (b->json, "op");
  json_builder_add_string_value (b->json, op);
  json_builder_set_member_name (b->json, "shape");
  json_builder_add_string_value (b->json, shape);
  json_builder_set_member_name (b->json, "ms");
  json_builder_add_double_value (b->json, ms);
  if (flops > 0)
    {
      json_builder_set_member_name (b->json, "tflops");
      json_builder_add_double_value (b->json, flops / (ms * 1e-3) / 1e12);
    }
  if (bytes > 0)
    {
      json_builder_set_member_name (b->json, "gbps");
      json_builder_add_double_value (b->json, bytes / (ms * 1e-3) / 1e9);
    }
  json_builder_end_object (b->json);
}

/* device buffer of n elements of dtype filled with small values */
static void *
buffer (Bench *b, size_t n, PtDType dtype)
{
  g_autoptr(GError) error = NULL;
  g_autofree float *host = g_new (float, n);
  void *tmp, *dev;

  for (size_t i = 0; i < n; i++)
    host[i] = (float) ((i * 2654435761u) % 1000) / 1000.0f - 0.5f;
  tmp = b->be->ops->alloc (b->be, n * sizeof (float), &error);
  dev = b->be->ops->alloc (b->be, n * pt_dtype_size (dtype) + 16, &error);
  if (tmp == NULL || dev == NULL)
    {
      g_printerr ("bench-cuda-ops: %s\n", error->message);
      exit (1);
    }
  b->be->ops->upload (b->be, tmp, host, n * sizeof (float));
  b->be->ops->convert (b->be, dev, dtype, tmp, PT_DTYPE_F32, n);
  b->be->ops->free (b->be, tmp);
  return dev;
}

/* ---- GEMM -------------------------------------------------------------------- */

typedef struct {
  const char *name;
  gboolean ta, tb;
  int m, n, k;
  PtDType c_dtype;
  double beta;
  void *a, *bm, *c;
} Gemm;

static void
run_gemm (Bench *b, gpointer data)
{
  Gemm *g = data;
  int lda = g->ta ? g->m : g->k, ldb = g->tb ? g->k : g->n;
  b->be->ops->gemm (b->be, g->ta, g->tb, g->m, g->n, g->k, 1.0, g->a, PT_DTYPE_BF16, lda,
                    g->bm, PT_DTYPE_BF16, ldb, g->beta, g->c, g->c_dtype, g->n);
}

static void
bench_gemms (Bench *b, int tokens, int patches)
{
  int s = b->quick ? 16 : 1;
  Gemm cases[] = {
    /* y = x Wᵀ: x (tokens, in), W (out, in) */
    { "gemm q_proj", FALSE, TRUE, tokens, 2048 / s, 2048 / s, PT_DTYPE_BF16, 0.0 },
    { "gemm k_proj", FALSE, TRUE, tokens, 256 / s, 2048 / s, PT_DTYPE_BF16, 0.0 },
    { "gemm gate_proj", FALSE, TRUE, tokens, 16384 / s, 2048 / s, PT_DTYPE_BF16, 0.0 },
    { "gemm down_proj", FALSE, TRUE, tokens, 2048 / s, 16384 / s, PT_DTYPE_BF16, 0.0 },
    /* backward: dx = dy W (NN), dW += dyᵀ x (TN, F32) */
    { "gemm gate_proj dX", FALSE, FALSE, tokens, 2048 / s, 16384 / s, PT_DTYPE_BF16, 0.0 },
    { "gemm gate_proj dW F32", TRUE, FALSE, 16384 / s, 2048 / s, tokens, PT_DTYPE_F32, 1.0 },
    { "gemm siglip fc1", FALSE, TRUE, patches, 4304 / s, 1152 / s, PT_DTYPE_BF16, 0.0 },
    { "gemm lm_head (48 rows)", FALSE, TRUE, b->quick ? 4 : 48, 257216 / s / s, 2048 / s,
      PT_DTYPE_BF16, 0.0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      Gemm *g = &cases[i];
      char shape[64];
      double ms;

      g->a = buffer (b, (size_t) g->m * g->k, PT_DTYPE_BF16);
      g->bm = buffer (b, (size_t) g->k * g->n, PT_DTYPE_BF16);
      g->c = buffer (b, (size_t) g->m * g->n, g->c_dtype);
      ms = time_ms (b, run_gemm, g);
      g_snprintf (shape, sizeof shape, "%c%c m%d n%d k%d", g->ta ? 'T' : 'N', g->tb ? 'T' : 'N',
                  g->m, g->n, g->k);
      report (b, g->name, shape, ms, 2.0 * g->m * g->n * g->k, 0);
      b->be->ops->free (b->be, g->a);
      b->be->ops->free (b->be, g->bm);
      b->be->ops->free (b->be, g->c);
    }
}

/* ---- attention ------------------------------------------------------------------ */

typedef struct {
  int B, T, Hq, Hkv, D;
  PtAttnMask *mask;
  void *q, *k, *v, *out, *lse, *dout, *dq, *dk, *dv;
} Attn;

static void
run_attn_fwd (Bench *b, gpointer data)
{
  Attn *a = data;
  b->be->ops->attention_forward (b->be, a->out, a->lse, a->q, a->k, a->v, a->B, a->T, a->T, a->T,
                                 a->Hq, a->Hkv, a->D, 1.0 / sqrt (a->D), a->mask);
}

static void
run_attn_bwd (Bench *b, gpointer data)
{
  Attn *a = data;
  b->be->ops->attention_backward (b->be, a->dq, a->dk, a->dv, a->dout, a->out, a->lse, a->q, a->k,
                                  a->v, a->B, a->T, a->T, a->T, a->Hq, a->Hkv, a->D,
                                  1.0 / sqrt (a->D), a->mask);
}

static void
bench_attention (Bench *b, const char *name, int B, int T, int Hq, int Hkv, int D, PtAttnMask *mask)
{
  Attn a = { B, T, Hq, Hkv, D, mask };
  g_autofree char *fwd_name = g_strdup_printf ("%s fwd", name);
  g_autofree char *bwd_name = g_strdup_printf ("%s bwd", name);
  size_t nq = (size_t) B * T * Hq * D, nk = (size_t) B * T * Hkv * D;
  double flops = 4.0 * B * Hq * (double) T * T * D;   /* unmasked q·kᵀ and p·v */
  char shape[64];
  double ms;

  a.q = buffer (b, nq, PT_DTYPE_BF16);
  a.k = buffer (b, nk, PT_DTYPE_BF16);
  a.v = buffer (b, nk, PT_DTYPE_BF16);
  a.out = buffer (b, nq, PT_DTYPE_BF16);
  a.dout = buffer (b, nq, PT_DTYPE_BF16);
  a.dq = buffer (b, nq, PT_DTYPE_BF16);
  a.dk = buffer (b, nk, PT_DTYPE_BF16);
  a.dv = buffer (b, nk, PT_DTYPE_BF16);
  a.lse = buffer (b, (size_t) B * Hq * T, PT_DTYPE_F32);
  g_snprintf (shape, sizeof shape, "B%d T%d Hq%d Hkv%d D%d%s", B, T, Hq, Hkv, D,
              mask != NULL ? " prefix-LM" : "");
  ms = time_ms (b, run_attn_fwd, &a);
  report (b, fwd_name, shape, ms, flops, 0);
  ms = time_ms (b, run_attn_bwd, &a);
  report (b, bwd_name, shape, ms, 2.5 * flops, 0);
  b->be->ops->free (b->be, a.q);
  b->be->ops->free (b->be, a.k);
  b->be->ops->free (b->be, a.v);
  b->be->ops->free (b->be, a.out);
  b->be->ops->free (b->be, a.dout);
  b->be->ops->free (b->be, a.dq);
  b->be->ops->free (b->be, a.dk);
  b->be->ops->free (b->be, a.dv);
  b->be->ops->free (b->be, a.lse);
}

/* ---- memory-bound ops ------------------------------------------------------------- */

typedef struct {
  int N, C, M, V;
  size_t n;
  void *x, *y, *z, *w, *stat, *m, *v, *targets, *packed, *absmax;
} Mem;

static void run_rmsnorm_fwd (Bench *b, gpointer d) { Mem *m = d; b->be->ops->rmsnorm_forward (b->be, m->y, m->stat, m->x, m->w, m->N, m->C, 1e-6); }
static void run_rmsnorm_bwd (Bench *b, gpointer d) { Mem *m = d; b->be->ops->rmsnorm_backward (b->be, m->z, m->m, m->y, m->x, m->w, m->stat, m->N, m->C); }
static void run_geglu_fwd (Bench *b, gpointer d) { Mem *m = d; b->be->ops->geglu_forward (b->be, m->z, m->x, m->y, m->n); }
static void run_geglu_bwd (Bench *b, gpointer d) { Mem *m = d; b->be->ops->geglu_backward (b->be, m->x, m->y, m->z, m->x, m->y, m->n); }
static void run_ce (Bench *b, gpointer d) { Mem *m = d; b->be->ops->cross_entropy (b->be, m->stat, m->x, m->x, m->targets, m->M, m->V, 1.0 / m->M, 0.0); }
static void run_adamw (Bench *b, gpointer d) { Mem *m = d; b->be->ops->adamw (b->be, m->x, m->y, m->m, m->v, m->n, 2e-5, 0.9, 0.999, 1e-8, 1e-6, 1, 1.0, m->z, PT_DTYPE_BF16); }
static void run_nf4 (Bench *b, gpointer d) { Mem *m = d; b->be->ops->nf4_dequantize (b->be, m->x, PT_DTYPE_BF16, m->packed, m->absmax, m->n); }

static void
bench_memory_ops (Bench *b, int tokens)
{
  int s = b->quick ? 16 : 1;
  char shape[64];
  double ms;

  {
    Mem m = { .N = tokens, .C = 2048 / s };
    size_t n = (size_t) m.N * m.C;
    m.x = buffer (b, n, PT_DTYPE_BF16);
    m.y = buffer (b, n, PT_DTYPE_BF16);
    m.z = buffer (b, n, PT_DTYPE_BF16);
    m.w = buffer (b, m.C, PT_DTYPE_F32);
    m.m = buffer (b, m.C, PT_DTYPE_F32);
    m.stat = buffer (b, m.N, PT_DTYPE_F32);
    g_snprintf (shape, sizeof shape, "N%d C%d", m.N, m.C);
    ms = time_ms (b, run_rmsnorm_fwd, &m);
    report (b, "rmsnorm fwd", shape, ms, 0, 2.0 * n * 2);
    ms = time_ms (b, run_rmsnorm_bwd, &m);
    report (b, "rmsnorm bwd (+dw)", shape, ms, 0, 5.0 * n * 2);
    b->be->ops->free (b->be, m.x); b->be->ops->free (b->be, m.y); b->be->ops->free (b->be, m.z);
    b->be->ops->free (b->be, m.w); b->be->ops->free (b->be, m.m); b->be->ops->free (b->be, m.stat);
  }
  {
    Mem m = { .n = (size_t) tokens * (16384 / s) };
    m.x = buffer (b, m.n, PT_DTYPE_BF16);
    m.y = buffer (b, m.n, PT_DTYPE_BF16);
    m.z = buffer (b, m.n, PT_DTYPE_BF16);
    g_snprintf (shape, sizeof shape, "N%d I%d", tokens, 16384 / s);
    ms = time_ms (b, run_geglu_fwd, &m);
    report (b, "geglu fwd", shape, ms, 0, 3.0 * m.n * 2);
    ms = time_ms (b, run_geglu_bwd, &m);
    report (b, "geglu bwd", shape, ms, 0, 5.0 * m.n * 2);
    b->be->ops->free (b->be, m.x); b->be->ops->free (b->be, m.y); b->be->ops->free (b->be, m.z);
  }
  {
    g_autoptr(GError) error = NULL;
    Mem m = { .M = b->quick ? 4 : 48, .V = 257216 / s };
    int32_t targets[48];
    for (int i = 0; i < m.M; i++)
      targets[i] = (i * 7919) % m.V;
    m.x = buffer (b, (size_t) m.M * m.V, PT_DTYPE_BF16);
    m.stat = buffer (b, m.M, PT_DTYPE_F32);
    m.targets = b->be->ops->alloc (b->be, m.M * sizeof (int32_t), &error);
    b->be->ops->upload (b->be, m.targets, targets, m.M * sizeof (int32_t));
    g_snprintf (shape, sizeof shape, "M%d V%d in place", m.M, m.V);
    ms = time_ms (b, run_ce, &m);
    report (b, "cross_entropy", shape, ms, 0, 3.0 * m.M * m.V * 2);
    b->be->ops->free (b->be, m.x); b->be->ops->free (b->be, m.stat); b->be->ops->free (b->be, m.targets);
  }
  {
    Mem m = { .n = b->quick ? 100000 : 11298816 };   /* LoRA r=8 trainables */
    m.x = buffer (b, m.n, PT_DTYPE_F32);
    m.y = buffer (b, m.n, PT_DTYPE_F32);
    m.m = buffer (b, m.n, PT_DTYPE_F32);
    m.v = buffer (b, m.n, PT_DTYPE_F32);
    m.z = buffer (b, m.n, PT_DTYPE_BF16);
    g_snprintf (shape, sizeof shape, "n%zu + BF16 copy", m.n);
    ms = time_ms (b, run_adamw, &m);
    report (b, "adamw", shape, ms, 0, m.n * (7.0 * 4 + 2));
    b->be->ops->free (b->be, m.x); b->be->ops->free (b->be, m.y); b->be->ops->free (b->be, m.m);
    b->be->ops->free (b->be, m.v); b->be->ops->free (b->be, m.z);
  }
  {
    Mem m = { .n = (size_t) (16384 / s) * 2048 };   /* gate_proj */
    m.x = buffer (b, m.n, PT_DTYPE_BF16);
    m.packed = buffer (b, m.n / 2, PT_DTYPE_U8);
    m.absmax = buffer (b, m.n / 64, PT_DTYPE_F32);
    g_snprintf (shape, sizeof shape, "n%zu -> BF16", m.n);
    ms = time_ms (b, run_nf4, &m);
    report (b, "nf4_dequantize", shape, ms, 0, m.n * 2.5 + m.n / 16.0);
    b->be->ops->free (b->be, m.x); b->be->ops->free (b->be, m.packed); b->be->ops->free (b->be, m.absmax);
  }
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *json_path = NULL;
  g_autofree char *device = NULL;
  gboolean quick = FALSE;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_FILENAME, &json_path, "Also write the results as JSON", "FILE" },
    { "quick", 0, 0, G_OPTION_ARG_NONE, &quick, "Small shapes (a smoke test)", NULL },
    { "device", 0, 0, G_OPTION_ARG_STRING, &device, "Device (cuda:0)", "ID" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— time the CUDA ops");
  Bench b = { 0 };
  int tokens, patches;
  g_autoptr(JsonNode) root = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bench-cuda-ops: %s\n", error->message);
      return 2;
    }
  if (pt_cuda_device_count () == 0)
    {
      printf ("SKIP: no CUDA device\n");
      return 77;
    }
  b.be = pt_cuda_backend_new_full (device ? device : "cuda:0", PT_DTYPE_BF16, &error);
  if (b.be == NULL)
    {
      g_printerr ("bench-cuda-ops: %s\n", error->message);
      return 1;
    }
  b.quick = quick;
  b.reps = quick ? 1 : 10;
  b.json = json_builder_new ();
  tokens = quick ? 2 * 17 : 16 * 272;
  patches = quick ? 2 * 16 : 16 * 256;
  printf ("device: %s (%.1f GiB)%s\n", b.be->device_name, b.be->total_memory / 1073741824.0,
          quick ? ", quick shapes" : "");
  json_builder_begin_object (b.json);
  json_builder_set_member_name (b.json, "device");
  json_builder_add_string_value (b.json, b.be->device_name);
  json_builder_set_member_name (b.json, "quick");
  json_builder_add_boolean_value (b.json, quick);
  json_builder_set_member_name (b.json, "results");
  json_builder_begin_array (b.json);

  bench_gemms (&b, tokens, patches);
  {
    int B = quick ? 2 : 16, T = quick ? 34 : 272;
    int32_t key_end[16], prefix_end[16];
    PtAttnMask mask = { NULL, key_end, prefix_end, 1, 0 };
    for (int i = 0; i < B; i++)
      {
        key_end[i] = T - (i % 4);           /* right padding */
        prefix_end[i] = T - 4 - (i % 4);    /* image + prompt, then the answer */
      }
    bench_attention (&b, "attention gemma", B, T, 8, 1, 256, &mask);
    bench_attention (&b, "attention siglip", B, quick ? 32 : 256, 16, 16, 72, NULL);
    /* the fallback path: the flash kernels (no score buffer) */
    {
      Bench flash = b;
      g_setenv ("PT_CUDA_ATTENTION", "flash", TRUE);
      flash.be = pt_cuda_backend_new_full (device ? device : "cuda:0", PT_DTYPE_BF16, &error);
      g_unsetenv ("PT_CUDA_ATTENTION");
      if (flash.be == NULL)
        {
          g_printerr ("bench-cuda-ops: %s\n", error->message);
          return 1;
        }
      bench_attention (&flash, "attention gemma flash", B, T, 8, 1, 256, &mask);
      bench_attention (&flash, "attention siglip flash", B, quick ? 32 : 256, 16, 16, 72, NULL);
      if (!flash.be->ops->check (flash.be, &error))
        {
          g_printerr ("bench-cuda-ops: %s\n", error->message);
          return 1;
        }
      pt_backend_free (flash.be);
    }
  }
  bench_memory_ops (&b, tokens);

  json_builder_end_array (b.json);
  json_builder_set_member_name (b.json, "peak_bytes");
  json_builder_add_int_value (b.json, (gint64) b.be->peak);
  json_builder_end_object (b.json);
  if (!b.be->ops->check (b.be, &error))
    {
      g_printerr ("bench-cuda-ops: %s\n", error->message);
      return 1;
    }
  root = json_builder_get_root (b.json);
  if (json_path != NULL)
    {
      g_autofree char *text = pt_json_to_string (root, TRUE);
      if (!g_file_set_contents (json_path, text, -1, &error))
        {
          g_printerr ("bench-cuda-ops: %s\n", error->message);
          return 1;
        }
    }
  g_object_unref (b.json);
  pt_backend_free (b.be);
  return 0;
}
