/* pt-train-probe.c — model folder, dataset, memory and speed, before a run. */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>           /* ceil */
#include <stdlib.h>         /* qsort */
#include <string.h>         /* memset */

#include "pt-backend.h"     /* pt_backend_list_devices, pt_backend_new_full */
#include "pt-comm.h"        /* PT_DEVICE_ALL_GPUS */
#include "pt-dataset.h"     /* pt_dataset_load */
#include "pt-error.h"
#include "pt-model.h"       /* pt_model_estimate_memory */
#include "pt-optim.h"       /* pt_optimizer_new */
#include "pt-pipeline.h"    /* pt_pipeline_read_config, pt_measure_text */
#include "pt-split.h"       /* pt_epoch_n_batches */
#include "pt-tokenizer.h"
#include "pt-train-probe.h"

/* ---- the model folder ---- */

void
pt_model_info_free (PtModelInfo *info)
{
  if (info == NULL)
    return;
  g_clear_pointer (&info->config, pt_model_config_free);
  g_free (info->summary);
  g_free (info);
}

static char *
format_params (guint64 n)
{
  if (n >= 1000000000)
    return g_strdup_printf (_("%.2f B parameters"), n / 1e9);
  if (n >= 1000000)
    return g_strdup_printf (_("%.1f M parameters"), n / 1e6);
  {
    g_autofree char *count = g_strdup_printf ("%'" G_GUINT64_FORMAT, n);
    return g_strdup_printf (_("%s parameters"), count);
  }
}

char *
pt_model_info_describe (const PtModelConfig *c,
                        int                  n_tokens)
{
  g_autofree char *params = format_params (pt_model_config_n_params (c));
  g_autofree char *tokens = g_strdup_printf ("%'d", n_tokens);

  g_autofree char *name = pt_model_config_describe (c);

  /* Translators: what a model folder holds, e.g. "PaliGemma 2 · 10B · 448 px ·
   * SigLIP 27 layers, 1152 d · Gemma 2 42 layers, 3584 d · 9.66 B parameters ·
   * tokenizer 257,152 tokens"; the first part names the family, size and
   * resolution, "d" is the hidden width */
  return g_strdup_printf (_("%s · SigLIP %d layers, %d d · %s %d layers, %d d · %s · tokenizer %s tokens"),
                          name, c->v_layers, c->v_hidden,
                          c->family == PT_FAMILY_PALIGEMMA2 ? "Gemma 2" : "Gemma",
                          c->t_layers, c->t_hidden, params, tokens);
}

static gboolean
has_weights (const char *model_dir)
{
  g_autofree char *single = g_build_filename (model_dir, "model.safetensors", NULL);
  g_autofree char *index = g_build_filename (model_dir, "model.safetensors.index.json", NULL);

  return g_file_test (single, G_FILE_TEST_EXISTS) || g_file_test (index, G_FILE_TEST_EXISTS);
}

static void
model_info_thread (GTask        *task,
                   gpointer      source,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  const char *model_dir = task_data;
  g_autoptr(PtTokenizer) tok = NULL;
  GError *error = NULL;
  PtModelInfo *info;
  PtModelConfig *config = pt_pipeline_read_config (model_dir, &tok, &error);

  if (config == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (!has_weights (model_dir))
    {
      g_autofree char *display = g_filename_display_name (model_dir);
      pt_model_config_free (config);
      g_task_return_new_error (task, PT_ERROR, PT_ERROR_INVALID_INPUT,
                               _("%s has no model.safetensors (the weights)"), display);
      return;
    }
  info = g_new0 (PtModelInfo, 1);
  info->config = config;
  info->n_tokens = pt_tokenizer_n_tokens (tok);
  info->summary = pt_model_info_describe (config, info->n_tokens);
  g_task_return_pointer (task, info, (GDestroyNotify) pt_model_info_free);
}

void
pt_model_info_read_async (const char          *model_dir,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, pt_model_info_read_async);
  g_task_set_task_data (task, g_strdup (model_dir), g_free);
  g_task_run_in_thread (task, model_info_thread);
}

