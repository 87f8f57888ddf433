/* pt-run-row.c — one training run in the Runs page's list. */
#include "config.h"

#include <math.h>             /* isfinite */

#include <glib/gi18n.h>

#include "pt-run-row.h"

struct _PtRunRow
{
  GtkListBoxRow   parent_instance;

  char           *dir;
  char           *id;
  char           *name;
  PtRunStatus     status;
  int             step;

  GtkCheckButton *compare;
  GtkWidget      *resume_button;
  GtkWidget      *export_button;
};

G_DEFINE_FINAL_TYPE (PtRunRow, pt_run_row, GTK_TYPE_LIST_BOX_ROW)

const char *
pt_run_status_label (PtRunStatus status)
{
  switch (status)
    {
    case PT_RUN_CREATED: return C_("run status", "Created");
    case PT_RUN_RUNNING: return C_("run status", "Running");
    case PT_RUN_PAUSED: return C_("run status", "Paused");
    case PT_RUN_STOPPED: return C_("run status", "Stopped");
    case PT_RUN_FINISHED: return C_("run status", "Finished");
    case PT_RUN_FAILED: return C_("run status", "Failed");
    default: return "";
    }
}

char *
pt_run_format_duration (double seconds)
{
  guint64 s = seconds > 0 && isfinite (seconds) ? (guint64) (seconds + 0.5) : 0;

  if (s < 60)
    /* Translators: a duration */
    return g_strdup_printf (_("%u s"), (guint) s);
  if (s < 3600)
    return g_strdup_printf (_("%u min %u s"), (guint) (s / 60), (guint) (s % 60));
  return g_strdup_printf (_("%u h %u min"), (guint) (s / 3600), (guint) (s % 3600 / 60));
}

static const char *
mode_label (PtTrainMode mode)
{
  switch (mode)
    {
    case PT_MODE_LORA: return _("LoRA");
    case PT_MODE_QLORA: return _("QLoRA");
    case PT_MODE_FULL: return _("Full fine-tune");
    default: return "";
    }
}

static gboolean
get_number (JsonObject *o,
            const char *key,
            double     *out)
{
  JsonNode *n = o != NULL ? json_object_get_member (o, key) : NULL;

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n))
    return FALSE;
  if (json_node_get_value_type (n) != G_TYPE_DOUBLE && json_node_get_value_type (n) != G_TYPE_INT64)
    return FALSE;
  *out = json_node_get_double (n);
  return isfinite (*out);
}

static const char *
metric_label (const char *key)
{
  if (g_str_equal (key, "loss"))
    return _("loss");
  if (g_str_equal (key, "val_loss"))
    return _("validation loss");
  if (g_str_equal (key, "vqa_accuracy"))
    return _("VQA accuracy");
  if (g_str_equal (key, "exact_match"))
    return _("exact match");
  return key;
}

static void
append_metric (GString    *s,
               const char *key,
               double      v)
{
  if (s->len > 0)
    g_string_append (s, " · ");
  if (g_str_has_suffix (key, "accuracy") || g_str_equal (key, "exact_match"))
    g_string_append_printf (s, "%s %.1f %%", metric_label (key), 100 * v);
  else
    g_string_append_printf (s, "%s %.4g", metric_label (key), v);
}

/* "Step 1200 of 1500 · loss 0.512 · validation loss 0.61 · best validation loss 0.58 at step 1000" */
static char *
metrics_text (PtRun *run)
{
  static const char *const keys[] = { "loss", "val_loss", "vqa_accuracy", "exact_match" };
  GString *s = g_string_new (NULL);
  JsonNode *final = pt_run_get_final_metrics (run);
  JsonNode *last = pt_run_get_last_metrics (run);
  JsonNode *best = pt_run_get_best (run);
  JsonObject *m = NULL;
  int step = pt_run_get_step (run), total = pt_run_get_total_steps (run);

  if (total > 0)
    /* Translators: training progress in optimiser steps */
    g_string_append_printf (s, _("Step %d of %d"), step, total);
  else if (step > 0)
    g_string_append_printf (s, _("Step %d"), step);
  if (final != NULL && JSON_NODE_HOLDS_OBJECT (final))
    m = json_node_get_object (final);
  else if (last != NULL && JSON_NODE_HOLDS_OBJECT (last))
    m = json_node_get_object (last);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      double v;
      /* an eval row repeats val_loss as loss: show it once */
      if (g_str_equal (keys[i], "loss") && m != NULL && json_object_has_member (m, "val_loss"))
        continue;
      if (get_number (m, keys[i], &v))
        append_metric (s, keys[i], v);
    }
  if (best != NULL && JSON_NODE_HOLDS_OBJECT (best))
    {
      JsonObject *b = json_node_get_object (best);
      const char *metric = json_object_get_string_member_with_default (b, "metric", NULL);
      double v, bstep;
      if (metric != NULL && get_number (b, "value", &v) && get_number (b, "step", &bstep))
        {
          g_autoptr(GString) one = g_string_new (NULL);
          append_metric (one, metric, v);
          if (s->len > 0)
            g_string_append (s, " · ");
          /* Translators: the best evaluation, e.g. "best validation loss 0.58 at step 1000" */
          g_string_append_printf (s, _("best %s at step %d"), one->str, (int) bstep);
        }
    }
  if (s->len == 0)
    g_string_append (s, _("No metrics yet"));
  return g_string_free (s, FALSE);
}

