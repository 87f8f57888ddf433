/* bench-cuda-step.c — PaliTune's training step on the CUDA backend at
 * PaliGemma-3B-224 (pseudo-random weights, nothing downloaded), on the same
 * synthetic batch as bench/hf_baseline.py: batch 16, 256 image tokens,
 * "answer" + question, 1-3 answer tokens + <eos>, gradient accumulation 4,
 * the seed settings (AdamW lr 2e-5, LoRA r=8 alpha=8 on the seven modules).
 *
 *   bench-cuda-step [--mode lora,qlora,full] [--steps N] [--json FILE] [--quick]
 *
 * Per mode: the memory estimate, then warm-up and N timed micro-steps
 * (forward + backward, AdamW every 4th), synchronised after each: samples/s
 * over the timed window, the median micro-step, the loss, and the device
 * memory the backend allocated (be->peak). A mode whose estimate exceeds the
 * device is reported, not run. --quick: a tiny config (the gpu-emu suite runs
 * it on the CPU emulator). Exit 77 without a CUDA device.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cuda-model-util.h"   /* tests/gpu: configs, weights, batches */
#include "pt-backend.h"
#include "pt-cuda.h"
#include "pt-json.h"           /* pt_json_to_string */
#include "pt-optim.h"

#define ACCUMULATION 4

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static double
gib (guint64 bytes)
{
  return bytes / 1073741824.0;
}

/* one mode; adds an object to json */
static gboolean
run_mode (PtBackend *be, const PtModelConfig *config, PtTrainMode mode, int B, int steps,
          JsonBuilder *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtTrainSettings) settings = pt_train_settings_new ();
  g_autoptr(PtBatch) batch = pt_test_synthetic_batch (config, B, 1);
  g_autoptr(PtModel) model = NULL;
  g_autoptr(PtOptimizer) opt = NULL;
  PtMemoryEstimate est;
  const char *name = pt_train_mode_to_string (mode);
  int warmup = ACCUMULATION, total = warmup + steps;
  g_autofree double *times = g_new (double, total);
  double window = 0, loss = NAN;
  gint64 t0;

  settings->mode = mode;
  settings->train_vision = FALSE;     /* the seed's full fine-tune: decoder + projector */
  settings->train_projector = TRUE;
  settings->train_decoder = TRUE;
  json_builder_begin_object (json);
  json_builder_set_member_name (json, "mode");
  json_builder_add_string_value (json, name);
  json_builder_set_member_name (json, "batch");
  json_builder_add_int_value (json, B);
  json_builder_set_member_name (json, "seq");
  json_builder_add_int_value (json, batch->T);

  if (!pt_model_estimate_memory (config, settings, B, batch->T, be->act_dtype, be->acc_dtype, TRUE,
                                 &est, &error))
    {
      printf ("%-6s | estimate failed: %s\n", name, error->message);
      json_builder_set_member_name (json, "status");
      json_builder_add_string_value (json, error->message);
      json_builder_end_object (json);
      return FALSE;
    }
  json_builder_set_member_name (json, "estimate_gib");
  json_builder_add_double_value (json, gib (est.peak));
  json_builder_set_member_name (json, "trainable_parameters");
  json_builder_add_int_value (json, (gint64) est.n_trainable);
  printf ("%-6s | %" G_GUINT64_FORMAT " trainable | estimate %.2f GiB (weights %.2f, trainable %.2f, "
          "optimizer %.2f, activations %.2f, scratch %.2f)\n", name, est.n_trainable, gib (est.peak),
          gib (est.weights), gib (est.trainable), gib (est.optimizer), gib (est.activations),
          gib (est.scratch));
  fflush (stdout);
  if (be->total_memory > 0 && est.peak > be->total_memory)
    {
      printf ("%-6s | does not fit: the estimate is over the device's %.1f GiB\n", name,
              gib (be->total_memory));
      json_builder_set_member_name (json, "status");
      json_builder_add_string_value (json, "does not fit (estimate)");
      json_builder_end_object (json);
      return TRUE;
    }

  be->peak = be->in_use;
  t0 = g_get_monotonic_time ();
  model = pt_model_new (be, config, settings, B, batch->T, TRUE, &error);
  if (model == NULL || !pt_test_random_weights (model, 3, &error)
      || (opt = pt_optimizer_new (model, settings, 1000, &error)) == NULL)
    goto fail;
  be->ops->synchronize (be);
  printf ("%-6s | built and filled in %.1f s\n", name, (g_get_monotonic_time () - t0) / 1e6);

  for (int i = 0; i < total; i++)
    {
      PtLossResult res;
      gint64 s0;

      if (i == warmup)
        t0 = g_get_monotonic_time ();
      s0 = g_get_monotonic_time ();
      if (i % ACCUMULATION == 0)
        pt_model_zero_grads (model);
      if (!pt_model_forward_backward (model, batch, 1.0 / (ACCUMULATION * batch->n_label_tokens),
                                      &res, &error))
        goto fail;
      if ((i + 1) % ACCUMULATION == 0)
        {
          PtStepInfo info;
          if (!pt_optimizer_step (opt, &info, &error))
            goto fail;
        }
      be->ops->synchronize (be);
      if (!be->ops->check (be, &error))
        goto fail;
      times[i] = (g_get_monotonic_time () - s0) / 1000.0;
      loss = res.loss_sum / res.n_tokens;
    }
  window = (g_get_monotonic_time () - t0) / 1e6;
  qsort (times + warmup, steps, sizeof (double), cmp_double);
  printf ("%-6s | %.2f samples/s | median micro-step %.1f ms | loss %.4f | peak %.2f GiB allocated\n",
          name, B * steps / window, times[warmup + steps / 2], loss, gib (be->peak));
  fflush (stdout);
  json_builder_set_member_name (json, "status");
  json_builder_add_string_value (json, "ok");
  json_builder_set_member_name (json, "samples_per_s");
  json_builder_add_double_value (json, B * steps / window);
  json_builder_set_member_name (json, "median_micro_step_ms");
  json_builder_add_double_value (json, times[warmup + steps / 2]);
  json_builder_set_member_name (json, "micro_steps_timed");
  json_builder_add_int_value (json, steps);
  json_builder_set_member_name (json, "last_loss");
  json_builder_add_double_value (json, loss);
  json_builder_set_member_name (json, "peak_gib");
  json_builder_add_double_value (json, gib (be->peak));
  json_builder_end_object (json);
  return TRUE;

