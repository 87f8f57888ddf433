/* pt-train-controller-runs.c — what the Runs page asks of the Train page:
 * resume a run (its history back on the charts) and export one. */
#include "config.h"

#include <glib/gi18n.h>

#include "pt-error.h"
#include "pt-export.h"                     /* pt_export_adapter, pt_export_merged */
#include "pt-metrics.h"                    /* pt_metrics_read */
#include "pt-run.h"
#include "pt-runs-page.h"                  /* PtRunsPage */
#include "pt-train-controller-private.h"

/* ---- a run's history on the charts ---- */

void
pt_train_controller_load_history (PtTrainController *self,
                                  const char        *run_dir)
{
  PtTrainingView *view = pt_train_controller_training_view (self);
  g_autoptr(PtRun) run = pt_run_open (run_dir, NULL);
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GArray) steps = g_array_new (FALSE, FALSE, sizeof (PtStepMetrics));
  JsonNode *best;
  int total, best_step = -1;

  if (view == NULL || run == NULL)
    return;
  /* rows after the latest checkpoint are replayed by the resume: keep what it kept */
  rows = pt_metrics_read (run_dir, pt_run_get_step (run), NULL);
  if (rows == NULL)
    return;
  total = pt_run_get_total_steps (run);
  best = pt_run_get_best (run);
  if (best != NULL && JSON_NODE_HOLDS_OBJECT (best))
    best_step = (int) json_object_get_int_member_with_default (json_node_get_object (best), "step", -1);

  for (guint i = 0; i < rows->len; i++)
    {
      PtMetricsRow *row = rows->pdata[i];

      if (row->kind == PT_METRICS_TRAIN)
        {
          PtStepMetrics m = row->train;
          m.total_steps = total;
          g_array_append_val (steps, m);
        }
      else
        {
          /* the steps before an evaluation come first */
          pt_training_view_add_steps (view, (const PtStepMetrics *) (gpointer) steps->data, steps->len);
          g_array_set_size (steps, 0);
          row->eval->is_best = row->step == best_step;
          pt_training_view_add_eval (view, row->eval);
        }
    }
  pt_training_view_add_steps (view, (const PtStepMetrics *) (gpointer) steps->data, steps->len);
}

/* ---- the Runs page ---- */

static void
resume_requested_cb (PtRunsPage        *page,
                     const char        *run_dir,
                     PtTrainController *self)
{
  pt_train_controller_resume_run (self, run_dir, NULL);
}

static void
export_requested_cb (PtRunsPage        *page,
                     const char        *run_dir,
                     PtTrainController *self)
{
  pt_train_controller_export_run_ask (self, run_dir);
}

void
pt_train_controller_connect_runs_page (PtTrainController *self)
{
  PtRunsPage *page = pt_window_get_runs_page (self->window);

  g_signal_connect_object (page, "resume-requested", G_CALLBACK (resume_requested_cb), self, 0);
  g_signal_connect_object (page, "export-requested", G_CALLBACK (export_requested_cb), self, 0);
  pt_runs_page_set_resume_available (page, TRUE);
  pt_runs_page_set_export_available (page, TRUE);
}

/* ---- export ---- */

static void
export_kind_cb (AdwMessageDialog  *dialog,
                const char        *response,
                PtTrainController *self)
{
  const char *run_dir = g_object_get_data (G_OBJECT (dialog), "run-dir");

  if (g_strcmp0 (response, "adapter") == 0 || g_strcmp0 (response, "merged") == 0)
    pt_train_controller_export_run (self, run_dir, g_str_equal (response, "merged"));
}

