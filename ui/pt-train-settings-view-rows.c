/* pt-train-settings-view-rows.c — the Train settings rows built in code:
 * LoRA target checks per tower, the device and resolution lists, and the
 * memory/time estimate. */
#include "config.h"

#include <glib/gi18n.h>

#include "pt-backend.h"                 /* pt_backend_list_devices */
#include "pt-comm.h"                    /* PT_DEVICE_ALL_GPUS */
#include "pt-device-choices.h"          /* pt_device_choices_new */
#include "pt-lora-targets.h"
#include "pt-train-settings-view-private.h"

/* ---- LoRA targets ---- */

typedef struct {
  const char *module;
  const char *title;
} ModuleTitle;

static const ModuleTitle module_titles[] = {
  { "q_proj", N_("Query") },
  { "k_proj", N_("Key") },
  { "v_proj", N_("Value") },
  { "o_proj", N_("Attention Output") },
  { "out_proj", N_("Attention Output") },
  { "fc1", N_("MLP In") },
  { "fc2", N_("MLP Out") },
  { "gate_proj", N_("MLP Gate") },
  { "up_proj", N_("MLP Up") },
  { "down_proj", N_("MLP Down") },
};

static const char *
module_title (const char *module)
{
  for (guint i = 0; i < G_N_ELEMENTS (module_titles); i++)
    if (g_str_equal (module_titles[i].module, module))
      return _(module_titles[i].title);
  return module;
}

static void
read_ticks (PtTrainSettingsView *self,
            gboolean            *vision,
            gboolean            *text)
{
  for (guint i = 0; pt_vision_lora_modules[i] != NULL; i++)
    vision[i] = gtk_check_button_get_active (self->vision_checks[i]);
  for (guint i = 0; pt_text_lora_modules[i] != NULL; i++)
    text[i] = gtk_check_button_get_active (self->text_checks[i]);
}

/* "q_proj, k_proj, v_proj" or "None" */
static void
update_tower_subtitle (AdwExpanderRow     *row,
                       const char *const  *modules,
                       const gboolean     *ticks)
{
  g_autoptr(GString) s = g_string_new (NULL);

  for (guint i = 0; modules[i] != NULL; i++)
    if (ticks[i])
      g_string_append_printf (s, "%s%s", s->len > 0 ? ", " : "", modules[i]);
  adw_expander_row_set_subtitle (row, s->len > 0 ? s->str : _("None"));
}

static void
update_target_subtitles (PtTrainSettingsView *self)
{
  gboolean vision[PT_MAX_TOWER_MODULES], text[PT_MAX_TOWER_MODULES];

  read_ticks (self, vision, text);
  update_tower_subtitle (self->vision_targets_row, pt_vision_lora_modules, vision);
  update_tower_subtitle (self->text_targets_row, pt_text_lora_modules, text);
}

static void
target_toggled_cb (GtkCheckButton      *check,
                   PtTrainSettingsView *self)
{
  gboolean vision[PT_MAX_TOWER_MODULES], text[PT_MAX_TOWER_MODULES];

  update_target_subtitles (self);
  if (self->updating)
    return;
  read_ticks (self, vision, text);
  g_strfreev (self->settings->lora_targets);
  self->settings->lora_targets = pt_lora_targets_from_ticks (vision, text);
  pt_train_settings_view_changed (self);
}

void
pt_train_settings_view_sync_targets (PtTrainSettingsView *self)
{
  gboolean vision[PT_MAX_TOWER_MODULES], text[PT_MAX_TOWER_MODULES];

  g_assert (self->updating);
  pt_lora_targets_to_ticks ((const char *const *) self->settings->lora_targets, vision, text);
  for (guint i = 0; pt_vision_lora_modules[i] != NULL; i++)
    gtk_check_button_set_active (self->vision_checks[i], vision[i]);
  for (guint i = 0; pt_text_lora_modules[i] != NULL; i++)
    gtk_check_button_set_active (self->text_checks[i], text[i]);
  update_target_subtitles (self);
}

