/* test-model-bf16.c — the model on the BF16 CPU backend (act BF16, acc F32,
 * BF16 weights) against the same fixtures the F32 path holds to 1e-4
 * (tests/fixtures/model, HF transformers in F32):
 *   /engine/model-bf16/hf/…     loss within 1e-2 relative, logits and
 *                               gradients within BF16's reach
 *   /engine/model-bf16/train/…  10 AdamW steps: every loss within 1e-2
 *   /engine/model-bf16/generate/… greedy tokens against HF f32 and HF bf16:
 *                               at least as many of the F32 answers as HF's
 *                               own BF16 keeps
 * Each hf case runs the F32 path beside it (held to its 1e-4) and prints
 * both.
 */
#include "config.h"

#include <math.h>           /* fabs, sqrt */

#include "model-fixture.h"
#include "pt-generate.h"    /* pt_generate_greedy */
#include "pt-init.h"        /* pt_model_init_random_full */
#include "pt-run.h"         /* pt_rmtree */
#include "pt-optim.h"       /* pt_optimizer_new, pt_optimizer_step */

static const char *const configs[] = { "mqa", "gqa" };

static double
rel (double got, double ref)
{
  return fabs (got - ref) / MAX (fabs (ref), 1e-30);
}

/* loss of one forward+backward of a fixture case on a dtype backend, its
 * logits' error against the fixture, and the largest gradient error */
static double
run_case (const char *cfg, const char *name, PtDType dtype, double *e_logits, double *e_grad)
{
  g_autoptr(PtBackend) be = fx_cpu (dtype);
  g_autoptr(PtModelConfig) config = fx_config (cfg);
  g_autoptr(PtBatch) batch = fx_batch (cfg);
  g_autoptr(PtSafetensors) st = fx_case (cfg, name);
  g_autoptr(JsonObject) meta = fx_meta (st);
  g_autoptr(PtTrainSettings) s = fx_settings (meta);
  g_autoptr(PtModel) model = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree float *ref_logits = NULL;
  g_autofree float *logits = NULL;
  PtLossResult res = { 0 };
  size_t n_logits = 0;
  int M = pt_batch_count_targets (batch);
  double loss;

  g_assert_cmpint (be->act_dtype, ==, dtype);
  model = pt_model_new (be, config, s, batch->B, batch->T, TRUE, &error);
  g_assert_no_error (error);
  fx_load_base (model, cfg);
  fx_load_init (model, st);
  pt_model_zero_grads (model);
  g_assert_true (pt_model_forward_backward (model, batch, 1.0 / M, &res, &error));
  g_assert_no_error (error);
  loss = res.loss_sum / M;

  /* ‖got - ref‖ / ‖ref‖ over all the gradients: BF16's noise is
   * relative to the gradients' size, not to each element's */
  {
    double diff = 0, norm = 0;
    for (guint i = 0; i < pt_model_n_trainables (model); i++)
      {
        const PtTrainable *t = pt_model_get_trainable (model, i);
        g_autofree char *key = g_strconcat ("grad.", t->name, NULL);
        g_autofree float *ref = fx_tensor (st, key, NULL);
        /* gradients of trainables are acc (F32) on every backend */
        g_autofree float *got = fx_download (be, t->grad, be->acc_dtype, t->numel);
        for (size_t j = 0; j < t->numel; j++)
          {
            diff += ((double) got[j] - ref[j]) * ((double) got[j] - ref[j]);
            norm += (double) ref[j] * ref[j];
          }
      }
    *e_grad = sqrt (diff / MAX (norm, 1e-300));
  }

  ref_logits = fx_tensor (st, "logits", &n_logits);
  logits = g_new (float, n_logits);
  g_assert_true (pt_model_forward_loss (model, batch, FALSE, &res, logits, &error));
  g_assert_no_error (error);
  *e_logits = fx_rel_err (logits, ref_logits, n_logits);
  return loss;
}

