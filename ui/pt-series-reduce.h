/* pt-series-reduce.h — what one pixel column of a long series shows.
 *
 * A chart of 100,000 training steps is a few hundred pixels wide. Drawing
 * every point costs O(n) cairo calls and paints the same pixels many times;
 * PtSeriesReducer keeps, for each pixel column, the first, last, smallest and
 * largest point (the "M4" reduction), which draws the same pixels as the full
 * line. A column that holds four points or fewer keeps all of them, so short
 * series come back exactly.
 *
 * The reduction is incremental: when only points were appended and the x
 * range and width did not change, an update costs O(new points); anything
 * else starts over in one O(n) pass. No GTK here.
 */
#pragma once

#include <glib.h>   /* guint, gboolean */

G_BEGIN_DECLS

typedef struct _PtSeriesReducer PtSeriesReducer;

PtSeriesReducer *pt_series_reducer_new         (void);
void             pt_series_reducer_free        (PtSeriesReducer *reducer);

/* Forgets everything (call when points other than the newest changed). */
void             pt_series_reducer_reset       (PtSeriesReducer *reducer);

/* Brings the reduction of xs/ys[0..n) over [x0, x1] in `columns` columns up
 * to date. xs must be non-decreasing and every value finite; points outside
 * [x0, x1] fall into the edge columns. Returns TRUE when it had to start over. */
gboolean         pt_series_reducer_update      (PtSeriesReducer *reducer,
                                                const double    *xs,
                                                const double    *ys,
                                                guint            n,
                                                double           x0,
                                                double           x1,
                                                guint            columns);

/* The kept point indices, increasing (drawing order); valid until the next
 * update or reset. */
const guint     *pt_series_reducer_get_indices (PtSeriesReducer *reducer,
                                                guint           *n_indices);

/* The column a value falls in: floor((x - x0) / (x1 - x0) * columns), clamped
 * to [0, columns - 1]; 0 when x1 <= x0. */
guint            pt_series_reduce_column       (double x, double x0, double x1, guint columns);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtSeriesReducer, pt_series_reducer_free)

G_END_DECLS