static void
build_tower (PtTrainSettingsView *self,
             AdwExpanderRow      *expander,
             const char *const   *modules,
             GtkCheckButton     **checks)
{
  for (guint i = 0; modules[i] != NULL; i++)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *check = gtk_check_button_new ();

      g_assert (i < PT_MAX_TOWER_MODULES);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), module_title (modules[i]));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), modules[i]);
      gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
      adw_expander_row_add_row (expander, row);
      checks[i] = GTK_CHECK_BUTTON (check);
      g_signal_connect (check, "toggled", G_CALLBACK (target_toggled_cb), self);
    }
}

/* ---- devices ---- */

static void
build_devices (PtTrainSettingsView *self)
{
  g_autoptr(GPtrArray) found = pt_backend_list_devices ();
  g_autoptr(GPtrArray) devices = pt_device_choices_new (found);   /* "All N GPUs" with several */
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);

  for (guint i = 0; i < devices->len; i++)
    {
      PtDeviceInfo *d = devices->pdata[i];

      gtk_string_list_append (names, d->name);
      g_ptr_array_add (self->device_ids, g_strdup (d->id));
      g_array_append_val (self->device_memory, d->total_memory);
    }
  self->n_devices = self->device_ids->len;
  adw_combo_row_set_model (self->device_row, G_LIST_MODEL (names));
}

/* The chosen device's memory as the row's subtitle. */
void
pt_train_settings_view_update_device_subtitle (PtTrainSettingsView *self)
{
  guint selected = adw_combo_row_get_selected (self->device_row);
  g_autofree char *subtitle = NULL;

  if (selected >= self->n_devices)
    subtitle = g_strdup (_("Not on this computer"));
  else
    {
      guint64 bytes = g_array_index (self->device_memory, guint64, selected);
      if (bytes > 0)
        {
          g_autofree char *size = g_format_size (bytes);
          if (g_str_equal (self->device_ids->pdata[selected], PT_DEVICE_ALL_GPUS))
            /* Translators: every GPU trains a copy: "80.0 GB of memory each; throughput of all together" */
            subtitle = g_strdup_printf (_("%s of memory each; the charts show the throughput of all together"), size);
          else
            /* Translators: a device's memory, e.g. "80.0 GB of memory" */
            subtitle = g_strdup_printf (_("%s of memory"), size);
        }
    }
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->device_row), subtitle != NULL ? subtitle : "");
}

gboolean
pt_train_settings_view_device_available (PtTrainSettingsView *self)
{
  const char *device = self->settings->device;
  guint index;

  return device != NULL && g_ptr_array_find_with_equal_func (self->device_ids, device, g_str_equal, &index)
         && index < self->n_devices;
}

void
pt_train_settings_view_sync_device (PtTrainSettingsView *self)
{
  GtkStringList *names = GTK_STRING_LIST (adw_combo_row_get_model (self->device_row));
  const char *device = self->settings->device;
  guint index;

  g_assert (self->updating);
  /* a saved device that is not here (a GPU run on a laptop): shown, marked */
  if (device != NULL && *device != '\0'
      && !g_ptr_array_find_with_equal_func (self->device_ids, device, g_str_equal, NULL))
    {
      g_autofree char *label = g_strdup_printf (_("%s (not on this computer)"), device);
      gtk_string_list_append (names, label);
      g_ptr_array_add (self->device_ids, g_strdup (device));
    }
  if (device != NULL && g_ptr_array_find_with_equal_func (self->device_ids, device, g_str_equal, &index))
    adw_combo_row_set_selected (self->device_row, index);
  pt_train_settings_view_update_device_subtitle (self);
}

/* ---- resolution ---- */

static const int standard_resolutions[] = { 0, 224, 448, 896 };

