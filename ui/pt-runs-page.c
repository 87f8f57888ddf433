/* pt-runs-page.c — the Runs page: every run, their curves compared. */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>                 /* isfinite */

#include "pt-metrics.h"          /* pt_metrics_read */
#include "pt-runs-page.h"

#define REFRESH_DELAY_MS 400   /* folder changes come in bursts */

struct _PtRunsPage
{
  AdwBin           parent_instance;

  char            *root;
  GHashTable      *compared;        /* run ids ticked for the chart */
  gboolean         compared_chosen; /* the user (or a caller) has ticked or unticked one */
  gboolean         resume_available;
  gboolean         export_available;
  GFileMonitor    *root_monitor;
  GPtrArray       *run_monitors;    /* of GFileMonitor* */
  guint            refresh_id;
  GCancellable    *metrics_cancellable;
  gboolean         filling;         /* rows being rebuilt: ignore their toggles */
  guint            n_runs;

  AdwToastOverlay *toasts;
  GtkStack        *stack;
  AdwLeaflet      *leaflet;
  GtkLabel        *count_label;
  GtkListBox      *list;
  GtkLabel        *chart_hint;
  PtLossChart     *chart;
};

G_DEFINE_FINAL_TYPE (PtRunsPage, pt_runs_page, ADW_TYPE_BIN)

enum {
  RESUME_REQUESTED,
  EXPORT_REQUESTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Adwaita's palette: one colour per compared run. */
static const char *const palette[] = {
  "#3584e4", "#ff7800", "#2ec27e", "#9141ac", "#e01b24", "#e5a50a", "#1c71d8", "#986a44",
};

static void monitor_folders (PtRunsPage *self);
static void load_curves     (PtRunsPage *self);

static void
toast (PtRunsPage *self,
       const char *message)
{
  AdwToast *t = adw_toast_new (message);

  adw_toast_set_timeout (t, 6);
  adw_toast_overlay_add_toast (self->toasts, t);
}

/* ---- the curves ---- */

typedef struct {
  char   *id;
  char   *name;
  GArray *train_x, *train_y;   /* of double */
  GArray *eval_x, *eval_y;
} Curves;

static void
curves_free (gpointer data)
{
  Curves *c = data;

  g_free (c->id);
  g_free (c->name);
  g_array_unref (c->train_x);
  g_array_unref (c->train_y);
  g_array_unref (c->eval_x);
  g_array_unref (c->eval_y);
  g_free (c);
}

/* task data: a GPtrArray of Curves with id and name filled; each gets its points */
static void
curves_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  GPtrArray *sets = task_data;

  for (guint i = 0; i < sets->len; i++)
    {
      Curves *c = sets->pdata[i];
      const char *dir = g_object_get_data (G_OBJECT (task), c->id);
      g_autoptr(GPtrArray) rows = NULL;

      if (g_task_return_error_if_cancelled (task))
        return;
      rows = pt_metrics_read (dir, -1, NULL);
      for (guint r = 0; rows != NULL && r < rows->len; r++)
        {
          PtMetricsRow *row = rows->pdata[r];
          double step = row->step;
          double v = row->kind == PT_METRICS_TRAIN ? row->train.loss : row->eval->val_loss;

          if (!isfinite (v))   /* a skipped step, an evaluation without loss */
            continue;
          g_array_append_val (row->kind == PT_METRICS_TRAIN ? c->train_x : c->eval_x, step);
          g_array_append_val (row->kind == PT_METRICS_TRAIN ? c->train_y : c->eval_y, v);
        }
    }
  g_task_return_boolean (task, TRUE);
}

