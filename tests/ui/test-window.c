/* test-window.c — the real application's main window: each page through its
 * keyboard shortcut (Ctrl+1..4), a screenshot of each, the Train page at a
 * narrow width, the shortcuts window. */
#include "config.h"

#include <glib/gstdio.h>   /* g_unlink, g_rmdir */

#include "pt-application.h"
#include "pt-run.h"        /* pt_rmtree */
#include "pt-window.h"
#include "pt-test-ui.h"

typedef struct {
  PtApplication *app;
  PtWindow      *window;
} Fixture;

static gboolean
window_mapped (gpointer data)
{
  GtkApplication *app = data;
  GtkWindow *window = gtk_application_get_active_window (app);
  return window != NULL && gtk_widget_get_mapped (GTK_WIDGET (window))
         && gtk_widget_get_width (GTK_WIDGET (window)) > 0;
}

/* One application for every test: a process registers it once. */
static Fixture fixture;

static void
fixture_setup (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  f->app = pt_application_new ();
  g_application_set_flags (G_APPLICATION (f->app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (f->app), NULL, &error));
  g_assert_no_error (error);
  g_application_activate (G_APPLICATION (f->app));
  g_assert_true (pt_test_wait_until (window_mapped, f->app, 10000));
  f->window = PT_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (f->app)));
  g_assert_true (PT_IS_WINDOW (f->window));
  pt_test_spin (200);
}

static void
fixture_teardown (Fixture *f)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
  pt_test_spin (50);
  g_clear_object (&f->app);
}

/* Activates what the accelerator is bound to, as a key press would. */
static void
press_accel (Fixture *f, const char *accel)
{
  g_auto(GStrv) actions = gtk_application_get_actions_for_accel (GTK_APPLICATION (f->app), accel);
  g_autofree char *name = NULL;
  g_autoptr(GVariant) target = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (actions);
  g_assert_cmpuint (g_strv_length (actions), ==, 1);
  g_assert_true (g_action_parse_detailed_name (actions[0], &name, &target, &error));
  g_assert_true (gtk_widget_activate_action_variant (GTK_WIDGET (f->window), name, target));
}

static void
test_pages (void)
{
  Fixture *f = &fixture;
  static const struct { const char *accel, *page; } pages[] = {
    { "<Control>1", "data" },
    { "<Control>2", "train" },
    { "<Control>3", "playground" },
    { "<Control>4", "runs" },
  };

  gtk_window_set_default_size (GTK_WINDOW (f->window), 1200, 800);
  pt_test_spin (150);
  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      g_autofree char *name = g_strdup_printf ("window-%s", pages[i].page);
      g_autofree char *path = NULL;

      press_accel (f, pages[i].accel);
      /* the first visit builds the page; the switcher's button then animates */
      pt_test_spin (600);
      g_assert_cmpstr (pt_window_get_visible_page (f->window), ==, pages[i].page);
      path = pt_test_screenshot (GTK_WIDGET (f->window), name);
    }
}

/* Data page: a dataset shows and reaches the Train page's settings. */
static void
test_dataset_flows_to_train (void)
{
  Fixture *f = &fixture;
  PtDataPage *page = pt_window_get_data_page (f->window);
  PtTrainSettingsView *view = pt_train_page_get_settings_view (pt_window_get_train_page (f->window));
  g_autofree char *path = NULL;

  pt_data_page_set_dataset_path (page, "/data/vqa/train.jsonl");
  g_assert_cmpstr (pt_train_settings_view_get_settings (view)->data_path, ==, "/data/vqa/train.jsonl");
  pt_window_show_page (f->window, "data");
  pt_test_spin (250);
  path = pt_test_screenshot (GTK_WIDGET (f->window), "window-data-chosen");
  pt_data_page_set_dataset_path (page, NULL);
  g_assert_null (pt_train_settings_view_get_settings (view)->data_path);
}