fail:
  printf ("%-6s | FAILED: %s\n", name, error != NULL ? error->message : "?");
  json_builder_set_member_name (json, "status");
  json_builder_add_string_value (json, error != NULL ? error->message : "failed");
  json_builder_end_object (json);
  return FALSE;
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *json_path = NULL;
  g_autofree char *modes = NULL;
  gboolean quick = FALSE;
  int steps = 8;
  GOptionEntry entries[] = {
    { "mode", 0, 0, G_OPTION_ARG_STRING, &modes, "Modes to run (lora,qlora,full)", "LIST" },
    { "steps", 0, 0, G_OPTION_ARG_INT, &steps, "Timed micro-steps per mode (8)", "N" },
    { "json", 0, 0, G_OPTION_ARG_FILENAME, &json_path, "Also write the results as JSON", "FILE" },
    { "quick", 0, 0, G_OPTION_ARG_NONE, &quick, "A tiny config (a smoke test)", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— time PaliTune's training step on CUDA");
  g_autoptr(PtBackend) be = NULL;
  g_autoptr(PtModelConfig) config = NULL;
  g_autoptr(JsonBuilder) json = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_auto(GStrv) list = NULL;
  gboolean ok = TRUE;
  int B;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bench-cuda-step: %s\n", error->message);
      return 2;
    }
  if (pt_cuda_device_count () == 0)
    {
      printf ("SKIP: no CUDA device\n");
      return 77;
    }
  be = pt_cuda_backend_new_full ("cuda:0", PT_DTYPE_BF16, &error);
  config = quick ? pt_test_tiny_config () : pt_test_paligemma_3b_config (&error);
  if (be == NULL || config == NULL)
    {
      g_printerr ("bench-cuda-step: %s\n", error->message);
      return 1;
    }
  steps = MAX (ACCUMULATION, steps - steps % ACCUMULATION);
  if (quick)
    steps = ACCUMULATION;
  B = quick ? 2 : 16;
  printf ("%s (%.1f GiB): %s, batch %d, accumulation %d, %d timed micro-steps\n", be->device_name,
          gib (be->total_memory), quick ? "tiny config" : "PaliGemma-3B-224", B, ACCUMULATION, steps);
  json_builder_begin_object (json);
  json_builder_set_member_name (json, "device");
  json_builder_add_string_value (json, be->device_name);
  json_builder_set_member_name (json, "model");
  json_builder_add_string_value (json, quick ? "tiny" : "PaliGemma-3B-224");
  json_builder_set_member_name (json, "results");
  json_builder_begin_array (json);
  list = g_strsplit (modes != NULL ? modes : "lora,qlora,full", ",", -1);
  for (int i = 0; list[i] != NULL; i++)
    {
      PtTrainMode mode;
      if (!pt_train_mode_from_string (g_strstrip (list[i]), &mode))
        {
          g_printerr ("bench-cuda-step: unknown mode “%s”\n", list[i]);
          return 2;
        }
      ok &= run_mode (be, config, mode, B, steps, json);
    }
  json_builder_end_array (json);
  json_builder_end_object (json);
  root = json_builder_get_root (json);
  if (json_path != NULL)
    {
      g_autofree char *text = pt_json_to_string (root, TRUE);
      if (!g_file_set_contents (json_path, text, -1, &error))
        {
          g_printerr ("bench-cuda-step: %s\n", error->message);
          return 1;
        }
    }
  return ok ? 0 : 1;
}
