/* pt-data-page.c — the Data page: open a dataset (file or VQAv2 folder). */
#include "config.h"

#include <glib/gi18n.h>

#include "pt-data-page.h"

#define SCHEMA_ID "io.github.palitune.PaliTune"

struct _PtDataPage
{
  AdwBin                parent_instance;

  GSettings            *settings;
  char                 *dataset_path;
  GtkFileChooserNative *chooser;

  AdwStatusPage        *status;
  GtkButton            *open_button;
  GtkButton            *folder_button;
};

G_DEFINE_FINAL_TYPE (PtDataPage, pt_data_page, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_DATASET_PATH,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
update_status (PtDataPage *self)
{
  if (self->dataset_path == NULL)
    {
      adw_status_page_set_icon_name (self->status, "folder-pictures-symbolic");
      adw_status_page_set_title (self->status, _("No Dataset"));
      adw_status_page_set_description (self->status,
                                       _("Open a file of images with questions and answers (JSONL or CSV), or a VQAv2 folder"));
      gtk_button_set_label (self->open_button, _("_Open Dataset…"));
    }
  else
    {
      g_autofree char *name = g_path_get_basename (self->dataset_path);
      g_autofree char *escaped = g_markup_escape_text (self->dataset_path, -1);
      gboolean is_dir = g_file_test (self->dataset_path, G_FILE_TEST_IS_DIR);

      adw_status_page_set_icon_name (self->status, is_dir ? "folder-symbolic" : "x-office-document-symbolic");
      adw_status_page_set_title (self->status, name);
      adw_status_page_set_description (self->status, escaped);
      gtk_button_set_label (self->open_button, _("_Open Another Dataset…"));
    }
}

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
  self->chooser = gtk_file_chooser_native_new (folder ? _("Open a VQAv2 Folder") : _("Open a Dataset"),
                                               GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                               folder ? GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER
                                                      : GTK_FILE_CHOOSER_ACTION_OPEN,
                                               _("_Open"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  if (!folder)
    {
      g_autoptr(GtkFileFilter) datasets = gtk_file_filter_new ();
      g_autoptr(GtkFileFilter) all = gtk_file_filter_new ();

      gtk_file_filter_set_name (datasets, _("Datasets (JSONL, CSV, JSON)"));
      gtk_file_filter_add_pattern (datasets, "*.jsonl");
      gtk_file_filter_add_pattern (datasets, "*.csv");
      gtk_file_filter_add_pattern (datasets, "*.json");
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

GtkWidget *
pt_data_page_new (void)
{
  return g_object_new (PT_TYPE_DATA_PAGE, NULL);
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
  if (g_strcmp0 (path, self->dataset_path) == 0)
    return;
  g_free (self->dataset_path);
  self->dataset_path = g_strdup (path);
  if (self->settings != NULL)
    g_settings_set_string (self->settings, "dataset-path", path != NULL ? path : "");
  update_status (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DATASET_PATH]);
}

static void
pt_data_page_dispose (GObject *object)
{
  PtDataPage *self = PT_DATA_PAGE (object);

  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  g_clear_object (&self->settings);
  /* the bin's child may be a template child: unparent it before the template lets go of it */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), PT_TYPE_DATA_PAGE);
  G_OBJECT_CLASS (pt_data_page_parent_class)->dispose (object);
}

static void
pt_data_page_finalize (GObject *object)
{
  PtDataPage *self = PT_DATA_PAGE (object);

  g_clear_pointer (&self->dataset_path, g_free);
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

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/palitune/PaliTune/pt-data-page.ui");
  gtk_widget_class_bind_template_child (widget_class, PtDataPage, status);
  gtk_widget_class_bind_template_child (widget_class, PtDataPage, open_button);
  gtk_widget_class_bind_template_child (widget_class, PtDataPage, folder_button);
}

static void
pt_data_page_init (PtDataPage *self)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = source != NULL ? g_settings_schema_source_lookup (source, SCHEMA_ID, TRUE) : NULL;

  gtk_widget_init_template (GTK_WIDGET (self));

  if (schema != NULL)
    {
      g_autofree char *saved = NULL;

      self->settings = g_settings_new (SCHEMA_ID);
      saved = g_settings_get_string (self->settings, "dataset-path");
      if (*saved != '\0')
        self->dataset_path = g_steal_pointer (&saved);
    }
  update_status (self);
}