static void
curves_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(PtRunsPage) self = user_data;
  GPtrArray *sets = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  guint n_points = 0;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    return;   /* cancelled: a newer load is on its way */
  g_clear_object (&self->metrics_cancellable);
  pt_loss_chart_remove_all_series (self->chart);
  for (guint i = 0; i < sets->len; i++)
    {
      Curves *c = sets->pdata[i];
      g_autofree char *train_id = g_strconcat (c->id, "/train", NULL);
      g_autofree char *eval_id = g_strconcat (c->id, "/eval", NULL);
      /* Translators: the chart's legend for a run's validation loss points */
      g_autofree char *eval_label = g_strdup_printf (_("%s (validation)"), c->name);
      GdkRGBA color;

      gdk_rgba_parse (&color, palette[i % G_N_ELEMENTS (palette)]);
      pt_loss_chart_add_series (self->chart, train_id, c->name, PT_CHART_SERIES_LINE, &color);
      pt_loss_chart_append_many (self->chart, train_id, (double *) (gpointer) c->train_x->data,
                                 (double *) (gpointer) c->train_y->data, c->train_x->len);
      if (c->eval_x->len > 0)
        {
          pt_loss_chart_add_series (self->chart, eval_id, eval_label, PT_CHART_SERIES_POINTS, &color);
          pt_loss_chart_set_series_in_legend (self->chart, eval_id, FALSE);   /* the run's colour says it */
          pt_loss_chart_append_many (self->chart, eval_id, (double *) (gpointer) c->eval_x->data,
                                     (double *) (gpointer) c->eval_y->data, c->eval_x->len);
        }
      n_points += c->train_x->len + c->eval_x->len;
    }
  if (sets->len == 0)
    gtk_label_set_text (self->chart_hint, _("Tick runs in the list to compare their loss curves."));
  else if (n_points == 0)
    gtk_label_set_text (self->chart_hint, _("No metrics recorded yet."));
  else
    gtk_label_set_text (self->chart_hint, _("One colour per run: training loss as a line, validation loss as points."));
}

static void
load_curves (PtRunsPage *self)
{
  g_autoptr(GTask) task = NULL;
  GPtrArray *sets = g_ptr_array_new_with_free_func (curves_free);

  if (self->metrics_cancellable != NULL)
    g_cancellable_cancel (self->metrics_cancellable);
  g_clear_object (&self->metrics_cancellable);
  self->metrics_cancellable = g_cancellable_new ();
  task = g_task_new (NULL, self->metrics_cancellable, curves_cb, g_object_ref (self));
  for (GtkWidget *w = gtk_widget_get_first_child (GTK_WIDGET (self->list)); w != NULL;
       w = gtk_widget_get_next_sibling (w))
    {
      PtRunRow *row;
      Curves *c;

      if (!PT_IS_RUN_ROW (w))
        continue;
      row = PT_RUN_ROW (w);
      if (!gtk_check_button_get_active (pt_run_row_get_compare (row)))
        continue;
      c = g_new0 (Curves, 1);
      c->id = g_strdup (pt_run_row_get_id (row));
      c->name = g_strdup (pt_run_row_get_name (row));
      c->train_x = g_array_new (FALSE, FALSE, sizeof (double));
      c->train_y = g_array_new (FALSE, FALSE, sizeof (double));
      c->eval_x = g_array_new (FALSE, FALSE, sizeof (double));
      c->eval_y = g_array_new (FALSE, FALSE, sizeof (double));
      g_object_set_data_full (G_OBJECT (task), c->id, g_strdup (pt_run_row_get_dir (row)), g_free);
      g_ptr_array_add (sets, c);
    }
  g_task_set_task_data (task, sets, (GDestroyNotify) g_ptr_array_unref);
  g_task_run_in_thread (task, curves_thread);
}

gboolean
pt_runs_page_is_loading_metrics (PtRunsPage *self)
{
  g_return_val_if_fail (PT_IS_RUNS_PAGE (self), FALSE);
  return self->metrics_cancellable != NULL;
}

/* ---- the list ---- */

