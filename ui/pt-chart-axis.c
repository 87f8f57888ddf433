/* pt-chart-axis.c — maps a value range into 0..1, picks and formats ticks. */
#include "config.h"

#include <math.h>          /* log10, pow, floor, ceil, round, isfinite */
#include <string.h>        /* strchr, strlen */

#include "pt-chart-axis.h"

void
pt_chart_axis_set (PtChartAxis *axis,
                   double       min,
                   double       max,
                   gboolean     log)
{
  g_return_if_fail (axis != NULL);

  if (min > max)
    {
      double t = min;
      min = max;
      max = t;
    }
  axis->min = min;
  axis->max = max;
  axis->log = log && min > 0 && max > 0;
  axis->lo = axis->log ? log10 (min) : min;
  axis->hi = axis->log ? log10 (max) : max;
}

double
pt_chart_axis_map (const PtChartAxis *axis,
                   double             value)
{
  double v;

  if (!isfinite (value))
    return NAN;
  if (axis->log)
    {
      if (value <= 0)
        return NAN;
      v = log10 (value);
    }
  else
    v = value;
  if (!(axis->hi > axis->lo))    /* an empty range: the middle */
    return 0.5;
  return (v - axis->lo) / (axis->hi - axis->lo);
}

double
pt_chart_axis_unmap (const PtChartAxis *axis,
                     double             t)
{
  double v = axis->hi > axis->lo ? axis->lo + t * (axis->hi - axis->lo) : axis->lo;

  return axis->log ? pow (10, v) : v;
}

double
pt_chart_nice_ceil (double value)
{
  static const double mantissas[] = { 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10 };
  double p;

  if (!(value > 0) || !isfinite (value))
    return 1;
  p = pow (10, floor (log10 (value)));
  for (guint i = 0; i < G_N_ELEMENTS (mantissas); i++)
    if (mantissas[i] * p >= value * (1 - 1e-12))
      return mantissas[i] * p;
  return 10 * p;
}

static double
count_ticks (double min, double max, double step)
{
  return floor (max / step + 1e-9) - ceil (min / step - 1e-9) + 1;
}

static guint
linear_ticks (double min, double max, guint max_ticks, double min_step, double *ticks)
{
  static const double mantissas[] = { 1, 2, 5 };
  double span = max - min;
  double p, step = 0;
  double first;
  guint n = 0;

  if (!(span > 0))
    {
      ticks[0] = min;
      return 1;
    }
  /* the finest 1, 2, 5 × 10^k step that gives no more than max_ticks */
  p = pow (10, floor (log10 (span / max_ticks)));
  for (guint k = 0; step == 0; k++)
    {
      double candidate = mantissas[k % 3] * p * pow (10, k / 3);
      if ((min_step <= 0 || candidate >= min_step * (1 - 1e-9))
          && count_ticks (min, max, candidate) <= max_ticks)
        step = candidate;
    }
  first = ceil (min / step - 1e-9) * step;
  while (n < max_ticks && first + n * step <= max + step * 1e-9)
    {
      double v = first + n * step;
      ticks[n++] = fabs (v) < step * 1e-9 ? 0 : v;   /* no "-0" */
    }
  return n;
}

guint
pt_chart_axis_ticks (const PtChartAxis *axis,
                     guint              max_ticks,
                     double             min_step,
                     double            *ticks)
{
  g_return_val_if_fail (axis != NULL && ticks != NULL, 0);

  max_ticks = CLAMP (max_ticks, 1, PT_CHART_AXIS_MAX_TICKS);
  if (axis->log)
    {
      int d0 = (int) ceil (axis->lo - 1e-9);
      int d1 = (int) floor (axis->hi + 1e-9);
      int decades = d1 - d0 + 1;
      guint n = 0;

      if (decades >= 2)
        {
          /* powers of ten, every k-th when there are too many */
          int every = (decades + (int) max_ticks - 1) / (int) max_ticks;
          for (int d = d0; d <= d1 && n < max_ticks; d += every)
            ticks[n++] = pow (10, d);
          return n;
        }
      /* a short range: 1, 2, 5 × 10^k inside it */
      for (int d = (int) floor (axis->lo) ; d <= (int) ceil (axis->hi) && n < max_ticks; d++)
        {
          static const double m[] = { 1, 2, 5 };
          for (guint i = 0; i < G_N_ELEMENTS (m) && n < max_ticks; i++)
            {
              double v = m[i] * pow (10, d);
              if (v >= axis->min * (1 - 1e-9) && v <= axis->max * (1 + 1e-9))
                ticks[n++] = v;
            }
        }
      if (n >= 2)
        return n;
      /* still fewer than two: plain round numbers, placed logarithmically */
    }
  return linear_ticks (axis->min, axis->max, max_ticks, min_step, ticks);
}

/* Decimals that show step (and so every multiple of it) exactly, up to max. */
static int
decimals_for (double step, int max)
{
  int d = MAX (0, (int) ceil (-log10 (step) - 1e-9));

  while (d < max)
    {
      double scaled = step * pow (10, d);
      if (fabs (scaled - round (scaled)) < 1e-6 * scaled)
        break;
      d++;
    }
  return MIN (d, max);
}

char *
pt_chart_format_tick (double value,
                      double step)
{
  double a = fabs (value);
  int decimals;

  if (value == 0)
    return g_strdup ("0");
  if (!isfinite (value))
    return g_strdup ("–");
  if (step <= 0)
    step = a;

  if (a >= 1000 && step >= 1000)
    {
      static const char *const suffix[] = { "k", "M", "G", "T" };
      double unit = 1000;
      guint s = 0;
      while (s + 1 < G_N_ELEMENTS (suffix) && a >= unit * 1000)
        {
          unit *= 1000;
          s++;
        }
      decimals = decimals_for (step / unit, 3);
      return g_strdup_printf ("%.*f%s", decimals, value / unit, suffix[s]);
    }
  if (a < 1e-3 || step < 1e-4)
    {
      /* scientific, with a short exponent: 2e-5, 1.5e-4 */
      int e = (int) floor (log10 (a) + 1e-9);
      double mant = value / pow (10, e);
      decimals = decimals_for (step / pow (10, e), 3);
      if (fabs (mant) >= 10 - 0.5 * pow (10, -decimals))   /* rounding overflow: 9.99 → 10 */
        {
          e++;
          mant /= 10;
        }
      {
        /* trailing zeros go: 1e-5, 1.5e-5, 2e-5 (not 1.0e-5 next to 5e-6) */
        g_autofree char *m = g_strdup_printf ("%.*f", decimals, mant);
        char *end = m + strlen (m);
        if (strchr (m, '.') != NULL || strchr (m, ',') != NULL)
          {
            while (end > m && end[-1] == '0')
              *--end = '\0';
            if (end > m && (end[-1] == '.' || end[-1] == ','))
              *--end = '\0';
          }
        return g_strdup_printf ("%se%d", m, e);
      }
    }
  decimals = decimals_for (step, 6);
  return g_strdup_printf ("%.*f", decimals, value);
}