/* The Playground shows an image it is given (dropped or opened), refuses a non-image. */
static void
test_playground_image (void)
{
  Fixture *f = &fixture;
  PtPlaygroundPage *page = pt_window_get_playground_page (f->window);
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 320, 240);
  g_autofree char *dir = g_dir_make_tmp ("pt-playground-XXXXXX", NULL);
  g_autofree char *png = g_build_filename (dir, "cat.png", NULL);
  g_autofree char *txt = g_build_filename (dir, "notes.txt", NULL);
  g_autoptr(GFile) png_file = g_file_new_for_path (png);
  g_autoptr(GFile) txt_file = g_file_new_for_path (txt);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  guchar *pixels = gdk_pixbuf_get_pixels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);

  /* a gradient, so the screenshot shows where the picture is */
  for (int y = 0; y < 240; y++)
    for (int x = 0; x < 320; x++)
      {
        guchar *p = pixels + y * stride + x * 3;
        p[0] = (guchar) (x * 255 / 319);
        p[1] = (guchar) (y * 255 / 239);
        p[2] = 160;
      }
  g_assert_true (gdk_pixbuf_save (pixbuf, png, "png", &error, NULL));
  g_assert_true (g_file_set_contents (txt, "not an image", -1, NULL));

  pt_window_show_page (f->window, "playground");
  g_assert_false (pt_playground_page_set_image (page, txt_file, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_true (pt_playground_page_set_image (page, png_file, &error));
  g_assert_no_error (error);
  pt_test_spin (300);
  path = pt_test_screenshot (GTK_WIDGET (f->window), "window-playground-image");
  pt_playground_page_set_image (page, NULL, NULL);

  g_unlink (png);
  g_unlink (txt);
  g_rmdir (dir);
}

/* The Train page folds its settings away on a narrow window. */
static void
test_train_narrow (void)
{
  Fixture *f = &fixture;
  PtTrainPage *page = pt_window_get_train_page (f->window);
  GtkToggleButton *toggle = pt_training_view_get_settings_toggle (pt_train_page_get_training_view (page));
  g_autofree char *p1 = NULL, *p2 = NULL;

  pt_window_show_page (f->window, "train");
  gtk_window_set_default_size (GTK_WINDOW (f->window), 640, 760);
  pt_test_spin (400);
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (f->window)), <=, 700);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (toggle)));
  p1 = pt_test_screenshot (GTK_WIDGET (f->window), "window-train-narrow");
  gtk_toggle_button_set_active (toggle, TRUE);
  pt_test_spin (600);
  p2 = pt_test_screenshot (GTK_WIDGET (f->window), "window-train-narrow-settings");
  gtk_toggle_button_set_active (toggle, FALSE);
}

static gboolean
shortcuts_shown (gpointer data)
{
  Fixture *f = data;
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) w = g_list_model_get_item (toplevels, i);
      if (GTK_IS_SHORTCUTS_WINDOW (w) && gtk_widget_get_mapped (w) && gtk_widget_get_width (w) > 0)
        {
          g_object_set_data (G_OBJECT (f->window), "shortcuts", w);
          return TRUE;
        }
    }
  return FALSE;
}

static gboolean
chooser_shown (gpointer data)
{
  GtkWidget **out = data;
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) w = g_list_model_get_item (toplevels, i);
      if (GTK_IS_FILE_CHOOSER (w) && gtk_widget_get_mapped (w))
        {
          *out = w;
          return TRUE;
        }
    }
  return FALSE;
}

/* Ctrl+O: the Data page and its file chooser; cancelling changes nothing. */
static void
test_open_dataset (void)
{
  Fixture *f = &fixture;
  GtkWidget *chooser = NULL;
  g_autofree char *path = NULL;

  pt_window_show_page (f->window, "runs");
  press_accel (f, "<Control>o");
  g_assert_cmpstr (pt_window_get_visible_page (f->window), ==, "data");
  g_assert_true (pt_test_wait_until (chooser_shown, &chooser, 5000));
  pt_test_spin (300);
  path = pt_test_screenshot (chooser, "open-dataset-chooser");
  gtk_dialog_response (GTK_DIALOG (chooser), GTK_RESPONSE_CANCEL);
  pt_test_spin (100);
  g_assert_null (pt_data_page_get_dataset_path (pt_window_get_data_page (f->window)));
}

static void
test_shortcuts_window (void)
{
  Fixture *f = &fixture;
  g_auto(GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (f->app), "win.show-help-overlay");
  g_autofree char *path = NULL;
  GtkWidget *shortcuts;

  g_assert_nonnull (accels);
  g_assert_nonnull (accels[0]);
  g_test_message ("shortcuts window: %s", accels[0]);
  press_accel (f, accels[0]);
  g_assert_true (pt_test_wait_until (shortcuts_shown, f, 5000));
  pt_test_spin (300);
  shortcuts = g_object_get_data (G_OBJECT (f->window), "shortcuts");
  path = pt_test_screenshot (shortcuts, "shortcuts-window");
  gtk_window_destroy (GTK_WINDOW (shortcuts));

  /* Ctrl+O and Ctrl+Q are bound */
  {
    g_auto(GStrv) open = gtk_application_get_actions_for_accel (GTK_APPLICATION (f->app), "<Control>o");
    g_auto(GStrv) quit = gtk_application_get_actions_for_accel (GTK_APPLICATION (f->app), "<Control>q");
    g_assert_cmpstr (open[0], ==, "win.open-dataset");
    g_assert_cmpstr (quit[0], ==, "app.quit");
  }
}

int
main (int argc, char **argv)
{
  g_autofree char *home = g_dir_make_tmp ("pt-window-home-XXXXXX", NULL);
  int status;

  /* nothing written to the user's data folder, and no demo prepared */
  g_setenv ("XDG_DATA_HOME", home, TRUE);
  g_setenv ("PALITUNE_DEMO_DIR", "", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ui/window/pages", test_pages);
  g_test_add_func ("/ui/window/dataset-to-train", test_dataset_flows_to_train);
  g_test_add_func ("/ui/window/playground-image", test_playground_image);
  g_test_add_func ("/ui/window/train-narrow", test_train_narrow);
  g_test_add_func ("/ui/window/shortcuts", test_shortcuts_window);
  g_test_add_func ("/ui/window/open-dataset", test_open_dataset);
  fixture_setup (&fixture);
  status = g_test_run ();
  fixture_teardown (&fixture);
  pt_rmtree (home, NULL);
  return status;
}
