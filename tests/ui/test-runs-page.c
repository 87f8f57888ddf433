/* test-runs-page.c — the Runs page in the real window, over runs made with
 * the engine in a private $XDG_DATA_HOME: the list follows the folder, each
 * row says what its run.json says, two runs' curves on one chart, resume
 * and export off until wired, deleting after the confirmation. */
#include "config.h"

#include "pt-application.h"
#include "pt-json.h"
#include "pt-run.h"
#include "pt-test-ui.h"
#include "pt-window.h"

static PtApplication *app;
static PtWindow *window;
static PtRunsPage *page;
static char *data_home;
static char *run_a, *run_b;

static gboolean
window_mapped (gpointer data)
{
  GtkWindow *w = gtk_application_get_active_window (data);
  return w != NULL && gtk_widget_get_mapped (GTK_WIDGET (w)) && gtk_widget_get_width (GTK_WIDGET (w)) > 0;
}

static JsonNode *
metrics_row (const char *type, int step, const char *key, double value)
{
  g_autofree char *text = g_strdup_printf ("{\"type\": \"%s\", \"step\": %d, \"%s\": %.6f}", type, step, key, value);
  return pt_json_parse (text, -1, "test row", NULL);
}

/* A run with n train rows (loss falling from loss0) and an evaluation every 20 steps. */
static char *
make_run (const char  *id,
          const char  *name,
          PtTrainMode  mode,
          int          n,
          double       loss0,
          PtRunStatus  status,
          const char  *error_message)
{
  g_autofree char *root = pt_runs_default_root ();
  g_autofree char *dir = g_build_filename (root, id, NULL);
  g_autoptr(PtTrainSettings) settings = pt_train_settings_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PtRun) run = NULL;

  settings->data_path = g_build_filename (g_getenv ("PT_SOURCE_ROOT"), "tests", "fixtures", "data", "good.jsonl", NULL);
  settings->mode = mode;
  run = pt_run_create_at (dir, name, settings, &error);
  g_assert_no_error (error);
  for (int step = 1; step <= n; step++)
    {
      g_autoptr(JsonNode) row = metrics_row ("train", step, "loss", loss0 * 20.0 / (20.0 + step));
      g_assert_true (pt_run_append_metrics (run, row, &error));
      if (step % 20 == 0)
        {
          g_autoptr(JsonNode) eval = metrics_row ("eval", step, "val_loss", loss0 * 24.0 / (20.0 + step));
          g_assert_true (pt_run_append_metrics (run, eval, &error));
          pt_run_set_last_metrics (run, eval);
        }
    }
  pt_run_set_progress (run, n, 100, 125.0 + n);
  pt_run_set_device_name (run, "CPU");
  pt_run_set_status (run, status, error_message);
  if (status == PT_RUN_FINISHED)
    {
      g_autoptr(JsonNode) final = metrics_row ("eval", n, "val_loss", loss0 * 24.0 / (20.0 + n));
      pt_run_set_final_metrics (run, final);
      pt_run_set_best (run, n, "val_loss", loss0 * 24.0 / (20.0 + n), "checkpoints/step-0000100");
    }
  g_assert_true (pt_run_save (run, &error));
  return g_strdup (pt_run_get_dir (run));
}

static gboolean
n_runs_is (gpointer data)
{
  return pt_runs_page_get_n_runs (page) == GPOINTER_TO_UINT (data);
}

static gboolean
curves_loaded (gpointer data)
{
  return !pt_runs_page_is_loading_metrics (page);
}

static void
test_runs (void)
{
  PtLossChart *chart = pt_runs_page_get_chart (page);
  g_autofree char *a_train = NULL, *b_train = NULL, *a_eval = NULL, *b_eval = NULL;
  g_autofree char *shot = NULL;
  PtRunRow *ra, *rb;

  pt_window_show_page (window, "runs");
  pt_test_spin (300);
  g_assert_cmpuint (pt_runs_page_get_n_runs (page), ==, 0);

  /* runs appear as the folder changes */
  run_a = make_run ("20250101-120000-shapes-lora", "Shapes, LoRA r=8", PT_MODE_LORA, 100, 2.5, PT_RUN_FINISHED, NULL);
  run_b = make_run ("20250102-090000-shapes-qlora", "Shapes, QLoRA", PT_MODE_QLORA, 60, 3.0, PT_RUN_FAILED,
                    "CUDA out of memory while allocating 1.2 GiB for the activations: lower the batch size or the resolution");
  g_assert_true (pt_test_wait_until (n_runs_is, GUINT_TO_POINTER (2), 5000));

  ra = pt_runs_page_get_row (page, run_a);
  rb = pt_runs_page_get_row (page, run_b);
  g_assert_nonnull (ra);
  g_assert_nonnull (rb);
  g_assert_cmpint (pt_run_row_get_status (ra), ==, PT_RUN_FINISHED);
  g_assert_cmpint (pt_run_row_get_status (rb), ==, PT_RUN_FAILED);
  g_assert_cmpstr (pt_run_row_get_name (ra), ==, "Shapes, LoRA r=8");

  /* the newest run is on the chart; tick the other one too */
  g_assert_true (gtk_check_button_get_active (pt_run_row_get_compare (rb)));
  g_assert_false (gtk_check_button_get_active (pt_run_row_get_compare (ra)));
  pt_runs_page_set_compared (page, run_a, TRUE);
  g_assert_true (pt_test_wait_until (curves_loaded, NULL, 5000));
  a_train = g_strconcat (pt_run_row_get_id (ra), "/train", NULL);
  b_train = g_strconcat (pt_run_row_get_id (rb), "/train", NULL);
  a_eval = g_strconcat (pt_run_row_get_id (ra), "/eval", NULL);
  b_eval = g_strconcat (pt_run_row_get_id (rb), "/eval", NULL);
  g_assert_true (pt_loss_chart_has_series (chart, a_train));
  g_assert_true (pt_loss_chart_has_series (chart, b_train));
  g_assert_true (pt_loss_chart_has_series (chart, a_eval));
  g_assert_true (pt_loss_chart_has_series (chart, b_eval));
  /* 100 + 5 evaluations and 60 + 3 */
  g_assert_cmpuint (pt_loss_chart_get_n_points (chart), ==, 100 + 5 + 60 + 3);
  pt_test_spin (300);
  shot = pt_test_screenshot (GTK_WIDGET (window), "runs-compare");

  /* a narrow window folds the page: the list, then the chart */
  {
    g_autofree char *narrow = NULL, *narrow_chart = NULL;
    gtk_window_set_default_size (GTK_WINDOW (window), 360, 760);
    pt_test_spin (300);
    g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (window)), <=, 400);
    narrow = pt_test_screenshot (GTK_WIDGET (window), "runs-narrow");
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "runs.show-chart", NULL));
    pt_test_spin (300);
    narrow_chart = pt_test_screenshot (GTK_WIDGET (window), "runs-narrow-chart");
    gtk_widget_activate_action (GTK_WIDGET (page), "runs.show-list", NULL);
    gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
    pt_test_spin (300);
  }

  /* unticking leaves one run's two series */
  pt_runs_page_set_compared (page, run_b, FALSE);
  g_assert_true (pt_test_wait_until (curves_loaded, NULL, 5000));
  g_assert_false (pt_loss_chart_has_series (chart, b_train));
  g_assert_cmpuint (pt_loss_chart_get_n_points (chart), ==, 105);
}