static void
test_case (gconstpointer data)
{
  g_auto(GStrv) parts = g_strsplit (data, "/", 2);
  g_autoptr(PtSafetensors) st = fx_case (parts[0], parts[1]);
  g_autofree float *ref_loss = fx_tensor (st, "loss", NULL);
  double l32, l16, el32, el16, eg32, eg16;

  l32 = run_case (parts[0], parts[1], PT_DTYPE_F32, &el32, &eg32);
  l16 = run_case (parts[0], parts[1], PT_DTYPE_BF16, &el16, &eg16);
  g_test_message ("%s: loss HF %.6f, f32 %.6f (rel %.1e), bf16 %.6f (rel %.1e); logits rel f32 "
                  "%.1e bf16 %.1e; gradients rel f32 %.1e bf16 %.1e", (const char *) data,
                  ref_loss[0], l32, rel (l32, ref_loss[0]), l16, rel (l16, ref_loss[0]),
                  el32, el16, eg32, eg16);
  g_assert_cmpfloat (rel (l32, ref_loss[0]), <=, 1e-4);   /* the exact path stays exact */
  g_assert_cmpfloat (rel (l16, ref_loss[0]), <=, 1e-2);
  g_assert_cmpfloat (rel (l16, l32), <=, 1e-2);
  /* BF16 keeps 8 bits: activations round at 4e-3 relative, and a dozen
   * roundings deep the logits (largest error over the largest logit) and
   * the gradients (as a whole) move by a few percent, up to 14 % for the
   * rank-stabilised LoRA on every SigLIP and Gemma Linear of gqa (the
   * transformers 5.23 fixtures) */
  g_assert_cmpfloat (el16, <=, 1e-1);
  g_assert_cmpfloat (eg16, <=, 2e-1);
  g_assert_cmpfloat (eg32, <=, 1e-4);
  /* and BF16 is measurably not the F32 path (the test sees the dtype) */
  g_assert_cmpfloat (el16, >, el32);
}

static void
test_train (gconstpointer data)
{
  g_auto(GStrv) parts = g_strsplit (data, "/", 2);
  const char *cfg = parts[0], *name = parts[1];
  g_autoptr(PtBackend) be = fx_cpu (PT_DTYPE_BF16);
  g_autoptr(PtModelConfig) config = fx_config (cfg);
  g_autoptr(PtBatch) batch = fx_batch (cfg);
  g_autoptr(PtSafetensors) st = fx_case (cfg, name);
  g_autoptr(JsonObject) meta = fx_meta (st);
  g_autoptr(PtTrainSettings) s = fx_settings (meta);
  g_autoptr(PtModel) model = NULL;
  g_autoptr(PtOptimizer) opt = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree float *losses = fx_tensor (st, "losses", NULL);
  int steps = json_object_get_int_member (meta, "steps");
  int M = pt_batch_count_targets (batch);
  double e_loss = 0;

  model = pt_model_new (be, config, s, batch->B, batch->T, TRUE, &error);
  g_assert_no_error (error);
  fx_load_base (model, cfg);
  fx_load_init (model, st);
  opt = pt_optimizer_new (model, s, steps, &error);
  g_assert_no_error (error);
  for (int k = 0; k < steps; k++)
    {
      PtLossResult res;
      PtStepInfo info;

      pt_model_zero_grads (model);
      g_assert_true (pt_model_forward_backward (model, batch, 1.0 / M, &res, &error));
      g_assert_no_error (error);
      g_assert_true (pt_optimizer_step (opt, &info, &error));
      g_assert_no_error (error);
      e_loss = MAX (e_loss, rel (res.loss_sum / M, losses[k]));
    }
  g_test_message ("%s/%s: bf16 10-step losses rel %.2e (HF f32)", cfg, name, e_loss);
  g_assert_cmpfloat (e_loss, <=, 1e-2);
}

/* Tokens of got that agree with ref, row by row up to the first
 * disagreement (after it the sequences continue from different prefixes),
 * over the reference's tokens (up to its <eos>). */
static void
agreement (const int32_t *got, const int32_t *ref, int B, int *agree, int *total)
{
  for (int b = 0; b < B; b++)
    {
      gboolean same = TRUE;
      for (int k = 0; k < 8 && ref[b * 8 + k] != -1; k++)
        {
          same = same && got[b * 8 + k] == ref[b * 8 + k];
          *agree += same;
          (*total)++;
        }
    }
}

/* summed over the generation cases, checked by the last test */
static int gen_pt_f32, gen_hf16_f32, gen_pt_hf16, gen_total, gen_total16;

