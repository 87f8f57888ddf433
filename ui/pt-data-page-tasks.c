/* pt-data-page-tasks.c — the Data page's worker-thread jobs: loading and
 * checking a dataset, generating the demo dataset, reading the tokenizer. */
#include "config.h"

#include <errno.h>                 /* errno */

#include <glib/gi18n.h>

#include "pt-data-page-private.h"
#include "pt-dataset-scan.h"       /* pt_dataset_scan, pt_dataset_compute_stats */
#include "pt-error.h"              /* PT_ERROR codes, for the advice */

enum {
  PHASE_READING,
  PHASE_CHECKING,
  PHASE_SUMMARISING,
  PHASE_GENERATING,
};

/* Shared by the page and its worker: the worker writes phase and permille
 * (atomically) while it runs and the results before it returns. */
struct _PtDataJob
{
  char           *path;      /* the dataset; for a demo, its train.jsonl */
  char           *split;     /* Parquet / Arrow: the split and column mapping, or NULL */
  char           *columns;
  char           *dir;       /* demo: the folder */
  PtDemoOptions   options;
  gint            phase;     /* atomic */
  gint            permille;  /* atomic */
  PtDataset      *dataset;
  PtDatasetStats *stats;
  double          seconds;
};

static void
job_clear (gpointer data)
{
  PtDataJob *job = data;

  g_free (job->path);
  g_free (job->split);
  g_free (job->columns);
  g_free (job->dir);
  g_clear_pointer (&job->dataset, pt_dataset_unref);
  g_clear_pointer (&job->stats, pt_dataset_stats_free);
}

static PtDataJob *
job_ref (PtDataJob *job)
{
  return g_atomic_rc_box_acquire (job);
}

static void
job_unref (gpointer job)
{
  g_atomic_rc_box_release_full (job, job_clear);
}

char *
pt_data_page_default_demo_dir (void)
{
  return g_build_filename (g_get_user_data_dir (), "palitune", "demo-data", NULL);
}

void
pt_data_page_toast (PtDataPage *self,
                    const char *message)
{
  AdwToast *toast = adw_toast_new (message);

  adw_toast_set_timeout (toast, 6);
  adw_toast_overlay_add_toast (self->toasts, toast);
}

void
pt_data_page_show_error (PtDataPage *self,
                         const char *title,
                         const char *message)
{
  g_free (self->error);
  self->error = g_strdup (message);
  adw_status_page_set_title (self->error_status, title);
  adw_status_page_set_description (self->error_status, message);
  gtk_stack_set_visible_child_name (self->stack, "error");
}

/* ---- progress ---- */

static gboolean
progress_cb (gpointer data)
{
  PtDataPage *self = data;
  PtDataJob *job = self->job;
  int phase, permille;
  const char *text;

  if (job == NULL)
    {
      self->progress_id = 0;
      return G_SOURCE_REMOVE;
    }
  phase = g_atomic_int_get (&job->phase);
  permille = g_atomic_int_get (&job->permille);
  switch (phase)
    {
    case PHASE_READING:
      text = _("Reading the records…");
      break;
    case PHASE_CHECKING:
      text = _("Checking the images…");
      break;
    case PHASE_SUMMARISING:
      text = _("Counting answers and sizes…");
      break;
    case PHASE_GENERATING:
    default:
      text = _("Drawing shapes and writing questions…");
      break;
    }
  adw_status_page_set_description (self->loading_status, text);
  if (phase == PHASE_READING || phase == PHASE_SUMMARISING)
    {
      gtk_progress_bar_set_text (self->progress_bar, "");
      gtk_progress_bar_pulse (self->progress_bar);
    }
  else
    {
      g_autofree char *percent = g_strdup_printf ("%d %%", permille / 10);
      gtk_progress_bar_set_text (self->progress_bar, percent);
      gtk_progress_bar_set_fraction (self->progress_bar, permille / 1000.0);
    }
  return G_SOURCE_CONTINUE;
}

/* A job that ends within this long never shows the loading state (no flash). */
#define SHOW_LOADING_DELAY_MS 200

static gboolean
show_loading_cb (gpointer data)
{
  PtDataPage *self = data;

  self->show_loading_id = 0;
  gtk_stack_set_visible_child_name (self->stack, "loading");
  return G_SOURCE_REMOVE;
}

