/* pt-trainer.c — the training loop. */
#include "config.h"

#include <math.h>            /* isfinite, NAN */
#include <string.h>

#include "pt-ckpt.h"         /* pt_ckpt_save, pt_ckpt_load_* */
#include "pt-comm.h"         /* PtComm: data parallel */
#include "pt-error.h"
#include "pt-evaluate.h"     /* pt_evaluate */
#include "pt-json.h"         /* pt_json_get_* */
#include "pt-optim.h"        /* PtOptimizer */
#include "pt-pipeline.h"     /* PtPipeline */
#include "pt-split.h"        /* PtSplit, pt_split_epoch_order, pt_shard_order */
#include "pt-trainer.h"

/* Sequences longer than this many text tokens are cut when the settings do
 * not set a limit (big_vision uses 128 at 224 px, 512 at 448/896). */
#define AUTO_TEXT_LIMIT 512

struct _PtTrainer {
  PtRun              *run;             /* borrowed */
  const PtTrainSettings *s;            /* the run's settings */
  char               *resume_from;     /* a checkpoint folder, or NULL: the latest */
  PtTrainerCallbacks  cb;
  gint                pause_requested; /* atomic */
  gint                stop_requested;  /* atomic */
  GCancellable       *interrupt;       /* cancelled by stop: interrupts evaluations and loading */

  PtDataset          *train_ds;
  PtDataset          *val_ds;
  PtSplit            *split;
  PtPipeline         *pipe;
  PtOptimizer        *opt;

  /* data parallel: this rank of comm->world trains on rank_device with
   * micro-batches of rank_batch records, its share of each global batch */
  PtComm             *comm;             /* set by pt_trainer_set_comm, or owned (single) */
  PtComm             *own_comm;
  char               *rank_device;
  int                 rank_batch;

  int                 total_steps;
  guint               batches_per_epoch;   /* of micro_batch samples */
  /* the micro-batch and accumulation in use: the settings' until memory
   * runs out, then halved and doubled (same samples per optimiser step) */
  int                 micro_batch;
  int                 accum;
  char               *memory_note;     /* says so in the status, or NULL */

  /* the loop's position (saved in checkpoints) */
  int                 step;
  guint               epoch;
  guint               batch;            /* next micro-batch of the epoch */
  guint64             samples;
  double              elapsed_before;   /* training seconds of earlier sessions */
  gint64              session_start;    /* monotonic µs */
  double              best_value;
  int                 best_step;
  char               *best_ckpt;        /* folder name of the best checkpoint */
  int                 bad_evals;        /* evaluations without improvement */
  double              step_s_ema;       /* for the ETA */
  double              last_eval_s;
  int                 last_saved_step;
};

static void
emit_status (PtTrainer *t, PtRunStatus status, const char *message)
{
  if (t->cb.status != NULL)
    t->cb.status (status, message, t->cb.user_data);
}

static void G_GNUC_PRINTF (2, 3)
emit_log (PtTrainer *t, const char *format, ...)
{
  va_list args;
  g_autofree char *line = NULL;

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);
  if (t->cb.log != NULL)
    t->cb.log (line, t->cb.user_data);
}

PtTrainer *
pt_trainer_new (PtRun                    *run,
                const char               *checkpoint,
                gboolean                  force,
                const PtTrainerCallbacks *callbacks,
                GError                  **error)
{
  PtTrainer *t;
  g_autoptr(GError) changed = NULL;

  g_return_val_if_fail (run != NULL, NULL);

  if (!pt_train_settings_validate (pt_run_get_settings (run), error))
    return NULL;
  if (pt_run_get_step (run) > 0 && !pt_run_check_inputs (run, &changed))
    {
      if (!force)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                       "%s. Resuming would not continue the same training; start a new run, "
                       "or force the resume.", changed->message);
          return NULL;
        }
    }
  if (checkpoint != NULL && !g_file_test (checkpoint, G_FILE_TEST_IS_DIR))
    {
      g_autofree char *display = g_filename_display_name (checkpoint);
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "No checkpoint folder %s", display);
      return NULL;
    }

  t = g_new0 (PtTrainer, 1);
  t->run = run;
  t->s = pt_run_get_settings (run);
  t->resume_from = g_strdup (checkpoint);
  if (callbacks != NULL)
    t->cb = *callbacks;
  t->interrupt = g_cancellable_new ();
  t->best_value = NAN;
  t->best_step = -1;
  t->last_saved_step = -1;
  t->micro_batch = t->s->batch_size;
  t->accum = t->s->grad_accum;
  t->own_comm = pt_comm_new_single ();
  t->comm = t->own_comm;
  return t;
}

void
pt_trainer_free (PtTrainer *t)
{
  if (t == NULL)
    return;
  g_clear_pointer (&t->opt, pt_optimizer_free);
  g_clear_pointer (&t->pipe, pt_pipeline_free);
  g_clear_pointer (&t->split, pt_split_free);
  g_clear_pointer (&t->train_ds, pt_dataset_unref);
  g_clear_pointer (&t->val_ds, pt_dataset_unref);
  g_clear_object (&t->interrupt);
  g_clear_pointer (&t->own_comm, pt_comm_free);
  g_free (t->rank_device);
  g_free (t->resume_from);
  g_free (t->best_ckpt);
  g_free (t->memory_note);
  g_free (t);
}