void
pt_train_controller_export_run_ask (PtTrainController *self,
                                    const char        *run_dir)
{
  g_autoptr(PtRun) run = NULL;
  GtkWidget *dialog;

  g_return_if_fail (PT_IS_TRAIN_CONTROLLER (self));
  g_return_if_fail (run_dir != NULL);

  run = pt_run_open (run_dir, NULL);
  /* a full fine-tune has no adapter: only the merged model */
  if (run == NULL || pt_run_get_settings (run)->mode == PT_MODE_FULL || self->window == NULL)
    {
      pt_train_controller_export_run (self, run_dir, TRUE);
      return;
    }
  dialog = adw_message_dialog_new (GTK_WINDOW (self->window), _("Export the Run"),
                                   _("An adapter is small and goes over the base model (PEFT); a merged model is a whole Hugging Face PaliGemma folder with the adapters added in."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                    "merged", _("_Merged Model"), "adapter", _("_Adapter"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "adapter", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "adapter");
  g_object_set_data_full (G_OBJECT (dialog), "run-dir", g_strdup (run_dir), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (export_kind_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

typedef struct {
  char     *run_dir;
  char     *out_dir;
  gboolean  merged;
} ExportJob;

static void
export_job_free (ExportJob *job)
{
  g_free (job->run_dir);
  g_free (job->out_dir);
  g_free (job);
}

static void
export_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  ExportJob *job = task_data;
  g_autoptr(PtRun) run = NULL;
  GError *error = NULL;
  gboolean ok;

  run = pt_run_open (job->run_dir, &error);
  if (run == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  ok = job->merged ? pt_export_merged (run, NULL, job->out_dir, FALSE, &error)
                   : pt_export_adapter (run, NULL, job->out_dir, FALSE, &error);
  if (!ok)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_strdup (job->out_dir), g_free);
}

void
pt_train_controller_export_run_to (PtTrainController   *self,
                                   const char          *run_dir,
                                   gboolean             merged,
                                   const char          *out_dir,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ExportJob *job;

  g_return_if_fail (PT_IS_TRAIN_CONTROLLER (self));
  g_return_if_fail (run_dir != NULL && out_dir != NULL);

  task = g_task_new (self, NULL, callback, user_data);
  job = g_new0 (ExportJob, 1);
  job->run_dir = g_strdup (run_dir);
  job->out_dir = g_strdup (out_dir);
  job->merged = merged;
  g_task_set_source_tag (task, pt_train_controller_export_run_to);
  g_task_set_task_data (task, job, (GDestroyNotify) export_job_free);
  g_task_run_in_thread (task, export_thread);
}

char *
pt_train_controller_export_finish (PtTrainController  *self,
                                   GAsyncResult       *result,
                                   GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
open_folder_cb (AdwToast *toast,
                gpointer  user_data)
{
  const char *dir = g_object_get_data (G_OBJECT (toast), "folder");
  GtkWindow *window = g_object_get_data (G_OBJECT (toast), "window");
  g_autoptr(GFile) file = g_file_new_for_path (dir);
  g_autofree char *uri = g_file_get_uri (file);

  gtk_show_uri (window, uri, GDK_CURRENT_TIME);
}

static void
exported_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  PtTrainController *self = PT_TRAIN_CONTROLLER (source);
  AdwToast *progress = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *out_dir = pt_train_controller_export_finish (self, result, &error);

  adw_toast_dismiss (progress);
  g_object_unref (progress);
  if (out_dir == NULL)
    {
      pt_train_controller_error_dialog (self, _("Export Failed"), error->message,
                                        _("Choose an empty folder with enough free space, then export again."));
      return;
    }
  if (self->window != NULL)
    {
      g_autofree char *name = g_path_get_basename (out_dir);
      /* Translators: a toast after exporting, with the folder's name */
      g_autofree char *text = g_strdup_printf (_("Exported to “%s”"), name);
      AdwToast *toast = adw_toast_new (text);

      adw_toast_set_button_label (toast, _("_Open Folder"));
      g_object_set_data_full (G_OBJECT (toast), "folder", g_strdup (out_dir), g_free);
      g_object_set_data (G_OBJECT (toast), "window", self->window);
      g_signal_connect (toast, "button-clicked", G_CALLBACK (open_folder_cb), NULL);
      pt_window_add_toast (self->window, toast);
    }
}

static void
export_chooser_cb (GtkNativeDialog   *dialog,
                   int                response,
                   PtTrainController *self)
{
  const char *run_dir = g_object_get_data (G_OBJECT (dialog), "run-dir");
  gboolean merged = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), "merged"));

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *parent = folder != NULL ? g_file_get_path (folder) : NULL;
      g_autoptr(PtRun) run = pt_run_open (run_dir, NULL);
      g_autofree char *name = NULL;
      g_autofree char *out_dir = NULL;
      AdwToast *progress;

      if (parent != NULL)
        {
          /* a new folder named after the run inside the chosen one */
          name = g_strdup_printf ("%s-%s", run != NULL ? pt_run_get_id (run) : "run", merged ? "merged" : "adapter");
          out_dir = g_build_filename (parent, name, NULL);
          progress = adw_toast_new (merged ? _("Writing the merged model…") : _("Writing the adapter…"));
          adw_toast_set_timeout (progress, 0);
          if (self->window != NULL)
            pt_window_add_toast (self->window, g_object_ref (progress));
          pt_train_controller_export_run_to (self, run_dir, merged, out_dir, exported_cb, progress);
        }
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

void
pt_train_controller_export_run (PtTrainController *self,
                                const char        *run_dir,
                                gboolean           merged)
{
  GtkFileChooserNative *chooser;

  g_return_if_fail (PT_IS_TRAIN_CONTROLLER (self));
  g_return_if_fail (run_dir != NULL);

  chooser = gtk_file_chooser_native_new (merged ? _("Export the Merged Model Into") : _("Export the Adapter Into"),
                                         self->window != NULL ? GTK_WINDOW (self->window) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Export"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_object_set_data_full (G_OBJECT (chooser), "run-dir", g_strdup (run_dir), g_free);
  g_object_set_data (G_OBJECT (chooser), "merged", GINT_TO_POINTER (merged));
  g_signal_connect_object (chooser, "response", G_CALLBACK (export_chooser_cb), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}
