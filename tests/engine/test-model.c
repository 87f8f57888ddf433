/* test-model.c — the model against transformers 4.57.6 + peft 0.17.1
 * (tests/fixtures/model/, tools/make-model-fixtures.py): logits at the
 * labelled positions and the loss (rel. err ≤ 1e-4), every trained
 * gradient for LoRA and full fine-tunes (max |diff| / max |ref| ≤ 1e-3),
 * 10 AdamW steps (losses ≤ 1e-4), greedy generation (identical ids).
 */
#include "config.h"

#include <math.h>            /* fabs */
#include <stdlib.h>          /* atoi */
#include <string.h>          /* memcmp */

#include "model-fixture.h"
#include "pt-error.h"
#include "pt-generate.h"
#include "pt-model.h"
#include "pt-model-private.h"   /* logits_rows, to force several chunks */
#include "pt-optim.h"

static const char *const configs[] = { "mqa", "gqa", "g2", "g2bf16" };   /* g2*: PaliGemma 2 */

/* worst errors seen, printed at the end (they go into the closing note) */
static double worst_logits, worst_loss, worst_grad, worst_train;

static double
rel (double got, double ref)
{
  return fabs (got - ref) / MAX (fabs (ref), 1e-30);
}

/* ---- gradients, logits, loss -------------------------------------------------------- */

static void
test_case (gconstpointer data)
{
  g_auto(GStrv) hash = g_strsplit (data, "#", 2);       /* "cfg/case" or "cfg/case#rows" */
  g_auto(GStrv) parts = g_strsplit (hash[0], "/", 2);
  const char *cfg = parts[0], *name = parts[1];
  int chunk_rows = hash[1] != NULL ? atoi (hash[1]) : 0;
  g_autoptr(PtBackend) be = fx_cpu (PT_DTYPE_F32);
  g_autoptr(PtModelConfig) config = fx_config (cfg);
  g_autoptr(PtBatch) batch = fx_batch (cfg);
  g_autoptr(PtSafetensors) st = fx_case (cfg, name);
  g_autoptr(JsonObject) meta = fx_meta (st);
  g_autoptr(PtTrainSettings) s = fx_settings (meta);
  g_autoptr(PtModel) model = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree float *ref_loss = fx_tensor (st, "loss", NULL);
  g_autofree float *ref_logits = NULL;
  g_autofree float *logits = NULL;
  PtLossResult res = { 0 };
  size_t n_logits = 0;
  int M = pt_batch_count_targets (batch);
  guint n_grads = 0;
  double e_loss, e_logits, e_grad = 0, gmax = 0;

  model = pt_model_new (be, config, s, batch->B, batch->T, TRUE, &error);
  g_assert_no_error (error);
  fx_load_base (model, cfg);
  fx_load_init (model, st);
  if (chunk_rows > 0)
    model->logits_rows = chunk_rows;   /* the labelled rows in several chunks */

  pt_model_zero_grads (model);
  g_assert_true (pt_model_forward_backward (model, batch, 1.0 / M, &res, &error));
  g_assert_no_error (error);
  g_assert_cmpint (res.n_tokens, ==, M);
  e_loss = rel (res.loss_sum / M, ref_loss[0]);

  /* The key bias's gradient is zero in exact arithmetic (softmax does not see
   * a shift shared by all keys): both sides hold rounding noise there, so
   * every tensor is compared relative to at least 1e-4 of the case's largest
   * gradient. */
  for (guint i = 0; i < pt_safetensors_n_tensors (st); i++)
    {
      const PtStTensor *t = pt_safetensors_tensor (st, i);
      if (g_str_has_prefix (t->name, "grad."))
        {
          g_autofree float *ref = fx_tensor (st, t->name, NULL);
          n_grads++;
          gmax = MAX (gmax, fx_abs_max (ref, t->n_elements));
        }
    }
  g_assert_cmpuint (pt_model_n_trainables (model), ==, n_grads);
  for (guint i = 0; i < pt_model_n_trainables (model); i++)
    {
      const PtTrainable *t = pt_model_get_trainable (model, i);
      g_autofree char *key = g_strconcat ("grad.", t->name, NULL);
      size_t n = 0;
      g_autofree float *ref = fx_tensor (st, key, &n);
      g_autofree float *got = NULL;
      double e;

      if (ref == NULL)
        g_error ("%s: the fixture has no gradient for %s", name, t->name);
      g_assert_cmpuint (n, ==, t->numel);
      got = fx_download (be, t->grad, be->acc_dtype, t->numel);
      e = fx_rel_err_floor (got, ref, n, 1e-4 * gmax);
      if (e > 1e-3)
        g_test_message ("%s/%s: gradient of %s off by %.3g", cfg, name, t->name, e);
      e_grad = MAX (e_grad, e);
    }
  if (json_object_has_member (meta, "n_trainable"))
    g_assert_cmpuint (pt_model_n_trainable_params (model), ==,
                      json_object_get_int_member (meta, "n_trainable"));

  ref_logits = fx_tensor (st, "logits", &n_logits);
  g_assert_cmpuint (n_logits, ==, (size_t) M * config->vocab_size);
  logits = g_new (float, n_logits);
  g_assert_true (pt_model_forward_loss (model, batch, FALSE, &res, logits, &error));
  g_assert_no_error (error);
  e_logits = fx_rel_err (logits, ref_logits, n_logits);
  e_loss = MAX (e_loss, rel (res.loss_sum / M, ref_loss[0]));

  g_test_message ("%s/%s: loss %.6f (ref %.6f) rel %.2e, logits %.2e, gradients %.2e",
                  cfg, name, res.loss_sum / M, ref_loss[0], e_loss, e_logits, e_grad);
  worst_loss = MAX (worst_loss, e_loss);
  worst_logits = MAX (worst_logits, e_logits);
  worst_grad = MAX (worst_grad, e_grad);
  g_assert_cmpfloat (e_loss, <=, 1e-4);
  g_assert_cmpfloat (e_logits, <=, 1e-4);
  g_assert_cmpfloat (e_grad, <=, 1e-3);
}