static void
compare_toggled_cb (GtkCheckButton *button,
                    PtRunRow       *row)
{
  PtRunsPage *self = g_object_get_data (G_OBJECT (row), "page");

  if (self == NULL || self->filling)
    return;
  self->compared_chosen = TRUE;
  if (gtk_check_button_get_active (button))
    g_hash_table_add (self->compared, g_strdup (pt_run_row_get_id (row)));
  else
    g_hash_table_remove (self->compared, pt_run_row_get_id (row));
  load_curves (self);
}

void
pt_runs_page_refresh (PtRunsPage *self)
{
  g_autoptr(GPtrArray) runs = NULL;
  GtkWidget *child;
  g_autofree char *count = NULL;

  g_return_if_fail (PT_IS_RUNS_PAGE (self));

  g_clear_handle_id (&self->refresh_id, g_source_remove);
  runs = pt_runs_list (pt_runs_page_get_root (self));
  self->filling = TRUE;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))) != NULL)
    gtk_list_box_remove (self->list, child);
  /* until someone chooses, the newest run is on the chart */
  if (!self->compared_chosen)
    {
      g_hash_table_remove_all (self->compared);
      if (runs->len > 0)
        g_hash_table_add (self->compared, g_strdup (pt_run_get_id (runs->pdata[0])));
    }
  for (guint i = 0; i < runs->len; i++)
    {
      PtRun *run = runs->pdata[i];
      GtkWidget *row = pt_run_row_new (run);
      GtkCheckButton *compare = pt_run_row_get_compare (PT_RUN_ROW (row));

      g_object_set_data (G_OBJECT (row), "page", self);
      gtk_check_button_set_active (compare, g_hash_table_contains (self->compared, pt_run_get_id (run)));
      g_signal_connect (compare, "toggled", G_CALLBACK (compare_toggled_cb), row);
      pt_run_row_set_available (PT_RUN_ROW (row), self->resume_available, self->export_available);
      gtk_list_box_append (self->list, row);
    }
  self->filling = FALSE;
  self->n_runs = runs->len;
  /* Translators: the number of training runs */
  count = g_strdup_printf (g_dngettext (NULL, "%u Run", "%u Runs", runs->len), runs->len);
  gtk_label_set_text (self->count_label, count);
  gtk_stack_set_visible_child_name (self->stack, runs->len > 0 ? "list" : "empty");
  monitor_folders (self);
  load_curves (self);
}

guint
pt_runs_page_get_n_runs (PtRunsPage *self)
{
  g_return_val_if_fail (PT_IS_RUNS_PAGE (self), 0);
  return self->n_runs;
}

PtRunRow *
pt_runs_page_get_row (PtRunsPage *self,
                      const char *run_dir_or_id)
{
  g_return_val_if_fail (PT_IS_RUNS_PAGE (self), NULL);
  g_return_val_if_fail (run_dir_or_id != NULL, NULL);

  for (GtkWidget *w = gtk_widget_get_first_child (GTK_WIDGET (self->list)); w != NULL;
       w = gtk_widget_get_next_sibling (w))
    if (PT_IS_RUN_ROW (w)
        && (g_strcmp0 (pt_run_row_get_dir (PT_RUN_ROW (w)), run_dir_or_id) == 0
            || g_strcmp0 (pt_run_row_get_id (PT_RUN_ROW (w)), run_dir_or_id) == 0))
      return PT_RUN_ROW (w);
  return NULL;
}

void
pt_runs_page_set_compared (PtRunsPage *self,
                           const char *run_dir,
                           gboolean    compared)
{
  PtRunRow *row;

  g_return_if_fail (PT_IS_RUNS_PAGE (self));

  row = pt_runs_page_get_row (self, run_dir);
  if (row != NULL)
    gtk_check_button_set_active (pt_run_row_get_compare (row), compared);
}

PtLossChart *
pt_runs_page_get_chart (PtRunsPage *self)
{
  g_return_val_if_fail (PT_IS_RUNS_PAGE (self), NULL);
  return self->chart;
}

/* ---- following the folder ---- */

