/* pt-chart-axis.h — maps a value range into 0..1, picks and formats ticks.
 *
 * Sysprof's SysprofAxis, as a plain struct: linear or base-10 logarithmic,
 * guarding an empty range (min == max maps everything to the middle).
 * No GTK here.
 */
#pragma once

#include <glib.h>   /* gboolean, guint */

G_BEGIN_DECLS

#define PT_CHART_AXIS_MAX_TICKS 32

typedef struct {
  double   min, max;   /* the range in data units */
  gboolean log;        /* base-10 logarithmic: min and max must be > 0 */
  double   lo, hi;     /* the range in mapped units (log10 when log) */
} PtChartAxis;

/* When log is set and min or max is not positive, the axis falls back to
 * linear. min > max is swapped. */
void    pt_chart_axis_set         (PtChartAxis *axis, double min, double max, gboolean log);
/* value → 0..1 (outside the range: below 0 / above 1); NaN when the value
 * cannot be shown (not positive on a log axis, not finite). */
double  pt_chart_axis_map         (const PtChartAxis *axis, double value);
/* 0..1 → value: the inverse of map. */
double  pt_chart_axis_unmap       (const PtChartAxis *axis, double t);
/* Up to max_ticks (<= PT_CHART_AXIS_MAX_TICKS) round values inside the range,
 * increasing: multiples of 1, 2 or 5 × 10^k; on a log axis powers of ten
 * (and 2, 5 multiples when the range is short). min_step > 0 keeps linear
 * ticks at least that far apart (1 for whole numbers). Returns the count. */
guint   pt_chart_axis_ticks       (const PtChartAxis *axis, guint max_ticks, double min_step,
                                   double *ticks);

/* A tick label: as many decimals as step needs ("0.25", "3", "2e-5"); with
 * a step of 1000 or more, "12k", "1.5M". */
char   *pt_chart_format_tick      (double value, double step);
/* The smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k that is >= value
 * (value > 0). Used to grow an automatic range in steps, not per point. */
double  pt_chart_nice_ceil        (double value);

G_END_DECLS
