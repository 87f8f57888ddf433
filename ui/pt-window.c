/* pt-window.c — the main window: header bar, view switcher and the four pages. */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>          /* strrchr */

#include "pt-window.h"

struct _PtWindow
{
  AdwApplicationWindow  parent_instance;

  GSettings            *settings;

  AdwToastOverlay      *toast_overlay;
  GtkLabel             *project_label;
  AdwViewStack         *stack;
  PtDataPage           *data_page;
  PtTrainPage          *train_page;
  PtPlaygroundPage     *playground_page;
  PtRunsPage           *runs_page;
};

G_DEFINE_FINAL_TYPE (PtWindow, pt_window, ADW_TYPE_APPLICATION_WINDOW)

static const char *const page_names[] = { "data", "train", "playground", "runs" };

/* The dataset chosen on the Data page is the one the Train page trains on. */
static void
dataset_path_cb (PtDataPage *page,
                 GParamSpec *pspec,
                 PtWindow   *self)
{
  pt_train_settings_view_set_data_path (pt_train_page_get_settings_view (self->train_page),
                                        pt_data_page_get_dataset_path (page));
}

static char *
display_base_name (const char *path)
{
  g_autofree char *base = NULL;
  char *dot;

  if (path == NULL || *path == '\0')
    return NULL;
  base = g_path_get_basename (path);
  /* "train.jsonl" says little: name the dataset after its folder */
  if (g_str_has_prefix (base, "train.") || g_str_has_prefix (base, "data."))
    {
      g_autofree char *dir = g_path_get_dirname (path);
      g_free (base);
      base = g_path_get_basename (dir);
    }
  else if ((dot = strrchr (base, '.')) != NULL && dot != base)
    *dot = '\0';
  return g_filename_display_name (base);
}

/* The header bar names the current project: the model and the dataset. */
static void
project_changed_cb (PtTrainSettingsView *view,
                    PtWindow            *self)
{
  const PtTrainSettings *s = pt_train_settings_view_get_settings (view);
  g_autofree char *model = display_base_name (s->model_dir);
  g_autofree char *data = display_base_name (s->data_path);
  g_autofree char *text = NULL;
  g_autofree char *tooltip = NULL;
  g_autofree char *title = NULL;

  /* Translators: the header bar's project line, "model · dataset" */
  text = g_strdup_printf (_("%s · %s"), model ? model : _("No model"), data ? data : _("No dataset"));
  tooltip = g_strdup_printf (_("Model: %s\nDataset: %s"), s->model_dir ? s->model_dir : _("none"),
                             s->data_path ? s->data_path : _("none"));
  gtk_label_set_text (self->project_label, text);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->project_label), tooltip);
  /* Translators: the window title, "PaliTune — model · dataset" */
  title = g_strdup_printf (_("PaliTune — %s"), text);
  gtk_window_set_title (GTK_WINDOW (self), title);
}

static void
show_page_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  pt_window_show_page (PT_WINDOW (widget), g_variant_get_string (parameter, NULL));
}

static void
open_dataset_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  PtWindow *self = PT_WINDOW (widget);

  pt_window_show_page (self, "data");
  pt_data_page_open_dataset (self->data_page, FALSE);
}

void
pt_window_show_page (PtWindow   *self,
                     const char *name)
{
  g_return_if_fail (PT_IS_WINDOW (self));
  g_return_if_fail (name != NULL);

  if (g_strv_contains (page_names, name))
    adw_view_stack_set_visible_child_name (self->stack, name);
}

const char *
pt_window_get_visible_page (PtWindow *self)
{
  g_return_val_if_fail (PT_IS_WINDOW (self), NULL);

  return adw_view_stack_get_visible_child_name (self->stack);
}

void
pt_window_add_toast (PtWindow *self,
                     AdwToast *toast)
{
  g_return_if_fail (PT_IS_WINDOW (self));
  g_return_if_fail (ADW_IS_TOAST (toast));

  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

PtDataPage *
pt_window_get_data_page (PtWindow *self)
{
  g_return_val_if_fail (PT_IS_WINDOW (self), NULL);
  return self->data_page;
}

PtTrainPage *
pt_window_get_train_page (PtWindow *self)
{
  g_return_val_if_fail (PT_IS_WINDOW (self), NULL);
  return self->train_page;
}

PtPlaygroundPage *
pt_window_get_playground_page (PtWindow *self)
{
  g_return_val_if_fail (PT_IS_WINDOW (self), NULL);
  return self->playground_page;
}

PtRunsPage *
pt_window_get_runs_page (PtWindow *self)
{
  g_return_val_if_fail (PT_IS_WINDOW (self), NULL);
  return self->runs_page;
}

static void
pt_window_dispose (GObject *object)
{
  PtWindow *self = PT_WINDOW (object);

  g_clear_object (&self->settings);
  gtk_widget_dispose_template (GTK_WIDGET (self), PT_TYPE_WINDOW);
  G_OBJECT_CLASS (pt_window_parent_class)->dispose (object);
}

static void
pt_window_class_init (PtWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pt_window_dispose;

  gtk_widget_class_install_action (widget_class, "win.show-page", "s", show_page_action);
  gtk_widget_class_install_action (widget_class, "win.open-dataset", NULL, open_dataset_action);

  g_type_ensure (PT_TYPE_DATA_PAGE);
  g_type_ensure (PT_TYPE_TRAIN_PAGE);
  g_type_ensure (PT_TYPE_PLAYGROUND_PAGE);
  g_type_ensure (PT_TYPE_RUNS_PAGE);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/palitune/PaliTune/pt-window.ui");
  gtk_widget_class_bind_template_child (widget_class, PtWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, PtWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, PtWindow, project_label);
  gtk_widget_class_bind_template_child (widget_class, PtWindow, data_page);
  gtk_widget_class_bind_template_child (widget_class, PtWindow, train_page);
  gtk_widget_class_bind_template_child (widget_class, PtWindow, playground_page);
  gtk_widget_class_bind_template_child (widget_class, PtWindow, runs_page);
}

static void
pt_window_init (PtWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new ("io.github.palitune.PaliTune");
  g_settings_bind (self->settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-height", self, "default-height", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "last-page", self->stack, "visible-child-name", G_SETTINGS_BIND_DEFAULT);

  g_signal_connect_object (self->data_page, "notify::dataset-path", G_CALLBACK (dataset_path_cb), self, 0);
  dataset_path_cb (self->data_page, NULL, self);
  /* one settings object, the Train page's: the Data page follows it and edits its split */
  pt_data_page_set_settings_view (self->data_page, pt_train_page_get_settings_view (self->train_page));
  g_signal_connect_object (pt_train_page_get_settings_view (self->train_page), "changed",
                           G_CALLBACK (project_changed_cb), self, 0);
  project_changed_cb (pt_train_page_get_settings_view (self->train_page), self);

  if (DEVELOPMENT_BUILD)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
}

PtWindow *
pt_window_new (gpointer app)
{
  g_return_val_if_fail (GTK_IS_APPLICATION (app), NULL);

  return g_object_new (PT_TYPE_WINDOW, "application", app, NULL);
}
