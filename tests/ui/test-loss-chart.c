/* test-loss-chart.c — a chart with 50,000 steps: append cost, reduction,
 * smoothing, log axis, marker, hover; screenshots of each view. */
#include "config.h"

#include <math.h>
#include <string.h>          /* memset */

#include "pt-loss-chart.h"
#include "pt-run.h"          /* pt_rmtree */
#include "pt-test-training.h" /* pt_test_feed_training_view */
#include "pt-test-ui.h"
#include "pt-train-page.h"

#define N_STEPS 50000

typedef struct {
  GtkWindow   *window;
  PtLossChart *chart;
} Fixture;

static gboolean
mapped (gpointer data)
{
  return gtk_widget_get_mapped (data) && gtk_widget_get_width (data) > 0;
}

/* Draws one frame now and returns. */
static void
draw_frame (Fixture *f)
{
  gtk_widget_queue_draw (GTK_WIDGET (f->chart));
  pt_test_spin (60);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->window = GTK_WINDOW (gtk_window_new ());
  f->chart = PT_LOSS_CHART (pt_loss_chart_new ());
  gtk_window_set_default_size (f->window, 900, 500);
  gtk_window_set_child (f->window, GTK_WIDGET (f->chart));
  gtk_window_present (f->window);
  g_assert_true (pt_test_wait_until (mapped, f->chart, 10000));
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  gtk_window_destroy (f->window);
}

static void
test_empty (Fixture *f, gconstpointer data)
{
  g_autofree char *path = NULL;

  pt_loss_chart_set_title (f->chart, "Loss");
  pt_loss_chart_add_series (f->chart, "train", "Training loss", PT_CHART_SERIES_AREA, NULL);
  draw_frame (f);
  g_assert_cmpuint (pt_loss_chart_get_n_points_drawn (f->chart), ==, 0);
  path = pt_test_screenshot (GTK_WIDGET (f->window), "chart-empty");
}

static void
fill (Fixture *f)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_autofree double *xs = g_new (double, N_STEPS);
  g_autofree double *ys = g_new (double, N_STEPS);
  gint64 t0;
  double us;

  pt_loss_chart_set_title (f->chart, "Loss");
  pt_loss_chart_add_series (f->chart, "train", "Training loss", PT_CHART_SERIES_AREA, NULL);
  pt_loss_chart_add_series (f->chart, "val", "Validation loss", PT_CHART_SERIES_POINTS, NULL);
  for (guint i = 0; i < N_STEPS; i++)
    {
      xs[i] = i + 1;
      ys[i] = 0.35 + 2.6 * exp (-(double) i / 6000) + 0.12 * (g_rand_double (rand) - 0.5) * (1 + exp (-(double) i / 8000))
              + (g_rand_int_range (rand, 0, 2000) == 0 ? 1.0 : 0);
    }

  /* one point at a time, as the trainer delivers them */
  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < N_STEPS; i++)
    pt_loss_chart_append (f->chart, "train", xs[i], ys[i]);
  us = (double) (g_get_monotonic_time () - t0);
  g_test_message ("appended %d points in %.1f ms (%.3f µs per point)", N_STEPS, us / 1000, us / N_STEPS);
  g_assert_cmpfloat (us / N_STEPS, <, 50);   /* generous: cheap is < 1 µs */

  for (guint s = 2500; s <= N_STEPS; s += 2500)
    pt_loss_chart_append (f->chart, "val", s, 0.42 + 2.4 * exp (-(double) s / 6500) + 0.02 * sin (s));
  pt_loss_chart_set_marker (f->chart, "best", 37500, "best");
  g_assert_cmpuint (pt_loss_chart_get_n_points (f->chart), ==, N_STEPS + 20);
}

