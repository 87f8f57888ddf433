/* pt-series-reduce.c — what one pixel column of a long series shows. */
#include "config.h"

#include <math.h>               /* floor */

#include "pt-series-reduce.h"

typedef struct {
  guint first;   /* index of the column's first point; G_MAXUINT when empty */
  guint last;
  guint min;     /* index of its smallest y (the first one on ties) */
  guint max;     /* index of its largest y */
} Column;

struct _PtSeriesReducer
{
  /* what the columns describe */
  double  x0, x1;
  guint   n_columns;
  guint   n_done;        /* points folded into the columns so far */

  Column *columns;       /* (n_columns) */
  GArray *indices;       /* of guint: the output */
  gboolean indices_valid;
};

PtSeriesReducer *
pt_series_reducer_new (void)
{
  PtSeriesReducer *r = g_new0 (PtSeriesReducer, 1);

  r->indices = g_array_new (FALSE, FALSE, sizeof (guint));
  return r;
}

void
pt_series_reducer_free (PtSeriesReducer *reducer)
{
  if (reducer == NULL)
    return;
  g_free (reducer->columns);
  g_array_unref (reducer->indices);
  g_free (reducer);
}

void
pt_series_reducer_reset (PtSeriesReducer *reducer)
{
  g_return_if_fail (reducer != NULL);

  reducer->n_done = 0;
  reducer->n_columns = 0;
  reducer->indices_valid = FALSE;
  g_array_set_size (reducer->indices, 0);
}

guint
pt_series_reduce_column (double x,
                         double x0,
                         double x1,
                         guint  columns)
{
  double c;

  if (columns == 0 || !(x1 > x0))
    return 0;
  c = floor ((x - x0) / (x1 - x0) * columns);
  if (!(c > 0))          /* also NaN */
    return 0;
  if (c >= columns)
    return columns - 1;
  return (guint) c;
}

static void
start_over (PtSeriesReducer *r,
            double           x0,
            double           x1,
            guint            columns)
{
  if (columns != r->n_columns)
    {
      g_free (r->columns);
      r->columns = g_new (Column, columns);
    }
  for (guint c = 0; c < columns; c++)
    r->columns[c].first = G_MAXUINT;
  r->x0 = x0;
  r->x1 = x1;
  r->n_columns = columns;
  r->n_done = 0;
}

gboolean
pt_series_reducer_update (PtSeriesReducer *r,
                          const double    *xs,
                          const double    *ys,
                          guint            n,
                          double           x0,
                          double           x1,
                          guint            columns)
{
  gboolean restarted = FALSE;

  g_return_val_if_fail (r != NULL, FALSE);
  g_return_val_if_fail (n == 0 || (xs != NULL && ys != NULL), FALSE);

  if (columns == 0)
    columns = 1;
  if (columns != r->n_columns || x0 != r->x0 || x1 != r->x1 || n < r->n_done)
    {
      start_over (r, x0, x1, columns);
      restarted = TRUE;
    }
  if (n == r->n_done && r->indices_valid)
    return restarted;

  /* Fold the new points in: each touches one column, O(1). */
  for (guint i = r->n_done; i < n; i++)
    {
      Column *col = &r->columns[pt_series_reduce_column (xs[i], x0, x1, columns)];

      if (col->first == G_MAXUINT)
        {
          col->first = col->last = col->min = col->max = i;
          continue;
        }
      col->last = i;
      if (ys[i] < ys[col->min])
        col->min = i;
      if (ys[i] > ys[col->max])
        col->max = i;
    }
  r->n_done = n;

  /* Emit: every point of a small column, else first/min/max/last in order.
   * xs is sorted, so a column's points are the indices first..last. */
  g_array_set_size (r->indices, 0);
  for (guint c = 0; c < columns; c++)
    {
      const Column *col = &r->columns[c];
      guint keep[4];
      guint n_keep = 0;

      if (col->first == G_MAXUINT)
        continue;
      if (col->last - col->first < 4)
        {
          for (guint i = col->first; i <= col->last; i++)
            g_array_append_val (r->indices, i);
          continue;
        }
      keep[n_keep++] = col->first;
      keep[n_keep++] = MIN (col->min, col->max);
      keep[n_keep++] = MAX (col->min, col->max);
      keep[n_keep++] = col->last;
      for (guint k = 0; k < n_keep; k++)
        if (r->indices->len == 0 || g_array_index (r->indices, guint, r->indices->len - 1) < keep[k])
          g_array_append_val (r->indices, keep[k]);
    }
  r->indices_valid = TRUE;
  return restarted;
}

const guint *
pt_series_reducer_get_indices (PtSeriesReducer *reducer,
                               guint           *n_indices)
{
  g_return_val_if_fail (reducer != NULL, NULL);

  if (n_indices != NULL)
    *n_indices = reducer->indices_valid ? reducer->indices->len : 0;
  return reducer->indices_valid ? (const guint *) (gpointer) reducer->indices->data : NULL;
}