PtModelInfo *
pt_model_info_read_finish (GAsyncResult  *result,
                           GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- the dataset ---- */

typedef struct {
  char  *data_path;
  char  *model_dir;
  char  *template_;
  guint  max_measure;
} DataJob;

static void
data_job_free (DataJob *job)
{
  g_free (job->data_path);
  g_free (job->model_dir);
  g_free (job->template_);
  g_free (job);
}

static void
data_info_thread (GTask        *task,
                  gpointer      source,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  DataJob *job = task_data;
  g_autoptr(PtDataset) dataset = NULL;
  g_autoptr(PtTokenizer) tok = NULL;
  g_autoptr(PtModelConfig) config = NULL;
  g_autofree guint *usable = NULL;
  GError *error = NULL;
  PtDataInfo *info;
  guint n_usable = 0;

  dataset = pt_dataset_load (job->data_path, PT_DATASET_FORMAT_AUTO, cancellable, &error);
  if (dataset == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  usable = pt_dataset_get_usable (dataset, &n_usable);
  info = g_new0 (PtDataInfo, 1);
  info->n_usable = n_usable;
  if (job->model_dir != NULL)
    config = pt_pipeline_read_config (job->model_dir, &tok, NULL);
  if (tok != NULL && n_usable > 0)
    {
      guint n = MIN (n_usable, job->max_measure);
      guint n_over = 0;
      g_autoptr(GError) measure_error = NULL;
      int longest = pt_measure_text (tok, dataset, usable, n, job->template_, G_MAXINT, &n_over,
                                     &measure_error);
      if (longest > 0)
        {
          info->max_text_len = longest;
          info->n_measured = n;
        }
    }
  g_task_return_pointer (task, info, g_free);
}

void
pt_data_info_read_async (const char          *data_path,
                         const char          *model_dir,
                         const char          *prompt_template,
                         guint                max_measure,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  DataJob *job = g_new0 (DataJob, 1);

  job->data_path = g_strdup (data_path);
  job->model_dir = g_strdup (model_dir);
  job->template_ = g_strdup (prompt_template);
  job->max_measure = max_measure;
  g_task_set_source_tag (task, pt_data_info_read_async);
  g_task_set_task_data (task, job, (GDestroyNotify) data_job_free);
  g_task_run_in_thread (task, data_info_thread);
}

PtDataInfo *
pt_data_info_read_finish (GAsyncResult  *result,
                          GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- the estimate ---- */

int
pt_train_estimate_text_len (const PtTrainSettings *s,
                            const PtDataInfo      *data,
                            gboolean              *guessed)
{
  int len = 0;

  if (data != NULL && data->max_text_len > 0)
    len = data->max_text_len;
  if (s->max_text_len > 0)
    len = len > 0 ? MIN (len, s->max_text_len) : s->max_text_len;
  if (guessed != NULL)
    *guessed = len == 0;
  return len > 0 ? len : PT_ESTIMATE_DEFAULT_TEXT_LEN;
}

/* Records per micro-batch over every GPU ("All N GPUs": N × the batch). */
static guint64
global_batch (const PtTrainSettings *s)
{
  g_autoptr(GPtrArray) devices = NULL;
  guint64 gpus = 0;

  if (g_strcmp0 (s->device, PT_DEVICE_ALL_GPUS) != 0)
    return MAX (s->batch_size, 1);
  devices = pt_backend_list_devices ();
  for (guint i = 0; i < devices->len; i++)
    gpus += g_str_has_prefix (((PtDeviceInfo *) devices->pdata[i])->id, "cuda:");
  return (guint64) MAX (s->batch_size, 1) * MAX (gpus, 1);
}

guint64
pt_train_estimate_steps_per_epoch (const PtTrainSettings *s,
                                   guint                  n_usable)
{
  guint64 n_val, n_train, batches;

  if (n_usable == 0)
    return 0;
  if (s->val_data_path != NULL)
    n_val = 0;
  else if (s->val_split >= 1)
    n_val = MIN ((guint64) s->val_split, n_usable);
  else
    n_val = (guint64) ceil (s->val_split * n_usable);
  n_train = n_usable - MIN (n_val, n_usable);
  batches = (n_train + global_batch (s) - 1) / global_batch (s);
  return (batches + s->grad_accum - 1) / MAX (s->grad_accum, 1);
}

/* "All GPUs": each GPU holds a copy and runs a step like cuda:0 alone. */
static const char *
one_device (const char *device)
{
  return g_strcmp0 (device, PT_DEVICE_ALL_GPUS) == 0 ? "cuda:0" : device;
}

/* The device's memory and the dtypes the trainer uses there. */
static guint64
device_memory (const char *device,
               char      **name)
{
  g_autoptr(GPtrArray) devices = pt_backend_list_devices ();

  device = one_device (device);
  for (guint i = 0; i < devices->len; i++)
    {
      PtDeviceInfo *d = devices->pdata[i];
      if (g_strcmp0 (d->id, device) == 0)
        {
          *name = g_strdup (d->name);
          return d->total_memory;
        }
    }
  *name = g_strdup (device);
  return 0;
}

/* What would fit when the settings do not: the largest micro-batch
 * (halving, the accumulation doubled so that each optimiser step sees the
 * same samples), and for a LoRA run the same in QLoRA. */
static void
suggest_fits (const PtTrainSettings *s,
              const PtModelConfig   *config,
              int                    max_seq,
              gboolean               cuda,
              PtTrainEstimate       *out)
{
  guint64 budget = out->device_bytes / 10 * 9;
  PtDType act = cuda ? PT_DTYPE_BF16 : PT_DTYPE_F32;
  PtMemoryEstimate m;

  out->qlora_batch = 0;
  out->fit_batch = 0;
  for (int b = s->batch_size / 2; b >= 1 && out->fit_batch == 0; b /= 2)
    if (pt_model_estimate_memory (config, s, b, max_seq, act, PT_DTYPE_F32, TRUE, &m, NULL) && m.peak <= budget)
      out->fit_batch = b;
  if (s->mode == PT_MODE_LORA)
    {
      g_autoptr(PtTrainSettings) q = pt_train_settings_copy (s);
      q->mode = PT_MODE_QLORA;
      for (int b = s->batch_size; b >= 1 && out->qlora_batch == 0; b /= 2)
        if (pt_model_estimate_memory (config, q, b, max_seq, act, PT_DTYPE_F32, TRUE, &m, NULL) && m.peak <= budget)
          out->qlora_batch = b;
    }
}

gboolean
pt_train_estimate_compute (const PtTrainSettings *s,
                           const PtModelConfig   *config,
                           const PtDataInfo      *data,
                           double                 seconds_per_step,
                           PtTrainEstimate       *out,
                           GStrv                 *messages,
                           GError               **error)
{
  g_autoptr(GStrvBuilder) notes = g_strv_builder_new ();
  g_autoptr(GString) memory_note = g_string_new (NULL);
  g_autofree char *device_name = NULL;
  gboolean cuda = s->device != NULL && g_str_has_prefix (s->device, "cuda");
  gboolean guessed;
  int text_len = pt_train_estimate_text_len (s, data, &guessed);
  int max_seq = config->num_image_tokens + text_len;
  PtMemoryEstimate m;
  guint64 steps_per_epoch;

  g_return_val_if_fail (s != NULL && config != NULL && out != NULL && messages != NULL, FALSE);

  *messages = NULL;
  memset (out, 0, sizeof *out);
  if (!pt_model_estimate_memory (config, s, s->batch_size, max_seq,
                                 cuda ? PT_DTYPE_BF16 : PT_DTYPE_F32, PT_DTYPE_F32, TRUE, &m, error))
    return FALSE;

  out->weights_bytes = m.weights;
  out->training_bytes = m.trainable + m.optimizer;
  out->activations_bytes = m.activations + m.scratch;
  out->trainable_params = m.n_trainable;
  out->device_bytes = device_memory (s->device, &device_name);
  /* the device also holds the runtime, the data and the display: keep a tenth free */
  out->fits = out->device_bytes == 0 || m.peak <= out->device_bytes / 10 * 9;

  if (!out->fits)
    {
      g_autofree char *need = g_format_size (m.peak);
      g_autofree char *have = g_format_size (out->device_bytes);
      /* Translators: "Does not fit: needs 14.2 GB, NVIDIA RTX 3060 has 12.0 GB. …" */
      g_string_append_printf (memory_note, _("Does not fit: needs %s, %s has %s. Lower the batch size or the text length, use QLoRA, or train fewer parts."),
                              need, device_name, have);
      suggest_fits (s, config, max_seq, cuda, out);
    }
  if (guessed)
    {
      if (memory_note->len > 0)
        g_string_append_c (memory_note, '\n');
      g_string_append_printf (memory_note, _("Assumes %d text tokens per example (prompt and answer); set a maximum text length or open the dataset for an exact figure."),
                              text_len);
    }
  else if (memory_note->len == 0)
    {
      /* Translators: "Batch 16 × 296 tokens (256 of them image tokens)" */
      g_string_append_printf (memory_note, _("Batch %d × %d tokens (%d of them image tokens)"),
                              s->batch_size, max_seq, config->num_image_tokens);
    }
  g_strv_builder_add (notes, memory_note->str);

  steps_per_epoch = data != NULL ? pt_train_estimate_steps_per_epoch (s, data->n_usable) : 0;
  out->steps_per_epoch = steps_per_epoch;
  if (s->max_steps > 0)
    out->total_steps = s->max_steps;
  else if (steps_per_epoch > 0)
    out->total_steps = steps_per_epoch * MAX (s->epochs, 1);
  out->seconds_per_step = seconds_per_step;

  *messages = g_strv_builder_end (notes);
  out->message = (*messages)[0][0] != '\0' ? (*messages)[0] : NULL;
  return TRUE;
}

/* ---- the speed ---- */

typedef struct {
  PtTrainSettings *settings;
  PtModelConfig   *config;
  int              text_len;
  int              n_steps;
} SpeedJob;

static void
speed_job_free (SpeedJob *job)
{
  pt_train_settings_free (job->settings);
  pt_model_config_free (job->config);
  g_free (job);
}

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

/* B rows shaped as `palitune-cli bench` makes them, text_len text tokens
 * with a two-token answer. */
static PtBatch *
synthetic_batch (const PtModelConfig *c, int B, int text_len, guint64 seed)
{
  int answer_len = 2;

  return pt_batch_new_synthetic (c, B, MAX (1, text_len - answer_len - 2), answer_len, seed);
}

static void
speed_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  SpeedJob *job = task_data;
  g_autoptr(PtBatch) b = synthetic_batch (job->config, job->settings->batch_size, job->text_len, 1);
  g_autoptr(PtBackend) be = NULL;
  g_autoptr(PtModel) model = NULL;
  g_autoptr(PtOptimizer) opt = NULL;
  g_autofree double *fb = g_new (double, job->n_steps);
  g_autofree double *up = g_new (double, job->n_steps);
  GError *error = NULL;

  {
    /* the precision the run will compute in (validated with the settings) */
    PtPrecision precision = PT_PRECISION_AUTO;
    pt_precision_parse (job->settings->precision, &precision);
    be = pt_backend_new_full (one_device (job->settings->device), precision, 0, &error);
  }
  if (be == NULL)
    goto fail;
  /* untrained weights: a step costs the same whatever the values are */
  model = pt_model_new (be, job->config, job->settings, b->B, b->T, TRUE, &error);
  if (model == NULL)
    goto fail;
  opt = pt_optimizer_new (model, job->settings, job->n_steps + 1, &error);
  if (opt == NULL)
    goto fail;
  for (int i = -1; i < job->n_steps; i++)
    {
      gint64 t0, t1;
      PtLossResult r;
      PtStepInfo info;

      if (g_cancellable_set_error_if_cancelled (cancellable, &error))
        goto fail;
      t0 = g_get_monotonic_time ();
      pt_model_zero_grads (model);
      if (!pt_model_forward_backward (model, b, 1.0 / MAX (b->n_label_tokens, 1), &r, &error))
        goto fail;
      be->ops->synchronize (be);
      t1 = g_get_monotonic_time ();
      if (!pt_optimizer_step (opt, &info, &error))
        goto fail;
      be->ops->synchronize (be);
      if (!be->ops->check (be, &error))
        goto fail;
      if (i >= 0)
        {
          fb[i] = (t1 - t0) / 1e6;
          up[i] = (g_get_monotonic_time () - t1) / 1e6;
        }
    }
  qsort (fb, job->n_steps, sizeof (double), compare_doubles);
  qsort (up, job->n_steps, sizeof (double), compare_doubles);
  {
    double *seconds = g_new (double, 1);
    *seconds = job->settings->grad_accum * fb[job->n_steps / 2] + up[job->n_steps / 2];
    g_task_return_pointer (task, seconds, g_free);
  }
  return;

fail:
  g_task_return_error (task, error);
}

void
pt_speed_measure_async (const PtTrainSettings *settings,
                        const PtModelConfig   *config,
                        int                    text_len,
                        int                    n_steps,
                        GCancellable          *cancellable,
                        GAsyncReadyCallback    callback,
                        gpointer               user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  SpeedJob *job = g_new0 (SpeedJob, 1);

  job->settings = pt_train_settings_copy (settings);
  job->config = pt_model_config_copy (config);
  job->text_len = MAX (text_len, 4);
  job->n_steps = CLAMP (n_steps, 1, 100);
  g_task_set_source_tag (task, pt_speed_measure_async);
  g_task_set_task_data (task, job, (GDestroyNotify) speed_job_free);
  g_task_run_in_thread (task, speed_thread);
}

double
pt_speed_measure_finish (GAsyncResult  *result,
                         GError       **error)
{
  g_autofree double *seconds = g_task_propagate_pointer (G_TASK (result), error);

  return seconds != NULL ? *seconds : 0;
}