static gboolean
refresh_cb (gpointer data)
{
  PtRunsPage *self = data;

  self->refresh_id = 0;
  pt_runs_page_refresh (self);
  return G_SOURCE_REMOVE;
}

static void
changed_cb (GFileMonitor      *monitor,
            GFile             *file,
            GFile             *other,
            GFileMonitorEvent  event,
            PtRunsPage        *self)
{
  if (event == G_FILE_MONITOR_EVENT_ATTRIBUTE_CHANGED || event == G_FILE_MONITOR_EVENT_PRE_UNMOUNT)
    return;
  if (self->refresh_id == 0)
    self->refresh_id = g_timeout_add (REFRESH_DELAY_MS, refresh_cb, self);
}

static GFileMonitor *
watch (PtRunsPage *self,
       const char *dir)
{
  g_autoptr(GFile) file = g_file_new_for_path (dir);
  GFileMonitor *m = g_file_monitor_directory (file, G_FILE_MONITOR_WATCH_MOVES, NULL, NULL);

  if (m != NULL)
    g_signal_connect (m, "changed", G_CALLBACK (changed_cb), self);
  return m;
}

static void
stop_monitor (gpointer data)
{
  GFileMonitor *m = data;

  g_signal_handlers_disconnect_by_data (m, g_object_get_data (G_OBJECT (m), "page"));
  g_file_monitor_cancel (m);
  g_object_unref (m);
}

/* The root (runs added or removed) and each run's folder (run.json and
 * metrics.jsonl rewritten while it trains). */
static void
monitor_folders (PtRunsPage *self)
{
  if (self->root_monitor == NULL)
    {
      self->root_monitor = watch (self, pt_runs_page_get_root (self));
      if (self->root_monitor != NULL)
        g_object_set_data (G_OBJECT (self->root_monitor), "page", self);
    }
  g_ptr_array_set_size (self->run_monitors, 0);
  for (GtkWidget *w = gtk_widget_get_first_child (GTK_WIDGET (self->list)); w != NULL;
       w = gtk_widget_get_next_sibling (w))
    if (PT_IS_RUN_ROW (w))
      {
        GFileMonitor *m = watch (self, pt_run_row_get_dir (PT_RUN_ROW (w)));
        if (m != NULL)
          {
            g_object_set_data (G_OBJECT (m), "page", self);
            g_ptr_array_add (self->run_monitors, m);
          }
      }
}

void
pt_runs_page_set_root (PtRunsPage *self,
                       const char *root)
{
  g_return_if_fail (PT_IS_RUNS_PAGE (self));

  g_free (self->root);
  self->root = root != NULL ? g_strdup (root) : pt_runs_default_root ();
  g_clear_pointer (&self->root_monitor, stop_monitor);
  self->compared_chosen = FALSE;
  pt_runs_page_refresh (self);
}

const char *
pt_runs_page_get_root (PtRunsPage *self)
{
  g_return_val_if_fail (PT_IS_RUNS_PAGE (self), NULL);
  return self->root;
}

/* ---- actions ---- */

static void
launch_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(PtRunsPage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_app_info_launch_default_for_uri_finish (result, &error))
    {
      /* Translators: %s says why a folder could not be shown */
      g_autofree char *text = g_strdup_printf (_("Cannot open the folder: %s"), error->message);
      toast (self, text);
    }
}

static void
open_uri (PtRunsPage *self,
          const char *dir)
{
  g_autofree char *uri = g_filename_to_uri (dir, NULL, NULL);
  g_autoptr(GdkAppLaunchContext) context = NULL;

  if (uri == NULL)
    return;
  /* GtkFileLauncher is GTK 4.10: GIO with the display's launch context does it in 4.8 */
  context = gdk_display_get_app_launch_context (gtk_widget_get_display (GTK_WIDGET (self)));
  g_app_info_launch_default_for_uri_async (uri, G_APP_LAUNCH_CONTEXT (context), NULL, launch_cb,
                                           g_object_ref (self));
}

