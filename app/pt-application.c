/* pt-application.c — the application object: app actions, windows, settings. */
#include "config.h"

#include <glib/gi18n.h>

#include "pt-application.h"
#include "pt-window.h"
#if HAVE_CUDA
#include "pt-cuda.h"       /* pt_cuda_register */
#endif

struct _PtApplication
{
  AdwApplication parent_instance;
};

G_DEFINE_FINAL_TYPE (PtApplication, pt_application, ADW_TYPE_APPLICATION)

static void
pt_application_activate (GApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    window = GTK_WINDOW (pt_window_new (PT_APPLICATION (app)));
  gtk_window_present (window);
}

static void
about_action_cb (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  static const char *developers[] = { "PaliTune developers", NULL };
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (user_data));

  adw_show_about_window (window,
                         "application-name", _("PaliTune"),
                         "application-icon", APP_ID,
                         "developer-name", _("PaliTune developers"),
                         "version", PACKAGE_VERSION,
                         "comments", _("Fine-tune PaliGemma vision-language models on your own images and questions"),
                         "website", "https://github.com/palitune/palitune",
                         "developers", developers,
                         "copyright", "© 2026 PaliTune developers",
                         "license-type", GTK_LICENSE_GPL_3_0,
                         NULL);
}

static void
quit_action_cb (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static const GActionEntry app_actions[] = {
  { "about", about_action_cb },
  { "quit", quit_action_cb },
};

/* The keyboard shortcuts; gtk/help-overlay.ui lists them. */
static const struct {
  const char *action;
  const char *accels[3];
} accels[] = {
  { "app.quit", { "<Control>q", NULL } },
  { "win.open-dataset", { "<Control>o", NULL } },
  { "win.show-page::data", { "<Control>1", NULL } },
  { "win.show-page::train", { "<Control>2", NULL } },
  { "win.show-page::playground", { "<Control>3", NULL } },
  { "win.show-page::runs", { "<Control>4", NULL } },
};

static void
pt_application_startup (GApplication *app)
{
  G_APPLICATION_CLASS (pt_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions,
                                   G_N_ELEMENTS (app_actions), app);
  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (app), accels[i].action, accels[i].accels);
#if HAVE_CUDA
  pt_cuda_register ();
#endif
}

static void
pt_application_class_init (PtApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->activate = pt_application_activate;
  app_class->startup = pt_application_startup;
}

static void
pt_application_init (PtApplication *self)
{
}

PtApplication *
pt_application_new (void)
{
  return g_object_new (PT_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/io/github/palitune/PaliTune",
                       NULL);
}