static void
test_full (Fixture *f, gconstpointer data)
{
  g_autofree char *p1 = NULL, *p2 = NULL, *p3 = NULL, *p4 = NULL;
  g_autofree char *text = NULL;
  guint drawn, width;
  gint64 t0;

  fill (f);
  draw_frame (f);
  drawn = pt_loss_chart_get_n_points_drawn (f->chart);
  width = gtk_widget_get_width (GTK_WIDGET (f->chart));
  g_test_message ("raw view: %u of %u points drawn at %u px", drawn, N_STEPS + 20, width);
  g_assert_cmpuint (drawn, >, width);               /* the line covers the plot */
  g_assert_cmpuint (drawn, <=, 4 * width + 20);     /* ≤ 4 per column + the evaluations */
  p1 = pt_test_screenshot (GTK_WIDGET (f->window), "chart-raw");

  /* a redraw with nothing new costs no reduction work: time a few */
  t0 = g_get_monotonic_time ();
  for (int i = 0; i < 5; i++)
    {
      g_autofree char *unused = pt_test_screenshot (GTK_WIDGET (f->window), "chart-redraw");
    }
  g_test_message ("5 redraws + screenshots: %.1f ms", (g_get_monotonic_time () - t0) / 1000.0);

  /* smoothing: raw faint + smoothed bold, twice the lines */
  pt_loss_chart_set_smooth (f->chart, TRUE);
  pt_loss_chart_set_smoothing (f->chart, 0.95);
  draw_frame (f);
  g_assert_cmpuint (pt_loss_chart_get_n_points_drawn (f->chart), >, drawn);
  p2 = pt_test_screenshot (GTK_WIDGET (f->window), "chart-smoothed");

  /* logarithmic y */
  pt_loss_chart_set_log_y (f->chart, TRUE);
  draw_frame (f);
  p3 = pt_test_screenshot (GTK_WIDGET (f->window), "chart-log");

  /* hover in the middle of the plot: the read-out names the step and values */
  pt_loss_chart_hover (f->chart, width * 0.5, 250);
  text = pt_loss_chart_dup_hover_text (f->chart);
  g_assert_nonnull (text);
  g_test_message ("hover: %s", text);
  g_assert_true (g_str_has_prefix (text, "Step "));
  g_assert_nonnull (strstr (text, "Training loss"));
  g_assert_nonnull (strstr (text, "(raw "));
  g_assert_nonnull (strstr (text, "Validation loss"));
  draw_frame (f);
  p4 = pt_test_screenshot (GTK_WIDGET (f->window), "chart-hover");

  pt_loss_chart_unhover (f->chart);
  g_clear_pointer (&text, g_free);
  g_assert_null (pt_loss_chart_dup_hover_text (f->chart));
}

/* The hover read-out is the nearest point's exact value. */
static void
test_hover_exact (Fixture *f, gconstpointer data)
{
  g_autofree char *text = NULL;
  const double xs[] = { 0, 10, 20, 30, 40 };
  const double ys[] = { 4, 3, 2.5, 1.25, 1 };
  guint width;

  pt_loss_chart_add_series (f->chart, "a", "A", PT_CHART_SERIES_LINE, NULL);
  pt_loss_chart_append_many (f->chart, "a", xs, ys, G_N_ELEMENTS (xs));
  pt_loss_chart_set_x_range (f->chart, 0, 40);
  draw_frame (f);
  g_assert_cmpuint (pt_loss_chart_get_n_points_drawn (f->chart), ==, 5);

  /* the plot spans most of the width: 30 is at about 3/4 */
  width = gtk_widget_get_width (GTK_WIDGET (f->chart));
  pt_loss_chart_hover (f->chart, width * 0.74, 250);
  text = pt_loss_chart_dup_hover_text (f->chart);
  g_assert_cmpstr (text, ==, "Step 30\nA  1.25");

  /* appending an earlier step drops the later ones (a resumed run) */
  pt_loss_chart_append (f->chart, "a", 25, 2);
  g_assert_cmpuint (pt_loss_chart_get_n_points (f->chart), ==, 4);
  g_clear_pointer (&text, g_free);
  text = pt_loss_chart_dup_hover_text (f->chart);
  g_assert_cmpstr (text, ==, "Step 25\nA  2");
  /* non-finite values are ignored */
  pt_loss_chart_append (f->chart, "a", 26, NAN);
  g_assert_cmpuint (pt_loss_chart_get_n_points (f->chart), ==, 4);
}

