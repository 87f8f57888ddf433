/* test-l10n.c — the real window in one language (--language=de: German,
 * LANGUAGE=de and the build tree's po/ as the locale folder, as
 * $PALITUNE_LOCALEDIR gives the uninstalled app; --language=en: the
 * untranslated strings): the pages are translated and fit the window sizes
 * English gets, with a screenshot of each showing content: the demo dataset
 * in the browser, a live run on the Train page, detection boxes of both
 * models on the Playground. Screenshots are named LANGUAGE-NAME; the en-*
 * ones are the candidates for the metainfo's screenshots (data/screenshots/). */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>     /* g_rmdir */
#include <locale.h>          /* setlocale */
#include <math.h>
#include <string.h>          /* memset */

#include "pt-application.h"
#include "pt-demo-data.h"    /* demo scenes for the validation samples' images */
#include "pt-json.h"         /* pt_json_parse */
#include "pt-run.h"          /* pt_rmtree */
#include "pt-test-training.h" /* pt_test_feed_training_view */
#include "pt-test-ui.h"
#include "pt-window.h"

typedef struct {
  PtApplication *app;
  PtWindow      *window;
} Fixture;

static Fixture fixture;
static const char *language = "de";
static gboolean german;
static char *demo_dir;
static char *run_lora;

/* Screenshot of the window as LANGUAGE-NAME.png. */
static void
shot (GtkWidget *widget, const char *name)
{
  g_autofree char *full = g_strdup_printf ("%s-%s", language, name);
  g_free (pt_test_screenshot (widget, full));
}

static gboolean
window_mapped (gpointer data)
{
  GtkWindow *window = gtk_application_get_active_window (data);
  return window != NULL && gtk_widget_get_mapped (GTK_WIDGET (window))
         && gtk_widget_get_width (GTK_WIDGET (window)) > 0;
}

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
  pt_test_spin (200);
}

static void
fixture_teardown (Fixture *f)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
  pt_test_spin (50);
  g_clear_object (&f->app);
}

/* A label under widget showing text, or NULL. */
static GtkWidget *
find_label (GtkWidget *widget, const char *text)
{
  if (GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0)
    return widget;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_label (c, text);
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The catalogue is found and used: strings from C, plurals, templates. */
static void
test_catalogue (void)
{
  g_assert_cmpstr (_("Open a Dataset"), ==, "Einen Datensatz öffnen");
  g_assert_cmpstr (g_dngettext (NULL, "%u Run", "%u Runs", 1), ==, "%u Lauf");
  g_assert_cmpstr (g_dngettext (NULL, "%u Run", "%u Runs", 2), ==, "%u Läufe");
  /* the Data page's empty state and the view switcher come from .ui templates */
  pt_window_show_page (fixture.window, "data");
  pt_test_spin (200);
  g_assert_nonnull (find_label (GTK_WIDGET (fixture.window), "Kein Datensatz"));
  g_assert_nonnull (find_label (GTK_WIDGET (fixture.window), "Spielwiese"));
}

/* Nothing German makes a page ask for more room than the English one gets
 * in test-window: 1200 × 800, and the Train page folds at 640. */
static void
test_pages_fit (void)
{
  static const char *const pages[] = { "data", "train", "playground", "runs" };
  GtkWidget *window = GTK_WIDGET (fixture.window);

  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 800);
  pt_test_spin (150);
  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      int min_w, min_h;

      pt_window_show_page (fixture.window, pages[i]);
      pt_test_spin (600);
      gtk_widget_measure (window, GTK_ORIENTATION_HORIZONTAL, -1, &min_w, NULL, NULL, NULL);
      gtk_widget_measure (window, GTK_ORIENTATION_VERTICAL, 1200, &min_h, NULL, NULL, NULL);
      g_test_message ("%s: at least %d × %d", pages[i], min_w, min_h);
      g_assert_cmpint (min_w, <=, 700);
      g_assert_cmpint (min_h, <=, 800);
      g_assert_cmpint (gtk_widget_get_width (window), <=, 1200);
      shot (window, pages[i]);
    }

  pt_window_show_page (fixture.window, "train");
  gtk_window_set_default_size (GTK_WINDOW (window), 640, 760);
  pt_test_spin (400);
  g_assert_cmpint (gtk_widget_get_width (window), <=, 700);
  shot (window, "train-narrow");
  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 800);
  pt_test_spin (300);
}

