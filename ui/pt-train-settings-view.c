/* pt-train-settings-view.c — the settings half of the Train page: the form
 * ↔ PtTrainSettings, validation, presets and persistence. Rows built in code
 * are in pt-train-settings-view-rows.c. */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>                       /* isfinite, round */
#include <string.h>                     /* strchr, strlen */

#include "pt-backend.h"                 /* PT_MAX_BATCH */
#include "pt-error.h"                   /* PT_ERROR */
#include "pt-train-settings-view-private.h"

#define SCHEMA_ID "io.github.palitune.PaliTune"

G_DEFINE_FINAL_TYPE (PtTrainSettingsView, pt_train_settings_view, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_VALID,
  PROP_MESSAGE,
  PROP_MODEL_DIR,
  N_PROPS
};

enum {
  CHANGED,
  MEASURE_SPEED_REQUESTED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* ---- the tables: one row per spin button and number entry ---- */

typedef enum { K_INT, K_UINT64, K_DOUBLE } Kind;

typedef struct {
  gsize  widget;     /* offset of the GtkSpinButton* in PtTrainSettingsView */
  gsize  field;      /* offset of the value in PtTrainSettings */
  Kind   kind;
  double lower, upper, step;
  guint  digits;
} SpinField;

#define SPIN(w, f, k, lo, hi, st, d) \
  { G_STRUCT_OFFSET (PtTrainSettingsView, w), G_STRUCT_OFFSET (PtTrainSettings, f), k, lo, hi, st, d }

/* Ranges are pt_train_settings_validate's, so the form cannot hold what
 * the engine refuses (except where fields depend on each other). */
static const SpinField spin_fields[] = {
  SPIN (val_split_spin, val_split, K_DOUBLE, 0, 1e6, 0.05, 2),
  SPIN (max_text_len_spin, max_text_len, K_INT, 0, 65536, 16, 0),
  SPIN (rank_spin, lora_rank, K_INT, 1, 4096, 1, 0),
  SPIN (alpha_spin, lora_alpha, K_DOUBLE, 0.01, 1e6, 1, 2),
  SPIN (dropout_spin, lora_dropout, K_DOUBLE, 0, 0.95, 0.01, 2),
  SPIN (warmup_spin, warmup_steps, K_INT, 0, 1e7, 1, 0),
  SPIN (beta1_spin, adam_beta1, K_DOUBLE, 0, 0.999999, 0.01, 6),
  SPIN (beta2_spin, adam_beta2, K_DOUBLE, 0, 0.9999999, 0.001, 7),
  SPIN (clip_spin, max_grad_norm, K_DOUBLE, 0, 1e9, 0.1, 2),
  SPIN (batch_spin, batch_size, K_INT, 1, PT_MAX_BATCH, 1, 0),
  SPIN (accum_spin, grad_accum, K_INT, 1, 100000, 1, 0),
  SPIN (epochs_spin, epochs, K_INT, 0, 100000, 1, 0),
  SPIN (max_steps_spin, max_steps, K_INT, 0, 1e8, 10, 0),
  SPIN (eval_every_spin, eval_every, K_INT, 0, 1e8, 10, 0),
  SPIN (eval_samples_spin, eval_max_samples, K_INT, 0, 1e8, 16, 0),
  SPIN (new_tokens_spin, max_new_tokens, K_INT, 1, 4096, 1, 0),
  SPIN (save_every_spin, save_every, K_INT, 0, 1e8, 10, 0),
  SPIN (keep_spin, keep_checkpoints, K_INT, 1, 1000, 1, 0),
  SPIN (patience_spin, early_stop_patience, K_INT, 1, 100000, 1, 0),
  SPIN (min_delta_spin, early_stop_min_delta, K_DOUBLE, 0, 1e9, 0.001, 4),
  SPIN (workers_spin, num_workers, K_INT, 0, 256, 1, 0),
  SPIN (seed_spin, seed, K_UINT64, 0, 4294967295.0, 1, 0),
};

typedef struct {
  gsize       widget;  /* offset of the AdwEntryRow* */
  gsize       field;   /* offset of the double */
  const char *what;
} EntryField;

#define ENTRY(w, f, what) \
  { G_STRUCT_OFFSET (PtTrainSettingsView, w), G_STRUCT_OFFSET (PtTrainSettings, f), what }

/* Numbers that span decades (2e-5, 1e-8) are typed, not spun. */
static const EntryField entry_fields[] = {
  ENTRY (lr_row, learning_rate, N_("The learning rate")),
  ENTRY (wd_row, weight_decay, N_("Weight decay")),
  ENTRY (eps_row, adam_epsilon, N_("Adam epsilon")),
};

typedef struct {
  gsize widget;   /* offset of the GtkSwitch* */
  gsize field;    /* offset of the gboolean */
} SwitchField;

#define SWITCH(w, f) { G_STRUCT_OFFSET (PtTrainSettingsView, w), G_STRUCT_OFFSET (PtTrainSettings, f) }

static const SwitchField switch_fields[] = {
  SWITCH (rslora_switch, use_rslora),
  SWITCH (vision_switch, train_vision),
  SWITCH (projector_switch, train_projector),
  SWITCH (decoder_switch, train_decoder),
  SWITCH (skip_nonfinite_switch, skip_nonfinite),
};

static const char *const metric_ids[] = { "val_loss", "vqa_accuracy", "exact_match" };

#define WIDGET(self, offset, type) (*(type **) G_STRUCT_MEMBER_P (self, offset))
#define FIELD(settings, offset, type) (*(type *) G_STRUCT_MEMBER_P (settings, offset))

/* ---- helpers ---- */

/* "2e-05" → "2e-5": what people type. */
static char *
format_number (double value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  GString *s;
  char *e;

  g_ascii_formatd (buf, sizeof buf, "%g", value);
  s = g_string_new (buf);
  e = strchr (s->str, 'e');
  if (e != NULL)
    {
      gsize pos = (e - s->str) + 1;
      if (s->str[pos] == '+')
        g_string_erase (s, pos, 1);
      else if (s->str[pos] == '-')
        pos++;
      while (s->str[pos] == '0' && s->str[pos + 1] != '\0')
        g_string_erase (s, pos, 1);
    }
  return g_string_free (s, FALSE);
}

static gboolean
parse_number (const char *text,
              double     *value)
{
  g_autofree char *copy = g_strstrip (g_strdup (text));
  char *end = NULL;

  if (*copy == '\0')
    return FALSE;
  /* a comma is what a decimal point looks like in many locales */
  g_strdelimit (copy, ",", '.');
  *value = g_ascii_strtod (copy, &end);
  return end != NULL && *end == '\0' && isfinite (*value);
}

/* Doubles show as typed ("0.1", "0.999", "16"), not padded to their digits. */
static gboolean
spin_output_cb (GtkSpinButton *spin,
                gpointer       user_data)
{
  g_autofree char *text = g_strdup_printf ("%g", gtk_adjustment_get_value (gtk_spin_button_get_adjustment (spin)));

  if (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (spin)), text) != 0)
    gtk_editable_set_text (GTK_EDITABLE (spin), text);
  return TRUE;
}