static void
begin_job (PtDataPage *self,
           PtDataJob  *job,
           const char *title)
{
  pt_data_page_cancel_job (self);
  self->job = job_ref (job);
  self->job_cancellable = g_cancellable_new ();
  adw_status_page_set_title (self->loading_status, title);
  adw_status_page_set_description (self->loading_status, NULL);
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  gtk_progress_bar_set_text (self->progress_bar, "");
  gtk_spinner_start (self->spinner);
  /* from an empty or failed page, at once; over a dataset, only if it takes a while */
  if (g_str_equal (gtk_stack_get_visible_child_name (self->stack), "browser"))
    self->show_loading_id = g_timeout_add (SHOW_LOADING_DELAY_MS, show_loading_cb, self);
  else
    gtk_stack_set_visible_child_name (self->stack, "loading");
  self->progress_id = g_timeout_add (100, progress_cb, self);
  progress_cb (self);
}

/* The job is over (done, failed or cancelled): back to a resting state. */
static void
end_job (PtDataPage *self)
{
  g_clear_handle_id (&self->progress_id, g_source_remove);
  g_clear_handle_id (&self->show_loading_id, g_source_remove);
  g_clear_pointer (&self->job, job_unref);
  g_clear_object (&self->job_cancellable);
  gtk_spinner_stop (self->spinner);
}

void
pt_data_page_cancel_job (PtDataPage *self)
{
  if (self->job_cancellable != NULL)
    g_cancellable_cancel (self->job_cancellable);
  end_job (self);
}

/* ---- loading a dataset ---- */

static void
scan_progress_cb (double   fraction,
                  gpointer data)
{
  PtDataJob *job = data;

  g_atomic_int_set (&job->permille, (int) (fraction * 1000));
}

static void
load_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  PtDataJob *job = task_data;
  gint64 t0 = g_get_monotonic_time ();
  GError *error = NULL;
  PtScanOptions options;
  PtDatasetLoadOptions load = { job->split, job->columns };

  job->dataset = pt_dataset_load_with_options (job->path, PT_DATASET_FORMAT_AUTO, &load,
                                               cancellable, &error);
  if (job->dataset == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_atomic_int_set (&job->phase, PHASE_CHECKING);
  pt_scan_options_init (&options);
  options.progress = scan_progress_cb;
  options.progress_data = job;
  if (!pt_dataset_scan (job->dataset, &options, cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_atomic_int_set (&job->phase, PHASE_SUMMARISING);
  job->stats = pt_dataset_compute_stats (job->dataset);
  job->seconds = (g_get_monotonic_time () - t0) / 1e6;
  g_task_return_boolean (task, TRUE);
}

static const char *
advice (const GError *error,
        const char   *path)
{
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return _("It may have been moved, renamed or deleted: open it from where it is now.");
  if (g_error_matches (error, PT_ERROR, PT_ERROR_IO))
    return _("Check that you may read it.");
  return _("PaliTune reads JSON Lines, CSV and TSV files whose records name an image, a question and an answer, "
           "VQAv2 folders (questions, annotations and their COCO images), and Parquet and Arrow datasets "
           "(a file, a Hugging Face hub folder or a save_to_disk folder; name their columns in the "
           "Columns field above if they are not image, question and answer).");
}

static void
load_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(PtDataPage) self = user_data;
  PtDataJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_autofree char *name = NULL;
      g_autofree char *title = NULL;
      g_autofree char *message = NULL;

      if (job != self->job)   /* cancelled, or another one started */
        return;
      end_job (self);
      name = g_path_get_basename (job->path);
      /* Translators: %s is a file or folder name */
      title = g_strdup_printf (_("Cannot Open “%s”"), name);
      message = g_strdup_printf ("%s\n\n%s", error->message, advice (error, job->path));
      pt_data_page_show_error (self, title, message);
      return;
    }
  if (job != self->job)
    return;
  end_job (self);
  g_clear_pointer (&self->error, g_free);
  self->load_seconds = job->seconds;
  g_debug ("%s: %u records in %.3f s", job->path, pt_dataset_get_n_records (job->dataset), job->seconds);
  pt_dataset_browser_set_dataset (self->browser, job->dataset, g_steal_pointer (&job->stats), job->seconds);
  gtk_stack_set_visible_child_name (self->stack, "browser");
}

