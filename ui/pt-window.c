/* pt-window.c — the main window: header bar, view switcher and the four pages. */
#include "config.h"

#include <glib/gi18n.h>

#include "pt-window.h"

struct _PtWindow
{
  AdwApplicationWindow  parent_instance;

  AdwViewStack         *stack;
  GSettings            *settings;
};

G_DEFINE_FINAL_TYPE (PtWindow, pt_window, ADW_TYPE_APPLICATION_WINDOW)

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

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/palitune/PaliTune/pt-window.ui");
  gtk_widget_class_bind_template_child (widget_class, PtWindow, stack);
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

  if (DEVELOPMENT_BUILD)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
}

PtWindow *
pt_window_new (gpointer app)
{
  g_return_val_if_fail (GTK_IS_APPLICATION (app), NULL);

  return g_object_new (PT_TYPE_WINDOW, "application", app, NULL);
}
