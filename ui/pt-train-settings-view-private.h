/* pt-train-settings-view-private.h — the view's fields, shared by its parts:
 * pt-train-settings-view.c (form ↔ settings, validation, persistence),
 * pt-train-settings-view-rows.c (rows built in code: targets, devices,
 * resolutions, the estimate) and pt-train-settings-view-actions.c (folder
 * choosers, presets, reset). */
#pragma once

#include "pt-train-settings-view.h"

G_BEGIN_DECLS

#define PT_MAX_TOWER_MODULES 8

struct _PtTrainSettingsView
{
  AdwBin               parent_instance;

  PtTrainSettings     *settings;
  GSettings           *gsettings;
  gboolean             updating;          /* writing the form from settings: ignore its signals */
  guint                entry_errors;      /* bit per number entry that does not parse */
  gboolean             valid;
  char                *message;
  char                *model_summary;
  int                  model_resolution;
  gboolean             model_usable;
  GPtrArray           *device_ids;        /* of char*, parallel to device_row's model */
  GArray              *device_memory;     /* of guint64, bytes per device on this computer */
  guint                n_devices;         /* the first n_devices ids are on this computer */
  GtkFileChooserNative *chooser;

  /* template children */
  AdwPreferencesPage  *page;
  AdwPreferencesGroup *length_group;
  AdwPreferencesGroup *lora_group;
  AdwPreferencesGroup *full_group;
  AdwPreferencesGroup *estimate_group;
  AdwActionRow        *model_row;
  AdwActionRow        *adapter_row;
  GtkButton           *model_button;
  GtkButton           *adapter_button;
  GtkButton           *adapter_clear_button;
  AdwComboRow         *resolution_row;
  AdwActionRow        *data_row;
  AdwEntryRow         *prompt_row;
  AdwComboRow         *mode_row;
  AdwExpanderRow      *vision_targets_row;
  AdwExpanderRow      *text_targets_row;
  AdwEntryRow         *lr_row;
  AdwEntryRow         *wd_row;
  AdwEntryRow         *eps_row;
  AdwComboRow         *schedule_row;
  AdwExpanderRow      *early_stop_row;
  AdwComboRow         *metric_row;
  AdwComboRow         *device_row;
  AdwComboRow         *precision_row;
  AdwEntryRow         *memory_limit_row;
  gboolean             memory_limit_error;   /* memory_limit_row does not parse */
  GtkSwitch           *rslora_switch;
  GtkSwitch           *vision_switch;
  GtkSwitch           *projector_switch;
  GtkSwitch           *decoder_switch;
  GtkSwitch           *skip_nonfinite_switch;
  GtkSpinButton       *val_split_spin;
  GtkSpinButton       *max_text_len_spin;
  GtkSpinButton       *rank_spin;
  GtkSpinButton       *alpha_spin;
  GtkSpinButton       *dropout_spin;
  GtkSpinButton       *warmup_spin;
  GtkSpinButton       *beta1_spin;
  GtkSpinButton       *beta2_spin;
  GtkSpinButton       *clip_spin;
  GtkSpinButton       *batch_spin;
  GtkSpinButton       *accum_spin;
  GtkSpinButton       *epochs_spin;
  GtkSpinButton       *max_steps_spin;
  GtkSpinButton       *eval_every_spin;
  GtkSpinButton       *eval_samples_spin;
  GtkSpinButton       *new_tokens_spin;
  GtkSpinButton       *save_every_spin;
  GtkSpinButton       *keep_spin;
  GtkSpinButton       *patience_spin;
  GtkSpinButton       *min_delta_spin;
  GtkSpinButton       *workers_spin;
  GtkSpinButton       *seed_spin;
  GtkRevealer         *message_revealer;
  GtkBox              *message_box;
  GtkImage            *message_icon;
  GtkLabel            *message_label;
  AdwActionRow        *estimate_memory_row;
  AdwActionRow        *estimate_fit_row;
  GtkButton           *fit_qlora_button;
  GtkButton           *fit_batch_button;
  AdwActionRow        *estimate_params_row;
  AdwActionRow        *estimate_time_row;
  AdwActionRow        *estimate_unknown_row;
  GtkLabel            *estimate_memory_label;
  GtkLabel            *estimate_params_label;
  GtkLabel            *estimate_time_label;
  GtkLevelBar         *estimate_level;
  GtkStack            *measure_stack;
  GtkSpinner          *measure_spinner;

  /* built in code */
  GtkCheckButton      *vision_checks[PT_MAX_TOWER_MODULES];
  GtkCheckButton      *text_checks[PT_MAX_TOWER_MODULES];
};

/* pt-train-settings-view.c */
void pt_train_settings_view_changed      (PtTrainSettingsView *self);
void pt_train_settings_view_notify_model_dir (PtTrainSettingsView *self);
void pt_train_settings_view_emit_measure (PtTrainSettingsView *self);

/* pt-train-settings-view-actions.c */
void pt_train_settings_view_class_init_actions (GtkWidgetClass *widget_class);

/* pt-train-settings-view-rows.c */
void pt_train_settings_view_build_rows   (PtTrainSettingsView *self);
void pt_train_settings_view_sync_targets (PtTrainSettingsView *self);
void pt_train_settings_view_sync_device  (PtTrainSettingsView *self);
void pt_train_settings_view_update_device_subtitle (PtTrainSettingsView *self);
void pt_train_settings_view_sync_resolution (PtTrainSettingsView *self);
/* FALSE (and *message) when the chosen device is not on this computer. */
gboolean pt_train_settings_view_device_available (PtTrainSettingsView *self);

G_END_DECLS
