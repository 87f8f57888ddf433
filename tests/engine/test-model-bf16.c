/* test-model-bf16.c — the model on the BF16 CPU backend (act BF16, acc F32,
 * BF16 weights) against the same fixtures the F32 path holds to 1e-4
 * (tests/fixtures/model, HF transformers in F32):
 *   /engine/model-bf16/hf/…     loss within 1e-2 relative, logits and
 *                               gradients within BF16's reach
 *   /engine/model-bf16/train/…  10 AdamW steps: every loss within 1e-2
 * Each hf case runs the F32 path beside it (held to its 1e-4) and prints
 * both.
 */
#include "config.h"

#include <math.h>           /* fabs, sqrt */

#include "model-fixture.h"
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
   * the gradients (as a whole) move by a few percent */
  g_assert_cmpfloat (el16, <=, 1e-1);
  g_assert_cmpfloat (eg16, <=, 1e-1);
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

int
main (int argc, char **argv)
{
  static const char *const grad_cases[] = {
    "lora_seed", "lora_all_rs", "lora_text", "full_dec_proj", "full_vision", "full_all" };
  static const char *const train_cases[] = { "train_lora", "train_full" };

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
    }
  return g_test_run ();
}
