/* pt-application.c — the application object: app actions, windows, settings. */
#include "config.h"

#include <glib/gi18n.h>

#include "pt-application.h"
#include "pt-demo.h"                /* pt_demo_prepare_window */
#include "pt-train-controller.h"
#include "pt-window.h"
#if HAVE_CUDA
#include "pt-cuda.h"       /* pt_cuda_register */
#endif
#if HAVE_NCCL
#include "pt-nccl.h"       /* pt_nccl_register */
#endif

#define SCHEMA_ID "io.github.palitune.PaliTune"

struct _PtApplication
{
  AdwApplication parent_instance;

  GSettings     *settings;
};

G_DEFINE_FINAL_TYPE (PtApplication, pt_application, ADW_TYPE_APPLICATION)

static void
demo_prepared_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(PtApplication) self = user_data;
  g_autoptr(GError) error = NULL;

  /* once done, later starts leave the user's choices alone */
  if (pt_demo_prepare_window_finish (PT_WINDOW (source), result, &error) && self->settings != NULL)
    g_settings_set_boolean (self->settings, "demo-prepared", TRUE);
  else if (error != NULL)
    g_debug ("Demo not prepared: %s", error->message);
}

/* A window with its train controller (the session and the Train page's logic). */
static GtkWindow *
new_window (PtApplication *self)
{
  PtWindow *window = pt_window_new (self);
  g_autoptr(PtTrainController) controller = pt_train_controller_new (window);

  return GTK_WINDOW (window);
}

static void
pt_application_activate (GApplication *app)
{
  PtApplication *self = PT_APPLICATION (app);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    {
      window = new_window (self);
      /* the first start: the demo model, its dataset and settings, ready to train */
      if (self->settings != NULL && !g_settings_get_boolean (self->settings, "demo-prepared"))
        pt_demo_prepare_window (PT_WINDOW (window), FALSE, NULL, demo_prepared_cb, g_object_ref (self));
    }
  gtk_window_present (window);
}

static void
prepare_demo_action_cb (GSimpleAction *action,
                        GVariant      *parameter,
                        gpointer       user_data)
{
  PtApplication *self = user_data;
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window == NULL)
    window = new_window (self);
  gtk_window_present (window);
  pt_demo_prepare_window (PT_WINDOW (window), TRUE, NULL, demo_prepared_cb, g_object_ref (self));
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
                         /* Translators: your names, one per line, shown in the About window */
                         "translator-credits", _("translator-credits"),
                         NULL);
}

/* Closing the windows, not stopping the main loop: a window that trains
 * asks first and pauses its run. */
static void
quit_action_cb (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  g_autoptr(GList) windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (user_data)));

  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (l->data);
}

static const GActionEntry app_actions[] = {
  { "about", about_action_cb },
  { "quit", quit_action_cb },
  { "prepare-demo", prepare_demo_action_cb },
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
#if HAVE_NCCL
  pt_nccl_register ();   /* gradients between GPUs of a data-parallel run */
#endif
}

static void
pt_application_dispose (GObject *object)
{
  g_clear_object (&PT_APPLICATION (object)->settings);
  G_OBJECT_CLASS (pt_application_parent_class)->dispose (object);
}

static void
pt_application_class_init (PtApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = pt_application_dispose;
  app_class->activate = pt_application_activate;
  app_class->startup = pt_application_startup;
}

static void
pt_application_init (PtApplication *self)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = source != NULL ? g_settings_schema_source_lookup (source, SCHEMA_ID, TRUE)
                                                     : NULL;

  if (schema != NULL)
    self->settings = g_settings_new (SCHEMA_ID);
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