void
pt_train_settings_view_sync_resolution (PtTrainSettingsView *self)
{
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);
  g_autofree char *own = NULL;
  int res = self->settings->resolution;
  guint selected = G_N_ELEMENTS (standard_resolutions);

  g_assert (self->updating);
  if (self->model_resolution > 0)
    /* Translators: the checkpoint's own image size, e.g. "Model's Own (224 px)" */
    own = g_strdup_printf (_("Model’s Own (%d px)"), self->model_resolution);
  gtk_string_list_append (names, own != NULL ? own : _("Model’s Own"));
  for (guint i = 1; i < G_N_ELEMENTS (standard_resolutions); i++)
    {
      g_autofree char *label = g_strdup_printf (_("%d × %d px"), standard_resolutions[i], standard_resolutions[i]);
      gtk_string_list_append (names, label);
    }
  for (guint i = 0; i < G_N_ELEMENTS (standard_resolutions); i++)
    if (standard_resolutions[i] == res)
      selected = i;
  if (selected == G_N_ELEMENTS (standard_resolutions))
    {
      /* from a run.json: any size the engine accepts */
      g_autofree char *label = g_strdup_printf (_("%d × %d px"), res, res);
      gtk_string_list_append (names, label);
    }
  adw_combo_row_set_model (self->resolution_row, G_LIST_MODEL (names));
  adw_combo_row_set_selected (self->resolution_row, selected);
}

static void
resolution_selected_cb (AdwComboRow         *row,
                        GParamSpec          *pspec,
                        PtTrainSettingsView *self)
{
  guint selected = adw_combo_row_get_selected (row);

  if (self->updating || selected >= G_N_ELEMENTS (standard_resolutions))
    return;
  self->settings->resolution = standard_resolutions[selected];
  pt_train_settings_view_changed (self);
}

/* ---- estimate ---- */

static char *
format_duration (double seconds)
{
  guint64 s = (guint64) (seconds + 0.5);

  if (seconds < 1)
    return g_strdup_printf (_("%.0f ms"), seconds * 1000);
  if (s < 60)
    return g_strdup_printf (_("%.1f s"), seconds);
  if (s < 3600)
    return g_strdup_printf (_("%u min %u s"), (guint) (s / 60), (guint) (s % 60));
  if (s < 86400)
    return g_strdup_printf (_("%u h %u min"), (guint) (s / 3600), (guint) (s % 3600 / 60));
  return g_strdup_printf (_("%u d %u h"), (guint) (s / 86400), (guint) (s % 86400 / 3600));
}

