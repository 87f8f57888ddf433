/* pt-train-controller-estimate.c — the Train page before a run: what the
 * model folder holds, the dataset's size and text lengths, the memory and
 * time estimate, and timing a few steps on request. */
#include "config.h"

#include <glib/gi18n.h>

#include "pt-train-controller-private.h"

/* Records measured for the text length: enough for a good maximum, quick. */
#define MEASURE_RECORDS 2000
/* Timed steps of the Measure button (after one warm-up). */
#define MEASURE_STEPS 2

/* The settings a step's time depends on. */
char *
pt_train_controller_speed_key (PtTrainController     *self,
                               const PtTrainSettings *s)
{
  g_autofree char *targets = s->lora_targets != NULL ? g_strjoinv (",", s->lora_targets) : g_strdup ("");
  gboolean guessed;
  int text_len = pt_train_estimate_text_len (s, self->data_info, &guessed);

  return g_strdup_printf ("%s|%s|%d|%d|%d|%s|%d|%d%d%d|%d|%d", s->model_dir ? s->model_dir : "",
                          s->device ? s->device : "", s->mode, s->batch_size, s->grad_accum, targets,
                          s->lora_rank, s->train_vision, s->train_projector, s->train_decoder,
                          s->resolution, text_len);
}

void
pt_train_controller_update_estimate (PtTrainController *self)
{
  PtTrainSettingsView *sv = pt_train_controller_settings_view (self);
  const PtTrainSettings *s;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;
  PtTrainEstimate e;
  double seconds = 0;

  if (sv == NULL)
    return;
  s = pt_train_settings_view_get_settings (sv);
  g_clear_pointer (&self->estimate_messages, g_strfreev);
  self->has_estimate = FALSE;
  if (self->model_info == NULL || s->model_dir == NULL)
    {
      pt_train_settings_view_set_estimate (sv, NULL);
      return;
    }
  key = pt_train_controller_speed_key (self, s);
  if (self->speed_key != NULL && g_str_equal (key, self->speed_key))
    seconds = self->speed_s;
  if (!pt_train_estimate_compute (s, self->model_info->config, self->data_info, seconds, &e,
                                  &self->estimate_messages, &error))
    {
      g_debug ("No estimate: %s", error->message);
      pt_train_settings_view_set_estimate (sv, NULL);
      return;
    }
  e.time_note = seconds > 0 ? self->speed_note : NULL;
  self->has_estimate = TRUE;
  self->estimate_fits = e.fits;
  pt_train_settings_view_set_estimate (sv, &e);
}

/* ---- the model folder ---- */

static void
model_info_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(PtTrainController) self = user_data;
  g_autoptr(GError) error = NULL;
  PtModelInfo *info = pt_model_info_read_finish (result, &error);
  PtTrainSettingsView *sv;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->model_cancellable);
  sv = pt_train_controller_settings_view (self);
  if (sv == NULL)
    {
      pt_model_info_free (info);
      return;
    }
  g_clear_pointer (&self->model_info, pt_model_info_free);
  if (info == NULL)
    pt_train_settings_view_set_model_info (sv, error->message, 0, FALSE);
  else
    {
      self->model_info = info;
      pt_train_settings_view_set_model_info (sv, info->summary, info->config->image_size, TRUE);
    }
  /* the text lengths need the model's tokenizer */
  pt_train_controller_probe_data (self);
  pt_train_controller_update_estimate (self);
}

void
pt_train_controller_probe_model (PtTrainController *self)
{
  PtTrainSettingsView *sv = pt_train_controller_settings_view (self);
  const char *model_dir = sv != NULL ? pt_train_settings_view_get_model_dir (sv) : NULL;

  if (g_strcmp0 (model_dir, self->model_dir) == 0 && (self->model_info != NULL || self->model_cancellable != NULL))
    return;
  g_cancellable_cancel (self->model_cancellable);
  g_clear_object (&self->model_cancellable);
  g_clear_pointer (&self->model_info, pt_model_info_free);
  g_free (self->model_dir);
  self->model_dir = g_strdup (model_dir);
  if (model_dir == NULL)
    {
      pt_train_controller_update_estimate (self);
      return;
    }
  /* Translators: shown under the model folder while it is read */
  pt_train_settings_view_set_model_info (sv, _("Reading the model folder…"), 0, TRUE);
  self->model_cancellable = g_cancellable_new ();
  pt_model_info_read_async (model_dir, self->model_cancellable, model_info_cb, g_object_ref (self));
  pt_train_controller_update_estimate (self);
}

static void
model_dir_cb (PtTrainSettingsView *view,
              GParamSpec          *pspec,
              PtTrainController   *self)
{
  pt_train_controller_probe_model (self);
}

/* ---- the dataset ---- */