void
pt_trainer_request_pause (PtTrainer *t)
{
  /* a pause lets a due evaluation finish, so resuming loses none */
  g_atomic_int_set (&t->pause_requested, 1);
}

void
pt_trainer_request_stop (PtTrainer *t)
{
  g_atomic_int_set (&t->stop_requested, 1);
  g_cancellable_cancel (t->interrupt);
}

void
pt_trainer_set_comm (PtTrainer *t,
                     PtComm    *comm)
{
  g_return_if_fail (t != NULL && comm != NULL);
  t->comm = comm;
  pt_run_set_writer (t->run, comm->rank == 0);
}

int
pt_trainer_get_total_steps (PtTrainer *t)
{
  return t->total_steps;
}

static double
elapsed (PtTrainer *t)
{
  return t->elapsed_before + (g_get_monotonic_time () - t->session_start) / 1e6;
}

/* ---- data parallel: every collective call of a step is here ------------------------ */

/* The rank's device and micro-batch. The run keeps its global batch (the
 * records of one micro-batch over all ranks) from its first session, so a
 * resume with another number of ranks makes the same global batches. */
static gboolean
dp_setup (PtTrainer *t, GError **error)
{
  int world = t->comm->world;
  int global = pt_run_get_global_batch (t->run);

  if (global <= 0)   /* a new run (--batch is per rank), or one from before data parallelism */
    global = t->s->batch_size * world;
  if (global % world != 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "This run trains on micro-batches of %d records over all processes, which %d "
                   "processes cannot share evenly: resume it with a number of processes that "
                   "divides %d", global, world, global);
      return FALSE;
    }
  t->rank_batch = global / world;
  g_free (t->rank_device);
  t->rank_device = pt_comm_rank_device (t->comm, t->s->device);
  pt_run_set_parallel (t->run, world, global);
  if (world > 1)
    emit_log (t, "Data parallel (%s): rank %d of %d on %s, %d records per micro-batch (%d over all ranks)",
              t->comm->name, t->comm->rank, world, t->rank_device, t->rank_batch, global);
  return TRUE;
}

/* Every rank starts from rank 0's trained weights (the same seed drew the same
 * LoRA initialisation on each; this makes sure), and draws its own dropout
 * masks: rank r's stream starts r·2⁴⁰ further on (rank 0's is the one saved). */
static gboolean
dp_share_weights (PtTrainer *t, GError **error)
{
  PtModel *model = t->pipe->model;
  PtBackend *be = t->pipe->backend;

  if (t->comm->world == 1)
    return TRUE;
  for (guint i = 0; i < pt_model_n_trainables (model); i++)
    {
      const PtTrainable *tr = pt_model_get_trainable (model, i);
      if (!pt_comm_broadcast_backend (t->comm, be, tr->param, tr->numel * pt_dtype_size (be->acc_dtype),
                                      0, error))
        return FALSE;
      pt_model_sync_trainable (model, i);
    }
  pt_model_set_rng_step (model, pt_model_get_rng_step (model) + ((guint64) t->comm->rank << 40));
  return pt_comm_barrier (t->comm, error);
}

/* A pause or stop asked of any rank (a signal reaches one) applies to all. */
static gboolean
dp_agree_requests (PtTrainer *t, GError **error)
{
  double v[2];

  if (t->comm->world == 1)
    return TRUE;
  v[0] = g_atomic_int_get (&t->pause_requested);
  v[1] = g_atomic_int_get (&t->stop_requested);
  if (!pt_comm_all_reduce_sum (t->comm, v, 2, PT_DTYPE_F64, error))
    return FALSE;
  if (v[0] > 0)
    g_atomic_int_set (&t->pause_requested, 1);
  if (v[1] > 0)
    pt_trainer_request_stop (t);
  return TRUE;
}

/* Before the forward passes: the step's labelled tokens, samples and
 * sequence tokens over every rank (the gradient is the mean over all the
 * global batch's tokens), and whether any rank's epoch ended. */
static gboolean
dp_agree_batch (PtTrainer *t, guint64 *tokens, guint64 *samples, guint64 *seq_tokens,
                gboolean *epoch_done, GError **error)
{
  double v[4] = { *tokens, *samples, *seq_tokens, *epoch_done };

  if (!pt_comm_all_reduce_sum (t->comm, v, 4, PT_DTYPE_F64, error))
    return FALSE;
  *tokens = (guint64) v[0];
  *samples = (guint64) v[1];
  *seq_tokens = (guint64) v[2];
  *epoch_done = v[3] > 0;
  return TRUE;
}

/* After the backward passes: the trained tensors' gradients and the loss
 * summed over every rank, so each makes the same optimiser step. */
static gboolean
dp_reduce_gradients (PtTrainer *t, double *loss_sum, GError **error)
{
  PtModel *model = t->pipe->model;
  PtBackend *be = t->pipe->backend;

  /* one rank: nothing to sum, unless a device reducer is attached to be
   * checked alone (PT_COMM_DEVICE=1: NCCL over one GPU must change nothing) */
  if (t->comm->world == 1 && t->comm->device_ops == NULL)
    return TRUE;
  for (guint i = 0; i < pt_model_n_trainables (model); i++)
    {
      const PtTrainable *tr = pt_model_get_trainable (model, i);
      if (!pt_comm_all_reduce_backend (t->comm, be, tr->grad, tr->numel, be->acc_dtype, error))
        return FALSE;
    }
  return pt_comm_all_reduce_sum (t->comm, loss_sum, 1, PT_DTYPE_F64, error);
}

