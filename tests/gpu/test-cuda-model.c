/* test-cuda-model.c — the PaliGemma model (pt-model.c) on the CUDA backend
 * against the CPU backend: a tiny config with every code path (SigLIP, the
 * projector, Gemma MQA, the prefix-LM mask, right padding, LoRA dropout),
 * one forward/backward and two AdamW steps in LoRA, QLoRA and full
 * fine-tune mode; losses and every trained gradient compared. CUDA in F32
 * (tight) and BF16 (the bounds of bf16 activations through 4 layers).
 * Exit 77 (skipped) without a CUDA device.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>

#include "cuda-model-util.h"
#include "pt-backend.h"
#include "pt-cuda.h"
#include "pt-optim.h"

typedef struct {
  const char *name;
  PtTrainMode mode;
  gboolean    train_vision;
  PtDType     act;
  double      loss_tol;     /* relative */
  double      grad_nmse;    /* NMSE over all trained gradients */
  gboolean    gemma2;       /* the PaliGemma 2 decoder: softcaps, sliding window, query scale */
} ModelCase;

static const ModelCase cases[] = {
  { "f32/lora", PT_MODE_LORA, FALSE, PT_DTYPE_F32, 1e-5, 1e-8 },
  { "f32/qlora", PT_MODE_QLORA, FALSE, PT_DTYPE_F32, 1e-5, 1e-8 },
  { "f32/full", PT_MODE_FULL, FALSE, PT_DTYPE_F32, 1e-5, 1e-8 },
  { "f32/full-vision", PT_MODE_FULL, TRUE, PT_DTYPE_F32, 1e-5, 1e-8 },
  { "bf16/lora", PT_MODE_LORA, FALSE, PT_DTYPE_BF16, 1e-2, 2e-3 },
  { "bf16/qlora", PT_MODE_QLORA, FALSE, PT_DTYPE_BF16, 1e-2, 2e-3 },
  { "bf16/full", PT_MODE_FULL, FALSE, PT_DTYPE_BF16, 1e-2, 2e-3 },
  { "f32/gemma2-lora", PT_MODE_LORA, FALSE, PT_DTYPE_F32, 1e-5, 1e-8, TRUE },
  { "f32/gemma2-full", PT_MODE_FULL, FALSE, PT_DTYPE_F32, 1e-5, 1e-8, TRUE },
  { "bf16/gemma2-lora", PT_MODE_LORA, FALSE, PT_DTYPE_BF16, 1e-2, 2e-3, TRUE },
};

typedef struct {
  PtBackend   *be;
  PtModel     *model;
  PtOptimizer *opt;
} Side;

static void
side_init (Side *s, PtBackend *be, const PtModelConfig *config, const PtTrainSettings *settings,
           const PtBatch *batch)
{
  g_autoptr(GError) error = NULL;

  s->be = be;
  s->model = pt_model_new (be, config, settings, batch->B, batch->T, TRUE, &error);
  g_assert_no_error (error);
  g_assert_true (pt_test_random_weights (s->model, 7, &error));
  g_assert_no_error (error);
  s->opt = pt_optimizer_new (s->model, settings, 10, &error);
  g_assert_no_error (error);
}

static void
side_clear (Side *s)
{
  pt_optimizer_free (s->opt);
  pt_model_free (s->model);
  pt_backend_free (s->be);
}

/* every trained gradient, concatenated, as float */
static float *
all_grads (Side *s, size_t *n_out)
{
  size_t n = 0, at = 0;
  float *out;

  for (guint i = 0; i < pt_model_n_trainables (s->model); i++)
    n += pt_model_get_trainable (s->model, i)->numel;
  out = g_new (float, n + 1);
  for (guint i = 0; i < pt_model_n_trainables (s->model); i++)
    {
      const PtTrainable *t = pt_model_get_trainable (s->model, i);
      g_assert_cmpint (s->be->acc_dtype, ==, PT_DTYPE_F32);
      s->be->ops->download (s->be, out + at, t->grad, t->numel * sizeof (float));
      at += t->numel;
    }
  *n_out = n;
  return out;
}

static void
expect_loss (const char *what, double got, double want, double tol)
{
  double rel = fabs (got - want) / MAX (fabs (want), 1e-12);
  g_test_message ("%s: loss %.8f vs CPU %.8f (relative %.3g, bound %.3g)", what, got, want, rel, tol);
  if (!(rel <= tol))
    {
      g_printerr ("FAIL %s: loss %.8f, the CPU's %.8f (relative %.3g > %.3g)\n", what, got, want,
                  rel, tol);
      g_test_fail ();
    }
}