static void
resume_cb (PtRunsPage *p, const char *dir, char **out)
{
  g_free (*out);
  *out = g_strdup (dir);
}

/* Resume and export: the window wires them to the training controller;
 * switched off, the action does nothing. */
static void
test_resume_export (void)
{
  g_autofree char *requested = NULL;
  PtRunRow *rb = pt_runs_page_get_row (page, run_b);
  gulong id;

  /* the window wired the page to the training controller; this test
   * checks the page alone (the controller would try to resume the run) */
  g_signal_handlers_disconnect_matched (page, G_SIGNAL_MATCH_ID,
                                        g_signal_lookup ("resume-requested", PT_TYPE_RUNS_PAGE),
                                        0, NULL, NULL, NULL);
  id = g_signal_connect (page, "resume-requested", G_CALLBACK (resume_cb), &requested);
  /* a disabled action is found but does nothing */
  pt_runs_page_set_resume_available (page, FALSE);
  gtk_widget_activate_action (GTK_WIDGET (page), "runs.resume", "s", run_b);
  g_assert_null (requested);
  pt_runs_page_set_resume_available (page, TRUE);
  g_assert_true (pt_run_row_can_resume (rb));   /* failed after 60 steps */
  g_assert_false (pt_run_row_can_resume (pt_runs_page_get_row (page, run_a)));   /* finished */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "runs.resume", "s", run_b));
  g_assert_cmpstr (requested, ==, run_b);
  g_signal_handler_disconnect (page, id);
}

static gboolean
dialog_shown (gpointer data)
{
  GtkWidget **out = data;
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) w = g_list_model_get_item (toplevels, i);
      if (ADW_IS_MESSAGE_DIALOG (w) && gtk_widget_get_mapped (w))
        {
          *out = w;
          return TRUE;
        }
    }
  return FALSE;
}

static void
test_delete (void)
{
  GtkWidget *dialog = NULL;
  g_autofree char *shot = NULL;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "runs.delete", "s", run_b));
  g_assert_true (pt_test_wait_until (dialog_shown, &dialog, 5000));
  pt_test_spin (300);
  shot = pt_test_screenshot (dialog, "runs-delete-dialog");
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "delete");
  pt_test_spin (100);
  g_assert_false (g_file_test (run_b, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (pt_runs_page_get_n_runs (page), ==, 1);
  g_assert_null (pt_runs_page_get_row (page, run_b));
  g_assert_true (g_file_test (run_a, G_FILE_TEST_EXISTS));
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  /* runs live under $XDG_DATA_HOME/palitune/runs: a private one (before GLib reads it) */
  data_home = g_dir_make_tmp ("pt-runs-page-XXXXXX", &error);
  g_assert_no_error (error);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  gtk_test_init (&argc, &argv, NULL);

  app = pt_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_application_activate (G_APPLICATION (app));
  g_assert_true (pt_test_wait_until (window_mapped, app, 10000));
  window = PT_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  page = pt_window_get_runs_page (window);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);

  g_test_add_func ("/ui/runs/list-and-compare", test_runs);
  g_test_add_func ("/ui/runs/resume-export", test_resume_export);
  g_test_add_func ("/ui/runs/delete", test_delete);
  status = g_test_run ();

  gtk_window_destroy (GTK_WINDOW (window));
  pt_test_spin (50);
  g_clear_object (&app);
  g_assert_true (pt_rmtree (data_home, NULL));
  g_free (data_home);
  g_free (run_a);
  g_free (run_b);
  return status;
}
