/* pt-train-settings-view-actions.c — the Train settings' actions: choosing
 * the model and adapter folders, presets, reset. */
#include "config.h"

#include <glib/gi18n.h>

#include "pt-train-settings-view-private.h"

/* ---- folders ---- */

static void
folder_response_cb (GtkNativeDialog     *dialog,
                    int                  response,
                    PtTrainSettingsView *self)
{
  gboolean is_model = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), "pt-is-model"));

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL && is_model)
        {
          g_free (self->settings->model_dir);
          self->settings->model_dir = g_steal_pointer (&path);
          g_clear_pointer (&self->model_summary, g_free);
          self->model_resolution = 0;
          self->model_usable = TRUE;
          self->updating = TRUE;
          pt_train_settings_view_sync_resolution (self);
          self->updating = FALSE;
          pt_train_settings_view_changed (self);
          pt_train_settings_view_notify_model_dir (self);
        }
      else if (path != NULL)
        {
          g_free (self->settings->adapter_dir);
          self->settings->adapter_dir = g_steal_pointer (&path);
          pt_train_settings_view_changed (self);
        }
    }
  g_clear_object (&self->chooser);
}

static void
choose_folder (PtTrainSettingsView *self,
               gboolean             is_model)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  const char *current = is_model ? self->settings->model_dir : self->settings->adapter_dir;

  g_clear_object (&self->chooser);
  self->chooser = gtk_file_chooser_native_new (is_model ? _("Choose a PaliGemma Checkpoint Folder")
                                                        : _("Choose a PEFT Adapter Folder"),
                                               GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                               GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                               _("_Select"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  if (current != NULL)
    {
      g_autoptr(GFile) file = g_file_new_for_path (current);
      g_autoptr(GFile) parent = g_file_get_parent (file);
      if (parent != NULL)
        gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (self->chooser), parent, NULL);
    }
  g_object_set_data (G_OBJECT (self->chooser), "pt-is-model", GINT_TO_POINTER (is_model));
  g_signal_connect (self->chooser, "response", G_CALLBACK (folder_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
model_clicked_cb (GtkButton           *button,
                  PtTrainSettingsView *self)
{
  choose_folder (self, TRUE);
}

static void
adapter_clicked_cb (GtkButton           *button,
                    PtTrainSettingsView *self)
{
  choose_folder (self, FALSE);
}

static void
adapter_clear_cb (GtkButton           *button,
                  PtTrainSettingsView *self)
{
  g_clear_pointer (&self->settings->adapter_dir, g_free);
  pt_train_settings_view_changed (self);
}

/* ---- actions ---- */

static void
apply_preset_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  g_autoptr(GError) error = NULL;

  if (!pt_train_settings_view_apply_preset (PT_TRAIN_SETTINGS_VIEW (widget),
                                            g_variant_get_string (parameter, NULL), &error))
    g_warning ("%s", error->message);
}

static void
reset_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  PtTrainSettingsView *self = PT_TRAIN_SETTINGS_VIEW (widget);
  g_autoptr(PtTrainSettings) defaults = pt_train_settings_new ();

  /* the inputs stay: a reset is about how to train, not what */
  defaults->model_dir = g_strdup (self->settings->model_dir);
  defaults->data_path = g_strdup (self->settings->data_path);
  pt_train_settings_view_set_settings (self, defaults);
}

/* "Make it fit": the same LoRA run over an NF4 base, in micro-batches of
 * the given size (the accumulation raised to keep the samples per step) */
static void
use_qlora_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  PtTrainSettingsView *self = PT_TRAIN_SETTINGS_VIEW (widget);
  g_autoptr(PtTrainSettings) s = pt_train_settings_copy (self->settings);
  int b = g_variant_get_int32 (parameter);

  s->mode = PT_MODE_QLORA;
  if (b >= 1 && b < s->batch_size)
    {
      s->grad_accum = MAX (1, s->grad_accum) * (s->batch_size / b);
      s->batch_size = b;
    }
  pt_train_settings_view_set_settings (self, s);
}

/* "Make it fit": micro-batches of the given size, the accumulation raised so
 * that an optimiser step sees as many samples as before */
static void
fit_batch_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  PtTrainSettingsView *self = PT_TRAIN_SETTINGS_VIEW (widget);
  g_autoptr(PtTrainSettings) s = pt_train_settings_copy (self->settings);
  int b = g_variant_get_int32 (parameter);

  if (b < 1 || b >= s->batch_size)
    return;
  s->grad_accum = MAX (1, s->grad_accum) * (s->batch_size / b);
  s->batch_size = b;
  pt_train_settings_view_set_settings (self, s);
}

/* The application measures (it owns the devices' time): ask it. */
static void
measure_speed_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  pt_train_settings_view_emit_measure (PT_TRAIN_SETTINGS_VIEW (widget));
}

void
pt_train_settings_view_class_init_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "settings.apply-preset", "s", apply_preset_action);
  gtk_widget_class_install_action (widget_class, "settings.measure-speed", NULL, measure_speed_action);
  gtk_widget_class_install_action (widget_class, "settings.reset", NULL, reset_action);
  gtk_widget_class_install_action (widget_class, "settings.use-qlora", "i", use_qlora_action);
  gtk_widget_class_install_action (widget_class, "settings.fit-batch", "i", fit_batch_action);
  gtk_widget_class_bind_template_callback (widget_class, model_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, adapter_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, adapter_clear_cb);
}
