/* pt-cli-train.c — palitune-cli train: start or resume a run. */
#include "config.h"

#include <glib/gi18n.h>
#include <glib-unix.h>      /* g_unix_signal_add */
#include <math.h>           /* NAN, isnan */
#include <stdio.h>
#include <unistd.h>         /* isatty */

#include "pt-cli.h"
#include "pt-error.h"
#include "pt-json.h"        /* pt_json_load_file */
#include "pt-dataset.h"     /* pt_dataset_check_columns */
#include "pt-trainer.h"
#include "pt-training-ranks.h"   /* --device cuda:all in one process */

typedef struct {
  PtTrainer   *trainer;
  PtRun       *run;
  GMainLoop   *loop;
  gboolean     ok;
  GError      *error;
  gboolean     tty;
  gboolean     quiet;
  int          interrupts;
  gint64       last_draw;
} TrainJob;

static void
format_duration (char *buf, gsize size, double s)
{
  if (s < 0 || !isfinite (s))
    g_snprintf (buf, size, "--:--");
  else if (s >= 3600)
    g_snprintf (buf, size, "%d:%02d:%02d", (int) s / 3600, ((int) s / 60) % 60, (int) s % 60);
  else
    g_snprintf (buf, size, "%d:%02d", (int) s / 60, (int) s % 60);
}

static void
step_cb (const PtStepMetrics *m, gpointer user_data)
{
  TrainJob *job = user_data;
  char eta[32];

  if (job->quiet)
    return;
  format_duration (eta, sizeof eta, m->eta_s);
  if (job->tty)
    {
      /* a progress bar redrawn in place, at most 10 times a second */
      gint64 now = g_get_monotonic_time ();
      int width = 24, filled = m->total_steps ? width * m->step / m->total_steps : 0;
      char bar[32];
      if (now - job->last_draw < 100000 && m->step < m->total_steps)
        return;
      job->last_draw = now;
      for (int i = 0; i < width; i++)
        bar[i] = i < filled ? '#' : '.';
      bar[width] = '\0';
      fputc ('\r', stderr);
      /* Translators: the progress bar on a terminal: [####....] step/steps | loss | learning
       * rate | milliseconds per step | samples per second | time left */
      fprintf (stderr, _("[%s] %d/%d | loss %.4f | lr %.2e | %.0f ms | %.1f samples/s | ETA %s   "),
               bar, m->step, m->total_steps, m->loss, m->lr, m->step_ms, m->samples_per_s, eta);
      if (m->step == m->total_steps)
        fputc ('\n', stderr);
    }
  else
    /* a log line in llm.c's format that scripts read: not translated */
    printf ("step %d/%d | loss %.4f | norm %.4f | lr %.3e | %.1f ms | %.2f samples/s | %.0f tok/s%s\n",
            m->step, m->total_steps, m->loss, m->grad_norm, m->lr, m->step_ms, m->samples_per_s,
            m->tokens_per_s, m->skipped ? " | skipped" : "");
  fflush (stdout);
}

static void
eval_cb (const PtEvalMetrics *m, gpointer user_data)
{
  TrainJob *job = user_data;

  if (job->quiet)
    return;
  if (job->tty)
    fputc ('\n', stderr);
  /* a log line that scripts read: not translated */
  printf ("eval step %d | val loss %.4f | VQA accuracy %.2f%% | exact match %.2f%% | n %u%s\n",
          m->step, m->val_loss, 100 * m->vqa_accuracy, 100 * m->exact_match, m->n,
          m->is_best ? " | best" : "");
  fflush (stdout);
}

static void
log_cb (const char *line, gpointer user_data)
{
  TrainJob *job = user_data;

  if (!job->quiet)
    g_printerr ("%s%s\n", job->tty ? "\r" : "", line);
}

static void
status_cb (PtRunStatus status, const char *message, gpointer user_data)
{
  TrainJob *job = user_data;

  if (!job->quiet && message != NULL && status != PT_RUN_FAILED)
    g_printerr ("%s%s\n", job->tty ? "\r" : "", message);
}

static gpointer
train_thread (gpointer data)
{
  TrainJob *job = data;

  job->ok = pt_trainer_run (job->trainer, &job->error);
  g_main_loop_quit (job->loop);
  return NULL;
}

