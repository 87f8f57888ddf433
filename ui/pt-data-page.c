/* pt-data-page.c — the Data page: open, check and browse a dataset. */
#include "config.h"

#include <string.h>        /* strlen */

#include <glib/gi18n.h>

#include "pt-data-page-private.h"

#define SCHEMA_ID "io.github.palitune.PaliTune"

G_DEFINE_FINAL_TYPE (PtDataPage, pt_data_page, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_DATASET_PATH,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---- the dataset path ---- */

static void
set_path (PtDataPage *self,
          const char *path)
{
  if (g_strcmp0 (path, self->dataset_path) == 0)
    return;
  g_free (self->dataset_path);
  self->dataset_path = g_strdup (path);
  /* another dataset: its own splits and columns */
  g_clear_pointer (&self->split, g_free);
  g_clear_pointer (&self->columns, g_free);
  pt_data_page_update_table_bar (self, path);
  if (self->settings != NULL)
    g_settings_set_string (self->settings, "dataset-path", path != NULL ? path : "");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DATASET_PATH]);
}

const char *
pt_data_page_get_dataset_path (PtDataPage *self)
{
  g_return_val_if_fail (PT_IS_DATA_PAGE (self), NULL);

  return self->dataset_path;
}

void
pt_data_page_set_dataset_path (PtDataPage *self,
                               const char *path)
{
  g_return_if_fail (PT_IS_DATA_PAGE (self));

  if (path != NULL && *path == '\0')
    path = NULL;
  if (g_strcmp0 (path, self->dataset_path) == 0 && (path == NULL || self->job != NULL))
    return;
  set_path (self, path);
  if (path == NULL)
    {
      pt_data_page_cancel_job (self);
      pt_dataset_browser_set_dataset (self->browser, NULL, NULL, -1);
      g_clear_pointer (&self->error, g_free);
      gtk_stack_set_visible_child_name (self->stack, "empty");
    }
  else
    pt_data_page_start_load (self, path);
}

void
pt_data_page_reload (PtDataPage *self)
{
  g_return_if_fail (PT_IS_DATA_PAGE (self));

  if (self->dataset_path != NULL)
    pt_data_page_start_load (self, self->dataset_path);
}

void
pt_data_page_cancel (PtDataPage *self)
{
  PtDataset *shown;

  g_return_if_fail (PT_IS_DATA_PAGE (self));

  pt_data_page_cancel_job (self);
  /* back to what was shown before */
  shown = pt_dataset_browser_get_dataset (self->browser);
  set_path (self, shown != NULL ? pt_dataset_get_path (shown) : NULL);
  gtk_stack_set_visible_child_name (self->stack, shown != NULL ? "browser" : "empty");
}