/* ---- 10 AdamW steps ---------------------------------------------------------------------- */

static void
test_train (gconstpointer data)
{
  g_auto(GStrv) parts = g_strsplit (data, "/", 2);
  const char *cfg = parts[0], *name = parts[1];
  g_autoptr(PtBackend) be = fx_cpu (PT_DTYPE_F32);
  g_autoptr(PtModelConfig) config = fx_config (cfg);
  g_autoptr(PtBatch) batch = fx_batch (cfg);
  g_autoptr(PtSafetensors) st = fx_case (cfg, name);
  g_autoptr(JsonObject) meta = fx_meta (st);
  g_autoptr(PtTrainSettings) s = fx_settings (meta);
  g_autoptr(PtModel) model = NULL;
  g_autoptr(PtOptimizer) opt = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree float *losses = fx_tensor (st, "losses", NULL);
  g_autofree float *norms = fx_tensor (st, "grad_norms", NULL);
  g_autofree float *lrs = fx_tensor (st, "lrs", NULL);
  int steps = json_object_get_int_member (meta, "steps");
  int M = pt_batch_count_targets (batch);
  guint no_decay = 0;
  double e_loss = 0, e_norm = 0;

  model = pt_model_new (be, config, s, batch->B, batch->T, TRUE, &error);
  g_assert_no_error (error);
  fx_load_base (model, cfg);
  fx_load_init (model, st);
  for (guint i = 0; i < pt_model_n_trainables (model); i++)
    no_decay += !pt_model_get_trainable (model, i)->decay;
  g_assert_cmpuint (no_decay, ==, json_object_get_int_member (meta, "n_no_decay"));

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
      g_test_message ("%s/%s step %d: loss %.6f (ref %.6f) norm %.5f (ref %.5f) lr %.3g (ref %.3g)",
                      cfg, name, k, res.loss_sum / M, losses[k], info.grad_norm, norms[k], info.lr, lrs[k]);
      e_loss = MAX (e_loss, rel (res.loss_sum / M, losses[k]));
      e_norm = MAX (e_norm, rel (info.grad_norm, norms[k]));
      g_assert_cmpfloat (fabs (info.lr - lrs[k]), <=, 1e-9 * MAX (1.0, lrs[k]));
      g_assert_cmpint (info.step, ==, k + 1);
    }
  g_test_message ("%s/%s: 10-step losses rel %.2e, gradient norms rel %.2e", cfg, name, e_loss, e_norm);
  worst_train = MAX (worst_train, e_loss);
  g_assert_cmpfloat (e_loss, <=, 1e-4);
  g_assert_cmpfloat (e_norm, <=, 1e-3);
}

/* ---- greedy generation ----------------------------------------------------------------------- */

typedef struct {
  int      B, T;
  int32_t *ids;       /* (B, T) */
  int32_t *mask;      /* (B, T) */
  float   *pixels;
  int32_t *out;       /* (B, 8) -1 padded */
} GenCase;