static gboolean
sigint_cb (gpointer data)
{
  TrainJob *job = data;

  if (++job->interrupts == 1)
    {
      g_printerr ("\n%s\n", _("Pausing after this step (a checkpoint is saved; resume with --resume). "
                               "Press Ctrl+C again to stop at once."));
      pt_trainer_request_pause (job->trainer);
      return G_SOURCE_CONTINUE;
    }
  g_printerr ("\n%s\n", _("Stopping."));
  pt_trainer_request_stop (job->trainer);
  return G_SOURCE_REMOVE;
}

/* A run's status as the summary line says it. */
static const char *
status_name (PtRunStatus status)
{
  switch (status)
    {
    case PT_RUN_CREATED: return C_("run status", "created");
    case PT_RUN_RUNNING: return C_("run status", "running");
    case PT_RUN_PAUSED: return C_("run status", "paused");
    case PT_RUN_STOPPED: return C_("run status", "stopped");
    case PT_RUN_FINISHED: return C_("run status", "finished");
    case PT_RUN_FAILED: return C_("run status", "failed");
    default: return pt_run_status_to_string (status);
    }
}

/* run.json → its "settings"; a bare settings object works too. */
static PtTrainSettings *
load_settings_file (const char *path, GError **error)
{
  g_autoptr(JsonNode) node = pt_json_load_file (path, 64 * 1024 * 1024, error);
  JsonNode *settings;

  if (node == NULL)
    return NULL;
  settings = node;
  if (JSON_NODE_HOLDS_OBJECT (node) && json_object_has_member (json_node_get_object (node), "settings"))
    settings = json_object_get_member (json_node_get_object (node), "settings");
  return pt_train_settings_from_json_node (settings, error);
}

/* Canonical absolute paths, so run.json stays valid from another folder. */
static void
absolutize (char **path)
{
  if (*path != NULL && **path != '\0')
    {
      char *abs = g_canonicalize_filename (*path, NULL);
      g_free (*path);
      *path = abs;
    }
}

