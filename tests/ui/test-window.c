/* test-window.c — the real application opens its main window; screenshot. */
#include "config.h"

#include "pt-application.h"
#include "pt-window.h"
#include "pt-test-ui.h"

static gboolean
window_mapped (gpointer data)
{
  GtkApplication *app = data;
  GtkWindow *window = gtk_application_get_active_window (app);
  return window != NULL && gtk_widget_get_mapped (GTK_WIDGET (window))
         && gtk_widget_get_width (GTK_WIDGET (window)) > 0;
}

static void
test_main_window (void)
{
  g_autoptr(PtApplication) app = pt_application_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  GtkWindow *window;

  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  g_application_activate (G_APPLICATION (app));
  g_assert_true (pt_test_wait_until (window_mapped, app, 10000));

  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  g_assert_true (PT_IS_WINDOW (window));
  pt_test_spin (300);
  path = pt_test_screenshot (GTK_WIDGET (window), "main-window");
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  gtk_window_destroy (window);
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ui/window/main", test_main_window);
  return g_test_run ();
}
