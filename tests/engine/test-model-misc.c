/* test-model-misc.c — what the model derives from config and settings alone
 * (trained-parameter counts on the real 3B configuration, memory estimates,
 * LoRA target matching, PEFT init), QLoRA against a dense dequantised base,
 * and the merged LoRA export weight.
 */
#include "config.h"

#include <math.h>            /* fabs, sqrt */
#include <string.h>          /* memcmp */

#include "model-fixture.h"
#include "pt-error.h"
#include "pt-model.h"
#include "pt-optim.h"
#include "pt-pipeline.h"         /* pt_pipeline_open_inference */
#include "pt-run.h"              /* pt_rmtree */
#include <unistd.h>              /* symlink */

/* paligemma-3b-pt-<res> (spec §1) */
static PtModelConfig *
config_3b (int image_size)
{
  PtModelConfig *c = g_new0 (PtModelConfig, 1);

  c->image_size = image_size;
  c->patch_size = 14;
  c->num_channels = 3;
  c->v_hidden = 1152;
  c->v_layers = 27;
  c->v_heads = 16;
  c->v_intermediate = 4304;
  c->v_layer_norm_eps = 1e-6;
  c->num_image_tokens = (image_size / 14) * (image_size / 14);
  c->projection_dim = 2048;
  c->t_hidden = 2048;
  c->t_layers = 18;
  c->t_heads = 8;
  c->t_kv_heads = 1;
  c->t_head_dim = 256;
  c->t_intermediate = 16384;
  c->vocab_size = 257216;
  c->t_rms_norm_eps = 1e-6;
  c->rope_theta = 10000;
  c->max_position_embeddings = 8192;
  c->image_token_index = 257152;
  c->pad_token_id = 0;
  c->eos_token_id = 1;
  c->bos_token_id = 2;
  c->tie_word_embeddings = TRUE;
  return c;
}