/* Resume and export: plain buttons whose sensitivity the row decides (the
 * page's runs.resume / runs.export actions are off until wired). */
static void
row_action_clicked_cb (GtkButton *button,
                       PtRunRow  *self)
{
  const char *action = g_object_get_data (G_OBJECT (button), "action");

  gtk_widget_activate_action (GTK_WIDGET (self), action, "s", self->dir);
}

static GtkWidget *
row_button (PtRunRow   *self,
            const char *icon,
            const char *action)
{
  GtkWidget *b = gtk_button_new_from_icon_name (icon);

  gtk_widget_add_css_class (b, "flat");
  gtk_widget_set_valign (b, GTK_ALIGN_CENTER);
  g_object_set_data (G_OBJECT (b), "action", (gpointer) action);
  g_signal_connect (b, "clicked", G_CALLBACK (row_action_clicked_cb), self);
  return b;
}

static GtkWidget *
action_button (const char *icon,
               const char *action,
               const char *target,
               const char *tooltip)
{
  GtkWidget *b = gtk_button_new_from_icon_name (icon);

  gtk_widget_add_css_class (b, "flat");
  gtk_widget_set_valign (b, GTK_ALIGN_CENTER);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (b), action);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (b), "s", target);
  gtk_widget_set_tooltip_text (b, tooltip);
  return b;
}

GtkWidget *
pt_run_row_new (PtRun *run)
{
  PtRunRow *self = g_object_new (PT_TYPE_RUN_ROW, NULL);
  const PtTrainSettings *s = pt_run_get_settings (run);
  GtkWidget *box, *text, *title, *name, *badge, *details, *metrics, *buttons;
  g_autoptr(GDateTime) created = g_date_time_new_from_unix_local (pt_run_get_created (run));
  /* Translators: when a run was created, a g_date_time_format() format ("27 Nov 2026, 10:10") */
  g_autofree char *date = created != NULL ? g_date_time_format (created, C_("run date", "%e %b %Y, %H:%M"))
                                          : g_strdup ("");
  g_autofree char *duration = pt_run_format_duration (pt_run_get_duration (run));
  g_autofree char *dataset = s->data_path != NULL ? g_path_get_basename (s->data_path) : g_strdup (_("no dataset"));
  g_autofree char *detail_text = NULL;
  g_autofree char *metrics_str = metrics_text (run);
  const char *device = pt_run_get_device_name (run);

  self->dir = g_strdup (pt_run_get_dir (run));
  self->id = g_strdup (pt_run_get_id (run));
  self->name = g_strdup (pt_run_get_name (run) != NULL ? pt_run_get_name (run) : self->id);
  self->status = pt_run_get_status (run);
  self->step = pt_run_get_step (run);

  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_widget_add_css_class (box, "run-row");
  self->compare = GTK_CHECK_BUTTON (gtk_check_button_new ());
  gtk_widget_set_valign (GTK_WIDGET (self->compare), GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->compare), _("Show its curves on the chart"));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->compare));

  text = gtk_box_new (GTK_ORIENTATION_VERTICAL, 3);
  gtk_widget_set_hexpand (text, TRUE);
  title = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  name = gtk_label_new (self->name);
  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_wrap (GTK_LABEL (name), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (name), PANGO_WRAP_WORD_CHAR);
  gtk_widget_add_css_class (name, "heading");
  gtk_widget_set_tooltip_text (name, self->dir);
  badge = gtk_label_new (pt_run_status_label (self->status));
  gtk_widget_add_css_class (badge, "status-badge");
  gtk_widget_add_css_class (badge, pt_run_status_to_string (self->status));
  gtk_widget_set_valign (badge, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (title), name);
  gtk_box_append (GTK_BOX (title), badge);
  gtk_box_append (GTK_BOX (text), title);

  /* Translators: a run's dataset · method · date · duration, then its device if known */
  detail_text = device != NULL
                ? g_strdup_printf (_("%s · %s · %s · %s · %s"), dataset, mode_label (s->mode), date, duration, device)
                : g_strdup_printf (_("%s · %s · %s · %s"), dataset, mode_label (s->mode), date, duration);
  details = gtk_label_new (detail_text);
  gtk_label_set_xalign (GTK_LABEL (details), 0);
  gtk_label_set_wrap (GTK_LABEL (details), TRUE);
  gtk_widget_add_css_class (details, "caption");
  gtk_widget_add_css_class (details, "dim-label");
  gtk_widget_set_tooltip_text (details, s->data_path);
  gtk_box_append (GTK_BOX (text), details);

  metrics = gtk_label_new (metrics_str);
  gtk_label_set_xalign (GTK_LABEL (metrics), 0);
  gtk_label_set_wrap (GTK_LABEL (metrics), TRUE);
  gtk_widget_add_css_class (metrics, "caption");
  gtk_widget_add_css_class (metrics, "numeric");
  gtk_box_append (GTK_BOX (text), metrics);

  if (self->status == PT_RUN_FAILED)
    {
      const char *why = pt_run_get_error (run);
      GtkWidget *error = gtk_label_new (why != NULL ? why : _("The run failed without saying why"));
      gtk_label_set_xalign (GTK_LABEL (error), 0);
      gtk_label_set_wrap (GTK_LABEL (error), TRUE);
      gtk_label_set_wrap_mode (GTK_LABEL (error), PANGO_WRAP_WORD_CHAR);
      gtk_label_set_selectable (GTK_LABEL (error), TRUE);
      gtk_widget_add_css_class (error, "run-error");
      gtk_box_append (GTK_BOX (text), error);
    }
  gtk_box_append (GTK_BOX (box), text);

  buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  gtk_widget_set_valign (buttons, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (buttons), action_button ("folder-open-symbolic", "runs.open-folder", self->dir,
                                                    _("Open the Run Folder")));
  self->resume_button = row_button (self, "media-playback-start-symbolic", "runs.resume");
  gtk_box_append (GTK_BOX (buttons), self->resume_button);
  self->export_button = row_button (self, "document-save-as-symbolic", "runs.export");
  gtk_box_append (GTK_BOX (buttons), self->export_button);
  gtk_box_append (GTK_BOX (buttons), action_button ("user-trash-symbolic", "runs.delete", self->dir,
                                                    _("Delete the Run…")));
  gtk_box_append (GTK_BOX (box), buttons);
  pt_run_row_set_available (self, FALSE, FALSE);

  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (self), box);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (self), FALSE);
  gtk_list_box_row_set_selectable (GTK_LIST_BOX_ROW (self), FALSE);
  return GTK_WIDGET (self);
}