static char *
display_path (const char *path)
{
  const char *home = g_get_home_dir ();

  if (home != NULL && g_str_has_prefix (path, home) && path[strlen (home)] == G_DIR_SEPARATOR)
    return g_strconcat ("~", path + strlen (home), NULL);
  return g_strdup (path);
}

/* ---- form ← settings ---- */

static void
update_dependent_rows (PtTrainSettingsView *self)
{
  PtTrainSettings *s = self->settings;
  g_autofree char *effective = NULL;
  g_autofree char *model_subtitle = NULL;
  g_autofree char *adapter_subtitle = NULL;
  g_autofree char *data_subtitle = NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->lora_group), s->mode != PT_MODE_FULL);
  gtk_widget_set_visible (GTK_WIDGET (self->full_group), s->mode == PT_MODE_FULL);

  /* Translators: the batch size times the gradient accumulation */
  effective = g_strdup_printf (g_dngettext (NULL, "Effective batch: %d example per optimiser step",
                                            "Effective batch: %d examples per optimiser step",
                                            s->batch_size * s->grad_accum),
                               s->batch_size * s->grad_accum);
  adw_preferences_group_set_description (self->length_group, effective);

  if (s->model_dir == NULL)
    model_subtitle = g_strdup (_("No model chosen"));
  else
    {
      g_autofree char *shown = display_path (s->model_dir);
      model_subtitle = self->model_summary != NULL ? g_strdup_printf ("%s\n%s", shown, self->model_summary)
                                                   : g_steal_pointer (&shown);
    }
  adw_action_row_set_subtitle (self->model_row, model_subtitle);
  if (s->model_dir != NULL && self->model_summary != NULL && !self->model_usable)
    gtk_widget_add_css_class (GTK_WIDGET (self->model_row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->model_row), "error");

  adapter_subtitle = s->adapter_dir != NULL ? display_path (s->adapter_dir) : g_strdup (_("None: new adapters"));
  adw_action_row_set_subtitle (self->adapter_row, adapter_subtitle);
  gtk_widget_set_visible (GTK_WIDGET (self->adapter_clear_button), s->adapter_dir != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->adapter_row), s->mode != PT_MODE_FULL);

  data_subtitle = s->data_path != NULL ? display_path (s->data_path) : g_strdup (_("Open a dataset on the Data page"));
  adw_action_row_set_subtitle (self->data_row, data_subtitle);
}