/* The Train page's live view as the integration round will drive it:
 * every chart fed through its public API, progress and the step line. */
static void
test_training_view (void)
{
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());
  PtTrainPage *page = PT_TRAIN_PAGE (pt_train_page_new ());
  PtTrainingView *view = pt_train_page_get_training_view (page);
  const guint total = 1200, done = 700, warmup = 20;
  g_autofree char *path = NULL;

  gtk_window_set_default_size (window, 1200, 800);
  gtk_window_set_child (window, GTK_WIDGET (page));
  gtk_window_present (window);
  g_assert_true (pt_test_wait_until (mapped, view, 10000));

  /* 700 steps of a run as the trainer reports them, in batches as the session delivers them */
  {
    g_autofree char *dir = g_dir_make_tmp ("pt-view-XXXXXX", NULL);

    pt_test_feed_training_view (view, done, total, warmup, 4, TRUE, dir);
    pt_training_view_set_session_ready (view, TRUE);
    pt_training_view_set_state (view, PT_TRAINING_RUNNING);
    pt_training_view_set_status (view, "Training…");
    g_assert_false (pt_training_view_get_can_start (view));
    g_assert_cmpint (pt_training_view_get_best_step (view), ==, 700);
    g_assert_cmpfloat_with_epsilon (pt_training_view_get_progress (view), 700.0 / 1200, 1e-9);
    g_assert_true (g_str_has_prefix (pt_training_view_get_step_line (view), "step 700/1200 | loss "));
    g_assert_cmpstr (pt_step_breakdown_get_text (pt_training_view_get_breakdown (view)), ==,
                     "data 120 ms · forward 2450 ms · backward 4480 ms · optimiser 362 ms");
    g_assert_cmpuint (pt_eval_samples_get_n_samples (pt_training_view_get_eval_samples (view)), ==, 4);
    g_assert_cmpuint (pt_eval_samples_get_n_correct (pt_training_view_get_eval_samples (view)), ==, 3);
    /* every step reached the per-step charts */
    g_assert_cmpuint (pt_loss_chart_get_n_points (pt_training_view_get_chart (view, "lr")), ==, done);
    g_assert_cmpuint (pt_loss_chart_get_n_points (pt_training_view_get_chart (view, "memory")), ==, done);
    g_assert_cmpuint (pt_loss_chart_get_n_points (pt_training_view_get_chart (view, "accuracy")), ==, 14);
    pt_test_spin (300);   /* the thumbnails decode in worker threads */
    path = pt_test_screenshot (GTK_WIDGET (window), "train-live");
    pt_rmtree (dir, NULL);
  }

  pt_training_view_set_state (view, PT_TRAINING_PAUSED);
  g_assert_true (pt_training_view_get_can_start (view));   /* Resume */
  pt_training_view_clear (view);
  g_assert_cmpuint (pt_loss_chart_get_n_points (pt_training_view_get_chart (view, "loss")), ==, 0);
  gtk_window_destroy (window);
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  pt_test_init_widgets ();
  g_test_add ("/ui/loss-chart/empty", Fixture, NULL, fixture_setup, test_empty, fixture_teardown);
  g_test_add ("/ui/loss-chart/full", Fixture, NULL, fixture_setup, test_full, fixture_teardown);
  g_test_add ("/ui/loss-chart/hover-exact", Fixture, NULL, fixture_setup, test_hover_exact, fixture_teardown);
  g_test_add_func ("/ui/loss-chart/training-view", test_training_view);
  return g_test_run ();
}