gboolean
pt_run_row_can_resume (PtRunRow *self)
{
  g_return_val_if_fail (PT_IS_RUN_ROW (self), FALSE);
  return (self->status == PT_RUN_PAUSED || self->status == PT_RUN_STOPPED || self->status == PT_RUN_FAILED)
         && self->step > 0;
}

gboolean
pt_run_row_can_export (PtRunRow *self)
{
  g_return_val_if_fail (PT_IS_RUN_ROW (self), FALSE);
  return self->step > 0 && self->status != PT_RUN_RUNNING;
}

void
pt_run_row_set_available (PtRunRow *self,
                          gboolean  resume,
                          gboolean  export)
{
  g_return_if_fail (PT_IS_RUN_ROW (self));

  /* wired at all (the page says), and possible for this run */
  gtk_widget_set_sensitive (self->resume_button, resume && pt_run_row_can_resume (self));
  gtk_widget_set_tooltip_text (self->resume_button,
                               !resume ? _("Resuming runs is not available in this version yet")
                               : pt_run_row_can_resume (self) ? _("Resume Training")
                               : _("Only a paused, stopped or failed run with a checkpoint can resume"));
  gtk_widget_set_sensitive (self->export_button, export && pt_run_row_can_export (self));
  gtk_widget_set_tooltip_text (self->export_button,
                               !export ? _("Exporting runs is not available in this version yet")
                               : pt_run_row_can_export (self) ? _("Export the Adapter or Merged Model…")
                               : _("Only a run with a checkpoint can be exported"));
}

const char *
pt_run_row_get_dir (PtRunRow *self)
{
  g_return_val_if_fail (PT_IS_RUN_ROW (self), NULL);
  return self->dir;
}

const char *
pt_run_row_get_id (PtRunRow *self)
{
  g_return_val_if_fail (PT_IS_RUN_ROW (self), NULL);
  return self->id;
}

const char *
pt_run_row_get_name (PtRunRow *self)
{
  g_return_val_if_fail (PT_IS_RUN_ROW (self), NULL);
  return self->name;
}

PtRunStatus
pt_run_row_get_status (PtRunRow *self)
{
  g_return_val_if_fail (PT_IS_RUN_ROW (self), PT_RUN_CREATED);
  return self->status;
}

GtkCheckButton *
pt_run_row_get_compare (PtRunRow *self)
{
  g_return_val_if_fail (PT_IS_RUN_ROW (self), NULL);
  return self->compare;
}

static void
pt_run_row_finalize (GObject *object)
{
  PtRunRow *self = PT_RUN_ROW (object);

  g_free (self->dir);
  g_free (self->id);
  g_free (self->name);
  G_OBJECT_CLASS (pt_run_row_parent_class)->finalize (object);
}

static void
pt_run_row_class_init (PtRunRowClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pt_run_row_finalize;
}

static void
pt_run_row_init (PtRunRow *self)
{
}