static void
sync_form (PtTrainSettingsView *self)
{
  PtTrainSettings *s = self->settings;
  guint metric = 0;

  self->updating = TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (spin_fields); i++)
    {
      const SpinField *f = &spin_fields[i];
      GtkSpinButton *spin = WIDGET (self, f->widget, GtkSpinButton);
      double v = f->kind == K_INT ? FIELD (s, f->field, int)
               : f->kind == K_UINT64 ? (double) FIELD (s, f->field, guint64)
               : FIELD (s, f->field, double);
      gtk_spin_button_set_value (spin, v);
    }
  for (guint i = 0; i < G_N_ELEMENTS (entry_fields); i++)
    {
      const EntryField *f = &entry_fields[i];
      g_autofree char *text = format_number (FIELD (s, f->field, double));
      gtk_editable_set_text (GTK_EDITABLE (WIDGET (self, f->widget, AdwEntryRow)), text);
      gtk_widget_remove_css_class (GTK_WIDGET (WIDGET (self, f->widget, AdwEntryRow)), "error");
    }
  self->entry_errors = 0;
  for (guint i = 0; i < G_N_ELEMENTS (switch_fields); i++)
    gtk_switch_set_active (WIDGET (self, switch_fields[i].widget, GtkSwitch),
                           FIELD (s, switch_fields[i].field, gboolean));

  gtk_editable_set_text (GTK_EDITABLE (self->prompt_row), s->prompt_template != NULL ? s->prompt_template : "");
  adw_combo_row_set_selected (self->mode_row, s->mode);
  adw_combo_row_set_selected (self->schedule_row, s->schedule);
  {
    PtPrecision precision = PT_PRECISION_AUTO;
    g_autofree char *limit = s->memory_limit > 0 ? pt_memory_size_format (s->memory_limit) : NULL;
    pt_precision_parse (s->precision, &precision);
    adw_combo_row_set_selected (self->precision_row, precision);   /* the rows are in enum order */
    gtk_editable_set_text (GTK_EDITABLE (self->memory_limit_row), limit != NULL ? limit : "");
    gtk_widget_remove_css_class (GTK_WIDGET (self->memory_limit_row), "error");
    self->memory_limit_error = FALSE;
  }
  adw_expander_row_set_enable_expansion (self->early_stop_row, s->early_stopping);
  for (guint i = 0; i < G_N_ELEMENTS (metric_ids); i++)
    if (g_strcmp0 (s->early_stop_metric, metric_ids[i]) == 0)
      metric = i;
  adw_combo_row_set_selected (self->metric_row, metric);
  pt_train_settings_view_sync_targets (self);
  pt_train_settings_view_sync_device (self);
  pt_train_settings_view_sync_resolution (self);
  update_dependent_rows (self);
  self->updating = FALSE;
}

/* ---- validation ---- */

