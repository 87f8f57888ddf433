/* pt-cli-bench.c — palitune-cli bench: training-step throughput on a device,
 * with synthetic batches shaped like the seed workload (image tokens, a short
 * prompt, a 1–3 token answer). */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>
#include <time.h>          /* clock_gettime */

#include "pt-cli.h"
#include "pt-error.h"
#include "pt-init.h"        /* pt_model_init_random */
#include "pt-json.h"
#include "pt-model.h"
#include "pt-optim.h"
#include "pt-pipeline.h"    /* pt_pipeline_read_config */
#include "pt-profile.h"     /* pt_profile_backend_new */
#include "pt-run.h"         /* pt_rmtree */

/* The demo's micro model (data/demo/config.json): a 112 px SigLIP-style
 * encoder (64 image tokens) and a small MQA Gemma. */
static const char micro_config[] =
  "{\"model_type\": \"paligemma\", \"image_token_index\": 1752, \"hidden_size\": 192,"
  " \"projection_dim\": 192, \"bos_token_id\": 2, \"eos_token_id\": 1, \"pad_token_id\": 0,"
  " \"text_config\": {\"model_type\": \"gemma\", \"hidden_size\": 192, \"intermediate_size\": 768,"
  "  \"num_attention_heads\": 4, \"num_key_value_heads\": 1, \"head_dim\": 48, \"num_hidden_layers\": 4,"
  "  \"vocab_size\": 1792, \"num_image_tokens\": 64},"
  " \"vision_config\": {\"model_type\": \"siglip_vision_model\", \"hidden_size\": 128,"
  "  \"intermediate_size\": 512, \"num_attention_heads\": 4, \"num_hidden_layers\": 4,"
  "  \"image_size\": 112, \"patch_size\": 14, \"num_image_tokens\": 64, \"projection_dim\": 192}}";