gboolean
pt_data_page_open_file (PtDataPage *self,
                        GFile      *file)
{
  g_autofree char *path = NULL;
  g_autofree char *name = NULL;
  GFileType type;

  g_return_val_if_fail (PT_IS_DATA_PAGE (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  path = g_file_get_path (file);
  name = g_file_get_basename (file);
  type = g_file_query_file_type (file, G_FILE_QUERY_INFO_NONE, NULL);
  if (path == NULL || (type != G_FILE_TYPE_REGULAR && type != G_FILE_TYPE_DIRECTORY))
    {
      /* Translators: %s is what was dropped on the Data page */
      g_autofree char *text = g_strdup_printf (type == G_FILE_TYPE_UNKNOWN ? _("“%s” does not exist")
                                                                        : _("“%s” is not a dataset file or folder"),
                                               name);
      pt_data_page_toast (self, text);
      return FALSE;
    }
  if (g_strcmp0 (path, self->dataset_path) == 0)
    pt_data_page_reload (self);
  else
    pt_data_page_set_dataset_path (self, path);
  return TRUE;
}

const char *
pt_data_page_get_state (PtDataPage *self)
{
  g_return_val_if_fail (PT_IS_DATA_PAGE (self), NULL);
  if (self->job != NULL)
    return "loading";
  return gtk_stack_get_visible_child_name (self->stack);
}

const char *
pt_data_page_get_error (PtDataPage *self)
{
  g_return_val_if_fail (PT_IS_DATA_PAGE (self), NULL);
  return g_str_equal (pt_data_page_get_state (self), "error") ? self->error : NULL;
}

double
pt_data_page_get_load_seconds (PtDataPage *self)
{
  g_return_val_if_fail (PT_IS_DATA_PAGE (self), -1);
  return self->load_seconds;
}

PtDataset *
pt_data_page_get_dataset (PtDataPage *self)
{
  g_return_val_if_fail (PT_IS_DATA_PAGE (self), NULL);
  return pt_dataset_browser_get_dataset (self->browser);
}

PtDatasetBrowser *
pt_data_page_get_browser (PtDataPage *self)
{
  g_return_val_if_fail (PT_IS_DATA_PAGE (self), NULL);
  return self->browser;
}

void
pt_data_page_create_demo (PtDataPage          *self,
                          const PtDemoOptions *options,
                          const char          *dir)
{
  g_return_if_fail (PT_IS_DATA_PAGE (self));
  pt_data_page_start_demo (self, options, dir);
}

/* ---- the Train page's settings ---- */

static void
settings_changed_cb (PtTrainSettingsView *view,
                     PtDataPage          *self)
{
  const PtTrainSettings *s = pt_train_settings_view_get_settings (view);

  pt_dataset_browser_set_settings (self->browser, s);
  pt_data_page_load_tokenizer (self, s->model_dir);
}

static void
split_edited_cb (PtDatasetBrowser *browser,
                 double            val_split,
                 PtDataPage       *self)
{
  g_autoptr(PtTrainSettings) copy = NULL;

  if (self->settings_view == NULL)
    return;
  copy = pt_train_settings_copy (pt_train_settings_view_get_settings (self->settings_view));
  copy->val_split = val_split;
  pt_train_settings_view_set_settings (self->settings_view, copy);
}

void
pt_data_page_set_settings_view (PtDataPage          *self,
                                PtTrainSettingsView *view)
{
  g_return_if_fail (PT_IS_DATA_PAGE (self));
  g_return_if_fail (view == NULL || PT_IS_TRAIN_SETTINGS_VIEW (view));

  if (self->settings_view != NULL)
    {
      g_clear_signal_handler (&self->settings_changed_id, self->settings_view);
      g_object_remove_weak_pointer (G_OBJECT (self->settings_view), (gpointer *) &self->settings_view);
    }
  self->settings_view = view;
  if (view == NULL)
    return;
  g_object_add_weak_pointer (G_OBJECT (view), (gpointer *) &self->settings_view);
  self->settings_changed_id = g_signal_connect (view, "changed", G_CALLBACK (settings_changed_cb), self);
  settings_changed_cb (view, self);
}

PtModelTokenizer *
pt_data_page_get_tokenizer (PtDataPage *self)
{
  g_return_val_if_fail (PT_IS_DATA_PAGE (self), NULL);
  return self->tokenizer;
}

gboolean
pt_data_page_is_loading_tokenizer (PtDataPage *self)
{
  g_return_val_if_fail (PT_IS_DATA_PAGE (self), FALSE);
  return self->tokenizer_cancellable != NULL;
}

/* ---- choosers, dialogs, drops ---- */

static void
chooser_response_cb (GtkNativeDialog *dialog,
                     int              response,
                     PtDataPage      *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL)
        pt_data_page_set_dataset_path (self, path);
    }
  g_clear_object (&self->chooser);
}

