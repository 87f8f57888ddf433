/* test-chart-math.c — the chart's pure parts: the min/max-per-column
 * reduction against brute force, the axis mapping, ticks and labels.
 * Needs no display. */
#include "config.h"

#include <math.h>
#include <locale.h>        /* setlocale */

#include "pt-chart-axis.h"
#include "pt-series-reduce.h"

/* A noisy decaying loss over steps 1..n, with a few spikes. */
static void
make_series (guint n, guint32 seed, double **xs, double **ys)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);

  *xs = g_new (double, n);
  *ys = g_new (double, n);
  for (guint i = 0; i < n; i++)
    {
      (*xs)[i] = i + 1;
      (*ys)[i] = 2.5 * exp (-(double) i / (n / 5.0)) + 0.3 + g_rand_double_range (rand, -0.2, 0.2);
      if (g_rand_int_range (rand, 0, 1000) == 0)
        (*ys)[i] += 3;
    }
}

/* Every column's smallest and largest y appear among the kept points of that
 * column, the column's first and last point are kept, indices increase. */
static void
check_reduction (const double *xs, const double *ys, guint n, double x0, double x1,
                 guint columns, const guint *idx, guint n_idx)
{
  g_autofree double *lo = g_new (double, columns);
  g_autofree double *hi = g_new (double, columns);
  g_autofree guint *first = g_new (guint, columns);
  g_autofree guint *last = g_new (guint, columns);
  g_autofree gboolean *seen_lo = g_new0 (gboolean, columns);
  g_autofree gboolean *seen_hi = g_new0 (gboolean, columns);
  g_autofree gboolean *kept = g_new0 (gboolean, n);

  for (guint c = 0; c < columns; c++)
    {
      lo[c] = INFINITY;
      hi[c] = -INFINITY;
      first[c] = G_MAXUINT;
    }
  /* brute force, with the column computed independently of the reducer */
  for (guint i = 0; i < n; i++)
    {
      double f = (xs[i] - x0) / (x1 - x0) * columns;
      guint c = f <= 0 ? 0 : f >= columns ? columns - 1 : (guint) f;
      lo[c] = MIN (lo[c], ys[i]);
      hi[c] = MAX (hi[c], ys[i]);
      if (first[c] == G_MAXUINT)
        first[c] = i;
      last[c] = i;
    }
  for (guint k = 0; k < n_idx; k++)
    {
      guint i = idx[k];
      guint c = pt_series_reduce_column (xs[i], x0, x1, columns);
      g_assert_cmpuint (i, <, n);
      if (k > 0)
        g_assert_cmpuint (idx[k - 1], <, i);
      kept[i] = TRUE;
      if (ys[i] == lo[c])
        seen_lo[c] = TRUE;
      if (ys[i] == hi[c])
        seen_hi[c] = TRUE;
    }
  for (guint c = 0; c < columns; c++)
    {
      if (first[c] == G_MAXUINT)
        continue;
      g_assert_true (seen_lo[c]);
      g_assert_true (seen_hi[c]);
      g_assert_true (kept[first[c]]);
      g_assert_true (kept[last[c]]);
    }
  g_assert_cmpuint (n_idx, <=, 4 * columns);
}

static void
test_short_is_exact (void)
{
  g_autoptr(PtSeriesReducer) r = pt_series_reducer_new ();
  g_autofree double *xs = NULL, *ys = NULL;
  const guint *idx;
  guint n_idx;

  make_series (256, 1, &xs, &ys);
  pt_series_reducer_update (r, xs, ys, 256, 0, 300, 800);
  idx = pt_series_reducer_get_indices (r, &n_idx);
  g_assert_cmpuint (n_idx, ==, 256);
  for (guint i = 0; i < n_idx; i++)
    g_assert_cmpuint (idx[i], ==, i);

  /* exactly four points to a column (x 1..256 over [1, 257) in 64 columns):
   * still all of them; five to a column: first/min/max/last */
  pt_series_reducer_update (r, xs, ys, 256, 1, 257, 64);
  idx = pt_series_reducer_get_indices (r, &n_idx);
  g_assert_cmpuint (n_idx, ==, 256);
  pt_series_reducer_update (r, xs, ys, 256, 1, 257, 32);
  idx = pt_series_reducer_get_indices (r, &n_idx);
  g_assert_cmpuint (n_idx, <=, 4 * 32);
  check_reduction (xs, ys, 256, 1, 257, 32, idx, n_idx);
}