/* Greedy answers of the BF16 path on the generation fixtures against HF's
 * in F32 (output_ids) and in BF16 (<case>_bf16.safetensors,
 * tools/make-bf16-gen-fixtures.py). The fixture models are tiny and random:
 * their logits are close together, so any BF16 rounding flips tokens (HF's
 * own BF16 keeps about half of its F32 answers); what is checked is that
 * PaliTune's BF16 stays as close to the exact answers as HF's BF16 does. */
static void
test_generate (gconstpointer data)
{
  g_auto(GStrv) parts = g_strsplit (data, "/", 2);
  const char *cfg = parts[0], *name = parts[1];
  g_autoptr(PtBackend) be = fx_cpu (PT_DTYPE_BF16);
  g_autoptr(PtModelConfig) config = fx_config (cfg);
  g_autoptr(PtSafetensors) st = fx_case (cfg, name);
  g_autofree char *name16 = g_strconcat (name, "_bf16", NULL);
  g_autoptr(PtSafetensors) st16 = fx_case (cfg, name16);
  g_autoptr(PtTrainSettings) s = NULL;
  g_autoptr(PtModel) model = NULL;
  g_autoptr(GError) error = NULL;
  const PtStTensor *t = pt_safetensors_find (st, "input_ids");
  int B = (int) t->shape[0], T = (int) t->shape[1];
  g_autofree int32_t *ids = fx_tensor_i32 (st, "input_ids", NULL);
  g_autofree int32_t *mask = fx_tensor_i32 (st, "attention_mask", NULL);
  g_autofree float *pixels = fx_tensor (st, "pixel_values", NULL);
  g_autofree int32_t *ref = fx_tensor_i32 (st, "output_ids", NULL);
  g_autofree int32_t *ref16 = fx_tensor_i32 (st16, "output_ids", NULL);
  const int32_t *prompts[PT_MAX_BATCH];
  int lens[PT_MAX_BATCH], out_len[PT_MAX_BATCH];
  int pt_f32 = 0, hf16_f32 = 0, pt_hf16 = 0, n = 0, n16 = 0, dummy = 0;
  g_autofree int32_t *out = g_new (int32_t, (size_t) B * 8);
  PtGenerateInput in = { 0 };

  if (g_str_has_prefix (name, "gen_lora"))
    {
      s = pt_train_settings_new ();   /* the seed targets, as test-model.c */
      s->lora_rank = 4;
      s->lora_alpha = 8;
    }
  model = pt_model_new (be, config, s, B, T, FALSE, &error);
  g_assert_no_error (error);
  fx_load_base (model, cfg);
  if (s != NULL)
    fx_load_init (model, st);
  for (int b = 0; b < B; b++)
    {
      int first = 0, len = 0;
      while (mask[b * T + first] == 0)
        first++;
      for (int k = 0; k < T; k++)
        len += mask[b * T + k];
      prompts[b] = ids + b * T + first;
      lens[b] = len;
    }
  in.B = B;
  in.prompts = prompts;
  in.prompt_len = lens;
  in.pixels = pixels;
  g_assert_true (pt_generate_greedy (model, &in, 8, -1, out, out_len, &error));
  g_assert_no_error (error);
  /* HF stops at <eos>; PaliTune was asked for 8 tokens without a stop:
   * only the reference's tokens count */
  agreement (out, ref, B, &pt_f32, &n);
  agreement (ref16, ref, B, &hf16_f32, &dummy);
  agreement (out, ref16, B, &pt_hf16, &n16);
  g_test_message ("%s/%s greedy tokens: PaliTune bf16 as HF f32 %d/%d, HF bf16 as HF f32 %d/%d, "
                  "PaliTune bf16 as HF bf16 %d/%d", cfg, name, pt_f32, n, hf16_f32, n, pt_hf16, n16);
  gen_pt_f32 += pt_f32;
  gen_hf16_f32 += hf16_f32;
  gen_pt_hf16 += pt_hf16;
  gen_total += n;
  gen_total16 += n16;
}

static void
test_generate_summary (void)
{
  g_test_message ("all cases: PaliTune bf16 as HF f32 %d/%d, HF bf16 as HF f32 %d/%d, "
                  "PaliTune bf16 as HF bf16 %d/%d", gen_pt_f32, gen_total, gen_hf16_f32, gen_total,
                  gen_pt_hf16, gen_total16);
  g_assert_cmpint (gen_total, >, 0);
  g_assert_cmpint (gen_pt_f32, >=, gen_hf16_f32);
}