static GtkScrolledWindow *
find_scrolled (GtkWidget *widget)
{
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkScrolledWindow *found;
      if (GTK_IS_SCROLLED_WINDOW (c))
        return GTK_SCROLLED_WINDOW (c);
      if ((found = find_scrolled (c)) != NULL)
        return found;
    }
  return NULL;
}

static gboolean
mapped (gpointer data)
{
  return gtk_widget_get_mapped (data) && gtk_widget_get_width (data) > 0;
}

/* Every row of the Train page's settings at the width the page gives them
 * (460 px), expanders open, with an estimate that does not fit: one
 * screenshot per screenful. */
static void
test_settings_form (void)
{
  PtTrainEstimate e = {
    .weights_bytes = 2900000000ull * 2,
    .training_bytes = 11298816ull * 16,
    .activations_bytes = 1800000000ull,
    .device_bytes = 8000000000ull,
    .trainable_params = 11298816,
    .seconds_per_step = 1.25,
    .total_steps = 6000,
    .fits = FALSE,
  };
  static const char *const rows[] = { "vision_targets_row", "text_targets_row", "early_stop_row" };
  GtkWindow *tall = GTK_WINDOW (gtk_window_new ());
  PtTrainSettingsView *view = PT_TRAIN_SETTINGS_VIEW (pt_train_settings_view_new ());
  GtkScrolledWindow *scrolled;
  GtkAdjustment *adj;
  guint n = 0;

  gtk_window_set_default_size (tall, 460, 960);
  gtk_window_set_child (tall, GTK_WIDGET (view));
  pt_train_settings_view_set_model_info (view, "PaliGemma 3B · 224 px · 2,92 Mrd. Parameter", 224, TRUE);
  e.message = _("Lower the batch size or the maximum text length, or use QLoRA, then start again.");
  pt_train_settings_view_set_estimate (view, &e);
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    adw_expander_row_set_expanded (ADW_EXPANDER_ROW (gtk_widget_get_template_child (GTK_WIDGET (view),
                                                     PT_TYPE_TRAIN_SETTINGS_VIEW, rows[i])), TRUE);
  gtk_window_present (tall);
  g_assert_true (pt_test_wait_until (mapped, view, 10000));
  pt_test_spin (500);
  /* no row asks for more width than the page gives the form */
  {
    int min_w;
    gtk_widget_measure (GTK_WIDGET (view), GTK_ORIENTATION_HORIZONTAL, -1, &min_w, NULL, NULL, NULL);
    g_test_message ("the settings need at least %d px", min_w);
    g_assert_cmpint (min_w, <=, 460);
  }
  scrolled = find_scrolled (GTK_WIDGET (view));
  g_assert_nonnull (scrolled);
  adj = gtk_scrolled_window_get_vadjustment (scrolled);
  for (double y = 0; n < 8; y += gtk_adjustment_get_page_size (adj) - 40)
    {
      g_autofree char *name = g_strdup_printf ("settings-%u", ++n);
      gtk_adjustment_set_value (adj, y);
      pt_test_spin (100);
      shot (GTK_WIDGET (tall), name);
      if (y + gtk_adjustment_get_page_size (adj) >= gtk_adjustment_get_upper (adj))
        break;
    }
  gtk_window_destroy (tall);
}

static gboolean
data_settled (gpointer data)
{
  return !g_str_equal (pt_data_page_get_state (pt_window_get_data_page (fixture.window)), "loading");
}

static gboolean
thumbnails_settled (gpointer data)
{
  guint bound, with_image, missing;

  pt_record_grid_count_cells (pt_dataset_browser_get_grid (data), &bound, &with_image, &missing);
  return bound > 0 && bound == with_image + missing;
}

/* The Data page's browser: the records and the statistics of the demo
 * dataset, the problems of a dataset with bad lines. */