/* CPU seconds used by this process so far, all threads. */
static double
process_cpu_seconds (void)
{
  struct timespec ts;

  if (clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
    return 0;
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

/* The op table of the timed steps: per step, longest first, and what is
 * left of the step outside the ops (the model's host code, the loader). */
static void
print_profile (PtBackend *be, const double *times, int steps, gboolean json)
{
  g_autoptr(GArray) rows = pt_profile_rows (be);
  double step_s = 0, ops_s = 0;

  for (int i = 0; i < steps; i++)
    step_s += times[i] / steps;
  for (guint i = 0; i < rows->len; i++)
    ops_s += g_array_index (rows, PtProfileRow, i).seconds / steps;
  if (json)
    {
      printf ("{\"profile\": [");
      for (guint i = 0; i < rows->len; i++)
        {
          PtProfileRow *r = &g_array_index (rows, PtProfileRow, i);
          printf ("%s{\"op\": \"%s\", \"calls\": %.1f, \"ms\": %.4f}", i ? ", " : "", r->op,
                  (double) r->calls / steps, 1000 * r->seconds / steps);
        }
      printf ("], \"step_ms\": %.3f, \"outside_ms\": %.3f}\n", 1000 * step_s,
              1000 * (step_s - ops_s));
      return;
    }
  /* Translators: column headings of bench --profile's table */
  printf ("\n%-20s %10s %12s %7s\n", _("op"), _("calls/step"), _("ms/step"), _("share"));
  for (guint i = 0; i < rows->len; i++)
    {
      PtProfileRow *r = &g_array_index (rows, PtProfileRow, i);
      printf ("%-20s %10.1f %12.3f %6.1f%%\n", r->op, (double) r->calls / steps,
              1000 * r->seconds / steps, 100 * r->seconds / steps / step_s);
    }
  /* Translators: the part of a step spent outside the backend's ops */
  printf ("%-20s %10s %12.3f %6.1f%%\n", _("(outside ops)"), "", 1000 * (step_s - ops_s),
          100 * (step_s - ops_s) / step_s);
}

int
pt_cli_bench (int argc, char **argv)
{
  g_autofree char *model_dir = NULL, *device = NULL, *mode = NULL, *targets = NULL;
  g_autofree char *precision_name = NULL;
  PtPrecision precision = PT_PRECISION_AUTO;
  int batch = 8, steps = 5, prompt_len = 12, answer_len = 2;
  gboolean json = FALSE, train_vision = FALSE, profile = FALSE;
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_dir, N_("A PaliGemma folder (default: the demo’s micro model, random weights)"), N_("DIR") },
    { "device", 0, 0, G_OPTION_ARG_STRING, &device, N_("cpu or cuda:N (default cpu)"), N_("DEV") },
    { "precision", 0, 0, G_OPTION_ARG_STRING, &precision_name, N_("auto, bf16 or f32 (default auto)"), N_("P") },
    { "mode", 0, 0, G_OPTION_ARG_STRING, &mode, N_("lora, qlora or full (default lora)"), N_("MODE") },
    { "targets", 0, 0, G_OPTION_ARG_STRING, &targets, N_("LoRA modules (default: the seed list)"), N_("LIST") },
    { "train-vision", 0, 0, G_OPTION_ARG_NONE, &train_vision, N_("Full mode: train the vision tower too"), NULL },
    { "batch", 'b', 0, G_OPTION_ARG_INT, &batch, N_("Micro-batch size (default 8)"), N_("B") },
    { "steps", 'n', 0, G_OPTION_ARG_INT, &steps, N_("Timed steps after one warm-up (default 5)"), N_("N") },
    { "prompt-tokens", 0, 0, G_OPTION_ARG_INT, &prompt_len, N_("Prompt tokens per record (default 12)"), N_("N") },
    { "answer-tokens", 0, 0, G_OPTION_ARG_INT, &answer_len, N_("Answer tokens per record (default 2)"), N_("N") },
    { "profile", 0, 0, G_OPTION_ARG_NONE, &profile, N_("Time every backend op and print where a step’s time goes"), NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(PtModelConfig) config = NULL;
  g_autoptr(PtTrainSettings) s = pt_train_settings_new ();
  g_autoptr(PtBackend) be = NULL;
  g_autoptr(PtModel) model = NULL;
  g_autoptr(PtOptimizer) opt = NULL;
  g_autoptr(PtBatch) b = NULL;
  g_autoptr(GPtrArray) devices = NULL;
  PtMemoryEstimate estimate;
  g_autofree double *times = NULL;
  g_autofree double *cpu_times = NULL;
  g_autofree char *tmp = NULL;
  double median, cpu_median, tokens, peak = 0;
  int code;

  if (!pt_cli_parse ("bench", "", entries, &argc, &argv, &code))
    return code;
  if (argc > 1)
    return pt_cli_usage_error (_("bench: unexpected argument “%s”"), argv[1]);
  if (batch < 1 || batch > 256 || steps < 1 || steps > 10000 || prompt_len < 1 || prompt_len > 4096
      || answer_len < 1 || answer_len > 4096)
    return pt_cli_usage_error (_("bench: --batch 1..256, --steps 1..10000, token counts 1..4096"));
  if (mode != NULL && !pt_train_mode_from_string (mode, &s->mode))
    return pt_cli_usage_error (_("bench: --mode must be lora, qlora or full"));
  if (precision_name != NULL && !pt_precision_parse (precision_name, &precision))
    return pt_cli_usage_error (_("bench: --precision must be auto, bf16 or f32"));
  if (targets != NULL && !pt_train_settings_set_targets (s, targets, &error))
    return pt_cli_fail (error);
  g_free (s->device);
  s->device = g_strdup (device ? device : "cpu");
  s->train_vision = train_vision;

  if (model_dir == NULL)
    {
      config = pt_model_config_from_json (micro_config, -1, &error);
      tmp = g_dir_make_tmp ("palitune-bench-XXXXXX", &error);
      if (config == NULL || tmp == NULL)
        return pt_cli_fail (error);
      model_dir = g_build_filename (tmp, "model", NULL);
      if (!pt_model_init_random (config, 0, NULL, model_dir, &error))
        {
          pt_rmtree (tmp, NULL);
          return pt_cli_fail (error);
        }
    }
  else
    {
      config = pt_pipeline_read_config (model_dir, NULL, &error);
      if (config == NULL)
        return pt_cli_fail (error);
    }

  b = pt_batch_new_synthetic (config, batch, prompt_len, answer_len, 1);
  be = pt_backend_new_full (s->device, precision, 0, &error);
  if (be == NULL)
    goto fail;
  if (profile)
    be = pt_profile_backend_new (be);
  model = pt_model_new (be, config, s, batch, b->T, TRUE, &error);
  if (model == NULL || !pt_model_load_base (model, model_dir, &error))
    goto fail;
  opt = pt_optimizer_new (model, s, steps + 1, &error);
  if (opt == NULL)
    goto fail;

  times = g_new (double, steps);
  cpu_times = g_new (double, steps);
  for (int i = -1; i < steps; i++)
    {
      gint64 t0 = g_get_monotonic_time ();
      double c0 = process_cpu_seconds ();
      PtLossResult r;
      PtStepInfo info;
      pt_model_zero_grads (model);
      if (!pt_model_forward_backward (model, b, 1.0 / b->n_label_tokens, &r, &error)
          || !pt_optimizer_step (opt, &info, &error))
        goto fail;
      be->ops->synchronize (be);
      if (!be->ops->check (be, &error))
        goto fail;
      if (i >= 0)
        {
          times[i] = (g_get_monotonic_time () - t0) / 1e6;
          cpu_times[i] = process_cpu_seconds () - c0;
        }
      else if (profile)
        pt_profile_reset (be);   /* the warm-up step is not profiled */
    }
  qsort (times, steps, sizeof (double), compare_doubles);
  qsort (cpu_times, steps, sizeof (double), compare_doubles);
  median = times[steps / 2];
  cpu_median = cpu_times[steps / 2];
  tokens = (double) batch * b->T;
  devices = pt_backend_list_devices ();
  for (guint i = 0; i < devices->len; i++)
    if (g_str_equal (((PtDeviceInfo *) devices->pdata[i])->id, s->device))
      peak = ((PtDeviceInfo *) devices->pdata[i])->peak_tflops;
  /* the planner's figure for this run, beside what the backend tracked:
   * model buffers + optimiser (pt_model_estimate_memory) */
  if (!pt_model_estimate_memory (config, s, batch, b->T, be->act_dtype, be->acc_dtype, TRUE, &estimate, &error))
    goto fail;
  {
    /* model FLOPs per token: 6 × parameters for a full backward (llm.c's
     * convention); frozen weights need no weight gradient: 4 × for them */
    double n_all = (double) pt_model_config_n_params (config);
    double n_train = (double) pt_model_n_trainable_params (model);
    double flops = tokens * (4 * n_all + 2 * n_train);
    double tflops = flops / median / 1e12;

    if (json)
      printf ("{\"device\": \"%s\", \"mode\": \"%s\", \"batch\": %d, \"seq\": %d, \"step_ms\": %.3f, "
              "\"cpu_ms\": %.3f, "
              "\"samples_per_s\": %.3f, \"tokens_per_s\": %.1f, \"tflops\": %.4f, \"mfu\": %s, "
              "\"memory_peak\": %" G_GUINT64_FORMAT ", \"memory_estimate\": %" G_GUINT64_FORMAT ", "
              "\"params\": %.0f, \"trainable\": %.0f}\n",
              be->device_name, pt_train_mode_to_string (s->mode), batch, b->T, median * 1000,
              cpu_median * 1000,
              batch / median, tokens / median, tflops,
              peak > 0 ? g_strdup_printf ("%.4f", tflops / peak) : "null",
              be->peak, estimate.peak, n_all, n_train);
    else
      {
        /* Translators: the labels are padded to 14 characters; a longer one shifts its line */
        pt_cli_print_label (_("device"), 14);
        printf ("%s\n", be->device_name);
        pt_cli_print_label (_("model"), 14);
        /* Translators: MODEL (12.3 M parameters, 0.456 M trained, lora) */
        printf (_("%s (%.1f M parameters, %.3f M trained, %s)\n"),
                tmp ? _("micro (random)") : model_dir, n_all / 1e6, n_train / 1e6,
                pt_train_mode_to_string (s->mode));
        pt_cli_print_label (_("batch"), 14);
        /* Translators: batch size × sequence length (of which image tokens) */
        printf (_("%d × %d tokens (%d image)\n"), batch, b->T, config->num_image_tokens);
        pt_cli_print_label (_("step"), 14);
        /* Translators: the median time of a training step over N steps */
        printf (_("%.1f ms (median of %d)\n"), median * 1000, steps);
        pt_cli_print_label (_("CPU time"), 14);
        /* Translators: CPU time of all threads; on a busy machine wall time ≫ CPU time / threads */
        printf (_("%.1f ms per step, all threads\n"), cpu_median * 1000);
        pt_cli_print_label (_("throughput"), 14);
        printf (_("%.2f samples/s, %.0f tokens/s\n"), batch / median, tokens / median);
        pt_cli_print_label (_("compute"), 14);
        if (peak > 0)
          printf ("%.2f TFLOP/s, MFU %.1f%%\n", tflops, 100 * tflops / peak);
        else
          /* Translators: MFU (model FLOPs utilisation) unknown for this device */
          printf (_("%.3f TFLOP/s, MFU n/a\n"), tflops);
        pt_cli_print_label (_("memory peak"), 14);
        /* Translators: the memory the backend's allocations reached, and what
         * the planner estimated before allocating anything */
        printf (_("%.1f MiB (estimated %.1f MiB, %+.1f %%)\n"), be->peak / 1048576.0,
                estimate.peak / 1048576.0, 100.0 * ((double) estimate.peak - be->peak) / MAX (be->peak, 1));
      }
  }
  if (profile)
    print_profile (be, times, steps, json);
  if (tmp != NULL)
    pt_rmtree (tmp, NULL);
  return PT_EXIT_OK;

fail:
  if (tmp != NULL)
    pt_rmtree (tmp, NULL);
  return pt_cli_fail (error);
}