/* The validation records this rank evaluates: its share of the first
 * eval_max_samples (all when 0). */
static void
dp_eval_share (PtTrainer *t, guint *first, guint *n)
{
  guint total = t->s->eval_max_samples > 0 ? MIN ((guint) t->s->eval_max_samples, t->split->n_val)
                                           : t->split->n_val;
  int r = t->comm->rank, w = t->comm->world;

  *first = (guint) ((guint64) total * r / w);
  *n = (guint) ((guint64) total * (r + 1) / w) - *first;
}

/* Sums the shards' evaluations: the token-mean loss, the accuracies over
 * every rank's records. The per-type details stay one rank's: left out. */
static gboolean
dp_reduce_eval (PtTrainer *t, PtEvalMetrics *m, GError **error)
{
  double v[6];

  if (t->comm->world == 1)
    return TRUE;
  v[0] = isfinite (m->val_loss) ? m->val_loss * m->n_loss_tokens : 0;
  v[1] = m->n_loss_tokens;
  v[2] = isfinite (m->vqa_accuracy) ? m->vqa_accuracy * m->n : 0;
  v[3] = isfinite (m->exact_match) ? m->exact_match * m->n : 0;
  v[4] = m->n;
  v[5] = m->n_loss;
  if (!pt_comm_all_reduce_sum (t->comm, v, 6, PT_DTYPE_F64, error))
    return FALSE;
  m->n_loss_tokens = (guint64) v[1];
  m->val_loss = v[1] > 0 ? v[0] / v[1] : NAN;
  m->n = (guint) v[4];
  m->vqa_accuracy = v[4] > 0 ? v[2] / v[4] : NAN;
  m->exact_match = v[4] > 0 ? v[3] / v[4] : NAN;
  m->n_loss = (guint) v[5];
  g_clear_pointer (&m->details, json_node_unref);
  return TRUE;
}

/* ---- setup ---------------------------------------------------------------------- */

static gboolean
load_data (PtTrainer *t, GError **error)
{
  const PtTrainSettings *s = t->s;
  PtDatasetLoadOptions load = { s->data_split, s->data_columns };
  gboolean val_split_there;

  emit_status (t, PT_RUN_RUNNING, "Reading the dataset…");
  t->train_ds = pt_dataset_load_with_options (s->data_path, PT_DATASET_FORMAT_AUTO, &load,
                                              t->interrupt, error);
  if (t->train_ds == NULL)
    return FALSE;
  /* a dataset with a validation split (Parquet/Arrow) validates on it */
  val_split_there = g_strv_contains (pt_dataset_get_splits (t->train_ds), "validation")
                    && g_strcmp0 (pt_dataset_get_split (t->train_ds), "validation") != 0;
  if ((s->val_data_path != NULL && *s->val_data_path != '\0') || val_split_there)
    {
      PtDatasetLoadOptions val = { "validation", s->data_columns };
      if (s->val_data_path != NULL && *s->val_data_path != '\0')
        t->val_ds = pt_dataset_load (s->val_data_path, PT_DATASET_FORMAT_AUTO, t->interrupt, error);
      else
        t->val_ds = pt_dataset_load_with_options (s->data_path, PT_DATASET_FORMAT_AUTO, &val,
                                                  t->interrupt, error);
      if (t->val_ds == NULL)
        return FALSE;
      t->split = pt_split_new_separate (t->train_ds, t->val_ds, error);
    }
  else
    t->split = pt_split_new (t->train_ds, s->val_split, s->seed, error);
  if (t->split == NULL)
    return FALSE;
  if (t->split->n_train == 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "The dataset has no usable training record (see its problem list)");
      return FALSE;
    }
  emit_log (t, "Dataset: %u training records, %u validation records (%u unusable records skipped)",
            t->split->n_train, t->split->n_val,
            pt_dataset_get_n_records (t->train_ds) - pt_dataset_get_n_usable (t->train_ds));
  return TRUE;
}

/* The longest prompt + answer in text tokens over train and validation. */
static int
measure_text (PtTrainer *t, PtTokenizer *tok, GError **error)
{
  guint over_train = 0, over_val = 0;
  int a, b;

  emit_status (t, PT_RUN_RUNNING, "Measuring prompts and answers…");
  a = pt_measure_text (tok, t->split->train_dataset, t->split->train, t->split->n_train,
                       t->s->prompt_template, AUTO_TEXT_LIMIT, &over_train, error);
  if (a < 0)
    return -1;
  b = pt_measure_text (tok, t->split->val_dataset, t->split->val, t->split->n_val,
                       t->s->prompt_template, AUTO_TEXT_LIMIT, &over_val, error);
  if (b < 0)
    return -1;
  if (over_train + over_val > 0)
    emit_log (t, "%u records are longer than %d text tokens and will be cut",
              over_train + over_val, AUTO_TEXT_LIMIT);
  return MAX (a, b);
}