void
pt_train_settings_view_set_estimate (PtTrainSettingsView   *self,
                                     const PtTrainEstimate *e)
{
  g_return_if_fail (PT_IS_TRAIN_SETTINGS_VIEW (self));

  gtk_widget_set_visible (GTK_WIDGET (self->estimate_unknown_row), e == NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->estimate_memory_row), e != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->estimate_fit_row),
                          e != NULL && !e->fits && (e->qlora_batch > 0 || e->fit_batch > 0));
  if (e != NULL && !e->fits)
    {
      /* what would fit, one click away */
      int accum = MAX (1, self->settings->grad_accum);
      gtk_widget_set_visible (GTK_WIDGET (self->fit_qlora_button), e->qlora_batch > 0);
      gtk_widget_set_visible (GTK_WIDGET (self->fit_batch_button), e->fit_batch > 0);
      if (e->qlora_batch > 0)
        {
          g_autofree char *label = e->qlora_batch == self->settings->batch_size
                                   ? g_strdup (_("Use _QLoRA"))
                                   /* Translators: a button: QLoRA with micro-batches of 4, accumulated over 8 */
                                   : g_strdup_printf (_("_QLoRA, Batch %d × %d"), e->qlora_batch,
                                                      accum * (self->settings->batch_size / e->qlora_batch));
          gtk_button_set_label (self->fit_qlora_button, label);
          gtk_actionable_set_action_target (GTK_ACTIONABLE (self->fit_qlora_button), "i", e->qlora_batch);
        }
      if (e->fit_batch > 0)
        {
          /* Translators: a button: micro-batches of 4, gradients accumulated over 8 of them */
          g_autofree char *label = g_strdup_printf (_("_Batch %d × %d"), e->fit_batch,
                                                    accum * (self->settings->batch_size / e->fit_batch));
          gtk_button_set_label (self->fit_batch_button, label);
          gtk_actionable_set_action_target (GTK_ACTIONABLE (self->fit_batch_button), "i", e->fit_batch);
        }
    }
  gtk_widget_set_visible (GTK_WIDGET (self->estimate_params_row), e != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->estimate_time_row), e != NULL);
  if (e == NULL)
    return;

  {
    guint64 total = e->weights_bytes + e->training_bytes + e->activations_bytes;
    g_autofree char *t = g_format_size (total);
    g_autofree char *w = g_format_size (e->weights_bytes);
    g_autofree char *o = g_format_size (e->training_bytes);
    g_autofree char *a = g_format_size (e->activations_bytes);
    /* Translators: the parts of the memory estimate */
    g_autofree char *parts = g_strdup_printf (_("Weights %s · gradients and optimiser %s · activations %s"), w, o, a);
    g_autofree char *subtitle = e->message != NULL ? g_strdup_printf ("%s\n%s", parts, e->message) : g_strdup (parts);

    if (e->device_bytes > 0)
      {
        g_autofree char *d = g_format_size (e->device_bytes);
        /* Translators: "7.8 GB of 80.0 GB" */
        g_autofree char *label = g_strdup_printf (_("%s of %s"), t, d);
        gtk_label_set_text (self->estimate_memory_label, label);
        gtk_level_bar_set_value (self->estimate_level, MIN (1.0, (double) total / e->device_bytes));
      }
    else
      {
        gtk_label_set_text (self->estimate_memory_label, t);
        gtk_level_bar_set_value (self->estimate_level, 0);
      }
    gtk_widget_set_visible (GTK_WIDGET (self->estimate_level), e->device_bytes > 0);
    adw_action_row_set_subtitle (self->estimate_memory_row, subtitle);
    if (e->fits)
      gtk_widget_remove_css_class (GTK_WIDGET (self->estimate_memory_row), "error");
    else
      gtk_widget_add_css_class (GTK_WIDGET (self->estimate_memory_row), "error");
  }
  {
    g_autofree char *params = g_strdup_printf ("%'" G_GUINT64_FORMAT, e->trainable_params);
    gtk_label_set_text (self->estimate_params_label, params);
  }
  {
    g_autoptr(GString) subtitle = g_string_new (NULL);

    if (e->seconds_per_step > 0)
      {
        g_autofree char *per = format_duration (e->seconds_per_step);
        /* Translators: "1.2 s per step" */
        g_string_append_printf (subtitle, _("%s per step"), per);
        if (e->steps_per_epoch > 0)
          {
            g_autofree char *epoch = format_duration (e->seconds_per_step * e->steps_per_epoch);
            /* Translators: "3 min 20 s per epoch" */
            g_string_append (subtitle, " · ");
            g_string_append_printf (subtitle, _("%s per epoch"), epoch);
          }
        if (e->total_steps > 0)
          {
            g_autofree char *all = format_duration (e->seconds_per_step * e->total_steps);
            g_autofree char *steps = g_strdup_printf ("%'" G_GUINT64_FORMAT, e->total_steps);
            /* Translators: "6,000 steps" */
            g_string_append (subtitle, " · ");
            g_string_append_printf (subtitle, g_dngettext (NULL, "%s step", "%s steps", e->total_steps), steps);
            gtk_label_set_text (self->estimate_time_label, all);
          }
        else
          gtk_label_set_text (self->estimate_time_label, per);
      }
    else
      {
        gtk_label_set_text (self->estimate_time_label, _("Unknown"));
        g_string_append (subtitle, _("Measure the speed of a step on this device"));
      }
    if (e->time_note != NULL)
      g_string_append_printf (subtitle, "\n%s", e->time_note);
    adw_action_row_set_subtitle (self->estimate_time_row, subtitle->str);
  }
}

/* ---- building ---- */

void
pt_train_settings_view_build_rows (PtTrainSettingsView *self)
{
  build_tower (self, self->vision_targets_row, pt_vision_lora_modules, self->vision_checks);
  build_tower (self, self->text_targets_row, pt_text_lora_modules, self->text_checks);
  build_devices (self);
  g_signal_connect (self->resolution_row, "notify::selected", G_CALLBACK (resolution_selected_cb), self);
  /* more memory used is not "better": one colour, the row turns red when it does not fit */
  gtk_level_bar_remove_offset_value (self->estimate_level, GTK_LEVEL_BAR_OFFSET_LOW);
  gtk_level_bar_remove_offset_value (self->estimate_level, GTK_LEVEL_BAR_OFFSET_HIGH);
  gtk_level_bar_remove_offset_value (self->estimate_level, GTK_LEVEL_BAR_OFFSET_FULL);
  pt_train_settings_view_set_estimate (self, NULL);
}