static void
set_message (PtTrainSettingsView *self,
             const char          *message,
             gboolean             is_error)
{
  gboolean valid = message == NULL;

  if (message != NULL)
    {
      gtk_label_set_text (self->message_label, message);
      gtk_image_set_from_icon_name (self->message_icon, is_error ? "dialog-warning-symbolic"
                                                                 : "dialog-information-symbolic");
      if (is_error)
        {
          gtk_widget_add_css_class (GTK_WIDGET (self->message_box), "error");
          gtk_widget_remove_css_class (GTK_WIDGET (self->message_box), "info");
        }
      else
        {
          gtk_widget_add_css_class (GTK_WIDGET (self->message_box), "info");
          gtk_widget_remove_css_class (GTK_WIDGET (self->message_box), "error");
        }
    }
  gtk_revealer_set_reveal_child (self->message_revealer, message != NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->message_label), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  message != NULL ? message : "", -1);

  if (g_strcmp0 (message, self->message) != 0)
    {
      g_free (self->message);
      self->message = g_strdup (message);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MESSAGE]);
    }
  if (valid != self->valid)
    {
      self->valid = valid;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VALID]);
    }
}

/* Errors first (red), then what is still missing (neutral). */
static void
revalidate (PtTrainSettingsView *self)
{
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (entry_fields); i++)
    if (self->entry_errors & (1u << i))
      {
        /* Translators: "The learning rate must be a number, like 2e-5" */
        g_autofree char *msg = g_strdup_printf (_("%s must be a number, like 2e-5 or 0.001"), _(entry_fields[i].what));
        set_message (self, msg, TRUE);
        return;
      }
  if (self->memory_limit_error)
    {
      set_message (self, _("The memory limit must be a size, like 6G or 512M, or empty"), TRUE);
      return;
    }
  if (!pt_train_settings_validate (self->settings, &error))
    {
      set_message (self, error->message, TRUE);
      return;
    }
  if (!pt_train_settings_view_device_available (self))
    {
      g_autofree char *msg = g_strdup_printf (_("The device “%s” is not on this computer: choose another"),
                                              self->settings->device);
      set_message (self, msg, TRUE);
      return;
    }
  if (self->settings->model_dir != NULL && self->model_summary != NULL && !self->model_usable)
    {
      g_autofree char *msg = g_strdup_printf (_("The model folder cannot be used: %s"), self->model_summary);
      set_message (self, msg, TRUE);
      return;
    }
  if (self->settings->model_dir == NULL)
    set_message (self, _("Choose a model folder to train"), FALSE);
  else if (self->settings->data_path == NULL)
    set_message (self, _("Open a dataset on the Data page"), FALSE);
  else
    set_message (self, NULL, FALSE);
}

void
pt_train_settings_view_emit_measure (PtTrainSettingsView *self)
{
  g_signal_emit (self, signals[MEASURE_SPEED_REQUESTED], 0);
}

void
pt_train_settings_view_set_measuring (PtTrainSettingsView *self,
                                      gboolean             measuring)
{
  g_return_if_fail (PT_IS_TRAIN_SETTINGS_VIEW (self));

  gtk_stack_set_visible_child_name (self->measure_stack, measuring ? "busy" : "button");
  gtk_spinner_set_spinning (self->measure_spinner, measuring);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "settings.measure-speed", !measuring);
}

void
pt_train_settings_view_notify_model_dir (PtTrainSettingsView *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODEL_DIR]);
}

/* After every edit: dependent rows, validation, saving, ::changed. */
void
pt_train_settings_view_changed (PtTrainSettingsView *self)
{
  update_dependent_rows (self);
  revalidate (self);
  if (self->gsettings != NULL)
    {
      g_autofree char *json = pt_train_settings_to_json (self->settings);
      g_settings_set_string (self->gsettings, "train-settings", json);
    }
  g_signal_emit (self, signals[CHANGED], 0);
}

/* ---- form → settings ---- */