static void
gen_case_load (GenCase *g, PtSafetensors *st)
{
  const PtStTensor *t = pt_safetensors_find (st, "input_ids");

  g->B = (int) t->shape[0];
  g->T = (int) t->shape[1];
  g->ids = fx_tensor_i32 (st, "input_ids", NULL);
  g->mask = fx_tensor_i32 (st, "attention_mask", NULL);
  g->pixels = fx_tensor (st, "pixel_values", NULL);
  g->out = fx_tensor_i32 (st, "output_ids", NULL);
}

static void
gen_case_clear (GenCase *g)
{
  g_free (g->ids);
  g_free (g->mask);
  g_free (g->pixels);
  g_free (g->out);
}

/* Runs rows [b0, b0 + nb) together and checks each against the reference. */
static void
gen_check (PtModel *model, const GenCase *g, int b0, int nb, int eos, int stop_at, int S)
{
  const int32_t *prompts[PT_MAX_BATCH];
  int lens[PT_MAX_BATCH];
  int32_t out[PT_MAX_BATCH * 8];
  int out_len[PT_MAX_BATCH];
  PtGenerateInput in = { 0 };
  g_autoptr(GError) error = NULL;

  for (int i = 0; i < nb; i++)
    {
      int b = b0 + i, first = 0, len = 0;
      while (g->mask[b * g->T + first] == 0)
        first++;
      for (int t = 0; t < g->T; t++)
        len += g->mask[b * g->T + t];
      prompts[i] = g->ids + b * g->T + first;
      lens[i] = len;
    }
  in.B = nb;
  in.prompts = prompts;
  in.prompt_len = lens;
  in.pixels = g->pixels + (size_t) b0 * 3 * S * S;
  g_assert_true (pt_generate_greedy (model, &in, 8, eos, out, out_len, &error));
  g_assert_no_error (error);
  for (int i = 0; i < nb; i++)
    {
      const int32_t *ref = g->out + (b0 + i) * 8;
      int ref_len = 0;
      /* the reference up to its end, or up to the first token equal to a custom eos */
      while (ref_len < 8 && ref[ref_len] != -1)
        if (eos >= 0 && ref[ref_len++] == eos)
          break;
        else if (eos < 0)
          ref_len++;
      if (stop_at >= 0 && i == 0)
        g_assert_cmpint (ref_len, ==, stop_at + 1);
      for (int k = 0; k < ref_len; k++)
        g_assert_cmpint (out[i * 8 + k], ==, ref[k]);
      g_assert_cmpint (out_len[i], ==, ref_len);
      for (int k = ref_len; k < 8; k++)
        g_assert_cmpint (out[i * 8 + k], ==, -1);
    }
}

static void
test_generate (gconstpointer data)
{
  g_auto(GStrv) parts = g_strsplit (data, "/", 2);
  const char *cfg = parts[0], *name = parts[1];
  g_autoptr(PtBackend) be = fx_cpu (PT_DTYPE_F32);
  g_autoptr(PtModelConfig) config = fx_config (cfg);
  g_autoptr(PtSafetensors) st = fx_case (cfg, name);
  g_autoptr(PtTrainSettings) s = NULL;
  g_autoptr(PtModel) model = NULL;
  g_autoptr(GError) error = NULL;
  GenCase g = { 0 };
  gboolean lora = g_str_has_prefix (name, "gen_lora");

  gen_case_load (&g, st);
  if (lora)
    {
      s = pt_train_settings_new ();   /* the seed targets */
      s->lora_rank = 4;
      s->lora_alpha = 8;
    }
  model = pt_model_new (be, config, s, g.B, g.T, FALSE, &error);
  g_assert_no_error (error);
  fx_load_base (model, cfg);
  if (lora)
    fx_load_init (model, st);

  /* all rows together, and each row alone: the same tokens */
  gen_check (model, &g, 0, g.B, -1, -1, config->image_size);
  for (int b = 0; b < g.B; b++)
    gen_check (model, &g, b, 1, -1, -1, config->image_size);

  /* stopping: make the third generated token of row 0 the eos */
  {
    int32_t eos = g.out[2];
    int k = 0;
    while (g.out[k] != eos)
      k++;
    gen_check (model, &g, 0, g.B, eos, k, config->image_size);
  }
  gen_case_clear (&g);
}

/* ---- gradient accumulation, optimiser state -------------------------------------------------- */