static void
test_long_keeps_extremes (void)
{
  g_autoptr(PtSeriesReducer) r = pt_series_reducer_new ();
  g_autofree double *xs = NULL, *ys = NULL;
  const guint n = 100000;
  const guint widths[] = { 1, 7, 333, 640, 1500 };
  const guint *idx;
  guint n_idx;

  make_series (n, 2, &xs, &ys);
  for (guint w = 0; w < G_N_ELEMENTS (widths); w++)
    {
      gint64 t0 = g_get_monotonic_time ();
      pt_series_reducer_update (r, xs, ys, n, 0, n, widths[w]);
      idx = pt_series_reducer_get_indices (r, &n_idx);
      g_test_message ("%u points → %u kept in %u columns, %.2f ms", n, n_idx, widths[w],
                      (g_get_monotonic_time () - t0) / 1000.0);
      check_reduction (xs, ys, n, 0, n, widths[w], idx, n_idx);
    }

  /* a range narrower than the data: outside points fall into the edge columns */
  pt_series_reducer_update (r, xs, ys, n, 20000, 30000, 200);
  idx = pt_series_reducer_get_indices (r, &n_idx);
  check_reduction (xs, ys, n, 20000, 30000, 200, idx, n_idx);
}

/* Appending in chunks gives the same points as one pass over everything. */
static void
test_incremental_matches_full (void)
{
  g_autoptr(PtSeriesReducer) inc = pt_series_reducer_new ();
  g_autoptr(PtSeriesReducer) full = pt_series_reducer_new ();
  g_autofree double *xs = NULL, *ys = NULL;
  const guint n = 20000;
  const guint *a, *b;
  guint na, nb, done = 0, step = 1;

  make_series (n, 3, &xs, &ys);
  g_assert_true (pt_series_reducer_update (inc, xs, ys, 0, 0, n, 500));
  while (done < n)
    {
      done = MIN (n, done + step);
      step = step * 2 + 1;
      g_assert_false (pt_series_reducer_update (inc, xs, ys, done, 0, n, 500));
      pt_series_reducer_update (full, xs, ys, done, 0, n, 500);
      pt_series_reducer_reset (full);
      pt_series_reducer_update (full, xs, ys, done, 0, n, 500);
      a = pt_series_reducer_get_indices (inc, &na);
      b = pt_series_reducer_get_indices (full, &nb);
      g_assert_cmpuint (na, ==, nb);
      g_assert_cmpmem (a, na * sizeof (guint), b, nb * sizeof (guint));
    }
  /* a new width or range, or fewer points, starts over */
  g_assert_true (pt_series_reducer_update (inc, xs, ys, n, 0, n, 501));
  g_assert_true (pt_series_reducer_update (inc, xs, ys, n, 0, 2 * n, 501));
  g_assert_true (pt_series_reducer_update (inc, xs, ys, n / 2, 0, 2 * n, 501));
  a = pt_series_reducer_get_indices (inc, &na);
  check_reduction (xs, ys, n / 2, 0, 2 * n, 501, a, na);
}