static void
test_case (gconstpointer data)
{
  const ModelCase *mc = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(PtModelConfig) config = pt_test_tiny_config ();
  g_autoptr(PtTrainSettings) settings = pt_train_settings_new ();
  g_autoptr(PtBatch) batch = NULL;
  Side cpu, gpu;
  PtLossResult rc, rg;

  if (mc->gemma2)
    {
      /* Gemma 2: a window of 6 keys (shorter than the 16 image tokens +
       * prompt) on layer 0, softcaps that bend, GQA 4:2 */
      config->family = PT_FAMILY_PALIGEMMA2;
      config->t_kv_heads = 2;
      config->query_pre_attn_scalar = 24;
      config->attn_logit_softcap = 3.0;
      config->final_logit_softcap = 5.0;
      config->sliding_window = 6;
      config->sliding_layers[0] = 1;
    }
  batch = pt_test_synthetic_batch (config, 3, 11);

  settings->mode = mc->mode;
  settings->lora_dropout = 0.1;
  settings->train_vision = mc->train_vision;
  settings->train_projector = TRUE;
  settings->train_decoder = TRUE;
  settings->learning_rate = 1e-3;
  side_init (&cpu, pt_cpu_backend_new (PT_DTYPE_F32, 0, &error), config, settings, batch);
  g_assert_no_error (error);
  side_init (&gpu, pt_cuda_backend_new_full ("cuda:0", mc->act, &error), config, settings, batch);
  g_assert_no_error (error);
  g_assert_cmpuint (pt_model_n_trainable_params (cpu.model), ==, pt_model_n_trainable_params (gpu.model));

  for (int step = 0; step < 3; step++)
    {
      g_autofree char *what = g_strdup_printf ("%s step %d", mc->name, step);
      PtStepInfo info;

      pt_model_zero_grads (cpu.model);
      pt_model_zero_grads (gpu.model);
      g_assert_true (pt_model_forward_backward (cpu.model, batch, 1.0 / batch->n_label_tokens, &rc, &error));
      g_assert_no_error (error);
      g_assert_true (pt_model_forward_backward (gpu.model, batch, 1.0 / batch->n_label_tokens, &rg, &error));
      g_assert_no_error (error);
      g_assert_true (gpu.be->ops->check (gpu.be, &error));
      g_assert_cmpint (rc.n_tokens, ==, rg.n_tokens);
      expect_loss (what, rg.loss_sum / rg.n_tokens, rc.loss_sum / rc.n_tokens, mc->loss_tol);
      if (step == 0)
        {
          size_t n_c, n_g;
          g_autofree float *gc = all_grads (&cpu, &n_c);
          g_autofree float *gg = all_grads (&gpu, &n_g);
          double num = 0, den = 0;

          g_assert_cmpuint (n_c, ==, n_g);
          for (size_t i = 0; i < n_c; i++)
            {
              num += ((double) gg[i] - gc[i]) * ((double) gg[i] - gc[i]);
              den += (double) gc[i] * gc[i];
            }
          g_assert_cmpfloat (den, >, 0.0);
          g_test_message ("%s gradients: NMSE %.3g over %zu (bound %.3g)", mc->name, num / den, n_c,
                          mc->grad_nmse);
          if (!(num / den <= mc->grad_nmse))
            {
              g_printerr ("FAIL %s gradients: NMSE %.3g > %.3g\n", mc->name, num / den, mc->grad_nmse);
              g_test_fail ();
            }
        }
      g_assert_true (pt_optimizer_step (cpu.opt, &info, &error));
      g_assert_true (pt_optimizer_step (gpu.opt, &info, &error));
      g_assert_no_error (error);
    }
  g_assert_true (gpu.be->ops->check (gpu.be, &error));
  g_assert_no_error (error);
  side_clear (&cpu);
  side_clear (&gpu);
}

int
main (int argc, char **argv)
{
  if (pt_cuda_device_count () == 0)
    {
      printf ("SKIP: no CUDA device\n");
      return 77;
    }
  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/gpu/model/%s", cases[i].name);
      g_test_add_data_func (path, &cases[i], test_case);
    }
  return g_test_run ();
}