static gboolean
check_fits (PtTrainer *t, const PtModelConfig *config, int max_seq, GError **error)
{
  g_autoptr(GPtrArray) devices = pt_backend_list_devices ();
  gboolean cpu = g_str_equal (t->rank_device, "cpu");
  PtMemoryEstimate est;
  guint64 total = 0;
  const char *name = t->rank_device;
  PtPrecision precision = PT_PRECISION_AUTO;

  pt_precision_parse (t->s->precision, &precision);   /* validated with the settings */
  precision = pt_precision_resolve (t->rank_device, precision);
  if (!pt_model_estimate_memory (config, t->s, t->micro_batch, max_seq,
                                 precision == PT_PRECISION_BF16 ? PT_DTYPE_BF16 : PT_DTYPE_F32,
                                 PT_DTYPE_F32, TRUE, &est, error))
    return FALSE;
  for (guint i = 0; i < devices->len; i++)
    {
      PtDeviceInfo *d = devices->pdata[i];
      if (g_str_equal (d->id, t->rank_device))
        {
          total = d->total_memory;
          name = d->name;
        }
    }
  if (cpu && t->s->memory_limit > 0)
    total = t->s->memory_limit;   /* the budget is the CPU's capacity */
  emit_log (t, "Memory needed: %.2f GiB (weights %.2f, trained + gradients %.2f, optimiser %.2f, "
            "activations %.2f, scratch %.2f); %s has %.1f GiB",
            est.peak / 1073741824.0, est.weights / 1073741824.0, est.trainable / 1073741824.0,
            est.optimizer / 1073741824.0, est.activations / 1073741824.0,
            est.scratch / 1073741824.0, name, total / 1073741824.0);
  if (total > 0 && est.peak > total)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_NO_MEMORY,
                   "This training needs about %.1f GiB at micro-batch %d but %s has %.1f GiB. "
                   "Use QLoRA, a smaller LoRA rank or a lower resolution.",
                   est.peak / 1073741824.0, t->micro_batch, name, total / 1073741824.0);
      return FALSE;
    }
  return TRUE;
}

/* ---- running out of memory ------------------------------------------------------------
 * A micro-batch that does not fit (the model's buffers at the start, or an
 * allocation during a step) is halved and the accumulation doubled: every
 * optimiser step still sums the gradients of the same samples, in the same
 * order, scaled by the same token count, so the run computes the same
 * result. An odd micro-batch goes to 1, so the micro-batch always divides
 * the settings' batch and positions convert exactly. */

/* This rank's micro-batches in an epoch: its share of every global batch,
 * in micro-batches (one process may have shrunk them; several ranks never
 * do, so there a micro-batch is the rank's whole share). */
static guint
micro_batches_per_epoch (PtTrainer *t)
{
  if (t->comm->world == 1)
    return pt_epoch_n_batches (t->split->n_train, t->micro_batch, FALSE);
  return pt_shard_n_batches (t->split->n_train, t->rank_batch, t->comm->world);
}

/* TRUE when error is running out of memory and a smaller micro-batch is
 * left to try: then micro_batch and accum are changed, and said so. */
static gboolean
shrink_micro_batch (PtTrainer *t, const GError *error)
{
  int old = t->micro_batch, next;

  if (!g_error_matches (error, PT_ERROR, PT_ERROR_NO_MEMORY) || old <= 1)
    return FALSE;
  next = old % 2 == 0 ? old / 2 : 1;
  t->micro_batch = next;
  t->accum = t->accum * (old / next);
  t->batches_per_epoch = micro_batches_per_epoch (t);
  g_free (t->memory_note);
  t->memory_note = g_strdup_printf ("micro-batch %d × %d accumulation: %d did not fit in memory",
                                    t->micro_batch, t->accum, t->rank_batch);
  emit_log (t, "Out of memory at micro-batch %d (%s): going on with micro-batch %d and %d "
            "accumulation steps, the same %d samples per step", old, error->message,
            t->micro_batch, t->accum, t->rank_batch * t->s->grad_accum);
  emit_status (t, PT_RUN_RUNNING, t->memory_note);
  return TRUE;
}

/* "Training…", with the memory note when the micro-batch was shrunk */
static void
emit_training (PtTrainer *t)
{
  g_autofree char *message = t->memory_note != NULL
                             ? g_strdup_printf ("Training… (%s)", t->memory_note)
                             : g_strdup ("Training…");
  emit_status (t, PT_RUN_RUNNING, message);
}

/* The loop's position t->batch (micro-batches into the epoch) in the
 * settings' batches, as checkpoints keep it, and back. */
static gint64
batch_to_settings (PtTrainer *t, guint batch)
{
  return ((gint64) batch * t->micro_batch + t->rank_batch - 1) / t->rank_batch;
}

static guint
batch_from_settings (PtTrainer *t, gint64 batch)
{
  return (guint) MIN ((guint64) batch * (t->rank_batch / t->micro_batch), t->batches_per_epoch);
}