/* Rows [b0, b0 + n) of a batch, same length. */
static PtBatch *
sub_batch (const PtBatch *src, int b0, int n)
{
  PtBatch *b = pt_batch_new (n, src->T, src->image_size);
  size_t px = (size_t) 3 * src->image_size * src->image_size;

  memcpy (b->input_ids, src->input_ids + (size_t) b0 * src->T, (size_t) n * src->T * 4);
  memcpy (b->token_type, src->token_type + (size_t) b0 * src->T, (size_t) n * src->T * 4);
  memcpy (b->labels, src->labels + (size_t) b0 * src->T, (size_t) n * src->T * 4);
  memcpy (b->seq_len, src->seq_len + b0, n * 4);
  memcpy (b->prefix_len, src->prefix_len + b0, n * 4);
  memcpy (b->pixels, src->pixels + b0 * px, n * px * sizeof (float));
  b->n_label_tokens = pt_batch_count_targets (b);
  return b;
}

/* Two micro-batches (rows 0-1, row 2) with grad_scale 1 / (all labelled
 * tokens) give the whole batch's gradients. */
static void
test_accumulate (void)
{
  g_autoptr(PtBackend) be = fx_cpu (PT_DTYPE_F32);
  g_autoptr(PtModelConfig) config = fx_config ("mqa");
  g_autoptr(PtBatch) batch = fx_batch ("mqa");
  g_autoptr(PtBatch) b01 = sub_batch (batch, 0, 2);
  g_autoptr(PtBatch) b2 = sub_batch (batch, 2, 1);
  g_autoptr(PtSafetensors) st = fx_case ("mqa", "full_all");
  g_autoptr(JsonObject) meta = fx_meta (st);
  g_autoptr(PtTrainSettings) s = fx_settings (meta);
  g_autoptr(PtModel) model = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree float *ref_loss = fx_tensor (st, "loss", NULL);
  int M = pt_batch_count_targets (batch);
  PtLossResult r1, r2;
  double worst = 0;

  model = pt_model_new (be, config, s, 2, batch->T, TRUE, &error);
  g_assert_no_error (error);
  fx_load_base (model, "mqa");
  pt_model_zero_grads (model);
  g_assert_true (pt_model_forward_backward (model, b01, 1.0 / M, &r1, &error));
  g_assert_true (pt_model_forward_backward (model, b2, 1.0 / M, &r2, &error));
  g_assert_no_error (error);
  g_assert_cmpint (r1.n_tokens + r2.n_tokens, ==, M);
  g_assert_cmpfloat (rel ((r1.loss_sum + r2.loss_sum) / M, ref_loss[0]), <=, 1e-5);
  for (guint i = 0; i < pt_model_n_trainables (model); i++)
    {
      const PtTrainable *t = pt_model_get_trainable (model, i);
      g_autofree char *key = g_strconcat ("grad.", t->name, NULL);
      g_autofree float *ref = fx_tensor (st, key, NULL);
      g_autofree float *got = fx_download (be, t->grad, be->acc_dtype, t->numel);
      worst = MAX (worst, fx_rel_err_floor (got, ref, t->numel, 1e-4));
    }
  g_test_message ("accumulated gradients vs the whole batch's: %.2e", worst);
  g_assert_cmpfloat (worst, <=, 1e-3);
}

/* Train 3 steps, save parameters + moments + step, train 3 more; restoring the
 * saved state into a fresh model and optimiser repeats the last 3 losses
 * bit for bit. */
