/* pt-loss-chart-private.h — the chart's data, shared by its model and drawing halves. */
#pragma once

#include "pt-chart-axis.h"
#include "pt-loss-chart.h"
#include "pt-series-reduce.h"

G_BEGIN_DECLS

typedef struct {
  char               *id;
  char               *label;
  PtChartSeriesStyle  style;
  GdkRGBA             color;
  gboolean            hide_in_legend;  /* e.g. a run's evaluations, the same colour as its line */

  GArray             *xs;          /* of double */
  GArray             *ys;          /* of double: the raw values */
  GArray             *smoothed;    /* of double: debiased EMA of ys */
  double              ema;         /* EMA state at the last point */
  double              ema_norm;    /* 1 - weight^n: the debiasing divisor */

  /* the range of ys, kept as points arrive */
  double              y_min, y_max;
  double              y_min_pos;   /* the smallest positive y (log axis); INFINITY if none */

  PtSeriesReducer    *raw_reducer;
  PtSeriesReducer    *smooth_reducer;
} PtChartSeries;

typedef struct {
  char   *id;
  double  x;
  char   *label;
} PtChartMarker;

struct _PtLossChart
{
  GtkWidget   parent_instance;

  GPtrArray  *series;          /* of PtChartSeries*, in legend order */
  GHashTable *series_by_id;    /* id → PtChartSeries* */
  GPtrArray  *markers;         /* of PtChartMarker* */
  guint       n_colors_used;

  char       *title;
  gboolean    smooth;
  double      smoothing;
  gboolean    log_y;
  double      fixed_x_min, fixed_x_max;   /* fixed when max > min */

  guint       redraw_id;       /* the coalescing timeout */
  guint       n_points;
  guint       n_drawn;

  gboolean    hovering;
  double      hover_x, hover_y;
};

/* Where everything goes for one size: the plot rectangle, the axes, ticks. */
typedef struct {
  graphene_rect_t plot;
  PtChartAxis     x, y;
  gboolean        empty;
  double          header_h;
  double          x_ticks[PT_CHART_AXIS_MAX_TICKS];
  guint           n_x_ticks;
  double          x_step;
  double          y_ticks[PT_CHART_AXIS_MAX_TICKS];
  guint           n_y_ticks;
  double          y_step;
} PtChartLayout;

/* The points nearest the pointer. */
typedef struct {
  gboolean active;
  double   x;                 /* the step the crosshair snaps to */
  int      nearest_series;    /* the series closest to the pointer on screen */
  guint    index[64];         /* per series: the nearest point, G_MAXUINT if none */
} PtChartHover;

/* pt-loss-chart.c */
const double *pt_chart_series_values   (PtLossChart *self, PtChartSeries *s);

/* pt-loss-chart-draw.c */
void  pt_loss_chart_compute_layout     (PtLossChart *self, PangoLayout *text, int width, int height,
                                        PtChartLayout *layout);
void  pt_loss_chart_compute_hover      (PtLossChart *self, const PtChartLayout *layout,
                                        PtChartHover *hover);
char *pt_loss_chart_hover_text         (PtLossChart *self, const PtChartHover *hover, gboolean markup);
void  pt_loss_chart_draw               (PtLossChart *self, GtkSnapshot *snapshot, int width, int height);

G_END_DECLS