static void
open_folder_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  open_uri (PT_RUNS_PAGE (widget), g_variant_get_string (parameter, NULL));
}

static void
open_root_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  PtRunsPage *self = PT_RUNS_PAGE (widget);

  g_mkdir_with_parents (pt_runs_page_get_root (self), 0755);
  open_uri (self, pt_runs_page_get_root (self));
}

static void
refresh_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  pt_runs_page_refresh (PT_RUNS_PAGE (widget));
}

static void
resume_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  g_signal_emit (widget, signals[RESUME_REQUESTED], 0, g_variant_get_string (parameter, NULL));
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  g_signal_emit (widget, signals[EXPORT_REQUESTED], 0, g_variant_get_string (parameter, NULL));
}

/* Narrow windows show the list or the chart: these move between them. */
static void
show_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  PtRunsPage *self = PT_RUNS_PAGE (widget);

  adw_leaflet_set_visible_child_name (self->leaflet, g_str_equal (action_name, "runs.show-chart") ? "chart" : "list");
}

static void
delete_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    PtRunsPage       *self)
{
  const char *dir = g_object_get_data (G_OBJECT (dialog), "run-dir");
  g_autoptr(PtRun) run = NULL;
  g_autoptr(GError) error = NULL;

  if (!g_str_equal (response, "delete"))
    return;
  run = pt_run_open (dir, &error);
  if (run == NULL || !pt_run_delete (run, &error))
    {
      /* Translators: %s says why a run could not be deleted */
      g_autofree char *text = g_strdup_printf (_("Cannot delete the run: %s"), error->message);
      toast (self, text);
    }
  pt_runs_page_refresh (self);
}

void
pt_runs_page_delete_run (PtRunsPage *self,
                         const char *run_dir)
{
  PtRunRow *row;
  GtkRoot *root;
  GtkWidget *dialog;
  g_autofree char *heading = NULL;

  g_return_if_fail (PT_IS_RUNS_PAGE (self));
  g_return_if_fail (run_dir != NULL);

  row = pt_runs_page_get_row (self, run_dir);
  root = gtk_widget_get_root (GTK_WIDGET (self));
  /* Translators: %s is a run's name */
  heading = g_strdup_printf (_("Delete “%s”?"), row != NULL ? pt_run_row_get_name (row) : run_dir);
  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, heading,
                                   row != NULL && pt_run_row_get_status (row) == PT_RUN_RUNNING
                                   ? _("The run is still training. Its folder — settings, metrics, checkpoints and exports — will be removed. This cannot be undone.")
                                   : _("Its folder — settings, metrics, checkpoints and exports — will be removed. This cannot be undone."));
  g_object_set_data_full (G_OBJECT (dialog), "run-dir", g_strdup (run_dir), g_free);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"), "delete", _("_Delete"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "delete", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (delete_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
delete_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  pt_runs_page_delete_run (PT_RUNS_PAGE (widget), g_variant_get_string (parameter, NULL));
}

static void
update_rows_availability (PtRunsPage *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "runs.resume", self->resume_available);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "runs.export", self->export_available);
  for (GtkWidget *w = gtk_widget_get_first_child (GTK_WIDGET (self->list)); w != NULL;
       w = gtk_widget_get_next_sibling (w))
    if (PT_IS_RUN_ROW (w))
      pt_run_row_set_available (PT_RUN_ROW (w), self->resume_available, self->export_available);
}

void
pt_runs_page_set_resume_available (PtRunsPage *self,
                                   gboolean    available)
{
  g_return_if_fail (PT_IS_RUNS_PAGE (self));
  self->resume_available = available;
  update_rows_availability (self);
}

void
pt_runs_page_set_export_available (PtRunsPage *self,
                                   gboolean    available)
{
  g_return_if_fail (PT_IS_RUNS_PAGE (self));
  self->export_available = available;
  update_rows_availability (self);
}

/* ---- the object ---- */