static gboolean
setup_model (PtTrainer *t, GError **error)
{
  g_autoptr(PtTokenizer) tok = NULL;
  g_autoptr(PtModelConfig) config = NULL;
  int text_len;
  int steps_per_epoch;

  emit_status (t, PT_RUN_RUNNING, "Reading the model…");
  config = pt_pipeline_read_config (t->s->model_dir, &tok, error);
  if (config == NULL)
    return FALSE;
  text_len = t->s->max_text_len > 0 ? t->s->max_text_len : measure_text (t, tok, error);
  if (text_len < 0)
    return FALSE;
  if (!dp_setup (t, error))
    return FALSE;
  /* micro-batches start as this rank's share of a global batch; a run that
   * runs out of memory halves them (one process only: several ranks would
   * have to agree, and they stop with the error instead) */
  t->micro_batch = t->rank_batch;
  t->accum = t->s->grad_accum;
  for (;;)
    {
      g_autoptr(GError) local_error = NULL;

      if (check_fits (t, config, config->num_image_tokens + text_len, &local_error))
        {
          emit_status (t, PT_RUN_RUNNING, "Loading the model…");
          t->pipe = pt_pipeline_open (t->s->model_dir, t->s, t->rank_device, t->micro_batch,
                                      text_len, TRUE, &local_error);
          if (t->pipe != NULL)
            break;
        }
      if (t->comm->world > 1 || !shrink_micro_batch (t, local_error))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }
  if (!pt_comm_attach_backend (t->comm, t->pipe->backend, error))
    return FALSE;
  if (t->comm->world > 1)
    {
      g_autofree char *name = g_strdup_printf ("%s × %d", t->pipe->backend->device_name, t->comm->world);
      pt_run_set_device_name (t->run, name);
    }
  else
    pt_run_set_device_name (t->run, t->pipe->backend->device_name);

  t->batches_per_epoch = micro_batches_per_epoch (t);
  /* steps per epoch from the settings' batches: the same whatever the micro-batch */
  steps_per_epoch = (int) ((pt_shard_n_batches (t->split->n_train, t->rank_batch, t->comm->world)
                            + t->s->grad_accum - 1) / t->s->grad_accum);
  t->total_steps = t->s->max_steps > 0 ? t->s->max_steps : t->s->epochs * steps_per_epoch;
  t->opt = pt_optimizer_new (t->pipe->model, t->s, t->total_steps, error);
  if (t->opt == NULL)
    return FALSE;
  emit_log (t, "%s: %" G_GUINT64_FORMAT " trained parameters of %" G_GUINT64_FORMAT
            "; %d steps of %d × %d samples",
            pt_train_mode_to_string (t->s->mode), pt_model_n_trainable_params (t->pipe->model),
            pt_model_config_n_params (t->pipe->config), t->total_steps, t->accum,
            t->micro_batch * t->comm->world);
  return TRUE;
}

/* ---- checkpoints ---------------------------------------------------------------------- */

static JsonNode *
state_to_json (PtTrainer *t)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
#define INT(key, v) G_STMT_START { json_builder_set_member_name (b, key); json_builder_add_int_value (b, v); } G_STMT_END
#define DBL(key, v) G_STMT_START { json_builder_set_member_name (b, key); json_builder_add_double_value (b, v); } G_STMT_END
  INT ("step", t->step);
  INT ("epoch", t->epoch);
  INT ("batch", batch_to_settings (t, t->batch));
  INT ("samples", (gint64) t->samples);
  INT ("optimizer_step", pt_optimizer_get_step (t->opt));
  INT ("rng_step", (gint64) pt_model_get_rng_step (t->pipe->model));
  DBL ("elapsed", elapsed (t));
  INT ("total_steps", t->total_steps);
  INT ("best_step", t->best_step);
  json_builder_set_member_name (b, "best_value");
  if (isfinite (t->best_value))
    json_builder_add_double_value (b, t->best_value);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "best_checkpoint");
  if (t->best_ckpt)
    json_builder_add_string_value (b, t->best_ckpt);
  else
    json_builder_add_null_value (b);
  INT ("bad_evals", t->bad_evals);
#undef INT
#undef DBL
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static gboolean
save_checkpoint (PtTrainer *t, GError **error)
{
  g_autoptr(JsonNode) state = NULL;
  g_autofree char *dir = NULL;

  if (t->last_saved_step == t->step)
    return TRUE;
  if (!pt_run_is_writer (t->run))   /* another rank (0) writes the run folder */
    {
      t->last_saved_step = t->step;
      return TRUE;
    }
  emit_status (t, PT_RUN_RUNNING, "Saving a checkpoint…");
  state = state_to_json (t);
  dir = pt_ckpt_save (t->run, t->step, t->pipe->model, t->opt, state, error);
  if (dir == NULL)
    return FALSE;
  t->last_saved_step = t->step;
  pt_ckpt_prune (t->run, t->s->keep_checkpoints, t->best_ckpt);
  emit_log (t, "Checkpoint saved at step %d", t->step);
  return TRUE;
}