void
pt_data_page_start_load (PtDataPage *self,
                         const char *path)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *name = g_path_get_basename (path);
  g_autofree char *title = NULL;
  PtDataJob *job = g_atomic_rc_box_new0 (PtDataJob);

  job->path = g_strdup (path);
  job->split = g_strdup (self->split);
  job->columns = g_strdup (self->columns);
  /* Translators: %s is a file or folder name */
  title = g_strdup_printf (_("Opening “%s”"), name);
  begin_job (self, job, title);
  task = g_task_new (NULL, self->job_cancellable, load_cb, g_object_ref (self));
  g_task_set_source_tag (task, pt_data_page_start_load);
  g_task_set_task_data (task, job, job_unref);
  g_task_run_in_thread (task, load_thread);
}

/* ---- the demo dataset ---- */

static void
demo_progress_cb (guint64  done,
                  guint64  total,
                  gpointer data)
{
  PtDataJob *job = data;

  g_atomic_int_set (&job->permille, total > 0 ? (int) (done * 1000 / total) : 0);
}

static void
demo_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  PtDataJob *job = task_data;
  GError *error = NULL;

  if (g_mkdir_with_parents (job->dir, 0755) != 0)
    {
      int saved = errno;
      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved),
                               _("Cannot create the folder %s: %s"), job->dir, g_strerror (saved));
      return;
    }
  if (!pt_demo_generate (&job->options, job->dir, TRUE, demo_progress_cb, job, cancellable, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
demo_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(PtDataPage) self = user_data;
  PtDataJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (job != self->job)
        return;
      end_job (self);
      pt_data_page_show_error (self, _("Cannot Create the Demo Dataset"), error->message);
      return;
    }
  if (job != self->job)
    return;
  end_job (self);
  pt_data_page_set_dataset_path (self, job->path);
}

void
pt_data_page_start_demo (PtDataPage          *self,
                         const PtDemoOptions *options,
                         const char          *dir)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  PtDataJob *job = g_atomic_rc_box_new0 (PtDataJob);

  if (options != NULL)
    job->options = *options;
  else
    pt_demo_options_init (&job->options);
  job->dir = dir != NULL ? g_strdup (dir) : pt_data_page_default_demo_dir ();
  job->path = g_build_filename (job->dir, "train.jsonl", NULL);
  job->phase = PHASE_GENERATING;
  if (!pt_demo_options_validate (&job->options, &error))
    {
      pt_data_page_toast (self, error->message);
      job_unref (job);
      return;
    }
  begin_job (self, job, _("Creating the Demo Dataset"));
  task = g_task_new (NULL, self->job_cancellable, demo_cb, g_object_ref (self));
  g_task_set_source_tag (task, pt_data_page_start_demo);
  g_task_set_task_data (task, job, job_unref);
  g_task_run_in_thread (task, demo_thread);
}

/* ---- the tokenizer ---- */

static void
tokenizer_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(PtDataPage) self = user_data;
  g_autoptr(GError) error = NULL;
  PtModelTokenizer *tok = pt_model_tokenizer_load_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->tokenizer_cancellable);
  g_clear_pointer (&self->tokenizer, pt_model_tokenizer_unref);
  g_clear_pointer (&self->tokenizer_hint, g_free);
  self->tokenizer = tok;
  if (tok == NULL)
    /* Translators: %s says why the tokenizer could not be read */
    self->tokenizer_hint = g_strdup_printf (_("No tokenizer: %s. Choose a PaliGemma folder with a tokenizer.model on the Train page."),
                                            error->message);
  pt_dataset_browser_set_tokenizer (self->browser, self->tokenizer, self->tokenizer_hint);
}

void
pt_data_page_load_tokenizer (PtDataPage *self,
                             const char *model_dir)
{
  if (g_strcmp0 (model_dir, self->tokenizer_dir) == 0)
    return;
  g_free (self->tokenizer_dir);
  self->tokenizer_dir = g_strdup (model_dir);
  if (self->tokenizer_cancellable != NULL)
    g_cancellable_cancel (self->tokenizer_cancellable);
  g_clear_object (&self->tokenizer_cancellable);
  g_clear_pointer (&self->tokenizer, pt_model_tokenizer_unref);
  g_clear_pointer (&self->tokenizer_hint, g_free);
  if (model_dir != NULL)
    {
      self->tokenizer_hint = g_strdup (_("Reading the model’s tokenizer…"));
      self->tokenizer_cancellable = g_cancellable_new ();
      pt_model_tokenizer_load_async (model_dir, self->tokenizer_cancellable, tokenizer_cb, g_object_ref (self));
    }
  pt_dataset_browser_set_tokenizer (self->browser, NULL, self->tokenizer_hint);
}