static void
test_data_browser (void)
{
  PtDataPage *page = pt_window_get_data_page (fixture.window);
  PtDatasetBrowser *b = pt_data_page_get_browser (page);
  g_autofree char *train = g_build_filename (demo_dir, "train.jsonl", NULL);
  g_autofree char *bad = g_build_filename (g_getenv ("PT_SOURCE_ROOT"), "tests", "fixtures", "data", "bad.jsonl", NULL);

  pt_window_show_page (fixture.window, "data");
  pt_data_page_set_dataset_path (page, train);
  g_assert_true (pt_test_wait_until (data_settled, NULL, 20000));
  g_assert_cmpstr (pt_data_page_get_state (page), ==, "browser");
  pt_dataset_browser_show_view (b, "records");
  g_assert_true (pt_test_wait_until (thumbnails_settled, b, 20000));
  pt_test_spin (500);   /* the switcher's buttons fade */
  shot (GTK_WIDGET (fixture.window), "data-records");
  pt_dataset_browser_show_view (b, "stats");
  pt_test_spin (300);
  shot (GTK_WIDGET (fixture.window), "data-stats");

  pt_data_page_set_dataset_path (page, bad);
  g_assert_true (pt_test_wait_until (data_settled, NULL, 20000));
  pt_dataset_browser_show_view (b, "problems");
  pt_test_spin (300);
  shot (GTK_WIDGET (fixture.window), "data-problems");
  /* the Train page keeps the demo dataset */
  pt_data_page_set_dataset_path (page, train);
  g_assert_true (pt_test_wait_until (data_settled, NULL, 20000));
}

static JsonNode *
metrics_row (const char *type, int step, const char *key, double value)
{
  g_autofree char *text = g_strdup_printf ("{\"type\": \"%s\", \"step\": %d, \"%s\": %.6f}", type, step, key, value);
  return pt_json_parse (text, -1, "test row", NULL);
}

/* A run on the demo dataset with n of 120 steps: the loss falls from loss0,
 * an evaluation every 20 steps. */
static char *
make_run (const char *id, const char *name, PtTrainMode mode, int n, double loss0, PtRunStatus status)
{
  g_autofree char *root = pt_runs_default_root ();
  g_autofree char *dir = g_build_filename (root, id, NULL);
  g_autoptr(PtTrainSettings) settings = pt_train_settings_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PtRun) run = NULL;

  settings->data_path = g_build_filename (demo_dir, "train.jsonl", NULL);
  settings->mode = mode;
  run = pt_run_create_at (dir, name, settings, &error);
  g_assert_no_error (error);
  for (int step = 1; step <= n; step++)
    {
      double wiggle = 0.04 * sin (step * 1.7) * loss0 / 3;
      g_autoptr(JsonNode) row = metrics_row ("train", step, "loss", loss0 * 20.0 / (20.0 + step) + wiggle);
      g_assert_true (pt_run_append_metrics (run, row, &error));
      if (step % 20 == 0)
        {
          g_autoptr(JsonNode) eval = metrics_row ("eval", step, "val_loss", loss0 * 24.0 / (20.0 + step));
          g_assert_true (pt_run_append_metrics (run, eval, &error));
          pt_run_set_last_metrics (run, eval);
        }
    }
  pt_run_set_progress (run, n, 120, 3.1 * n);
  pt_run_set_device_name (run, "CPU");
  pt_run_set_status (run, status, NULL);
  if (status == PT_RUN_FINISHED)
    {
      g_autoptr(JsonNode) final = metrics_row ("eval", n, "val_loss", loss0 * 24.0 / (20.0 + n));
      pt_run_set_final_metrics (run, final);
      pt_run_set_best (run, n, "val_loss", loss0 * 24.0 / (20.0 + n), "checkpoints/step-0000120");
    }
  g_assert_true (pt_run_save (run, &error));
  return g_strdup (pt_run_get_dir (run));
}

static gboolean
three_runs (gpointer data)
{
  return pt_runs_page_get_n_runs (data) == 3;
}

static gboolean
curves_loaded (gpointer data)
{
  return !pt_runs_page_is_loading_metrics (data);
}