void
pt_data_page_open_dataset (PtDataPage *self,
                           gboolean    folder)
{
  GtkRoot *root;

  g_return_if_fail (PT_IS_DATA_PAGE (self));

  root = gtk_widget_get_root (GTK_WIDGET (self));
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  self->chooser = gtk_file_chooser_native_new (folder ? _("Open a Dataset Folder") : _("Open a Dataset"),
                                               GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                               folder ? GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER
                                                      : GTK_FILE_CHOOSER_ACTION_OPEN,
                                               _("_Open"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  if (!folder)
    {
      g_autoptr(GtkFileFilter) datasets = gtk_file_filter_new ();
      g_autoptr(GtkFileFilter) all = gtk_file_filter_new ();

      gtk_file_filter_set_name (datasets, _("Datasets (JSONL, CSV, TSV, JSON, Parquet, Arrow)"));
      gtk_file_filter_add_pattern (datasets, "*.jsonl");
      gtk_file_filter_add_pattern (datasets, "*.csv");
      gtk_file_filter_add_pattern (datasets, "*.tsv");
      gtk_file_filter_add_pattern (datasets, "*.json");
      gtk_file_filter_add_pattern (datasets, "*.parquet");
      gtk_file_filter_add_pattern (datasets, "*.arrow");
      gtk_file_filter_set_name (all, _("All Files"));
      gtk_file_filter_add_pattern (all, "*");
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), datasets);
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), all);
    }
  g_signal_connect (self->chooser, "response", G_CALLBACK (chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
open_dataset_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  pt_data_page_open_dataset (PT_DATA_PAGE (widget), g_variant_get_boolean (parameter));
}

static void
reload_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  pt_data_page_reload (PT_DATA_PAGE (widget));
}

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  pt_data_page_cancel (PT_DATA_PAGE (widget));
}

static void
demo_response_cb (AdwMessageDialog *dialog,
                  const char       *response,
                  PtDataPage       *self)
{
  GtkSpinButton *spin = g_object_get_data (G_OBJECT (dialog), "spin");
  g_autofree char *dir = pt_data_page_default_demo_dir ();

  if (g_str_equal (response, "create"))
    {
      PtDemoOptions options;

      pt_demo_options_init (&options);
      options.n_train = (guint) gtk_spin_button_get_value_as_int (spin);
      pt_data_page_start_demo (self, &options, dir);
    }
  else if (g_str_equal (response, "open"))
    {
      g_autofree char *path = g_build_filename (dir, "train.jsonl", NULL);
      pt_data_page_set_dataset_path (self, path);
    }
}

static void
create_demo_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  PtDataPage *self = PT_DATA_PAGE (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  g_autofree char *dir = pt_data_page_default_demo_dir ();
  g_autofree char *existing = g_build_filename (dir, "demo-data.json", NULL);
  g_autofree char *shown = NULL;
  g_autofree char *body = NULL;
  GtkWidget *dialog, *row, *spin;

  shown = g_str_has_prefix (dir, g_get_home_dir ()) ? g_strconcat ("~", dir + strlen (g_get_home_dir ()), NULL)
                                                    : g_filename_display_name (dir);
  /* Translators: %s is a folder */
  body = g_strdup_printf (_("PaliTune draws pictures of coloured shapes and writes questions about them — colour, shape, "
                            "count, position, detection — into %s. A small model can learn them on a laptop."), shown);
  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                   _("Create a Demo Dataset?"), body);
  row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_widget_set_halign (row, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (row), gtk_label_new (_("Images")));
  spin = gtk_spin_button_new_with_range (50, 20000, 50);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), 1000);
  gtk_box_append (GTK_BOX (row), spin);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), row);
  g_object_set_data (G_OBJECT (dialog), "spin", spin);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"));
  if (g_file_test (existing, G_FILE_TEST_EXISTS))
    adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "open", _("_Open Existing"));
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "create", _("C_reate"));
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "create", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "create");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (demo_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static gboolean
drop_cb (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         PtDataPage    *self)
{
  GFile *file = NULL;

  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    {
      GSList *files = g_value_get_boxed (value);
      file = files != NULL ? files->data : NULL;
    }
  else if (G_VALUE_HOLDS (value, G_TYPE_FILE))
    file = g_value_get_object (value);
  return file != NULL && pt_data_page_open_file (self, file);
}

/* ---- the object ---- */

GtkWidget *
pt_data_page_new (void)
{
  return g_object_new (PT_TYPE_DATA_PAGE, NULL);
}

static void
pt_data_page_dispose (GObject *object)
{
  PtDataPage *self = PT_DATA_PAGE (object);

  pt_data_page_cancel_job (self);
  if (self->tokenizer_cancellable != NULL)
    g_cancellable_cancel (self->tokenizer_cancellable);
  g_clear_object (&self->tokenizer_cancellable);
  pt_data_page_set_settings_view (self, NULL);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->tokenizer, pt_model_tokenizer_unref);
  /* the bin's child is a template child: unparent it before the template lets go of it */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), PT_TYPE_DATA_PAGE);
  G_OBJECT_CLASS (pt_data_page_parent_class)->dispose (object);
}

