/* pt-loss-chart.h — a live line chart of training metrics.
 *
 * Named series over an x axis of steps: lines (optionally filled below) and
 * points (evaluations). Appending a point is O(1); long series are reduced
 * to the first/last/min/max point of each pixel column when drawn
 * (pt-series-reduce.h), so 100,000 steps draw as a few thousand points.
 * Redraws after appends are coalesced to at most ~30 per second.
 *
 * Views: EMA smoothing (TensorBoard's debiased EMA: raw faint, smoothed
 * bold), a logarithmic y axis, vertical markers ("best checkpoint"), and a
 * hover read-out (crosshair and the values nearest the pointer).
 *
 * x values of one series must not decrease; appending an x smaller than the
 * series' last one first drops the points from that x on (a resumed run
 * replays the steps after its checkpoint). Non-finite y values are ignored.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef enum {
  PT_CHART_SERIES_LINE,    /* a line */
  PT_CHART_SERIES_AREA,    /* a line with a 25% fill below it */
  PT_CHART_SERIES_POINTS,  /* dots, e.g. one per evaluation */
} PtChartSeriesStyle;

#define PT_TYPE_LOSS_CHART (pt_loss_chart_get_type ())

G_DECLARE_FINAL_TYPE (PtLossChart, pt_loss_chart, PT, LOSS_CHART, GtkWidget)

GtkWidget  *pt_loss_chart_new                (void);

/* Adds (or restyles) the series `id`; label is what the legend and the
 * read-out show; color NULL picks the next of the palette. */
void        pt_loss_chart_add_series         (PtLossChart        *self,
                                              const char         *id,
                                              const char         *label,
                                              PtChartSeriesStyle  style,
                                              const GdkRGBA      *color);
gboolean    pt_loss_chart_has_series         (PtLossChart        *self,
                                              const char         *id);
/* Leaves series id out of the legend (it still shows in the read-out). */
void        pt_loss_chart_set_series_in_legend (PtLossChart      *self,
                                              const char         *id,
                                              gboolean            in_legend);
void        pt_loss_chart_append             (PtLossChart        *self,
                                              const char         *id,
                                              double              x,
                                              double              y);
void        pt_loss_chart_append_many        (PtLossChart        *self,
                                              const char         *id,
                                              const double       *xs,
                                              const double       *ys,
                                              guint               n);
/* Drops every point and marker; the series stay. */
void        pt_loss_chart_clear              (PtLossChart        *self);
/* Drops the series too (and restarts the palette). */
void        pt_loss_chart_remove_all_series  (PtLossChart        *self);

/* A vertical line at x labelled `label` (e.g. "best"); the same id moves it. */
void        pt_loss_chart_set_marker         (PtLossChart        *self,
                                              const char         *id,
                                              double              x,
                                              const char         *label);
void        pt_loss_chart_remove_marker      (PtLossChart        *self,
                                              const char         *id);

/* A fixed x range (e.g. 0..total steps); min >= max goes back to automatic
 * (0 or the first x, up to a round number past the last x). */
void        pt_loss_chart_set_x_range        (PtLossChart        *self,
                                              double              min,
                                              double              max);

const char *pt_loss_chart_get_title          (PtLossChart        *self);
void        pt_loss_chart_set_title          (PtLossChart        *self,
                                              const char         *title);
gboolean    pt_loss_chart_get_smooth         (PtLossChart        *self);
void        pt_loss_chart_set_smooth         (PtLossChart        *self,
                                              gboolean            smooth);
/* The EMA weight, 0 .. 0.999 (TensorBoard's slider; default 0.6). */
double      pt_loss_chart_get_smoothing      (PtLossChart        *self);
void        pt_loss_chart_set_smoothing      (PtLossChart        *self,
                                              double              weight);
gboolean    pt_loss_chart_get_log_y          (PtLossChart        *self);
void        pt_loss_chart_set_log_y          (PtLossChart        *self,
                                              gboolean            log_y);

/* Points stored, over all series. */
guint       pt_loss_chart_get_n_points       (PtLossChart        *self);
/* Points the last frame drew, over all series (after reduction). */
guint       pt_loss_chart_get_n_points_drawn (PtLossChart        *self);

/* What the pointer does: a read-out of the points nearest widget
 * coordinates (x, y). */
void        pt_loss_chart_hover              (PtLossChart        *self,
                                              double              x,
                                              double              y);
void        pt_loss_chart_unhover            (PtLossChart        *self);
/* The read-out as plain text ("Step 1200\nTraining loss 0.512 …"), or NULL
 * when nothing is hovered. */
char       *pt_loss_chart_dup_hover_text     (PtLossChart        *self);

G_END_DECLS