static void
test_resume (void)
{
  g_autoptr(PtBackend) be = fx_cpu (PT_DTYPE_F32);
  g_autoptr(PtModelConfig) config = fx_config ("gqa");
  g_autoptr(PtBatch) batch = fx_batch ("gqa");
  g_autoptr(PtSafetensors) st = fx_case ("gqa", "train_lora");
  g_autoptr(JsonObject) meta = fx_meta (st);
  g_autoptr(PtTrainSettings) s = fx_settings (meta);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) saved = g_ptr_array_new_with_free_func (g_free);
  double losses[2][3];
  int M = pt_batch_count_targets (batch), saved_step = 0;
  guint64 saved_rng = 0;

  s->lora_dropout = 0.2;   /* the dropout counter must be restored too */
  for (int run = 0; run < 2; run++)
    {
      g_autoptr(PtModel) model = pt_model_new (be, config, s, batch->B, batch->T, TRUE, &error);
      g_autoptr(PtOptimizer) opt = NULL;

      g_assert_no_error (error);
      fx_load_base (model, "gqa");
      fx_load_init (model, st);
      opt = pt_optimizer_new (model, s, 10, &error);
      g_assert_no_error (error);
      for (int k = 0; k < 6; k++)
        {
          PtLossResult res;
          if (run == 1 && k < 3)
            continue;
          if (run == 1 && k == 3)
            {
              /* restore: parameters, moments, step counters */
              for (guint i = 0; i < pt_model_n_trainables (model); i++)
                {
                  const PtTrainable *t = pt_model_get_trainable (model, i);
                  float **v = (float **) saved->pdata + 3 * i;
                  g_assert_true (pt_model_set_tensor (model, t->name, v[0], t->ndim, t->shape, &error));
                  g_assert_true (pt_optimizer_write_state (opt, i, 0, v[1], t->numel, &error));
                  g_assert_true (pt_optimizer_write_state (opt, i, 1, v[2], t->numel, &error));
                  g_assert_no_error (error);
                }
              pt_optimizer_set_step (opt, saved_step);
              pt_model_set_rng_step (model, saved_rng);
            }
          if (run == 0 && k == 3)
            {
              for (guint i = 0; i < pt_model_n_trainables (model); i++)
                {
                  const PtTrainable *t = pt_model_get_trainable (model, i);
                  float *p = g_new (float, t->numel), *m = g_new (float, t->numel), *v = g_new (float, t->numel);
                  g_assert_true (pt_model_get_tensor (model, t->name, p, t->numel, &error));
                  g_assert_true (pt_optimizer_read_state (opt, i, 0, m, t->numel, &error));
                  g_assert_true (pt_optimizer_read_state (opt, i, 1, v, t->numel, &error));
                  g_ptr_array_add (saved, p);
                  g_ptr_array_add (saved, m);
                  g_ptr_array_add (saved, v);
                }
              saved_step = pt_optimizer_get_step (opt);
              saved_rng = pt_model_get_rng_step (model);
            }
          pt_model_zero_grads (model);
          g_assert_true (pt_model_forward_backward (model, batch, 1.0 / M, &res, &error));
          g_assert_true (pt_optimizer_step (opt, NULL, &error));
          g_assert_no_error (error);
          if (k >= 3)
            losses[run][k - 3] = res.loss_sum;
        }
    }
  for (int k = 0; k < 3; k++)
    g_assert_cmpfloat (losses[0][k], ==, losses[1][k]);
}

/* ---- PEFT adapter folders ------------------------------------------------------------------ */