static void
spin_changed_cb (GtkSpinButton       *spin,
                 PtTrainSettingsView *self)
{
  const SpinField *f = g_object_get_data (G_OBJECT (spin), "pt-field");
  double v = gtk_spin_button_get_value (spin);

  if (self->updating)
    return;
  if (f->kind == K_INT)
    FIELD (self->settings, f->field, int) = (int) round (v);
  else if (f->kind == K_UINT64)
    FIELD (self->settings, f->field, guint64) = (guint64) round (v);
  else
    FIELD (self->settings, f->field, double) = v;
  pt_train_settings_view_changed (self);
}

static void
entry_changed_cb (AdwEntryRow         *row,
                  PtTrainSettingsView *self)
{
  guint index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (row), "pt-field-index"));
  const EntryField *f = &entry_fields[index];
  double v;

  if (self->updating)
    return;
  if (parse_number (gtk_editable_get_text (GTK_EDITABLE (row)), &v))
    {
      FIELD (self->settings, f->field, double) = v;
      self->entry_errors &= ~(1u << index);
      gtk_widget_remove_css_class (GTK_WIDGET (row), "error");
    }
  else
    {
      self->entry_errors |= 1u << index;
      gtk_widget_add_css_class (GTK_WIDGET (row), "error");
    }
  pt_train_settings_view_changed (self);
}

static void
memory_limit_changed_cb (AdwEntryRow         *row,
                         PtTrainSettingsView *self)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
  guint64 bytes = 0;

  if (self->updating)
    return;
  self->memory_limit_error = *text != '\0' && !pt_memory_size_parse (text, &bytes);
  if (self->memory_limit_error)
    gtk_widget_add_css_class (GTK_WIDGET (row), "error");
  else
    {
      self->settings->memory_limit = bytes;
      gtk_widget_remove_css_class (GTK_WIDGET (row), "error");
    }
  pt_train_settings_view_changed (self);
}

static void
switch_changed_cb (GtkSwitch           *sw,
                   GParamSpec          *pspec,
                   PtTrainSettingsView *self)
{
  const SwitchField *f = g_object_get_data (G_OBJECT (sw), "pt-field");

  if (self->updating)
    return;
  FIELD (self->settings, f->field, gboolean) = gtk_switch_get_active (sw);
  pt_train_settings_view_changed (self);
}

static void
prompt_changed_cb (AdwEntryRow         *row,
                   PtTrainSettingsView *self)
{
  if (self->updating)
    return;
  g_free (self->settings->prompt_template);
  self->settings->prompt_template = g_strdup (gtk_editable_get_text (GTK_EDITABLE (row)));
  pt_train_settings_view_changed (self);
}

static void
combo_selected_cb (AdwComboRow         *row,
                   GParamSpec          *pspec,
                   PtTrainSettingsView *self)
{
  guint selected = adw_combo_row_get_selected (row);

  if (self->updating || selected == GTK_INVALID_LIST_POSITION)
    return;
  if (row == self->mode_row)
    self->settings->mode = (PtTrainMode) selected;
  else if (row == self->schedule_row)
    self->settings->schedule = (PtSchedule) selected;
  else if (row == self->precision_row)
    {
      g_free (self->settings->precision);
      self->settings->precision = g_strdup (pt_precision_name ((PtPrecision) selected));
    }
  else if (row == self->metric_row && selected < G_N_ELEMENTS (metric_ids))
    {
      g_free (self->settings->early_stop_metric);
      self->settings->early_stop_metric = g_strdup (metric_ids[selected]);
    }
  else if (row == self->device_row && selected < self->device_ids->len)
    {
      g_free (self->settings->device);
      self->settings->device = g_strdup (self->device_ids->pdata[selected]);
      pt_train_settings_view_update_device_subtitle (self);
    }
  pt_train_settings_view_changed (self);
}

static void
early_stop_cb (AdwExpanderRow      *row,
               GParamSpec          *pspec,
               PtTrainSettingsView *self)
{
  if (self->updating)
    return;
  self->settings->early_stopping = adw_expander_row_get_enable_expansion (row);
  pt_train_settings_view_changed (self);
}

/* ---- public API ---- */

GtkWidget *
pt_train_settings_view_new (void)
{
  return g_object_new (PT_TYPE_TRAIN_SETTINGS_VIEW, NULL);
}