static void
data_info_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(PtTrainController) self = user_data;
  g_autoptr(GError) error = NULL;
  PtDataInfo *info = pt_data_info_read_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->data_cancellable);
  g_free (self->data_info);
  self->data_info = info;
  if (info == NULL)
    g_debug ("Dataset not measured: %s", error->message);   /* the Data page explains */
  pt_train_controller_update_estimate (self);
}

void
pt_train_controller_probe_data (PtTrainController *self)
{
  PtTrainSettingsView *sv = pt_train_controller_settings_view (self);
  const PtTrainSettings *s;
  g_autofree char *key = NULL;
  const char *model_dir;

  if (sv == NULL)
    return;
  s = pt_train_settings_view_get_settings (sv);
  /* lengths are counted in the model's tokens: wait for the model */
  model_dir = self->model_info != NULL ? self->model_dir : NULL;
  key = g_strdup_printf ("%s|%s|%s", s->data_path ? s->data_path : "", model_dir ? model_dir : "",
                         s->prompt_template ? s->prompt_template : "");
  if (g_strcmp0 (key, self->data_key) == 0)
    return;
  g_cancellable_cancel (self->data_cancellable);
  g_clear_object (&self->data_cancellable);
  g_clear_pointer (&self->data_info, g_free);
  g_free (self->data_key);
  self->data_key = g_steal_pointer (&key);
  if (s->data_path == NULL)
    return;
  self->data_cancellable = g_cancellable_new ();
  pt_data_info_read_async (s->data_path, model_dir, s->prompt_template, MEASURE_RECORDS,
                           self->data_cancellable, data_info_cb, g_object_ref (self));
}

static void
settings_changed_cb (PtTrainSettingsView *view,
                     PtTrainController   *self)
{
  pt_train_controller_probe_data (self);
  pt_train_controller_update_estimate (self);
}

/* ---- the speed ---- */

static void
speed_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(PtTrainController) self = user_data;
  g_autoptr(GError) error = NULL;
  double seconds = pt_speed_measure_finish (result, &error);
  PtTrainSettingsView *sv = pt_train_controller_settings_view (self);
  g_autofree char *key = g_strdup (g_object_get_data (G_OBJECT (self), "pending-speed-key"));

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->speed_cancellable);
  if (sv != NULL)
    pt_train_settings_view_set_measuring (sv, FALSE);
  if (seconds <= 0)
    {
      g_autofree char *text = g_strdup_printf (_("Could not time a step: %s"), error->message);
      pt_train_controller_toast (self, text);
      return;
    }
  g_free (self->speed_key);
  self->speed_key = g_steal_pointer (&key);
  self->speed_s = seconds;
  /* Translators: where the time estimate comes from */
  self->speed_note = _("Measured on this device (untrained weights, synthetic batches)");
  pt_train_controller_update_estimate (self);
}

static void
measure_cb (PtTrainSettingsView *view,
            PtTrainController   *self)
{
  const PtTrainSettings *s = pt_train_settings_view_get_settings (view);
  gboolean guessed;
  int text_len = pt_train_estimate_text_len (s, self->data_info, &guessed);

  if (self->model_info == NULL)
    {
      pt_train_controller_toast (self, _("Choose a model folder first"));
      return;
    }
  if (pt_training_session_get_state (self->session) != PT_SESSION_IDLE)
    {
      pt_train_controller_toast (self, _("A run is training: its pace is the estimate"));
      return;
    }
  if (self->has_estimate && !self->estimate_fits)
    {
      /* timing needs the memory the run needs */
      pt_train_controller_toast (self, _("These settings do not fit the device: make them smaller to measure"));
      return;
    }
  g_cancellable_cancel (self->speed_cancellable);
  g_clear_object (&self->speed_cancellable);
  self->speed_cancellable = g_cancellable_new ();
  pt_train_settings_view_set_measuring (view, TRUE);
  /* what the time will be valid for: the settings may change meanwhile */
  g_object_set_data_full (G_OBJECT (self), "pending-speed-key", pt_train_controller_speed_key (self, s), g_free);
  pt_speed_measure_async (s, self->model_info->config, text_len, MEASURE_STEPS, self->speed_cancellable,
                          speed_cb, g_object_ref (self));
}

void
pt_train_controller_connect_estimate (PtTrainController *self)
{
  PtTrainSettingsView *sv = pt_train_controller_settings_view (self);

  g_signal_connect_object (sv, "notify::model-dir", G_CALLBACK (model_dir_cb), self, 0);
  g_signal_connect_object (sv, "changed", G_CALLBACK (settings_changed_cb), self, 0);
  g_signal_connect_object (sv, "measure-speed-requested", G_CALLBACK (measure_cb), self, 0);
  pt_train_controller_probe_model (self);
  pt_train_controller_probe_data (self);
}