static void
test_count_3b (void)
{
  g_autoptr(PtModelConfig) c = config_3b (224);
  g_autoptr(PtTrainSettings) s = pt_train_settings_new ();
  g_autoptr(GError) error = NULL;
  PtMemoryEstimate est;

  /* the seed recipe: r = 8 on q,o,k,v,gate,up,down; SigLIP q/k/v match too (spec §5) */
  g_assert_cmpuint (pt_model_count_trainable (c, s), ==, 11298816);
  g_assert_true (pt_train_settings_set_targets (s, "text.q_proj,text.o_proj,text.k_proj,text.v_proj,"
                                                "text.gate_proj,text.up_proj,text.down_proj", &error));
  g_assert_cmpuint (pt_model_count_trainable (c, s), ==, 9805824);

  /* full fine-tune: decoder (embeddings once) + projector; then everything */
  s->mode = PT_MODE_FULL;
  s->train_decoder = TRUE;
  s->train_projector = TRUE;
  s->train_vision = FALSE;
  g_assert_cmpuint (pt_model_count_trainable (c, s), ==, G_GUINT64_CONSTANT (2508662784) + 2361344);
  s->train_vision = TRUE;
  g_assert_cmpuint (pt_model_count_trainable (c, s), ==, G_GUINT64_CONSTANT (2923466480));

  g_assert_true (pt_model_estimate_memory (c, NULL, 1, 300, PT_DTYPE_BF16, PT_DTYPE_F32, FALSE, &est, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (est.n_params, ==, G_GUINT64_CONSTANT (2923466480));
  g_assert_cmpuint (est.n_trainable, ==, 0);
}

static void
print_estimate (const char *what, const PtMemoryEstimate *e)
{
  g_test_message ("%-28s weights %7.2f GiB  trainable %7.3f  optimiser %7.3f  activations %7.2f  "
                  "scratch %6.2f  peak %7.2f GiB", what, e->weights / 1073741824.0, e->trainable / 1073741824.0,
                  e->optimizer / 1073741824.0, e->activations / 1073741824.0, e->scratch / 1073741824.0,
                  e->peak / 1073741824.0);
}

static void
test_memory_estimates (void)
{
  static const int sizes[] = { 224, 448, 896 };
  g_autoptr(GError) error = NULL;
  guint64 last_lora = 0, last_qlora = 0;
  const double GiB = 1073741824.0;

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autoptr(PtModelConfig) c = config_3b (sizes[i]);
      g_autoptr(PtTrainSettings) s = pt_train_settings_new ();
      PtMemoryEstimate lora, qlora, full, infer;
      int T = c->num_image_tokens + 32;
      char what[64];

      g_assert_true (pt_model_estimate_memory (c, s, 16, T, PT_DTYPE_BF16, PT_DTYPE_F32, TRUE, &lora, &error));
      s->mode = PT_MODE_QLORA;
      g_assert_true (pt_model_estimate_memory (c, s, 16, T, PT_DTYPE_BF16, PT_DTYPE_F32, TRUE, &qlora, &error));
      s->mode = PT_MODE_FULL;
      g_assert_true (pt_model_estimate_memory (c, s, 16, T, PT_DTYPE_BF16, PT_DTYPE_F32, TRUE, &full, &error));
      g_assert_true (pt_model_estimate_memory (c, NULL, 16, T, PT_DTYPE_BF16, PT_DTYPE_F32, FALSE, &infer, &error));
      g_assert_no_error (error);
      g_snprintf (what, sizeof what, "%d px LoRA bf16 16×%d", sizes[i], T);
      print_estimate (what, &lora);
      g_snprintf (what, sizeof what, "%d px QLoRA", sizes[i]);
      print_estimate (what, &qlora);
      g_snprintf (what, sizeof what, "%d px full (dec+proj)", sizes[i]);
      print_estimate (what, &full);
      g_snprintf (what, sizeof what, "%d px inference", sizes[i]);
      print_estimate (what, &infer);

      /* bf16 weights ≈ 2 bytes × 2.92 G parameters */
      g_assert_cmpfloat (lora.weights / GiB, >, 5.3);
      g_assert_cmpfloat (lora.weights / GiB, <, 5.8);
      /* LoRA: fp32 master + gradient, fp32 m + v of 11.3 M parameters */
      g_assert_cmpuint (lora.n_trainable, ==, 11298816);
      g_assert_cmpuint (lora.trainable, >=, 11298816ull * 8);
      g_assert_cmpuint (lora.trainable, <, 11298816ull * 8 + (64 << 20));
      g_assert_cmpuint (lora.optimizer, >=, 11298816ull * 8);
      g_assert_cmpuint (lora.optimizer, <, 11298816ull * 8 + (1 << 20));
      /* NF4: ~0.5 byte per quantised parameter + the bf16 embeddings (1 GiB) */
      g_assert_cmpfloat (qlora.weights / GiB, <, 2.6);
      g_assert_cmpfloat (qlora.weights / GiB, >, 1.5);
      /* full decoder + projector: fp32 master, grad, m, v (16 bytes / parameter) + bf16 copy */
      g_assert_cmpfloat (full.trainable / GiB, >, 2.51e9 * 8 / GiB);
      g_assert_cmpfloat (full.optimizer / GiB, >, 2.51e9 * 8 / GiB);
      /* inference keeps no activations */
      g_assert_cmpuint (infer.activations, ==, 0);
      g_assert_cmpuint (infer.trainable + infer.optimizer, ==, 0);
      /* more pixels, more memory */
      g_assert_cmpuint (lora.peak, >, last_lora);
      g_assert_cmpuint (qlora.peak, <, lora.peak);
      last_lora = lora.peak;
      last_qlora = qlora.peak;
    }
  g_assert_cmpuint (last_qlora, >, 0);
}

/* The estimate is what the backend then allocates. */
static void
test_estimate_is_allocation (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtBackend) be = fx_cpu (PT_DTYPE_F32);
  g_autoptr(PtModelConfig) config = fx_config ("gqa");
  g_autoptr(PtTrainSettings) s = pt_train_settings_new ();
  PtTrainMode modes[] = { PT_MODE_LORA, PT_MODE_QLORA, PT_MODE_FULL };

  s->lora_dropout = 0.1;
  s->train_vision = TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (modes); i++)
    for (int training = 0; training < 2; training++)
      {
        PtMemoryEstimate est, got;
        guint64 before = be->in_use;
        g_autoptr(PtModel) m = NULL;
        g_autoptr(PtOptimizer) opt = NULL;

        s->mode = modes[i];
        g_assert_true (pt_model_estimate_memory (config, s, 3, 40, PT_DTYPE_F32, PT_DTYPE_F32, training, &est,
                                                 &error));
        m = pt_model_new (be, config, s, 3, 40, training, &error);
        g_assert_no_error (error);
        pt_model_memory (m, &got);
        g_assert_cmpuint (got.peak, ==, est.peak);
        g_assert_cmpuint (be->in_use - before, ==, est.peak - est.optimizer);
        if (training)
          {
            opt = pt_optimizer_new (m, s, 10, &error);
            g_assert_no_error (error);
            g_assert_cmpuint (be->in_use - before, ==, est.peak);
          }
      }
}