const PtTrainSettings *
pt_train_settings_view_get_settings (PtTrainSettingsView *self)
{
  g_return_val_if_fail (PT_IS_TRAIN_SETTINGS_VIEW (self), NULL);

  return self->settings;
}

void
pt_train_settings_view_set_settings (PtTrainSettingsView   *self,
                                     const PtTrainSettings *settings)
{
  gboolean model_changed;

  g_return_if_fail (PT_IS_TRAIN_SETTINGS_VIEW (self));
  g_return_if_fail (settings != NULL);

  model_changed = g_strcmp0 (settings->model_dir, self->settings->model_dir) != 0;
  pt_train_settings_free (self->settings);
  self->settings = pt_train_settings_copy (settings);
  if (model_changed)
    {
      g_clear_pointer (&self->model_summary, g_free);
      self->model_resolution = 0;
      self->model_usable = TRUE;
    }
  sync_form (self);
  pt_train_settings_view_changed (self);
  if (model_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODEL_DIR]);
}

gboolean
pt_train_settings_view_apply_preset (PtTrainSettingsView  *self,
                                     const char           *preset,
                                     GError              **error)
{
  g_autoptr(PtTrainSettings) s = NULL;

  g_return_val_if_fail (PT_IS_TRAIN_SETTINGS_VIEW (self), FALSE);
  g_return_val_if_fail (preset != NULL, FALSE);

  s = pt_train_settings_copy (self->settings);
  if (!pt_train_settings_apply_preset (s, preset, error))
    return FALSE;
  pt_train_settings_view_set_settings (self, s);
  return TRUE;
}

void
pt_train_settings_view_set_data_path (PtTrainSettingsView *self,
                                      const char          *path)
{
  g_return_if_fail (PT_IS_TRAIN_SETTINGS_VIEW (self));

  if (g_strcmp0 (path, self->settings->data_path) == 0)
    return;
  g_free (self->settings->data_path);
  self->settings->data_path = g_strdup (path);
  pt_train_settings_view_changed (self);
}

const char *
pt_train_settings_view_get_model_dir (PtTrainSettingsView *self)
{
  g_return_val_if_fail (PT_IS_TRAIN_SETTINGS_VIEW (self), NULL);

  return self->settings->model_dir;
}

void
pt_train_settings_view_set_model_info (PtTrainSettingsView *self,
                                       const char          *summary,
                                       int                  native_resolution,
                                       gboolean             usable)
{
  g_return_if_fail (PT_IS_TRAIN_SETTINGS_VIEW (self));

  g_free (self->model_summary);
  self->model_summary = g_strdup (summary);
  self->model_resolution = summary != NULL ? native_resolution : 0;
  self->model_usable = summary == NULL || usable;
  self->updating = TRUE;
  pt_train_settings_view_sync_resolution (self);
  self->updating = FALSE;
  update_dependent_rows (self);
  revalidate (self);
}

gboolean
pt_train_settings_view_get_valid (PtTrainSettingsView *self)
{
  g_return_val_if_fail (PT_IS_TRAIN_SETTINGS_VIEW (self), FALSE);

  return self->valid;
}

const char *
pt_train_settings_view_get_message (PtTrainSettingsView *self)
{
  g_return_val_if_fail (PT_IS_TRAIN_SETTINGS_VIEW (self), NULL);

  return self->message;
}

/* ---- GObject ---- */

/* A sidebar: 440 px wide unless the rows need more (a scrolled page's
 * natural width is only its minimum). */
static void
pt_train_settings_view_measure (GtkWidget      *widget,
                                GtkOrientation  orientation,
                                int             for_size,
                                int            *minimum,
                                int            *natural,
                                int            *minimum_baseline,
                                int            *natural_baseline)
{
  GTK_WIDGET_CLASS (pt_train_settings_view_parent_class)->measure (widget, orientation, for_size, minimum, natural,
                                                                  minimum_baseline, natural_baseline);
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    *natural = MAX (*minimum, 440);
}

static void
pt_train_settings_view_dispose (GObject *object)
{
  PtTrainSettingsView *self = PT_TRAIN_SETTINGS_VIEW (object);

  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  g_clear_object (&self->gsettings);
  /* the bin's child may be a template child: unparent it before the template lets go of it */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), PT_TYPE_TRAIN_SETTINGS_VIEW);
  G_OBJECT_CLASS (pt_train_settings_view_parent_class)->dispose (object);
}