/* The Runs page: three runs, two of them compared on the chart. */
static void
test_runs (void)
{
  PtRunsPage *page = pt_window_get_runs_page (fixture.window);
  g_autofree char *qlora = NULL, *full = NULL;

  pt_window_show_page (fixture.window, "runs");
  run_lora = make_run ("20261120-101500-shapes-lora", "Shapes, LoRA r=8", PT_MODE_LORA, 120, 3.0, PT_RUN_FINISHED);
  qlora = make_run ("20261121-093000-shapes-qlora", "Shapes, QLoRA r=16", PT_MODE_QLORA, 120, 3.4, PT_RUN_FINISHED);
  full = make_run ("20261122-141000-shapes-full", "Shapes, full fine-tune", PT_MODE_FULL, 70, 2.6, PT_RUN_PAUSED);
  g_assert_true (pt_test_wait_until (three_runs, page, 5000));
  pt_runs_page_set_compared (page, run_lora, TRUE);
  pt_runs_page_set_compared (page, qlora, TRUE);
  g_assert_true (pt_test_wait_until (curves_loaded, page, 5000));
  pt_test_spin (400);
  shot (GTK_WIDGET (fixture.window), "runs-compare");
}

/* "<loc…><loc…><loc…><loc…> name": the four bins moved by d (clamped). */
static char *
move_box (const char *answer, int d)
{
  int bins[4];
  const char *name;

  g_assert_cmpint (sscanf (answer, "<loc%4d><loc%4d><loc%4d><loc%4d>", &bins[0], &bins[1], &bins[2], &bins[3]), ==, 4);
  name = strchr (answer, ' ');
  g_assert_nonnull (name);
  for (int i = 0; i < 4; i++)
    bins[i] = CLAMP (bins[i] + (i < 2 ? d : 2 * d), 0, 1023);
  return g_strdup_printf ("<loc%04d><loc%04d><loc%04d><loc%04d>%s", bins[0], bins[1], bins[2], bins[3], name);
}

/* The Playground: a demo image, "detect …", the tuned model's box where the
 * shape is and the base model's off it (answers given, not generated: the
 * test has no trained model). */