static gboolean
resume (PtTrainer *t, GError **error)
{
  g_autofree char *ckpt = t->resume_from ? g_strdup (t->resume_from) : pt_ckpt_latest (t->run);
  g_autoptr(JsonNode) state = NULL;
  JsonObject *o;
  gint64 step, epoch, batch, samples, rng_step, optimizer_step;
  const char *best_ckpt;

  if (ckpt == NULL)
    {
      if (pt_run_get_step (t->run) > 0)
        emit_log (t, "No checkpoint to resume from: starting over");
      return pt_run_truncate_metrics (t->run, 0, error);
    }
  emit_status (t, PT_RUN_RUNNING, "Resuming from the last checkpoint…");
  state = pt_ckpt_load_state (ckpt, error);
  if (state == NULL
      || !pt_ckpt_load_weights (ckpt, t->pipe->model, error)
      || !pt_ckpt_load_optimizer (ckpt, t->opt, t->pipe->model, error))
    return FALSE;
  o = json_node_get_object (state);
  step = pt_json_get_int (o, "step", -1);
  epoch = pt_json_get_int (o, "epoch", 0);
  batch = pt_json_get_int (o, "batch", 0);
  samples = pt_json_get_int (o, "samples", 0);
  rng_step = pt_json_get_int (o, "rng_step", 0);
  optimizer_step = pt_json_get_int (o, "optimizer_step", step);
  best_ckpt = pt_json_get_string (o, "best_checkpoint", NULL);
  /* a hand-edited or damaged state.json: refuse what cannot be a position */
  if (step < 0 || step > t->total_steps || epoch < 0 || batch < 0
      || batch > pt_epoch_n_batches (t->split->n_train, t->s->batch_size, FALSE)
      || samples < 0 || rng_step < 0 || optimizer_step < 0 || optimizer_step > G_MAXINT
      || (best_ckpt != NULL && !pt_ckpt_is_name (best_ckpt)))
    {
      g_autofree char *display = g_filename_display_name (ckpt);
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "The checkpoint %s does not hold a valid training position for this run "
                   "(state.json says step %" G_GINT64_FORMAT "; the run has %d steps)",
                   display, step, t->total_steps);
      return FALSE;
    }
  t->step = (int) step;
  t->epoch = (guint) epoch;
  t->batch = batch_from_settings (t, batch);
  t->samples = (guint64) samples;
  t->elapsed_before = pt_json_get_double (o, "elapsed", 0);
  t->best_step = (int) pt_json_get_int (o, "best_step", -1);
  t->best_value = pt_json_get_double (o, "best_value", NAN);
  t->best_ckpt = g_strdup (best_ckpt);
  t->bad_evals = (int) pt_json_get_int (o, "bad_evals", 0);
  pt_optimizer_set_step (t->opt, (int) optimizer_step);
  pt_model_set_rng_step (t->pipe->model, (guint64) rng_step);
  t->last_saved_step = t->step;
  emit_log (t, "Resumed at step %d (epoch %u, batch %u)", t->step, t->epoch + 1, t->batch);
  return pt_run_truncate_metrics (t->run, t->step, error);
}

/* ---- evaluation --------------------------------------------------------------------- */

static gboolean
metric_lower_is_better (const char *metric)
{
  return g_str_equal (metric, "val_loss");
}

static double
metric_value (const PtEvalMetrics *m, const char *metric)
{
  if (g_str_equal (metric, "vqa_accuracy"))
    return m->vqa_accuracy;
  if (g_str_equal (metric, "exact_match"))
    return m->exact_match;
  return m->val_loss;
}