static void
pt_train_settings_view_finalize (GObject *object)
{
  PtTrainSettingsView *self = PT_TRAIN_SETTINGS_VIEW (object);

  g_clear_pointer (&self->settings, pt_train_settings_free);
  g_clear_pointer (&self->device_ids, g_ptr_array_unref);
  g_clear_pointer (&self->device_memory, g_array_unref);
  g_clear_pointer (&self->message, g_free);
  g_clear_pointer (&self->model_summary, g_free);
  G_OBJECT_CLASS (pt_train_settings_view_parent_class)->finalize (object);
}

static void
pt_train_settings_view_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  PtTrainSettingsView *self = PT_TRAIN_SETTINGS_VIEW (object);

  switch (prop_id)
    {
    case PROP_VALID:
      g_value_set_boolean (value, self->valid);
      break;
    case PROP_MESSAGE:
      g_value_set_string (value, self->message);
      break;
    case PROP_MODEL_DIR:
      g_value_set_string (value, self->settings->model_dir);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pt_train_settings_view_class_init (PtTrainSettingsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pt_train_settings_view_dispose;
  object_class->finalize = pt_train_settings_view_finalize;
  object_class->get_property = pt_train_settings_view_get_property;
  widget_class->measure = pt_train_settings_view_measure;

  properties[PROP_VALID] =
    g_param_spec_boolean ("valid", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MESSAGE] =
    g_param_spec_string ("message", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MODEL_DIR] =
    g_param_spec_string ("model-dir", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Emitted after every change of the settings (already validated and saved). */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* The Measure button: time a few steps of these settings on the device. */
  signals[MEASURE_SPEED_REQUESTED] = g_signal_new ("measure-speed-requested", G_TYPE_FROM_CLASS (klass),
                                                   G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/palitune/PaliTune/pt-train-settings-view.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, PtTrainSettingsView, name)
  BIND (page);
  BIND (length_group);
  BIND (lora_group);
  BIND (full_group);
  BIND (estimate_group);
  BIND (model_row);
  BIND (adapter_row);
  BIND (model_button);
  BIND (adapter_button);
  BIND (adapter_clear_button);
  BIND (resolution_row);
  BIND (data_row);
  BIND (prompt_row);
  BIND (mode_row);
  BIND (vision_targets_row);
  BIND (text_targets_row);
  BIND (lr_row);
  BIND (wd_row);
  BIND (eps_row);
  BIND (schedule_row);
  BIND (early_stop_row);
  BIND (metric_row);
  BIND (device_row);
  BIND (precision_row);
  BIND (memory_limit_row);
  BIND (rslora_switch);
  BIND (vision_switch);
  BIND (projector_switch);
  BIND (decoder_switch);
  BIND (skip_nonfinite_switch);
  BIND (val_split_spin);
  BIND (max_text_len_spin);
  BIND (rank_spin);
  BIND (alpha_spin);
  BIND (dropout_spin);
  BIND (warmup_spin);
  BIND (beta1_spin);
  BIND (beta2_spin);
  BIND (clip_spin);
  BIND (batch_spin);
  BIND (accum_spin);
  BIND (epochs_spin);
  BIND (max_steps_spin);
  BIND (eval_every_spin);
  BIND (eval_samples_spin);
  BIND (new_tokens_spin);
  BIND (save_every_spin);
  BIND (keep_spin);
  BIND (patience_spin);
  BIND (min_delta_spin);
  BIND (workers_spin);
  BIND (seed_spin);
  BIND (message_revealer);
  BIND (message_box);
  BIND (message_icon);
  BIND (message_label);
  BIND (estimate_memory_row);
  BIND (estimate_fit_row);
  BIND (fit_qlora_button);
  BIND (fit_batch_button);
  BIND (estimate_params_row);
  BIND (estimate_time_row);
  BIND (estimate_unknown_row);
  BIND (estimate_memory_label);
  BIND (estimate_params_label);
  BIND (estimate_time_label);
  BIND (estimate_level);
  BIND (measure_stack);
  BIND (measure_spinner);
#undef BIND
  pt_train_settings_view_class_init_actions (widget_class);
}

/* The saved settings, or the defaults when there are none or they do not parse. */
static PtTrainSettings *
load_saved (GSettings *gsettings)
{
  g_autofree char *json = gsettings != NULL ? g_settings_get_string (gsettings, "train-settings") : NULL;
  g_autoptr(GError) error = NULL;
  PtTrainSettings *s;

  if (json == NULL || *json == '\0')
    return pt_train_settings_new ();
  s = pt_train_settings_from_json (json, -1, &error);
  if (s == NULL)
    {
      g_debug ("Ignoring the saved training settings: %s", error->message);
      return pt_train_settings_new ();
    }
  return s;
}

static void
pt_train_settings_view_init (PtTrainSettingsView *self)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = source != NULL ? g_settings_schema_source_lookup (source, SCHEMA_ID, TRUE) : NULL;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->device_ids = g_ptr_array_new_with_free_func (g_free);
  self->device_memory = g_array_new (FALSE, FALSE, sizeof (guint64));
  self->model_usable = TRUE;
  self->valid = FALSE;
  if (schema != NULL)
    self->gsettings = g_settings_new (SCHEMA_ID);
  self->settings = load_saved (self->gsettings);

  pt_train_settings_view_build_rows (self);

  for (guint i = 0; i < G_N_ELEMENTS (spin_fields); i++)
    {
      const SpinField *f = &spin_fields[i];
      GtkSpinButton *spin = WIDGET (self, f->widget, GtkSpinButton);
      double page = f->kind == K_DOUBLE ? f->step * 10 : MAX (1, f->step * 10);

      gtk_spin_button_configure (spin, gtk_adjustment_new (f->lower, f->lower, f->upper, f->step, page, 0),
                                 f->step, f->digits);
      gtk_editable_set_width_chars (GTK_EDITABLE (spin), f->kind == K_UINT64 ? 10 : 7);
      g_object_set_data (G_OBJECT (spin), "pt-field", (gpointer) f);
      if (f->kind == K_DOUBLE)
        g_signal_connect (spin, "output", G_CALLBACK (spin_output_cb), NULL);
      g_signal_connect (spin, "value-changed", G_CALLBACK (spin_changed_cb), self);
    }
  for (guint i = 0; i < G_N_ELEMENTS (entry_fields); i++)
    {
      AdwEntryRow *row = WIDGET (self, entry_fields[i].widget, AdwEntryRow);
      g_object_set_data (G_OBJECT (row), "pt-field-index", GUINT_TO_POINTER (i));
      g_signal_connect (row, "changed", G_CALLBACK (entry_changed_cb), self);
    }
  for (guint i = 0; i < G_N_ELEMENTS (switch_fields); i++)
    {
      GtkSwitch *sw = WIDGET (self, switch_fields[i].widget, GtkSwitch);
      g_object_set_data (G_OBJECT (sw), "pt-field", (gpointer) &switch_fields[i]);
      g_signal_connect (sw, "notify::active", G_CALLBACK (switch_changed_cb), self);
    }
  g_signal_connect (self->prompt_row, "changed", G_CALLBACK (prompt_changed_cb), self);
  g_signal_connect (self->mode_row, "notify::selected", G_CALLBACK (combo_selected_cb), self);
  g_signal_connect (self->schedule_row, "notify::selected", G_CALLBACK (combo_selected_cb), self);
  g_signal_connect (self->metric_row, "notify::selected", G_CALLBACK (combo_selected_cb), self);
  g_signal_connect (self->device_row, "notify::selected", G_CALLBACK (combo_selected_cb), self);
  g_signal_connect (self->precision_row, "notify::selected", G_CALLBACK (combo_selected_cb), self);
  g_signal_connect (self->memory_limit_row, "changed", G_CALLBACK (memory_limit_changed_cb), self);
  g_signal_connect (self->early_stop_row, "notify::enable-expansion", G_CALLBACK (early_stop_cb), self);

  sync_form (self);
  update_dependent_rows (self);
  revalidate (self);
}