static void
test_playground (void)
{
  PtPlaygroundPage *page = pt_window_get_playground_page (fixture.window);
  PtDemoOptions o;
  PtDemoScene scene;
  PtDemoQuestion q = { 0 };
  g_autofree char *png = g_build_filename (demo_dir, "playground.png", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (png);
  g_autoptr(GError) error = NULL;
  g_autofree char *base = NULL;
  guint i = 0;

  pt_demo_options_init (&o);
  /* a scene with a unique shape to detect */
  do
    pt_demo_scene_generate (&o, 100 + i++, &scene);
  while (scene.n_shapes < 3 || !pt_demo_scene_question (&scene, PT_DEMO_TASK_DETECT, &q));
  g_assert_true (pt_demo_scene_save_png (&scene, png, NULL));
  pt_window_show_page (fixture.window, "playground");
  /* the finished LoRA run over a base model the Train page names */
  {
    g_autofree char *model = g_build_filename (g_get_user_data_dir (), "paligemma-3b-pt-224", NULL);
    pt_playground_page_set_base_model (page, model);
  }
  pt_playground_page_select_run (page, run_lora);
  g_assert_true (pt_playground_page_set_image (page, file, &error));
  g_assert_no_error (error);
  pt_playground_page_set_prompt (page, PT_PROMPT_DETECT, q.question + strlen ("detect "));
  base = move_box (q.answer, 90);
  pt_playground_page_show_answers (page, base, q.answer);
  g_assert_cmpuint (pt_image_boxes_get_n_boxes (pt_playground_page_get_image_view (page), PT_BOXES_TUNED), ==, 1);
  pt_test_spin (400);
  shot (GTK_WIDGET (fixture.window), "playground-boxes");
  pt_demo_question_clear (&q);
}

/* The Train page during a run: the charts, the step line, the progress,
 * the step-time breakdown and the validation samples, all in German. */
static void
test_train_live (void)
{
  PtTrainingView *view = pt_train_page_get_training_view (pt_window_get_train_page (fixture.window));
  g_autofree char *dir = g_dir_make_tmp ("pt-l10n-XXXXXX", NULL);
  const guint total = 1200, done = 700, warmup = 20;

  pt_window_show_page (fixture.window, "train");
  pt_test_feed_training_view (view, done, total, warmup, 3, FALSE, dir);
  pt_training_view_set_session_ready (view, TRUE);
  pt_training_view_set_state (view, PT_TRAINING_RUNNING);
  pt_training_view_set_status (view, NULL);

  /* the live parts in the language */
  g_assert_true (g_str_has_prefix (pt_training_view_get_step_line (view),
                                   german ? "Schritt 700/1200 | Verlust " : "step 700/1200 | loss "));
  g_assert_true (g_str_has_prefix (pt_step_breakdown_get_text (pt_training_view_get_breakdown (view)),
                                   german ? "Daten 120 ms" : "data 120 ms"));
  pt_test_spin (400);   /* the thumbnails decode in worker threads */
  shot (GTK_WIDGET (fixture.window), "train-live");
  pt_training_view_set_state (view, PT_TRAINING_PAUSED);
  pt_training_view_clear (view);
  pt_rmtree (dir, NULL);
}

/* The gettext setup of pt-main.c for the language: LANGUAGE, a UTF-8 locale
 * (de_DE when the system has it, else C.UTF-8, which gettext translates
 * too), and the catalogue from $PALITUNE_LOCALEDIR. */
static gboolean
use_language (void)
{
  static const char *const locales[] = { "de_DE.UTF-8", "de_DE.utf8", "C.UTF-8", "C.utf8" };
  const char *localedir;

  /* what pt-main.c reads for an uninstalled run */
  g_setenv ("PALITUNE_LOCALEDIR", PT_TEST_LOCALEDIR, FALSE);
  localedir = g_getenv ("PALITUNE_LOCALEDIR");
  for (guint i = german ? 0 : 2; i < G_N_ELEMENTS (locales); i++)
    if (setlocale (LC_ALL, locales[i]) != NULL)
      {
        g_setenv ("LC_ALL", locales[i], TRUE);
        g_setenv ("LANGUAGE", language, TRUE);
        bindtextdomain (GETTEXT_PACKAGE, localedir);
        bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
        textdomain (GETTEXT_PACKAGE);
        return TRUE;
      }
  return FALSE;
}

int
main (int argc, char **argv)
{
  g_autofree char *home = g_dir_make_tmp ("pt-l10n-home-XXXXXX", NULL);
  g_autoptr(GError) error = NULL;
  PtDemoOptions o;
  int status;

  /* --language=LL (before GTest sees the arguments) */
  for (int i = 1; i < argc; i++)
    if (g_str_has_prefix (argv[i], "--language="))
      {
        language = argv[i] + strlen ("--language=");
        memmove (argv + i, argv + i + 1, (argc - i) * sizeof *argv);   /* argv[argc] is NULL */
        argc--;
        break;
      }
  german = g_str_equal (language, "de");
  g_setenv ("XDG_DATA_HOME", home, TRUE);
  g_setenv ("PALITUNE_DEMO_DIR", "", TRUE);
  if (!use_language ())
    {
      g_rmdir (home);
      g_print ("1..0 # SKIP no UTF-8 locale on this system\n");
      return 0;
    }
  gtk_test_init (&argc, &argv, NULL);

  /* a small demo dataset for the browser, the Train page and the Playground */
  demo_dir = g_build_filename (home, "demo-data", NULL);
  pt_demo_options_init (&o);
  o.n_train = 40;
  o.threads = 2;
  g_assert_true (pt_demo_generate (&o, demo_dir, FALSE, NULL, NULL, NULL, &error));
  g_assert_no_error (error);

  if (german)
    g_test_add_func ("/ui/l10n/catalogue", test_catalogue);
  g_test_add_func ("/ui/l10n/pages-fit", test_pages_fit);
  g_test_add_func ("/ui/l10n/data-browser", test_data_browser);
  if (german)
    g_test_add_func ("/ui/l10n/settings-form", test_settings_form);
  g_test_add_func ("/ui/l10n/train-live", test_train_live);
  g_test_add_func ("/ui/l10n/runs", test_runs);
  g_test_add_func ("/ui/l10n/playground", test_playground);
  fixture_setup (&fixture);
  status = g_test_run ();
  fixture_teardown (&fixture);
  pt_rmtree (home, NULL);
  g_free (demo_dir);
  g_free (run_lora);
  return status;
}