/* init-model --dtype bf16 --max-shard-size: the hub's layout (shards and
 * an index), and the model it writes is the F32 one rounded: the same
 * forward loss on a synthetic batch within BF16's reach. */
static double
init_and_loss (const char *dir, gboolean bf16, guint64 shard)
{
  g_autofree char *path = g_build_filename (SOURCE_DATADIR, "demo", "config.json", NULL);
  g_autoptr(PtModelConfig) config = pt_model_config_load (path, NULL);
  g_autoptr(PtBackend) be = fx_cpu (PT_DTYPE_F32);
  g_autoptr(PtBatch) batch = NULL;
  g_autoptr(PtModel) model = NULL;
  g_autoptr(GError) error = NULL;
  PtLossResult res;

  g_assert_nonnull (config);
  g_assert_true (pt_model_init_random_full (config, 5, NULL, dir, bf16, shard, &error));
  g_assert_no_error (error);
  batch = pt_batch_new_synthetic (config, 2, 6, 2, 1);
  model = pt_model_new (be, config, NULL, batch->B, batch->T, FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (pt_model_load_base (model, dir, &error));
  g_assert_no_error (error);
  g_assert_true (pt_model_forward_loss (model, batch, FALSE, &res, NULL, &error));
  g_assert_no_error (error);
  return res.loss_sum / res.n_tokens;
}

static void
test_init_bf16_shards (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("pt-init-bf16-XXXXXX", &error);
  g_autofree char *f32_dir = g_build_filename (tmp, "f32", NULL);
  g_autofree char *bf16_dir = g_build_filename (tmp, "bf16", NULL);
  g_autofree char *index = g_build_filename (bf16_dir, "model.safetensors.index.json", NULL);
  g_autofree char *third = g_build_filename (bf16_dir, "model-00003-of-00003.safetensors", NULL);
  double l32, l16;

  g_assert_no_error (error);
  l32 = init_and_loss (f32_dir, FALSE, 0);
  l16 = init_and_loss (bf16_dir, TRUE, 3u << 20);
  g_test_message ("demo config, seed 5: loss with f32 weights %.6f, with bf16 weights %.6f", l32, l16);
  g_assert_true (g_file_test (index, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (third, G_FILE_TEST_EXISTS));
  g_assert_cmpfloat (fabs (l16 - l32), <=, 1e-2 * fabs (l32));
  g_assert_cmpfloat (l16, !=, l32);   /* the weights were rounded */
  pt_rmtree (tmp, NULL);
}

int
main (int argc, char **argv)
{
  static const char *const grad_cases[] = {
    "lora_seed", "lora_all_rs", "lora_text", "full_dec_proj", "full_vision", "full_all" };
  static const char *const train_cases[] = { "train_lora", "train_full" };
  static const char *const gen_cases[] = { "gen_single", "gen_batched", "gen_lora_batched" };

  g_test_init (&argc, &argv, NULL);
  for (guint c = 0; c < G_N_ELEMENTS (configs); c++)
    {
      for (guint i = 0; i < G_N_ELEMENTS (grad_cases); i++)
        {
          char *id = g_strdup_printf ("%s/%s", configs[c], grad_cases[i]);
          char *path = g_strdup_printf ("/engine/model-bf16/hf/%s", id);
          g_test_add_data_func_full (path, id, test_case, g_free);
          g_free (path);
        }
      for (guint i = 0; i < G_N_ELEMENTS (train_cases); i++)
        {
          char *id = g_strdup_printf ("%s/%s", configs[c], train_cases[i]);
          char *path = g_strdup_printf ("/engine/model-bf16/train/%s", id);
          g_test_add_data_func_full (path, id, test_train, g_free);
          g_free (path);
        }
      for (guint i = 0; i < G_N_ELEMENTS (gen_cases); i++)
        {
          char *id = g_strdup_printf ("%s/%s", configs[c], gen_cases[i]);
          char *path = g_strdup_printf ("/engine/model-bf16/generate/%s", id);
          g_test_add_data_func_full (path, id, test_generate, g_free);
          g_free (path);
        }
    }
  /* after every generation case: GLib runs a suite's subsuites in the order added */
  g_test_add_func ("/engine/model-bf16/generate/total/agreement", test_generate_summary);
  g_test_add_func ("/engine/model-bf16/init-model", test_init_bf16_shards);
  return g_test_run ();
}