static void
test_targets (void)
{
  gboolean v[6], t[7];
  g_autoptr(GError) error = NULL;
  const char *const seed[] = { "q_proj", "o_proj", "k_proj", "v_proj", "gate_proj", "up_proj", "down_proj", NULL };
  const char *const one[] = { "vision.fc1", "text.q_proj", "out_proj", NULL };
  const char *const bad[] = { "q_proj", "vision.o_proj", NULL };

  g_assert_true (pt_lora_match_targets (seed, v, t, &error));
  /* SigLIP q/k/v match the plain names, out_proj / fc1 / fc2 do not */
  g_assert_true (v[0] && v[1] && v[2] && !v[3] && !v[4] && !v[5]);
  for (int j = 0; j < 7; j++)
    g_assert_true (t[j]);
  g_assert_true (pt_lora_match_targets (one, v, t, &error));
  g_assert_true (!v[0] && !v[1] && !v[2] && v[3] && v[4] && !v[5]);
  g_assert_true (t[0] && !t[1] && !t[2] && !t[3] && !t[4] && !t[5] && !t[6]);
  g_assert_false (pt_lora_match_targets (bad, v, t, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
}

static void
test_lora_init (void)
{
  g_autoptr(PtBackend) be = fx_cpu (PT_DTYPE_F32);
  g_autoptr(PtModelConfig) config = fx_config ("gqa");
  g_autoptr(PtTrainSettings) s = pt_train_settings_new ();
  g_autoptr(PtModel) m1 = NULL, m2 = NULL;
  g_autoptr(GError) error = NULL;
  guint n_lora = 0;

  s->seed = 5;
  m1 = pt_model_new (be, config, s, 1, config->num_image_tokens + 4, TRUE, &error);
  g_assert_no_error (error);
  m2 = pt_model_new (be, config, s, 1, config->num_image_tokens + 4, TRUE, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < pt_model_n_trainables (m1); i++)
    {
      const PtTrainable *t = pt_model_get_trainable (m1, i);
      g_autofree float *a = g_new (float, t->numel);
      g_autofree float *b = g_new (float, t->numel);

      g_assert_true (g_str_has_prefix (t->name, "base_model.model.model."));
      g_assert_true (pt_model_get_tensor (m1, t->name, a, t->numel, &error));
      g_assert_true (pt_model_get_tensor (m2, t->name, b, t->numel, &error));
      g_assert_true (memcmp (a, b, t->numel * sizeof (float)) == 0);   /* the seed decides */
      if (g_str_has_suffix (t->name, ".lora_B.weight"))
        for (size_t j = 0; j < t->numel; j++)
          g_assert_cmpfloat (a[j], ==, 0);
      else
        {
          double bound = 1.0 / sqrt ((double) t->shape[1]), sum = 0, sq = 0;
          for (size_t j = 0; j < t->numel; j++)
            {
              g_assert_cmpfloat (fabs (a[j]), <=, bound);
              sum += a[j];
              sq += (double) a[j] * a[j];
            }
          n_lora++;
          /* U(-b, b): mean 0, variance b²/3 (loose: small tensors) */
          g_assert_cmpfloat (fabs (sum / t->numel), <, 0.35 * bound);
          g_assert_cmpfloat (sq / t->numel, >, 0.15 * bound * bound);
          g_assert_cmpfloat (sq / t->numel, <, 0.55 * bound * bound);
        }
    }
  g_assert_cmpuint (n_lora, >, 0);
  /* another seed, other values */
  pt_model_init_lora (m2, 6);
  {
    const PtTrainable *t = pt_model_get_trainable (m1, 0);
    g_autofree float *a = g_new (float, t->numel);
    g_autofree float *b = g_new (float, t->numel);
    g_assert_true (pt_model_get_tensor (m1, t->name, a, t->numel, &error));
    g_assert_true (pt_model_get_tensor (m2, t->name, b, t->numel, &error));
    g_assert_false (memcmp (a, b, t->numel * sizeof (float)) == 0);
  }
}

/* Copies every tensor the destination has from src (get → set, or the
 * merged weight when merged). */
static void
copy_tensors (PtModel *dst, PtModel *src, gboolean merged)
{
  for (guint i = 0; i < pt_model_n_tensors (dst); i++)
    {
      int ndim;
      int64_t shape[4], n = 1;
      const char *name = pt_model_tensor_name (dst, i, &ndim, shape);
      g_autofree float *d = NULL;
      g_autoptr(GError) error = NULL;

      for (int k = 0; k < ndim; k++)
        n *= shape[k];
      d = g_new (float, n);
      if (merged)
        g_assert_true (pt_model_merged_weight (src, name, d, n, &error));
      else
        g_assert_true (pt_model_get_tensor (src, name, d, n, &error));
      g_assert_no_error (error);
      g_assert_true (pt_model_set_tensor (dst, name, d, ndim, shape, &error));
      g_assert_no_error (error);
    }
}

static float *
logits_of (PtModel *model, const PtBatch *batch, size_t *n)
{
  g_autoptr(GError) error = NULL;
  PtLossResult res;
  float *logits;

  *n = (size_t) pt_batch_count_targets (batch) * pt_model_get_config (model)->vocab_size;
  logits = g_new (float, *n);
  g_assert_true (pt_model_forward_loss (model, batch, FALSE, &res, logits, &error));
  g_assert_no_error (error);
  return logits;
}

static void
test_qlora_dense (void)
{
  g_autoptr(PtBackend) be = fx_cpu (PT_DTYPE_F32);
  g_autoptr(PtModelConfig) config = fx_config ("gqa");
  g_autoptr(PtBatch) batch = fx_batch ("gqa");
  g_autoptr(PtTrainSettings) s = pt_train_settings_new ();
  g_autoptr(PtModel) q = NULL, d = NULL, plain = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree float *lq = NULL, *ld = NULL, *lp = NULL;
  size_t n;
  double e_dense, e_plain;

  s->mode = PT_MODE_QLORA;
  s->lora_rank = 4;
  q = pt_model_new (be, config, s, batch->B, batch->T, FALSE, &error);
  g_assert_no_error (error);
  fx_load_base (q, "gqa");
  fx_random_lora_b (q, 3, -0.5, 0.5);   /* so the adapters matter */
  s->mode = PT_MODE_LORA;
  d = pt_model_new (be, config, s, batch->B, batch->T, FALSE, &error);
  g_assert_no_error (error);
  copy_tensors (d, q, FALSE);       /* the dequantised base as dense weights, same adapters */
  plain = pt_model_new (be, config, s, batch->B, batch->T, FALSE, &error);
  copy_tensors (plain, q, FALSE);
  fx_load_base (plain, "gqa");      /* the unquantised base, same adapters */

  /* NF4 of a Gaussian-like matrix: ~10 % RMS error */
  {
    const char *name = "language_model.model.layers.1.mlp.up_proj.weight";
    size_t nw = (size_t) config->t_intermediate * config->t_hidden;
    g_autofree float *w = g_new (float, nw);
    g_autofree float *wq = g_new (float, nw);
    double se = 0, s2 = 0;
    g_assert_true (pt_model_get_tensor (plain, name, w, nw, &error));
    g_assert_true (pt_model_get_tensor (q, name, wq, nw, &error));
    for (size_t i = 0; i < nw; i++)
      {
        se += ((double) wq[i] - w[i]) * ((double) wq[i] - w[i]);
        s2 += (double) w[i] * w[i];
      }
    g_test_message ("NF4 relative RMS error of %s: %.3f", name, sqrt (se / s2));
    g_assert_cmpfloat (sqrt (se / s2), >, 0.03);
    g_assert_cmpfloat (sqrt (se / s2), <, 0.2);
  }

  lq = logits_of (q, batch, &n);
  ld = logits_of (d, batch, &n);
  lp = logits_of (plain, batch, &n);
  e_dense = fx_rel_err (lq, ld, n);
  e_plain = fx_rel_err (lq, lp, n);
  g_test_message ("QLoRA vs dense dequantised base: %.2e; vs the unquantised base: %.2e", e_dense, e_plain);
  g_assert_cmpfloat (e_dense, <=, 1e-6);
  /* NF4 is lossy */
  g_assert_cmpfloat (e_plain, >, 1e-4);
}

static void
test_merge (void)
{
  g_autoptr(PtBackend) be = fx_cpu (PT_DTYPE_F32);
  g_autoptr(PtModelConfig) config = fx_config ("mqa");
  g_autoptr(PtBatch) batch = fx_batch ("mqa");
  g_autoptr(PtTrainSettings) s = pt_train_settings_new ();
  g_autoptr(PtModel) lora = NULL, merged = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree float *a = NULL, *b = NULL;
  size_t n;
  double e;

  g_assert_true (pt_train_settings_set_targets (s, "q_proj,v_proj,out_proj,fc2,o_proj,down_proj", &error));
  s->use_rslora = TRUE;
  s->lora_rank = 4;
  s->lora_alpha = 6;
  lora = pt_model_new (be, config, s, batch->B, batch->T, FALSE, &error);
  g_assert_no_error (error);
  fx_load_base (lora, "mqa");
  fx_random_lora_b (lora, 8, -0.5, 0.5);
  merged = pt_model_new (be, config, NULL, batch->B, batch->T, FALSE, &error);
  g_assert_no_error (error);
  copy_tensors (merged, lora, TRUE);
  a = logits_of (lora, batch, &n);
  b = logits_of (merged, batch, &n);
  e = fx_rel_err (b, a, n);
  g_test_message ("merged weights vs LoRA: logits rel %.2e", e);
  g_assert_cmpfloat (e, <=, 1e-5);
}

static void
test_bad_settings (void)
{
  g_autoptr(PtModelConfig) config = fx_config ("mqa");
  g_autoptr(PtTrainSettings) s = pt_train_settings_new ();
  g_autoptr(PtBackend) be = fx_cpu (PT_DTYPE_F32);
  g_autoptr(PtModel) m = NULL;
  g_autoptr(GError) error = NULL;
  int64_t shape[2] = { 3, 3 };
  float junk[9] = { 0 };

  m = pt_model_new (be, config, s, 0, 100, TRUE, &error);
  g_assert_null (m);
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  m = pt_model_new (be, config, s, 2, config->num_image_tokens, TRUE, &error);
  g_assert_null (m);
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  m = pt_model_new (be, config, s, 2, 40, TRUE, &error);
  g_assert_no_error (error);
  g_assert_false (pt_model_set_tensor (m, "language_model.model.norm.weight", junk, 2, shape, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  g_assert_false (pt_model_set_tensor (m, "no.such.tensor", junk, 2, shape, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  /* another model's folder */
  {
    g_autofree char *other = fx_path ("gqa", NULL);
    g_assert_false (pt_model_load_base (m, other, &error));
    g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
    g_test_message ("%s", error->message);
    g_clear_error (&error);
    g_assert_false (pt_model_load_adapter (m, other, &error));
    g_assert_nonnull (error);
    g_test_message ("%s", error->message);
    g_clear_error (&error);
  }
  /* older PEFT layouts find the same tensor */
  {
    int64_t ashape[2] = { 8, config->t_hidden };
    g_autofree float *zeros = g_new0 (float, 8 * config->t_hidden);
    g_assert_true (pt_model_set_tensor (m, "base_model.model.language_model.model.layers.0.self_attn.q_proj.lora_A.weight",
                                        zeros, 2, ashape, &error));
    g_assert_no_error (error);
  }
}

/* A folder whose config.json does not describe its weights (the export
 * fixtures' PaliGemma 2 weights and tokenizer under their PaliGemma
 * config) is refused from the tensors' headers, before a model is
 * allocated: quickly, naming the tensor. */
static void
test_config_mismatch (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("pt-mismatch-XXXXXX", &error);
  g_autofree char *src = g_test_build_filename (G_TEST_DIST, "fixtures", "export-g2", "model", NULL);
  g_autofree char *cfg = g_test_build_filename (G_TEST_DIST, "fixtures", "export", "model", "config.json", NULL);
  g_autoptr(GDir) d = g_dir_open (src, 0, NULL);
  g_autoptr(PtPipeline) pipe = NULL;
  const char *name;
  gint64 t0;

  g_assert_no_error (error);
  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_prefix (name, "model") || g_str_equal (name, "tokenizer.model"))
      {
        g_autofree char *from = g_build_filename (src, name, NULL);
        g_autofree char *to = g_build_filename (dir, name, NULL);
        g_assert_cmpint (symlink (from, to), ==, 0);
      }
  {
    g_autofree char *to = g_build_filename (dir, "config.json", NULL);
    g_assert_cmpint (symlink (cfg, to), ==, 0);
  }
  t0 = g_get_monotonic_time ();
  pipe = pt_pipeline_open_inference (dir, NULL, NULL, NULL, "cpu", 1, 16, &error);
  g_test_message ("refused in %.3f s: %s", (g_get_monotonic_time () - t0) / 1e6,
                  error != NULL ? error->message : "(accepted)");
  g_assert_null (pipe);
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "does not match its config.json"));
  g_assert_cmpint (g_get_monotonic_time () - t0, <, G_USEC_PER_SEC);
  pt_rmtree (dir, NULL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/model/count-3b", test_count_3b);
  g_test_add_func ("/engine/model/memory-estimates", test_memory_estimates);
  g_test_add_func ("/engine/model/estimate-is-allocation", test_estimate_is_allocation);
  g_test_add_func ("/engine/model/targets", test_targets);
  g_test_add_func ("/engine/model/lora-init", test_lora_init);
  g_test_add_func ("/engine/model/qlora-dense", test_qlora_dense);
  g_test_add_func ("/engine/model/merge", test_merge);
  g_test_add_func ("/engine/model/bad-settings", test_bad_settings);
  g_test_add_func ("/engine/model/config-mismatch", test_config_mismatch);
  return g_test_run ();
}
