/* pt-data-page-table.c — the Data page's bar for Parquet and Arrow
 * datasets: which split to show and train on, and which columns hold the
 * image, question and answer when the dataset does not use the datasets
 * library's names. Both go into the Train page's settings (data_split,
 * data_columns), so training reads what the page shows. */
#include "config.h"

#include <glib/gi18n.h>

#include "pt-data-page-private.h"

/* The Train page's settings follow the page's split and columns. */
static void
push_table_options (PtDataPage *self)
{
  const PtTrainSettings *s;
  g_autoptr(PtTrainSettings) copy = NULL;

  if (self->settings_view == NULL)
    return;
  s = pt_train_settings_view_get_settings (self->settings_view);
  if (g_strcmp0 (s->data_split, self->split) == 0 && g_strcmp0 (s->data_columns, self->columns) == 0)
    return;
  copy = pt_train_settings_copy (s);
  g_free (copy->data_split);
  copy->data_split = g_strdup (self->split);
  g_free (copy->data_columns);
  copy->data_columns = g_strdup (self->columns);
  pt_train_settings_view_set_settings (self->settings_view, copy);
}

void
pt_data_page_update_table_bar (PtDataPage *self,
                               const char *path)
{
  g_auto(GStrv) splits = path != NULL ? pt_dataset_list_splits (path, NULL) : NULL;
  g_autoptr(GtkStringList) list = NULL;
  guint selected = 0;

  push_table_options (self);
  if (splits == NULL || splits[0] == NULL)
    {
      gtk_widget_set_visible (self->table_bar, FALSE);
      return;
    }
  list = gtk_string_list_new ((const char *const *) splits);
  for (guint i = 0; splits[i] != NULL; i++)
    if (g_strcmp0 (splits[i], self->split != NULL ? self->split : "train") == 0)
      selected = i;
  self->filling_splits = TRUE;
  gtk_drop_down_set_model (self->split_dropdown, G_LIST_MODEL (list));
  gtk_drop_down_set_selected (self->split_dropdown, selected);
  self->filling_splits = FALSE;
  gtk_editable_set_text (GTK_EDITABLE (self->columns_entry), self->columns != NULL ? self->columns : "");
  gtk_widget_set_visible (self->table_bar, TRUE);
}

gboolean
pt_data_page_set_table_options (PtDataPage *self,
                                const char *split,
                                const char *columns)
{
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (PT_IS_DATA_PAGE (self), FALSE);

  if (columns != NULL && *columns == '\0')
    columns = NULL;
  if (!pt_dataset_check_columns (columns, &error))
    {
      pt_data_page_toast (self, error->message);
      return FALSE;
    }
  g_free (self->split);
  self->split = g_strdup (split);
  g_free (self->columns);
  self->columns = g_strdup (columns);
  push_table_options (self);
  /* the dropdown shows the split already (its model is not rebuilt here:
   * this may run inside its own notify::selected) */
  gtk_editable_set_text (GTK_EDITABLE (self->columns_entry), columns != NULL ? columns : "");
  if (self->dataset_path != NULL)
    pt_data_page_start_load (self, self->dataset_path);
  return TRUE;
}

const char *
pt_data_page_get_split (PtDataPage *self)
{
  g_return_val_if_fail (PT_IS_DATA_PAGE (self), NULL);
  return self->split;
}

GtkDropDown *
pt_data_page_get_split_dropdown (PtDataPage *self)
{
  g_return_val_if_fail (PT_IS_DATA_PAGE (self), NULL);
  return self->split_dropdown;
}

static void
split_selected_cb (GtkDropDown *dropdown,
                   GParamSpec  *pspec,
                   PtDataPage  *self)
{
  GtkStringObject *item = gtk_drop_down_get_selected_item (dropdown);

  if (self->filling_splits || item == NULL)
    return;
  if (g_strcmp0 (gtk_string_object_get_string (item), self->split != NULL ? self->split : "train") == 0)
    return;
  pt_data_page_set_table_options (self, gtk_string_object_get_string (item), self->columns);
}

static void
columns_apply_cb (GtkWidget  *widget,
                  PtDataPage *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->columns_entry));

  pt_data_page_set_table_options (self, self->split, text);
}

void
pt_data_page_table_init (PtDataPage *self)
{
  g_signal_connect (self->split_dropdown, "notify::selected", G_CALLBACK (split_selected_cb), self);
  g_signal_connect (self->columns_entry, "activate", G_CALLBACK (columns_apply_cb), self);
  g_signal_connect (self->columns_button, "clicked", G_CALLBACK (columns_apply_cb), self);
}