static void
test_degenerate (void)
{
  g_autoptr(PtSeriesReducer) r = pt_series_reducer_new ();
  const double xs[] = { 5, 5, 5, 5, 5, 5 };
  const double ys[] = { 1, 3, -2, 7, 0, 1 };
  const guint *idx;
  guint n_idx;

  /* empty */
  pt_series_reducer_update (r, xs, ys, 0, 0, 10, 100);
  pt_series_reducer_get_indices (r, &n_idx);
  g_assert_cmpuint (n_idx, ==, 0);

  /* min == max range: one column, first/min/max/last */
  pt_series_reducer_update (r, xs, ys, 6, 5, 5, 100);
  idx = pt_series_reducer_get_indices (r, &n_idx);
  g_assert_cmpuint (n_idx, ==, 4);
  g_assert_cmpuint (idx[0], ==, 0);
  g_assert_cmpuint (idx[1], ==, 2);
  g_assert_cmpuint (idx[2], ==, 3);
  g_assert_cmpuint (idx[3], ==, 5);

  g_assert_cmpuint (pt_series_reduce_column (-1, 0, 10, 10), ==, 0);
  g_assert_cmpuint (pt_series_reduce_column (10, 0, 10, 10), ==, 9);
  g_assert_cmpuint (pt_series_reduce_column (9.99, 0, 10, 10), ==, 9);
  g_assert_cmpuint (pt_series_reduce_column (NAN, 0, 10, 10), ==, 0);
  g_assert_cmpuint (pt_series_reduce_column (3, 4, 4, 10), ==, 0);
}

static void
test_axis_map (void)
{
  PtChartAxis a;

  pt_chart_axis_set (&a, 2, 6, FALSE);
  g_assert_cmpfloat_with_epsilon (pt_chart_axis_map (&a, 2), 0, 1e-12);
  g_assert_cmpfloat_with_epsilon (pt_chart_axis_map (&a, 5), 0.75, 1e-12);
  g_assert_cmpfloat_with_epsilon (pt_chart_axis_unmap (&a, 0.75), 5, 1e-12);
  g_assert_true (isnan (pt_chart_axis_map (&a, NAN)));

  /* min == max: everything in the middle, no division by zero */
  pt_chart_axis_set (&a, 3, 3, FALSE);
  g_assert_cmpfloat (pt_chart_axis_map (&a, 3), ==, 0.5);
  g_assert_cmpfloat (pt_chart_axis_map (&a, 100), ==, 0.5);

  /* logarithmic: decades are equal steps; non-positive values cannot show */
  pt_chart_axis_set (&a, 0.01, 10, TRUE);
  g_assert_true (a.log);
  g_assert_cmpfloat_with_epsilon (pt_chart_axis_map (&a, 0.1), 1.0 / 3, 1e-12);
  g_assert_cmpfloat_with_epsilon (pt_chart_axis_unmap (&a, 2.0 / 3), 1, 1e-12);
  g_assert_true (isnan (pt_chart_axis_map (&a, 0)));
  g_assert_true (isnan (pt_chart_axis_map (&a, -1)));

  /* a log axis over non-positive values falls back to linear */
  pt_chart_axis_set (&a, 0, 10, TRUE);
  g_assert_false (a.log);
  /* swapped bounds */
  pt_chart_axis_set (&a, 6, 2, FALSE);
  g_assert_cmpfloat (a.min, ==, 2);
}