static void
pt_data_page_finalize (GObject *object)
{
  PtDataPage *self = PT_DATA_PAGE (object);

  g_clear_pointer (&self->dataset_path, g_free);
  g_clear_pointer (&self->split, g_free);
  g_clear_pointer (&self->columns, g_free);
  g_clear_pointer (&self->error, g_free);
  g_clear_pointer (&self->tokenizer_dir, g_free);
  g_clear_pointer (&self->tokenizer_hint, g_free);
  G_OBJECT_CLASS (pt_data_page_parent_class)->finalize (object);
}

static void
pt_data_page_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  PtDataPage *self = PT_DATA_PAGE (object);

  switch (prop_id)
    {
    case PROP_DATASET_PATH:
      g_value_set_string (value, self->dataset_path);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pt_data_page_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  PtDataPage *self = PT_DATA_PAGE (object);

  switch (prop_id)
    {
    case PROP_DATASET_PATH:
      pt_data_page_set_dataset_path (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pt_data_page_class_init (PtDataPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pt_data_page_dispose;
  object_class->finalize = pt_data_page_finalize;
  object_class->get_property = pt_data_page_get_property;
  object_class->set_property = pt_data_page_set_property;

  properties[PROP_DATASET_PATH] =
    g_param_spec_string ("dataset-path", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_install_action (widget_class, "page.open-dataset", "b", open_dataset_action);
  gtk_widget_class_install_action (widget_class, "page.create-demo", NULL, create_demo_action);
  gtk_widget_class_install_action (widget_class, "page.reload", NULL, reload_action);
  gtk_widget_class_install_action (widget_class, "page.cancel", NULL, cancel_action);

  g_type_ensure (PT_TYPE_DATASET_BROWSER);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/palitune/PaliTune/pt-data-page.ui");
  gtk_widget_class_bind_template_child (widget_class, PtDataPage, toasts);
  gtk_widget_class_bind_template_child (widget_class, PtDataPage, stack);
  gtk_widget_class_bind_template_child (widget_class, PtDataPage, status);
  gtk_widget_class_bind_template_child (widget_class, PtDataPage, open_button);
  gtk_widget_class_bind_template_child (widget_class, PtDataPage, folder_button);
  gtk_widget_class_bind_template_child (widget_class, PtDataPage, demo_button);
  gtk_widget_class_bind_template_child (widget_class, PtDataPage, loading_status);
  gtk_widget_class_bind_template_child (widget_class, PtDataPage, spinner);
  gtk_widget_class_bind_template_child (widget_class, PtDataPage, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, PtDataPage, error_status);
  gtk_widget_class_bind_template_child (widget_class, PtDataPage, browser);
  gtk_widget_class_bind_template_child (widget_class, PtDataPage, table_bar);
  gtk_widget_class_bind_template_child (widget_class, PtDataPage, split_dropdown);
  gtk_widget_class_bind_template_child (widget_class, PtDataPage, columns_entry);
  gtk_widget_class_bind_template_child (widget_class, PtDataPage, columns_button);
}

static void
pt_data_page_init (PtDataPage *self)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = source != NULL ? g_settings_schema_source_lookup (source, SCHEMA_ID, TRUE) : NULL;
  GtkDropTarget *drop;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->load_seconds = -1;

  drop = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);
  gtk_drop_target_set_gtypes (drop, (GType[2]) { GDK_TYPE_FILE_LIST, G_TYPE_FILE }, 2);
  g_signal_connect (drop, "drop", G_CALLBACK (drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));
  g_signal_connect (self->browser, "split-edited", G_CALLBACK (split_edited_cb), self);
  pt_data_page_table_init (self);

  if (schema != NULL)
    {
      g_autofree char *saved = NULL;

      self->settings = g_settings_new (SCHEMA_ID);
      saved = g_settings_get_string (self->settings, "dataset-path");
      if (*saved != '\0')
        {
          self->dataset_path = g_strdup (saved);
          pt_data_page_update_table_bar (self, saved);
          pt_data_page_start_load (self, saved);
        }
    }
}
