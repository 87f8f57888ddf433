/* test-model-gradcheck.c — the whole model's hand-written backward against
 * central finite differences, in the F64 CPU backend, on a random subset of
 * parameters: LoRA with dropout (the seeded mask is fixed by the dropout
 * counter), full fine-tune of every part, and LoRA over an NF4 base.
 * The fixture's tiny "mqa" configuration and weights, the loss is the token sum.
 */
#include "config.h"

#include <math.h>            /* fabs */

#include "model-fixture.h"
#include "pt-model.h"
#include "pt-rng.h"

#define STEP 1e-5

static double
loss_at (PtModel *model, const PtBatch *batch, guint64 rng_step)
{
  g_autoptr(GError) error = NULL;
  PtLossResult res;

  pt_model_set_rng_step (model, rng_step);
  g_assert_true (pt_model_forward_loss (model, batch, TRUE, &res, NULL, &error));
  g_assert_no_error (error);
  return res.loss_sum;
}

static double
get_elem (PtBackend *be, const void *p, size_t i)
{
  double x;
  be->ops->download (be, &x, (const double *) p + i, sizeof x);
  return x;
}

static void
set_elem (PtBackend *be, void *p, size_t i, double x)
{
  be->ops->upload (be, (double *) p + i, &x, sizeof x);
}

static void
gradcheck (PtTrainSettings *s, int per_tensor, guint64 seed)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtBackend) be = fx_cpu (PT_DTYPE_F64);
  g_autoptr(PtModelConfig) config = fx_config ("mqa");
  g_autoptr(PtBatch) batch = fx_batch ("mqa");
  g_autoptr(PtModel) model = NULL;
  PtRng rng = { seed, 0 };
  const guint64 step = 7;
  double worst = 0;
  int n_checked = 0;

  model = pt_model_new (be, config, s, batch->B, batch->T, TRUE, &error);
  g_assert_no_error (error);
  fx_load_base (model, "mqa");
  fx_random_lora_b (model, seed + 1, -0.3, 0.3);   /* non-zero B: A has gradients too */

  pt_model_zero_grads (model);
  pt_model_set_rng_step (model, step);
  {
    PtLossResult res;
    g_assert_true (pt_model_forward_backward (model, batch, 1.0, &res, &error));
    g_assert_no_error (error);
  }

  for (guint i = 0; i < pt_model_n_trainables (model); i++)
    {
      const PtTrainable *t = pt_model_get_trainable (model, i);
      double gmax = 0;
      g_autofree double *g = g_new (double, t->numel);

      be->ops->download (be, g, t->grad, t->numel * sizeof (double));
      for (size_t j = 0; j < t->numel; j++)
        gmax = MAX (gmax, fabs (g[j]));
      for (int k = 0; k < per_tensor; k++)
        {
          size_t j = pt_rng_next_below (&rng, (guint32) t->numel);
          double x, lp, lm, fd, err;

          /* the embedding's tied head: prefer rows the batch reads */
          if (g_str_has_suffix (t->name, "embed_tokens.weight") && k < 2)
            j = (size_t) batch->input_ids[config->num_image_tokens + 1 + k] * t->shape[1]
                + pt_rng_next_below (&rng, (guint32) t->shape[1]);
          x = get_elem (be, t->param, j);
          set_elem (be, t->param, j, x + STEP);
          lp = loss_at (model, batch, step);
          set_elem (be, t->param, j, x - STEP);
          lm = loss_at (model, batch, step);
          set_elem (be, t->param, j, x);
          fd = (lp - lm) / (2 * STEP);
          err = fabs (fd - g[j]) / MAX (gmax, 1e-3);
          if (err > 1e-5)
            g_test_message ("%s[%zu]: analytic %.10g, finite differences %.10g", t->name, j, g[j], fd);
          worst = MAX (worst, err);
          n_checked++;
        }
    }
  g_test_message ("%d elements of %u tensors, worst error %.2e (relative to each tensor's max gradient)",
                  n_checked, pt_model_n_trainables (model), worst);
  g_assert_cmpfloat (worst, <=, 1e-5);
}

static void
test_lora_dropout (void)
{
  g_autoptr(PtTrainSettings) s = pt_train_settings_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (pt_train_settings_set_targets (s, "q_proj,k_proj,v_proj,o_proj,out_proj,fc1,fc2,"
                                                "gate_proj,up_proj,down_proj", &error));
  s->lora_rank = 3;
  s->lora_alpha = 5;
  s->lora_dropout = 0.3;
  s->seed = 99;
  gradcheck (s, 2, 11);
}

static void
test_full (void)
{
  g_autoptr(PtTrainSettings) s = pt_train_settings_new ();

  s->mode = PT_MODE_FULL;
  s->train_vision = TRUE;
  s->train_projector = TRUE;
  s->train_decoder = TRUE;
  gradcheck (s, 2, 12);
}

static void
test_full_vision_only (void)
{
  g_autoptr(PtTrainSettings) s = pt_train_settings_new ();

  s->mode = PT_MODE_FULL;
  s->train_vision = TRUE;
  s->train_projector = FALSE;
  s->train_decoder = FALSE;
  gradcheck (s, 2, 13);
}

static void
test_qlora (void)
{
  g_autoptr(PtTrainSettings) s = pt_train_settings_new ();

  s->mode = PT_MODE_QLORA;
  s->lora_rank = 2;
  s->lora_alpha = 4;
  s->use_rslora = TRUE;
  s->lora_dropout = 0.1;
  gradcheck (s, 2, 14);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/model/gradcheck/lora-dropout", test_lora_dropout);
  g_test_add_func ("/engine/model/gradcheck/full", test_full);
  g_test_add_func ("/engine/model/gradcheck/full-vision-only", test_full_vision_only);
  g_test_add_func ("/engine/model/gradcheck/qlora", test_qlora);
  return g_test_run ();
}