static void
test_axis_ticks (void)
{
  PtChartAxis a;
  double t[PT_CHART_AXIS_MAX_TICKS];
  guint n;

  pt_chart_axis_set (&a, 0.27, 2.83, FALSE);
  n = pt_chart_axis_ticks (&a, 6, 0, t);
  g_assert_cmpuint (n, ==, 5);
  g_assert_cmpfloat_with_epsilon (t[0], 0.5, 1e-12);
  g_assert_cmpfloat_with_epsilon (t[4], 2.5, 1e-12);

  /* never more than asked; whole steps when min_step is 1 */
  pt_chart_axis_set (&a, 0, 50000, FALSE);
  n = pt_chart_axis_ticks (&a, 8, 1, t);
  g_assert_cmpuint (n, <=, 8);
  g_assert_cmpfloat (t[1] - t[0], ==, 10000);
  pt_chart_axis_set (&a, 0, 3, FALSE);
  n = pt_chart_axis_ticks (&a, 20, 1, t);
  g_assert_cmpuint (n, ==, 4);
  g_assert_cmpfloat (t[1], ==, 1);

  /* crossing zero gives an exact 0 */
  pt_chart_axis_set (&a, -0.3, 0.3, FALSE);
  n = pt_chart_axis_ticks (&a, 7, 0, t);
  g_assert_cmpuint (n, ==, 7);
  g_assert_cmpfloat (t[3], ==, 0);
  g_assert_false (signbit (t[3]));

  /* log: decades, or 1-2-5 inside a short range */
  pt_chart_axis_set (&a, 0.005, 20, TRUE);
  n = pt_chart_axis_ticks (&a, 8, 0, t);
  g_assert_cmpuint (n, ==, 4);
  g_assert_cmpfloat_with_epsilon (t[0], 0.01, 1e-12);
  g_assert_cmpfloat_with_epsilon (t[3], 10, 1e-12);
  pt_chart_axis_set (&a, 0.3, 3, TRUE);
  n = pt_chart_axis_ticks (&a, 8, 0, t);
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpfloat_with_epsilon (t[0], 0.5, 1e-12);
  g_assert_cmpfloat_with_epsilon (t[2], 2, 1e-12);
  /* too short for 1-2-5: plain round numbers */
  pt_chart_axis_set (&a, 0.41, 0.59, TRUE);
  n = pt_chart_axis_ticks (&a, 5, 0, t);
  g_assert_cmpuint (n, >=, 2);
  g_assert_cmpfloat (t[0], >=, 0.41);

  /* empty range: one tick */
  pt_chart_axis_set (&a, 4, 4, FALSE);
  g_assert_cmpuint (pt_chart_axis_ticks (&a, 5, 0, t), ==, 1);
}

static void
test_format (void)
{
  static const struct { double value, step; const char *text; } cases[] = {
    { 0, 0.5, "0" },
    { 2.5, 0.5, "2.5" },
    { 3, 1, "3" },
    { 0.25, 0.05, "0.25" },
    { 0.2, 0.2, "0.2" },
    { 0.03, 0.01, "0.03" },
    { 20000, 10000, "20k" },
    { 15000, 5000, "15k" },
    { 2500, 500, "2500" },
    { 1500000, 500000, "1.5M" },
    { 2e-5, 1e-5, "2e-5" },
    { 1.5e-4, 5e-5, "1.5e-4" },
    { 1e-5, 5e-6, "1e-5" },
    { 5e-6, 5e-6, "5e-6" },
    { 9.99e-5, 1e-7, "9.99e-5" },
    { 0.001, 0.001, "0.001" },
    { -0.5, 0.5, "-0.5" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *s = pt_chart_format_tick (cases[i].value, cases[i].step);
      g_assert_cmpstr (s, ==, cases[i].text);
    }
  g_assert_cmpfloat (pt_chart_nice_ceil (49999), ==, 50000);
  g_assert_cmpfloat (pt_chart_nice_ceil (50001), ==, 60000);
  g_assert_cmpfloat (pt_chart_nice_ceil (1.1), ==, 1.2);
  g_assert_cmpfloat (pt_chart_nice_ceil (0), ==, 1);
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "C");
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ui/chart-axis/map", test_axis_map);
  g_test_add_func ("/ui/chart-axis/ticks", test_axis_ticks);
  g_test_add_func ("/ui/chart-axis/format", test_format);
  g_test_add_func ("/ui/series-reduce/short-is-exact", test_short_is_exact);
  g_test_add_func ("/ui/series-reduce/long-keeps-extremes", test_long_keeps_extremes);
  g_test_add_func ("/ui/series-reduce/incremental", test_incremental_matches_full);
  g_test_add_func ("/ui/series-reduce/degenerate", test_degenerate);
  return g_test_run ();
}