/* Evaluates; updates best / patience. *stop_early is set when patience ran out. */
static gboolean
evaluate (PtTrainer *t, gboolean *stop_early, GError **error)
{
  PtEvalOptions o;
  g_autoptr(PtEvalMetrics) m = NULL;
  g_autoptr(JsonNode) row = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *metric = t->s->early_stop_metric;
  guint first = 0, n = t->split->n_val;
  double v;

  *stop_early = FALSE;
  if (t->split->n_val == 0)
    return TRUE;
  emit_status (t, PT_RUN_RUNNING, "Evaluating…");
  pt_eval_options_init (&o);
  o.template_ = t->s->prompt_template;
  o.max_new_tokens = t->s->max_new_tokens;
  o.max_loss = t->s->eval_max_samples;
  o.max_generate = t->s->eval_max_samples;
  o.n_threads = t->s->num_workers;
  /* with several ranks a stop waits for the evaluation: one rank leaving it
   * early would leave the others waiting for its share */
  o.cancellable = t->comm->world > 1 ? NULL : t->interrupt;
  if (t->comm->world > 1)
    {
      dp_eval_share (t, &first, &n);
      o.max_loss = o.max_generate = 0;
    }
  m = pt_evaluate (t->pipe, t->split->val_dataset, t->split->val + first, n, &o, &local_error);
  if (m == NULL)
    {
      if (g_error_matches (local_error, PT_ERROR, PT_ERROR_CANCELLED))
        return TRUE;   /* pause/stop during evaluation: no result */
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (!dp_reduce_eval (t, m, error))
    return FALSE;
  m->step = t->step;
  t->last_eval_s = m->seconds;

  v = metric_value (m, metric);
  if (isfinite (v))
    {
      gboolean better = !isfinite (t->best_value)
                        || (metric_lower_is_better (metric)
                            ? v < t->best_value - t->s->early_stop_min_delta
                            : v > t->best_value + t->s->early_stop_min_delta);
      if (better)
        {
          t->best_value = v;
          t->best_step = t->step;
          t->bad_evals = 0;
          m->is_best = TRUE;
          g_free (t->best_ckpt);
          t->best_ckpt = g_strdup_printf ("step-%07d", t->step);
          if (!save_checkpoint (t, error))
            return FALSE;
          pt_run_set_best (t->run, t->step, metric, v, t->best_ckpt);
        }
      else
        {
          t->bad_evals++;
          if (t->s->early_stopping && t->bad_evals >= t->s->early_stop_patience)
            *stop_early = TRUE;
        }
    }

  row = pt_eval_metrics_to_json (m, TRUE);
  if (!pt_run_append_metrics (t->run, row, error))
    return FALSE;
  pt_run_set_last_metrics (t->run, row);
  if (!pt_run_save (t->run, error))
    return FALSE;
  if (t->cb.eval != NULL)
    t->cb.eval (m, t->cb.user_data);
  emit_log (t, "Step %d: validation loss %.4f, VQA accuracy %.1f%%, exact match %.1f%% (%u records)",
            t->step, m->val_loss, 100 * m->vqa_accuracy, 100 * m->exact_match, m->n);
  return TRUE;
}

/* ---- the loop -------------------------------------------------------------------------- */

static double
ms_since (gint64 t0)
{
  return (g_get_monotonic_time () - t0) / 1000.0;
}

static PtLoader *
epoch_loader (PtTrainer *t)
{
  g_autofree guint *order = pt_split_epoch_order (t->split, t->s->seed, t->epoch);
  g_autofree guint *share = NULL;
  guint n_share = 0, n_global = 0;
  PtLoaderOptions lo;
  PtLoaderSource src;

  /* this rank's rows of each global batch: batch k of its loader is its share of batch k */
  share = pt_shard_order (order, t->split->n_train, t->rank_batch, t->comm->rank, t->comm->world,
                          &n_share, &n_global);

  pt_pipeline_loader_source (t->pipe, t->split->train_dataset, t->s->prompt_template, FALSE, &src);
  pt_loader_options_init (&lo);
  lo.batch_size = t->micro_batch;
  lo.n_threads = t->s->num_workers;
  lo.start_batch = t->batch;
  return pt_loader_new (&src, share, n_share, &lo);
}

/* One optimiser step over up to grad_accum micro-batches. *epoch_done when
 * the loader ran out. FALSE on error. */
static gboolean
train_step (PtTrainer *t, PtLoader *loader, gboolean *epoch_done, PtStepMetrics *m,
            GError **error)
{
  g_autoptr(GPtrArray) batches = g_ptr_array_new_with_free_func ((GDestroyNotify) pt_batch_free);
  PtModel *model = t->pipe->model;
  PtBackend *be = t->pipe->backend;
  gint64 t0 = g_get_monotonic_time (), t1;
  double loss_sum = 0;
  guint64 tokens = 0, seq_tokens = 0, samples = 0;
  PtStepInfo info;
  g_autoptr(GError) step_error = NULL;

  memset (m, 0, sizeof *m);
  *epoch_done = FALSE;
  for (int a = 0; a < t->accum; a++)
    {
      guint k;
      PtBatch *b = pt_loader_next (loader, &k, error);
      if (b == NULL)
        {
          if (error != NULL && *error != NULL)
            return FALSE;
          *epoch_done = TRUE;
          break;
        }
      g_ptr_array_add (batches, b);
      tokens += b->n_label_tokens;
      samples += b->B;
      for (int i = 0; i < b->B; i++)
        seq_tokens += b->seq_len[i];
    }
  m->data_ms = ms_since (t0);
  if (!dp_agree_batch (t, &tokens, &samples, &seq_tokens, epoch_done, error))
    return FALSE;
  if (samples == 0)
    return TRUE;

  pt_model_zero_grads (model);
  for (guint i = 0; i < batches->len; i++)
    {
      PtLossResult r;
      if (!pt_model_forward_backward (model, batches->pdata[i], tokens ? 1.0 / tokens : 0.0, &r, error))
        return FALSE;
      loss_sum += r.loss_sum;
      m->forward_ms += r.forward_ms;
      m->backward_ms += r.backward_ms;
      t->batch++;
    }
  if (!dp_reduce_gradients (t, &loss_sum, error))
    return FALSE;
  t1 = g_get_monotonic_time ();
  m->loss = tokens ? loss_sum / tokens : NAN;
  if (!isfinite (m->loss) && !t->s->skip_nonfinite)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_NUMERIC,
                   "The loss became %s at step %d. Lower the learning rate (now %g), or enable "
                   "skipping of non-finite steps.", isnan (m->loss) ? "NaN" : "infinite",
                   t->step + 1, t->s->learning_rate);
      return FALSE;
    }
  if (!pt_optimizer_step (t->opt, &info, &step_error))
    {
      if (g_error_matches (step_error, PT_ERROR, PT_ERROR_NUMERIC))
        g_set_error (error, PT_ERROR, PT_ERROR_NUMERIC,
                     "The gradients became non-finite at step %d (%s). Lower the learning rate "
                     "(now %g), or enable skipping of non-finite steps.", t->step + 1,
                     step_error->message, t->s->learning_rate);
      else
        g_propagate_error (error, g_steal_pointer (&step_error));
      return FALSE;
    }
  if (!be->ops->check (be, error))
    return FALSE;
  m->optim_ms = ms_since (t1);

  t->step++;
  t->samples += samples;
  m->step = t->step;
  m->total_steps = t->total_steps;
  m->epoch = t->epoch + (double) t->batch / MAX (t->batches_per_epoch, 1);
  m->samples = t->samples;
  m->lr = info.lr;
  m->grad_norm = info.grad_norm;
  m->skipped = info.skipped || !isfinite (m->loss);
  m->step_ms = ms_since (t0);
  m->samples_per_s = samples / (m->step_ms / 1000.0);
  m->tokens_per_s = seq_tokens / (m->step_ms / 1000.0);
  m->memory_in_use = be->in_use;
  m->memory_peak = be->peak;
  m->elapsed_s = elapsed (t);
  t->step_s_ema = pt_metrics_average_step_time (t->step_s_ema, m);
  m->step_s_avg = t->step_s_ema;
  {
    int left = t->total_steps - t->step;
    int evals_left = t->s->eval_every > 0 ? left / t->s->eval_every + 1 : 1;
    double pace = t->step_s_ema > 0 ? t->step_s_ema : m->step_ms / 1000.0;
    m->eta_s = left * pace + (t->split->n_val ? evals_left * t->last_eval_s : 0);
  }
  return TRUE;
}