GtkWidget *
pt_runs_page_new (void)
{
  return g_object_new (PT_TYPE_RUNS_PAGE, NULL);
}

static void
pt_runs_page_map (GtkWidget *widget)
{
  PtRunsPage *self = PT_RUNS_PAGE (widget);

  GTK_WIDGET_CLASS (pt_runs_page_parent_class)->map (widget);
  /* shown: list what is there now (monitors may have missed a folder created later) */
  pt_runs_page_refresh (self);
}

static void
pt_runs_page_dispose (GObject *object)
{
  PtRunsPage *self = PT_RUNS_PAGE (object);

  g_clear_handle_id (&self->refresh_id, g_source_remove);
  if (self->metrics_cancellable != NULL)
    g_cancellable_cancel (self->metrics_cancellable);
  g_clear_object (&self->metrics_cancellable);
  g_clear_pointer (&self->root_monitor, stop_monitor);
  if (self->run_monitors != NULL)
    g_ptr_array_set_size (self->run_monitors, 0);
  /* the bin's child is a template child: unparent it before the template lets go of it */
  adw_bin_set_child (ADW_BIN (object), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (object), PT_TYPE_RUNS_PAGE);
  G_OBJECT_CLASS (pt_runs_page_parent_class)->dispose (object);
}

static void
pt_runs_page_finalize (GObject *object)
{
  PtRunsPage *self = PT_RUNS_PAGE (object);

  g_free (self->root);
  g_hash_table_unref (self->compared);
  g_ptr_array_unref (self->run_monitors);
  G_OBJECT_CLASS (pt_runs_page_parent_class)->finalize (object);
}

static void
pt_runs_page_class_init (PtRunsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pt_runs_page_dispose;
  object_class->finalize = pt_runs_page_finalize;
  widget_class->map = pt_runs_page_map;

  /**
   * PtRunsPage::resume-requested:
   * @run_dir: the run folder
   *
   * The user asked to resume a run (only once set_resume_available is on).
   */
  signals[RESUME_REQUESTED] =
    g_signal_new ("resume-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[EXPORT_REQUESTED] =
    g_signal_new ("export-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_install_action (widget_class, "runs.open-folder", "s", open_folder_action);
  gtk_widget_class_install_action (widget_class, "runs.open-root", NULL, open_root_action);
  gtk_widget_class_install_action (widget_class, "runs.delete", "s", delete_action);
  gtk_widget_class_install_action (widget_class, "runs.resume", "s", resume_action);
  gtk_widget_class_install_action (widget_class, "runs.export", "s", export_action);
  gtk_widget_class_install_action (widget_class, "runs.refresh", NULL, refresh_action);
  gtk_widget_class_install_action (widget_class, "runs.show-chart", NULL, show_action);
  gtk_widget_class_install_action (widget_class, "runs.show-list", NULL, show_action);

  g_type_ensure (PT_TYPE_LOSS_CHART);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/palitune/PaliTune/pt-runs-page.ui");
  gtk_widget_class_bind_template_child (widget_class, PtRunsPage, toasts);
  gtk_widget_class_bind_template_child (widget_class, PtRunsPage, stack);
  gtk_widget_class_bind_template_child (widget_class, PtRunsPage, leaflet);
  gtk_widget_class_bind_template_child (widget_class, PtRunsPage, count_label);
  gtk_widget_class_bind_template_child (widget_class, PtRunsPage, list);
  gtk_widget_class_bind_template_child (widget_class, PtRunsPage, chart_hint);
  gtk_widget_class_bind_template_child (widget_class, PtRunsPage, chart);
}

static void
pt_runs_page_init (PtRunsPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->compared = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->run_monitors = g_ptr_array_new_with_free_func (stop_monitor);
  self->root = pt_runs_default_root ();
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "runs.resume", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "runs.export", FALSE);
  pt_loss_chart_set_title (self->chart, _("Loss"));
  pt_runs_page_refresh (self);
}
