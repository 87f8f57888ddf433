/* bench-step.c — one LoRA training step (forward, backward, AdamW) of a micro
 * PaliGemma on the CPU backend: SigLIP 128 wide × 4 layers over 64 patches,
 * Gemma 192 wide × 4 layers (MQA, head 48), batch 32, the seed LoRA targets.
 *
 *   bench-step [--steps N] [--threads T] [--batch B]
 *
 * Prints ms per step and samples/s (the first step is excluded), by the wall
 * clock and by the process's CPU time (what the step costs on an idle
 * machine when the run is single-threaded; other jobs do not inflate it).
 */
#include "config.h"

#include <math.h>             /* sqrt */
#include <stdio.h>            /* printf */
#include <stdlib.h>           /* atoi */
#include <string.h>           /* strcmp */

#include "bench-util.h"        /* bench_cpu_seconds */
#include "pt-backend.h"       /* pt_cpu_backend_new */
#include "pt-model.h"         /* PtModel */
#include "pt-optim.h"         /* PtOptimizer */
#include "pt-rng.h"           /* PtRng */

static PtModelConfig *
micro_config (void)
{
  PtModelConfig *c = g_new0 (PtModelConfig, 1);

  c->image_size = 112;
  c->patch_size = 14;
  c->num_channels = 3;
  c->num_image_tokens = 64;
  c->v_hidden = 128;
  c->v_layers = 4;
  c->v_heads = 4;
  c->v_intermediate = 512;
  c->v_layer_norm_eps = 1e-6;
  c->projection_dim = 192;
  c->t_hidden = 192;
  c->t_layers = 4;
  c->t_heads = 4;
  c->t_kv_heads = 1;
  c->t_head_dim = 48;
  c->t_intermediate = 768;
  c->vocab_size = 4096;
  c->t_rms_norm_eps = 1e-6;
  c->rope_theta = 10000;
  c->max_position_embeddings = 8192;
  c->image_token_index = 4000;
  c->pad_token_id = 0;
  c->eos_token_id = 1;
  c->bos_token_id = 2;
  c->tie_word_embeddings = TRUE;
  return c;
}

int
main (int argc, char **argv)
{
  int steps = 10, threads = 0, B = 32, T;
  g_autoptr(GError) error = NULL;
  g_autoptr(PtModelConfig) c = micro_config ();
  g_autoptr(PtTrainSettings) s = pt_train_settings_new ();
  g_autoptr(PtBackend) be = NULL;
  g_autoptr(PtModel) model = NULL;
  g_autoptr(PtOptimizer) opt = NULL;
  g_autoptr(PtBatch) batch = NULL;
  PtRng rng = { 42, 0 };
  double total = 0, total_cpu = 0;

  for (int i = 1; i + 1 < argc; i += 2)
    {
      if (strcmp (argv[i], "--steps") == 0)
        steps = MAX (2, atoi (argv[i + 1]));
      else if (strcmp (argv[i], "--threads") == 0)
        threads = atoi (argv[i + 1]);
      else if (strcmp (argv[i], "--batch") == 0)
        B = CLAMP (atoi (argv[i + 1]), 1, PT_MAX_BATCH);
    }
  T = c->num_image_tokens + 16;

  be = pt_cpu_backend_new (PT_DTYPE_F32, threads, &error);
  if (be == NULL)
    g_error ("%s", error->message);
  s->learning_rate = 1e-4;
  model = pt_model_new (be, c, s, B, T, TRUE, &error);
  if (model == NULL)
    g_error ("%s", error->message);

  /* random base weights: N(0, 1/in)-ish, norms 0 (Gemma) / 1 (LayerNorm) */
  for (guint i = 0; i < pt_model_n_tensors (model); i++)
    {
      int ndim;
      int64_t shape[4], n = 1;
      const char *name = pt_model_tensor_name (model, i, &ndim, shape);
      g_autofree float *d = NULL;

      if (strstr (name, "lora_") != NULL)
        continue;
      for (int k = 0; k < ndim; k++)
        n *= shape[k];
      d = g_new (float, n);
      for (int64_t j = 0; j < n; j++)
        {
          double u = pt_rng_next_double (&rng) * 2 - 1;
          if (ndim == 1)
            d[j] = strstr (name, "layer_norm") != NULL && g_str_has_suffix (name, "weight") ? 1.0f : 0.0f;
          else
            d[j] = (float) (u * 1.7 / sqrt ((double) (n / shape[0])));
        }
      if (!pt_model_set_tensor (model, name, d, ndim, shape, &error))
        g_error ("%s", error->message);
    }

  batch = pt_batch_new (B, T, c->image_size);
  for (int b = 0; b < B; b++)
    {
      int len = T - (b % 5), pre = c->num_image_tokens + 8;
      for (int t = 0; t < T; t++)
        {
          int32_t id = t < c->num_image_tokens ? c->image_token_index
                       : t == c->num_image_tokens ? c->bos_token_id
                       : t < len ? 10 + (int32_t) pt_rng_next_below (&rng, 3000) : c->pad_token_id;
          batch->input_ids[b * T + t] = id;
          batch->token_type[b * T + t] = t >= pre && t < len;
          batch->labels[b * T + t] = t >= pre && t < len ? id : -100;
        }
      batch->seq_len[b] = len;
      batch->prefix_len[b] = pre;
    }
  for (size_t i = 0; i < (size_t) B * 3 * c->image_size * c->image_size; i++)
    batch->pixels[i] = (float) (pt_rng_next_double (&rng) * 2 - 1);
  batch->n_label_tokens = pt_batch_count_targets (batch);

  opt = pt_optimizer_new (model, s, steps, &error);
  if (opt == NULL)
    g_error ("%s", error->message);
  printf ("micro PaliGemma: %s, batch %d × %d tokens, %" G_GUINT64_FORMAT " LoRA parameters, %s\n",
          be->device_name, B, T, pt_model_n_trainable_params (model), "seed targets r=8");
  for (int k = 0; k < steps; k++)
    {
      gint64 t0 = g_get_monotonic_time ();
      double c0 = bench_cpu_seconds (), cpu_ms;
      PtLossResult res;
      PtStepInfo info;
      double ms;

      pt_model_zero_grads (model);
      if (!pt_model_forward_backward (model, batch, 1.0 / batch->n_label_tokens, &res, &error)
          || !pt_optimizer_step (opt, &info, &error))
        g_error ("%s", error->message);
      ms = (g_get_monotonic_time () - t0) / 1000.0;
      cpu_ms = (bench_cpu_seconds () - c0) * 1000.0;
      if (k > 0)
        {
          total += ms;
          total_cpu += cpu_ms;
        }
      printf ("step %2d | loss %.4f | norm %.3f | %.1f ms | %.1f samples/s | cpu %.1f ms\n", k,
              res.loss_sum / res.n_tokens, info.grad_norm, ms, B * 1000.0 / ms, cpu_ms);
    }
  printf ("mean over steps 1..%d: %.1f ms/step, %.1f samples/s (wall); cpu time %.1f ms/step, "
          "%.1f samples per cpu-second\n", steps - 1, total / (steps - 1),
          B * 1000.0 * (steps - 1) / total, total_cpu / (steps - 1), B * 1000.0 * (steps - 1) / total_cpu);
  return 0;
}