static gboolean
finish (PtTrainer *t, PtRunStatus status, const char *message, GError **error)
{
  pt_run_set_status (t->run, status, NULL);
  pt_run_set_progress (t->run, t->step, t->total_steps, elapsed (t));
  if (!pt_run_save (t->run, error))
    return FALSE;
  emit_status (t, status, message);
  return TRUE;
}

static gboolean
run_loop (PtTrainer *t, GError **error)
{
  gboolean ok = TRUE, stop_early = FALSE;
  const char *end_message = NULL;
  PtRunStatus end_status = PT_RUN_FINISHED;

  pt_run_set_status (t->run, PT_RUN_RUNNING, NULL);
  pt_run_set_progress (t->run, t->step, t->total_steps, elapsed (t));
  if (!pt_run_save (t->run, error))
    return FALSE;
  emit_training (t);

  while (ok && t->step < t->total_steps && !stop_early)
    {
      g_autoptr(PtLoader) loader = epoch_loader (t);
      gboolean epoch_done = FALSE;

      while (t->step < t->total_steps)
        {
          PtStepMetrics m;
          g_autoptr(JsonNode) row = NULL;
          /* where the step starts, to redo it if it runs out of memory */
          guint batch0 = t->batch;
          int micro0 = t->micro_batch;
          guint64 rng0 = pt_model_get_rng_step (t->pipe->model);
          g_autoptr(GError) step_error = NULL;

          if (!dp_agree_requests (t, error))
            {
              ok = FALSE;
              break;
            }
          if (g_atomic_int_get (&t->pause_requested) || g_atomic_int_get (&t->stop_requested))
            break;
          if (!train_step (t, loader, &epoch_done, &m, &step_error))
            {
              if (t->comm->world == 1 && shrink_micro_batch (t, step_error))
                {
                  /* redo the step from its first sample with the smaller micro-batch */
                  t->batch = batch0 * (guint) (micro0 / t->micro_batch);
                  pt_model_set_rng_step (t->pipe->model, rng0);
                  epoch_done = FALSE;
                  g_clear_pointer (&loader, pt_loader_free);
                  loader = epoch_loader (t);
                  continue;
                }
              g_propagate_error (error, g_steal_pointer (&step_error));
              ok = FALSE;
              break;
            }
          if (m.step == 0)   /* nothing was left in this epoch */
            break;
          row = pt_step_metrics_to_json (&m);
          if (!pt_run_append_metrics (t->run, row, error))
            {
              ok = FALSE;
              break;
            }
          pt_run_set_last_metrics (t->run, row);
          pt_run_set_progress (t->run, t->step, t->total_steps, elapsed (t));
          if (t->cb.step != NULL)
            t->cb.step (&m, t->cb.user_data);

          if (t->s->eval_every > 0 && t->step % t->s->eval_every == 0 && t->step < t->total_steps)
            {
              if (!evaluate (t, &stop_early, error))
                {
                  ok = FALSE;
                  break;
                }
              if (stop_early)
                break;
              emit_training (t);
            }
          if (t->s->save_every > 0 && t->step % t->s->save_every == 0
              && !save_checkpoint (t, error))
            {
              ok = FALSE;
              break;
            }
          if (epoch_done)
            break;
        }
      if (!ok || g_atomic_int_get (&t->pause_requested) || g_atomic_int_get (&t->stop_requested)
          || stop_early)
        break;
      if (epoch_done || t->batch >= t->batches_per_epoch)
        {
          t->epoch++;
          t->batch = 0;
        }
    }
  if (!ok)
    return FALSE;

  if (g_atomic_int_get (&t->pause_requested))
    {
      if (!save_checkpoint (t, error))
        return FALSE;
      return finish (t, PT_RUN_PAUSED, "Paused: resume continues from here", error);
    }
  if (g_atomic_int_get (&t->stop_requested))
    return finish (t, PT_RUN_STOPPED, "Stopped", error);

  if (stop_early)
    end_message = "Stopped early: the validation metric stopped improving";
  else if (!evaluate (t, &stop_early, error))
    return FALSE;
  if (!save_checkpoint (t, error))
    return FALSE;
  if (pt_run_get_last_metrics (t->run) != NULL)
    pt_run_set_final_metrics (t->run, pt_run_get_last_metrics (t->run));
  return finish (t, end_status, end_message ? end_message : "Finished", error);
}

gboolean
pt_trainer_run (PtTrainer *t,
                GError   **error)
{
  g_autoptr(GError) local_error = NULL;
  gboolean ok;

  g_return_val_if_fail (t != NULL, FALSE);

  t->session_start = g_get_monotonic_time ();
  ok = load_data (t, &local_error)
       && setup_model (t, &local_error)
       && resume (t, &local_error)
       && dp_share_weights (t, &local_error)
       && run_loop (t, &local_error);
  if (ok)
    return TRUE;

  if (g_error_matches (local_error, PT_ERROR, PT_ERROR_CANCELLED))
    {
      /* stopped while loading: nothing trained, nothing lost */
      pt_run_set_status (t->run, PT_RUN_STOPPED, NULL);
      pt_run_save (t->run, NULL);
      emit_status (t, PT_RUN_STOPPED, "Stopped");
      return TRUE;
    }
  pt_run_set_status (t->run, PT_RUN_FAILED, local_error->message);
  pt_run_set_progress (t->run, t->step, t->total_steps, elapsed (t));
  pt_run_save (t->run, NULL);
  emit_status (t, PT_RUN_FAILED, local_error->message);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}