static void
test_adapter (gconstpointer data)
{
  const char *cfg = data;
  g_autoptr(PtBackend) be = fx_cpu (PT_DTYPE_F32);
  g_autoptr(PtModelConfig) config = fx_config (cfg);
  g_autoptr(PtSafetensors) st = fx_case (cfg, "gen_lora_batched");
  g_autoptr(PtTrainSettings) s = pt_train_settings_new ();
  g_autoptr(PtModel) model = NULL, wrong = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = fx_path (cfg, "adapter");
  GenCase g = { 0 };

  gen_case_load (&g, st);
  s->lora_rank = 4;
  s->lora_alpha = 8;
  model = pt_model_new (be, config, s, g.B, g.T, FALSE, &error);
  g_assert_no_error (error);
  fx_load_base (model, cfg);
  g_assert_true (pt_model_load_adapter (model, dir, &error));
  g_assert_no_error (error);
  /* every LoRA tensor is the one PEFT saved */
  for (guint i = 0; i < pt_model_n_tensors (model); i++)
    {
      const char *name = pt_model_tensor_name (model, i, NULL, NULL);
      g_autofree char *key = g_strconcat ("init.", name, NULL);
      size_t n = 0;
      g_autofree float *ref = NULL, *got = NULL;

      if (strstr (name, ".lora_") == NULL)
        continue;
      ref = fx_tensor (st, key, &n);
      g_assert_nonnull (ref);
      got = g_new (float, n);
      g_assert_true (pt_model_get_tensor (model, name, got, n, &error));
      g_assert_true (memcmp (got, ref, n * sizeof (float)) == 0);
    }
  gen_check (model, &g, 0, g.B, -1, -1, config->image_size);

  /* another rank: refused, with the reason */
  s->lora_rank = 8;
  wrong = pt_model_new (be, config, s, g.B, g.T, FALSE, &error);
  g_assert_no_error (error);
  g_assert_false (pt_model_load_adapter (wrong, dir, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
  g_test_message ("%s", error->message);
  gen_case_clear (&g);
}

/* ---- errors ------------------------------------------------------------------------------------ */

static void
test_bad_batch (void)
{
  g_autoptr(PtBackend) be = fx_cpu (PT_DTYPE_F32);
  g_autoptr(PtModelConfig) config = fx_config ("mqa");
  g_autoptr(PtBatch) batch = fx_batch ("mqa");
  g_autoptr(PtTrainSettings) s = pt_train_settings_new ();
  g_autoptr(PtModel) model = NULL;
  g_autoptr(GError) error = NULL;
  PtLossResult res;

  model = pt_model_new (be, config, s, batch->B, batch->T, TRUE, &error);
  g_assert_no_error (error);
  fx_load_base (model, "mqa");

  batch->input_ids[3] = 5;   /* one image token fewer */
  g_assert_false (pt_model_forward_backward (model, batch, 1.0, &res, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  batch->input_ids[3] = config->image_token_index;
  batch->labels[batch->T - 1] = config->vocab_size + 3;
  g_assert_false (pt_model_forward_loss (model, batch, FALSE, &res, NULL, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  batch->labels[batch->T - 1] = -100;
  batch->token_type[0] = 1;
  g_assert_false (pt_model_forward_loss (model, batch, FALSE, &res, NULL, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  batch->token_type[0] = 0;
  g_assert_true (pt_model_forward_loss (model, batch, FALSE, &res, NULL, &error));
  g_assert_no_error (error);
}

static void
print_worst (void)
{
  g_test_message ("worst: loss %.2e, logits %.2e, gradients %.2e, 10-step losses %.2e",
                  worst_loss, worst_logits, worst_grad, worst_train);
  g_print ("# model vs HF: loss rel %.2e, logits rel %.2e, gradients rel %.2e, 10-step losses rel %.2e\n",
           worst_loss, worst_logits, worst_grad, worst_train);
}

int
main (int argc, char **argv)
{
  static const char *const grad_cases[] = {
    "lora_seed", "lora_all_rs", "lora_text", "full_dec_proj", "full_vision", "full_all" };
  static const char *const train_cases[] = { "train_lora", "train_full" };
  static const char *const gen_cases[] = { "gen_single", "gen_batched", "gen_lora_batched" };
  int rc;

  g_test_init (&argc, &argv, NULL);
  for (guint c = 0; c < G_N_ELEMENTS (configs); c++)
    {
      for (guint i = 0; i < G_N_ELEMENTS (grad_cases); i++)
        {
          char *id = g_strdup_printf ("%s/%s", configs[c], grad_cases[i]);
          char *path = g_strdup_printf ("/engine/model/hf/%s", id);
          g_test_add_data_func_full (path, id, test_case, g_free);
          g_free (path);
        }
      for (guint i = 0; i < G_N_ELEMENTS (train_cases); i++)
        {
          char *id = g_strdup_printf ("%s/%s", configs[c], train_cases[i]);
          char *path = g_strdup_printf ("/engine/model/train/%s", id);
          g_test_add_data_func_full (path, id, test_train, g_free);
          g_free (path);
        }
      for (guint i = 0; i < G_N_ELEMENTS (gen_cases); i++)
        {
          char *id = g_strdup_printf ("%s/%s", configs[c], gen_cases[i]);
          char *path = g_strdup_printf ("/engine/model/generate/%s", id);
          g_test_add_data_func_full (path, id, test_generate, g_free);
          g_free (path);
        }
    }
  g_test_add_data_func ("/engine/model/hf/mqa/full_all/chunked", "mqa/full_all#3", test_case);
  g_test_add_data_func ("/engine/model/hf/gqa/lora_all_rs/chunked", "gqa/lora_all_rs#4", test_case);
  g_test_add_func ("/engine/model/accumulate", test_accumulate);
  g_test_add_func ("/engine/model/resume", test_resume);
  g_test_add_data_func ("/engine/model/adapter/mqa", "mqa", test_adapter);
  g_test_add_data_func ("/engine/model/adapter/gqa", "gqa", test_adapter);
  g_test_add_data_func ("/engine/model/adapter/g2", "g2", test_adapter);
  g_test_add_data_func ("/engine/model/hf/g2/lora_all_rs/chunked", "g2/lora_all_rs#4", test_case);
  g_test_add_func ("/engine/model/bad-batch", test_bad_batch);
  rc = g_test_run ();
  print_worst ();
  return rc;
}