static int
train (int argc, char **argv, PtComm **comm_out)
{
  g_autofree char *model = NULL, *data = NULL, *val_data = NULL, *mode = NULL, *targets = NULL;
  g_autofree char *split = NULL, *columns = NULL;
  g_autofree char *device = NULL, *out = NULL, *resume = NULL, *settings_file = NULL;
  g_autofree char *preset = NULL, *template_ = NULL, *schedule = NULL, *adapter = NULL;
  g_autofree char *runs_root = NULL, *name = NULL, *metric = NULL, *seed_text = NULL;
  g_autofree char *precision = NULL, *memory_limit = NULL;
  double val_split = NAN, alpha = NAN, dropout = NAN, lr = NAN, wd = NAN, clip = NAN;
  double min_delta = NAN, beta2 = NAN;
  int rank = -1, resolution = -1, epochs = -1, max_steps = -1, batch = -1, accum = -1;
  int warmup = -1, eval_every = -1, save_every = -1, keep = -1, patience = -1, workers = -1;
  int max_text_len = -1, eval_max = -1, max_new = -1;
  gboolean rslora = FALSE, early = FALSE, skip_nonfinite = FALSE, force = FALSE, quiet = FALSE;
  gboolean train_vision = FALSE, no_train_projector = FALSE, no_train_decoder = FALSE;
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model, N_("Hugging Face PaliGemma folder"), N_("DIR") },
    { "data", 'd', 0, G_OPTION_ARG_FILENAME, &data, N_("Training data: JSONL, CSV/TSV or a VQAv2 folder"), N_("PATH") },
    { "val-data", 0, 0, G_OPTION_ARG_FILENAME, &val_data, N_("Separate validation data"), N_("PATH") },
    { "split", 0, 0, G_OPTION_ARG_STRING, &split,
      N_("Split of a Parquet/Arrow dataset to train on (default train; a “validation” split "
         "validates)"), N_("NAME") },
    { "columns", 0, 0, G_OPTION_ARG_STRING, &columns,
      N_("Parquet/Arrow columns per field, e.g. image=img,question=query,answer=label"),
      N_("FIELD=COLUMN,…") },
    { "val-split", 0, 0, G_OPTION_ARG_DOUBLE, &val_split, N_("Validation fraction (< 1) or count (default 0.1)"), N_("F") },
    { "template", 0, 0, G_OPTION_ARG_STRING, &template_, N_("Prompt template (default “answer {question}”)"), N_("T") },
    { "mode", 0, 0, G_OPTION_ARG_STRING, &mode, N_("lora, qlora or full (default lora)"), N_("MODE") },
    { "rank", 'r', 0, G_OPTION_ARG_INT, &rank, N_("LoRA rank (default 8)"), N_("R") },
    { "alpha", 0, 0, G_OPTION_ARG_DOUBLE, &alpha, N_("LoRA alpha (default 8)"), N_("A") },
    { "dropout", 0, 0, G_OPTION_ARG_DOUBLE, &dropout, N_("LoRA dropout (default 0)"), N_("P") },
    { "rslora", 0, 0, G_OPTION_ARG_NONE, &rslora, N_("Scale LoRA by alpha/√r"), NULL },
    { "targets", 0, 0, G_OPTION_ARG_STRING, &targets, N_("LoRA modules (default q_proj,o_proj,k_proj,v_proj,gate_proj,up_proj,down_proj); vision.NAME / text.NAME for one tower"), N_("LIST") },
    { "adapter", 0, 0, G_OPTION_ARG_FILENAME, &adapter, N_("Start from this PEFT adapter"), N_("DIR") },
    { "train-vision", 0, 0, G_OPTION_ARG_NONE, &train_vision, N_("Full mode: train the vision tower too"), NULL },
    { "no-train-projector", 0, 0, G_OPTION_ARG_NONE, &no_train_projector, N_("Full mode: freeze the projector"), NULL },
    { "no-train-decoder", 0, 0, G_OPTION_ARG_NONE, &no_train_decoder, N_("Full mode: freeze the decoder"), NULL },
    { "resolution", 0, 0, G_OPTION_ARG_INT, &resolution, N_("224, 448 or 896 (default: the model’s)"), N_("PX") },
    { "max-text-len", 0, 0, G_OPTION_ARG_INT, &max_text_len, N_("Most text tokens per record (default: the longest, up to 512)"), N_("N") },
    { "lr", 0, 0, G_OPTION_ARG_DOUBLE, &lr, N_("Learning rate (default 2e-5)"), N_("LR") },
    { "weight-decay", 0, 0, G_OPTION_ARG_DOUBLE, &wd, N_("AdamW weight decay (default 1e-6)"), N_("WD") },
    { "beta2", 0, 0, G_OPTION_ARG_DOUBLE, &beta2, N_("AdamW beta2 (default 0.999)"), N_("B") },
    { "max-grad-norm", 0, 0, G_OPTION_ARG_DOUBLE, &clip, N_("Gradient clipping norm, 0 = off (default 1)"), N_("N") },
    { "warmup", 0, 0, G_OPTION_ARG_INT, &warmup, N_("Warmup steps (default 2)"), N_("N") },
    { "schedule", 0, 0, G_OPTION_ARG_STRING, &schedule, N_("linear, cosine or constant (default linear)"), N_("S") },
    { "epochs", 'e', 0, G_OPTION_ARG_INT, &epochs, N_("Epochs (default 2)"), N_("N") },
    { "max-steps", 0, 0, G_OPTION_ARG_INT, &max_steps, N_("Optimiser steps; overrides --epochs"), N_("N") },
    { "batch", 'b', 0, G_OPTION_ARG_INT, &batch, N_("Micro-batch size (default 16)"), N_("B") },
    { "grad-accum", 0, 0, G_OPTION_ARG_INT, &accum, N_("Micro-batches per step (default 4)"), N_("N") },
    { "eval-every", 0, 0, G_OPTION_ARG_INT, &eval_every, N_("Evaluate every N steps (default: at the end)"), N_("N") },
    { "eval-samples", 0, 0, G_OPTION_ARG_INT, &eval_max, N_("Validation records per evaluation (default all)"), N_("N") },
    { "max-new-tokens", 0, 0, G_OPTION_ARG_INT, &max_new, N_("Answer length when evaluating (default 16)"), N_("N") },
    { "save-every", 0, 0, G_OPTION_ARG_INT, &save_every, N_("Checkpoint every N steps (default: at the end)"), N_("N") },
    { "keep", 0, 0, G_OPTION_ARG_INT, &keep, N_("Checkpoints kept besides the best (default 2)"), N_("K") },
    { "early-stopping", 0, 0, G_OPTION_ARG_NONE, &early, N_("Stop when the validation metric stops improving"), NULL },
    { "metric", 0, 0, G_OPTION_ARG_STRING, &metric, N_("val_loss, vqa_accuracy or exact_match (default val_loss)"), N_("M") },
    { "patience", 0, 0, G_OPTION_ARG_INT, &patience, N_("Evaluations without improvement before stopping (default 3)"), N_("N") },
    { "min-delta", 0, 0, G_OPTION_ARG_DOUBLE, &min_delta, N_("Smallest change that counts as improvement"), N_("D") },
    { "skip-nonfinite", 0, 0, G_OPTION_ARG_NONE, &skip_nonfinite, N_("Skip steps with NaN/inf instead of stopping"), NULL },
    { "device", 0, 0, G_OPTION_ARG_STRING, &device, N_("cpu, cuda:N or cuda:all (every GPU; under mpirun or srun each rank takes cuda:<local rank>) (default cpu)"), N_("DEV") },
    { "precision", 0, 0, G_OPTION_ARG_STRING, &precision, N_("auto, bf16 or f32 (default auto: bf16 where the device computes it natively)"), N_("P") },
    { "memory-limit", 0, 0, G_OPTION_ARG_STRING, &memory_limit, N_("Most memory the CPU backend may use, such as 6G or 512M; a step that runs out retries with half the micro-batch"), N_("SIZE") },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &seed_text, N_("Random seed (default 42)"), N_("S") },
    { "workers", 'j', 0, G_OPTION_ARG_INT, &workers, N_("Data loader threads (default: automatic)"), N_("N") },
    { "preset", 0, 0, G_OPTION_ARG_STRING, &preset, N_("quick-test, seed or best-quality"), N_("P") },
    { "settings", 0, 0, G_OPTION_ARG_FILENAME, &settings_file, N_("Start from the settings of a run.json (replay a run)"), N_("FILE") },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, N_("The run folder to create (default: a new folder under the runs folder)"), N_("RUN_DIR") },
    { "runs", 0, 0, G_OPTION_ARG_FILENAME, &runs_root, N_("Where new runs go (default ~/.local/share/palitune/runs)"), N_("DIR") },
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, N_("A name for the run"), N_("NAME") },
    { "resume", 0, 0, G_OPTION_ARG_FILENAME, &resume, N_("Continue the run in RUN_DIR from its last checkpoint"), N_("RUN_DIR") },
    { "force", 0, 0, G_OPTION_ARG_NONE, &force, N_("Resume even though the model or data changed"), NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, N_("Print only errors"), NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  PtComm *comm;   /* data parallel under mpirun / srun: *comm_out, outlives the trainer */
  g_autoptr(PtTrainSettings) s = NULL;
  g_autoptr(PtRun) run = NULL;
  g_autoptr(PtTrainer) trainer = NULL;
  g_autoptr(PtTrainingRanks) ranks = NULL;   /* --device cuda:all: the other GPUs' trainers */
  g_autoptr(GMainLoop) loop = NULL;
  TrainJob job = { 0 };
  PtTrainerCallbacks cb = { step_cb, eval_cb, status_cb, log_cb, &job };
  GThread *thread;
  guint sig;
  int code;

  if (!pt_cli_parse ("train", "", entries, &argc, &argv, &code))
    return code;
  if (argc > 1)
    return pt_cli_usage_error (_("train: unexpected argument “%s”"), argv[1]);
  comm = *comm_out = pt_comm_new_from_environment (&error);
  if (comm == NULL)
    return pt_cli_fail (error);

  if (resume != NULL)
    {
      run = pt_run_open (resume, &error);
      if (run == NULL)
        return pt_cli_fail (error);
      if (pt_run_get_status (run) == PT_RUN_FINISHED)
        return pt_cli_usage_error (_("the run in %s has already finished"), resume);
    }
  else
    {
      s = settings_file ? load_settings_file (settings_file, &error) : pt_train_settings_new ();
      if (s == NULL)
        return pt_cli_fail (error);
      if (preset != NULL && !pt_train_settings_apply_preset (s, preset, &error))
        return pt_cli_fail (error);
#define SET_STR(field, value) G_STMT_START { if (value) { g_free (s->field); s->field = g_strdup (value); } } G_STMT_END
#define SET_NUM(field, value, unset) G_STMT_START { if ((value) != (unset)) s->field = (value); } G_STMT_END
      SET_STR (model_dir, model);
      SET_STR (data_path, data);
      SET_STR (val_data_path, val_data);
      SET_STR (data_split, split);
      SET_STR (data_columns, columns);
      SET_STR (adapter_dir, adapter);
      SET_STR (prompt_template, template_);
      SET_STR (device, device);
      SET_STR (precision, precision);
      SET_STR (early_stop_metric, metric);
      if (!isnan (val_split)) s->val_split = val_split;
      if (!isnan (alpha)) s->lora_alpha = alpha;
      if (!isnan (dropout)) s->lora_dropout = dropout;
      if (!isnan (lr)) s->learning_rate = lr;
      if (!isnan (wd)) s->weight_decay = wd;
      if (!isnan (beta2)) s->adam_beta2 = beta2;
      if (!isnan (clip)) s->max_grad_norm = clip;
      if (!isnan (min_delta)) s->early_stop_min_delta = min_delta;
      SET_NUM (lora_rank, rank, -1);
      SET_NUM (resolution, resolution, -1);
      SET_NUM (epochs, epochs, -1);
      SET_NUM (max_steps, max_steps, -1);
      SET_NUM (batch_size, batch, -1);
      SET_NUM (grad_accum, accum, -1);
      SET_NUM (warmup_steps, warmup, -1);
      SET_NUM (eval_every, eval_every, -1);
      SET_NUM (eval_max_samples, eval_max, -1);
      SET_NUM (max_new_tokens, max_new, -1);
      SET_NUM (save_every, save_every, -1);
      SET_NUM (keep_checkpoints, keep, -1);
      SET_NUM (early_stop_patience, patience, -1);
      SET_NUM (num_workers, workers, -1);
      SET_NUM (max_text_len, max_text_len, -1);
#undef SET_STR
#undef SET_NUM
      if (rslora) s->use_rslora = TRUE;
      if (early) s->early_stopping = TRUE;
      if (skip_nonfinite) s->skip_nonfinite = TRUE;
      if (train_vision) s->train_vision = TRUE;
      if (no_train_projector) s->train_projector = FALSE;
      if (no_train_decoder) s->train_decoder = FALSE;
      if (val_data != NULL)
        s->val_split = 0;
      if (mode != NULL && !pt_train_mode_from_string (mode, &s->mode))
        return pt_cli_usage_error (_("--mode must be lora, qlora or full, not “%s”"), mode);
      if (schedule != NULL && !pt_schedule_from_string (schedule, &s->schedule))
        return pt_cli_usage_error (_("--schedule must be linear, cosine or constant, not “%s”"), schedule);
      if (memory_limit != NULL && !pt_memory_size_parse (memory_limit, &s->memory_limit))
        return pt_cli_usage_error (_("--memory-limit must be a size such as 6G or 512M, not “%s”"), memory_limit);
      if (seed_text != NULL && !g_ascii_string_to_unsigned (seed_text, 10, 0, G_MAXINT64, &s->seed, NULL))
        return pt_cli_usage_error (_("--seed must be a whole number, not “%s”"), seed_text);
      if (targets != NULL && !pt_train_settings_set_targets (s, targets, &error))
        return pt_cli_fail (error);
      if (s->model_dir == NULL)
        return pt_cli_usage_error (_("train: --model DIR is required (a Hugging Face PaliGemma folder)"));
      if (s->data_path == NULL)
        return pt_cli_usage_error (_("train: --data PATH is required"));
      if (!pt_dataset_check_columns (s->data_columns, &error))
        return pt_cli_usage_error ("%s", error->message);
      if (s->data_split != NULL)
        {
          /* before a run folder exists */
          g_auto(GStrv) splits = pt_dataset_list_splits (s->data_path, &error);
          if (splits == NULL)
            return pt_cli_fail (error);
          if (!g_strv_contains ((const char *const *) splits, s->data_split))
            {
              g_autofree char *all = g_strjoinv (", ", splits);
              return pt_cli_usage_error (_("train: %s has no split “%s” (its splits: %s)"),
                                         s->data_path, s->data_split,
                                         all[0] != '\0' ? all : _("none, it is not a Parquet or Arrow dataset"));
            }
        }
      absolutize (&s->model_dir);
      absolutize (&s->data_path);
      absolutize (&s->val_data_path);
      absolutize (&s->adapter_dir);
      if (!pt_train_settings_validate (s, &error))
        return pt_cli_fail (error);

      if (comm->rank > 0)
        run = NULL;   /* rank 0 creates the run folder; pt_run_share opens it */
      else if (out != NULL)
        run = pt_run_create_at (out, name, s, &error);
      else
        {
          g_autofree char *root = runs_root ? g_strdup (runs_root) : pt_runs_default_root ();
          run = pt_run_create (root, name, s, &error);
        }
      if (run == NULL && comm->rank == 0)
        return pt_cli_fail (error);
      run = pt_run_share (comm, g_steal_pointer (&run), &error);
      if (run == NULL)
        return pt_cli_fail (error);
    }

  trainer = pt_trainer_new (run, NULL, force, &cb, &error);
  if (trainer == NULL)
    return pt_cli_fail (error);
  pt_trainer_set_comm (trainer, comm);
  quiet = quiet || comm->rank > 0;   /* rank 0 reports for all */
  if (comm->world == 1 && g_strcmp0 (pt_run_get_settings (run)->device, PT_DEVICE_ALL_GPUS) == 0)
    {
      /* every GPU of this computer, one trainer thread each (as the app does) */
      g_autoptr(GPtrArray) gpus = pt_training_ranks_list_gpus ();
      if (gpus->len > 1 && (ranks = pt_training_ranks_start (run, trainer, (int) gpus->len, force, &error)) == NULL)
        return pt_cli_fail (error);
    }

  job.trainer = trainer;
  job.run = run;
  job.tty = isatty (fileno (stderr)) && !quiet;
  job.quiet = quiet;
  loop = g_main_loop_new (NULL, FALSE);
  job.loop = loop;
  if (!quiet)
    g_printerr (_("Run folder: %s\n"), pt_run_get_dir (run));
  sig = g_unix_signal_add (SIGINT, sigint_cb, &job);
  thread = g_thread_new ("trainer", train_thread, &job);
  g_main_loop_run (loop);
  g_thread_join (thread);
  if (job.interrupts < 2)
    g_source_remove (sig);
  if (ranks != NULL)
    {
      g_autofree char *other = pt_training_ranks_finish (ranks);
      if (!job.ok && other != NULL)   /* another GPU's failure stopped this one: say that one */
        {
          g_clear_error (&job.error);
          g_set_error_literal (&job.error, PT_ERROR, PT_ERROR_DEVICE, other);
        }
    }

  if (!job.ok)
    {
      code = pt_cli_fail (job.error);
      g_clear_error (&job.error);
      return code == PT_EXIT_USAGE && pt_run_get_step (run) > 0 ? PT_EXIT_FAILURE : code;
    }
  if (!quiet)
    /* Translators: "Run ID: STATUS (FOLDER)" */
    g_printerr (_("Run %s: %s (%s)\n"), pt_run_get_id (run), status_name (pt_run_get_status (run)),
                pt_run_get_dir (run));
  return PT_EXIT_OK;
}

int
pt_cli_train (int argc, char **argv)
{
  PtComm *comm = NULL;
  int code = train (argc, argv, &comm);

  if (comm != NULL)
    {
      /* a rank that failed must not wait for the others (they may wait for it) */
      if (code != PT_EXIT_OK)
        pt_comm_abandon (comm);
      pt_comm_free (comm);
    }
  return code;
}
