/* pt-loss-chart.c — a live line chart of training metrics: the data half.
 * Drawing is in pt-loss-chart-draw.c. */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>                    /* isfinite, INFINITY */

#include "pt-loss-chart-private.h"

#define MAX_SERIES 64
#define REDRAW_INTERVAL_MS 33        /* appends redraw at most ~30 times a second */

G_DEFINE_FINAL_TYPE (PtLossChart, pt_loss_chart, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_TITLE,
  PROP_SMOOTH,
  PROP_SMOOTHING,
  PROP_LOG_Y,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Adwaita's palette (blue 3, orange 3, green 4, purple 3, red 3, yellow 5). */
static const char *const palette[] = {
  "#3584e4", "#ff7800", "#2ec27e", "#9141ac", "#e01b24", "#e5a50a",
};

static void
series_free (PtChartSeries *s)
{
  g_free (s->id);
  g_free (s->label);
  g_array_unref (s->xs);
  g_array_unref (s->ys);
  g_array_unref (s->smoothed);
  pt_series_reducer_free (s->raw_reducer);
  pt_series_reducer_free (s->smooth_reducer);
  g_free (s);
}

static void
marker_free (PtChartMarker *m)
{
  g_free (m->id);
  g_free (m->label);
  g_free (m);
}

static void
series_reset_stats (PtChartSeries *s)
{
  s->y_min = INFINITY;
  s->y_max = -INFINITY;
  s->y_min_pos = INFINITY;
  s->ema = 0;
  s->ema_norm = 0;
}

/* Folds point i into the range and the EMA: O(1). */
static void
series_take_point (PtChartSeries *s,
                   guint          i,
                   double         weight)
{
  double y = g_array_index (s->ys, double, i);
  double sm;

  s->y_min = MIN (s->y_min, y);
  s->y_max = MAX (s->y_max, y);
  if (y > 0)
    s->y_min_pos = MIN (s->y_min_pos, y);

  /* TensorBoard: ema = w·ema + (1-w)·y, divided by 1 - w^n so the first
   * points are not pulled towards 0 */
  s->ema = weight * s->ema + (1 - weight) * y;
  s->ema_norm = weight * s->ema_norm + (1 - weight);
  sm = s->ema_norm > 0 ? s->ema / s->ema_norm : y;
  g_array_append_val (s->smoothed, sm);
}

/* Recomputes the range and the smoothed values from scratch: O(n). */
static void
series_recompute (PtChartSeries *s,
                  double         weight)
{
  series_reset_stats (s);
  g_array_set_size (s->smoothed, 0);
  for (guint i = 0; i < s->ys->len; i++)
    series_take_point (s, i, weight);
  pt_series_reducer_reset (s->raw_reducer);
  pt_series_reducer_reset (s->smooth_reducer);
}

const double *
pt_chart_series_values (PtLossChart   *self,
                        PtChartSeries *s)
{
  if (self->smooth && s->style != PT_CHART_SERIES_POINTS)
    return (const double *) (gpointer) s->smoothed->data;
  return (const double *) (gpointer) s->ys->data;
}

static gboolean
redraw_cb (gpointer data)
{
  PtLossChart *self = data;

  self->redraw_id = 0;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  return G_SOURCE_REMOVE;
}

/* Coalesces the redraws that appends ask for. */
static void
queue_redraw (PtLossChart *self)
{
  if (self->redraw_id == 0)
    self->redraw_id = g_timeout_add (REDRAW_INTERVAL_MS, redraw_cb, self);
}

/* ---- public API ---- */

GtkWidget *
pt_loss_chart_new (void)
{
  return g_object_new (PT_TYPE_LOSS_CHART, NULL);
}

void
pt_loss_chart_add_series (PtLossChart        *self,
                          const char         *id,
                          const char         *label,
                          PtChartSeriesStyle  style,
                          const GdkRGBA      *color)
{
  PtChartSeries *s;

  g_return_if_fail (PT_IS_LOSS_CHART (self));
  g_return_if_fail (id != NULL);

  s = g_hash_table_lookup (self->series_by_id, id);
  if (s == NULL)
    {
      g_return_if_fail (self->series->len < MAX_SERIES);
      s = g_new0 (PtChartSeries, 1);
      s->id = g_strdup (id);
      s->xs = g_array_new (FALSE, FALSE, sizeof (double));
      s->ys = g_array_new (FALSE, FALSE, sizeof (double));
      s->smoothed = g_array_new (FALSE, FALSE, sizeof (double));
      s->raw_reducer = pt_series_reducer_new ();
      s->smooth_reducer = pt_series_reducer_new ();
      series_reset_stats (s);
      g_ptr_array_add (self->series, s);
      g_hash_table_insert (self->series_by_id, s->id, s);
    }
  g_free (s->label);
  s->label = g_strdup (label != NULL ? label : id);
  s->style = style;
  if (color != NULL)
    s->color = *color;
  else
    gdk_rgba_parse (&s->color, palette[self->n_colors_used++ % G_N_ELEMENTS (palette)]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
pt_loss_chart_has_series (PtLossChart *self,
                          const char  *id)
{
  g_return_val_if_fail (PT_IS_LOSS_CHART (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  return g_hash_table_contains (self->series_by_id, id);
}

void
pt_loss_chart_set_series_in_legend (PtLossChart *self,
                                    const char  *id,
                                    gboolean     in_legend)
{
  PtChartSeries *s;

  g_return_if_fail (PT_IS_LOSS_CHART (self));
  g_return_if_fail (id != NULL);

  s = g_hash_table_lookup (self->series_by_id, id);
  g_return_if_fail (s != NULL);
  s->hide_in_legend = !in_legend;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* Drops the points at and after x (binary search: xs is sorted). */
static void
series_truncate (PtLossChart   *self,
                 PtChartSeries *s,
                 double         x)
{
  const double *xs = (const double *) (gpointer) s->xs->data;
  guint lo = 0, hi = s->xs->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      if (xs[mid] < x)
        lo = mid + 1;
      else
        hi = mid;
    }
  self->n_points -= s->xs->len - lo;
  g_array_set_size (s->xs, lo);
  g_array_set_size (s->ys, lo);
  series_recompute (s, self->smoothing);
}

void
pt_loss_chart_append_many (PtLossChart  *self,
                           const char   *id,
                           const double *xs,
                           const double *ys,
                           guint         n)
{
  PtChartSeries *s;

  g_return_if_fail (PT_IS_LOSS_CHART (self));
  g_return_if_fail (id != NULL);
  g_return_if_fail (n == 0 || (xs != NULL && ys != NULL));

  s = g_hash_table_lookup (self->series_by_id, id);
  g_return_if_fail (s != NULL);

  for (guint i = 0; i < n; i++)
    {
      if (!isfinite (xs[i]) || !isfinite (ys[i]))
        continue;
      if (s->xs->len > 0 && xs[i] < g_array_index (s->xs, double, s->xs->len - 1))
        series_truncate (self, s, xs[i]);
      g_array_append_val (s->xs, xs[i]);
      g_array_append_val (s->ys, ys[i]);
      series_take_point (s, s->ys->len - 1, self->smoothing);
      self->n_points++;
    }
  queue_redraw (self);
}

void
pt_loss_chart_append (PtLossChart *self,
                      const char  *id,
                      double       x,
                      double       y)
{
  pt_loss_chart_append_many (self, id, &x, &y, 1);
}

void
pt_loss_chart_clear (PtLossChart *self)
{
  g_return_if_fail (PT_IS_LOSS_CHART (self));

  for (guint i = 0; i < self->series->len; i++)
    {
      PtChartSeries *s = self->series->pdata[i];
      g_array_set_size (s->xs, 0);
      g_array_set_size (s->ys, 0);
      series_recompute (s, self->smoothing);
    }
  g_ptr_array_set_size (self->markers, 0);
  self->n_points = 0;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
pt_loss_chart_remove_all_series (PtLossChart *self)
{
  g_return_if_fail (PT_IS_LOSS_CHART (self));

  g_hash_table_remove_all (self->series_by_id);
  g_ptr_array_set_size (self->series, 0);
  g_ptr_array_set_size (self->markers, 0);
  self->n_points = 0;
  self->n_colors_used = 0;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
pt_loss_chart_set_marker (PtLossChart *self,
                          const char  *id,
                          double       x,
                          const char  *label)
{
  PtChartMarker *m = NULL;

  g_return_if_fail (PT_IS_LOSS_CHART (self));
  g_return_if_fail (id != NULL);

  for (guint i = 0; i < self->markers->len && m == NULL; i++)
    if (g_str_equal (((PtChartMarker *) self->markers->pdata[i])->id, id))
      m = self->markers->pdata[i];
  if (m == NULL)
    {
      m = g_new0 (PtChartMarker, 1);
      m->id = g_strdup (id);
      g_ptr_array_add (self->markers, m);
    }
  m->x = x;
  g_free (m->label);
  m->label = g_strdup (label);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
pt_loss_chart_remove_marker (PtLossChart *self,
                             const char  *id)
{
  g_return_if_fail (PT_IS_LOSS_CHART (self));
  g_return_if_fail (id != NULL);

  for (guint i = 0; i < self->markers->len; i++)
    if (g_str_equal (((PtChartMarker *) self->markers->pdata[i])->id, id))
      {
        g_ptr_array_remove_index (self->markers, i);
        gtk_widget_queue_draw (GTK_WIDGET (self));
        return;
      }
}

void
pt_loss_chart_set_x_range (PtLossChart *self,
                           double       min,
                           double       max)
{
  g_return_if_fail (PT_IS_LOSS_CHART (self));

  self->fixed_x_min = min;
  self->fixed_x_max = max;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

const char *
pt_loss_chart_get_title (PtLossChart *self)
{
  g_return_val_if_fail (PT_IS_LOSS_CHART (self), NULL);

  return self->title;
}

void
pt_loss_chart_set_title (PtLossChart *self,
                         const char  *title)
{
  g_return_if_fail (PT_IS_LOSS_CHART (self));

  if (g_strcmp0 (self->title, title) != 0)
    {
      g_free (self->title);
      self->title = g_strdup (title);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      title != NULL ? title : "", -1);
      gtk_widget_queue_draw (GTK_WIDGET (self));
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
    }
}

gboolean
pt_loss_chart_get_smooth (PtLossChart *self)
{
  g_return_val_if_fail (PT_IS_LOSS_CHART (self), FALSE);

  return self->smooth;
}

void
pt_loss_chart_set_smooth (PtLossChart *self,
                          gboolean     smooth)
{
  g_return_if_fail (PT_IS_LOSS_CHART (self));

  smooth = !!smooth;
  if (smooth != self->smooth)
    {
      self->smooth = smooth;
      gtk_widget_queue_draw (GTK_WIDGET (self));
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SMOOTH]);
    }
}

double
pt_loss_chart_get_smoothing (PtLossChart *self)
{
  g_return_val_if_fail (PT_IS_LOSS_CHART (self), 0);

  return self->smoothing;
}

void
pt_loss_chart_set_smoothing (PtLossChart *self,
                             double       weight)
{
  g_return_if_fail (PT_IS_LOSS_CHART (self));

  weight = CLAMP (weight, 0, 0.999);
  if (weight != self->smoothing)
    {
      self->smoothing = weight;
      for (guint i = 0; i < self->series->len; i++)
        series_recompute (self->series->pdata[i], weight);
      gtk_widget_queue_draw (GTK_WIDGET (self));
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SMOOTHING]);
    }
}

gboolean
pt_loss_chart_get_log_y (PtLossChart *self)
{
  g_return_val_if_fail (PT_IS_LOSS_CHART (self), FALSE);

  return self->log_y;
}

void
pt_loss_chart_set_log_y (PtLossChart *self,
                         gboolean     log_y)
{
  g_return_if_fail (PT_IS_LOSS_CHART (self));

  log_y = !!log_y;
  if (log_y != self->log_y)
    {
      self->log_y = log_y;
      gtk_widget_queue_draw (GTK_WIDGET (self));
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOG_Y]);
    }
}

guint
pt_loss_chart_get_n_points (PtLossChart *self)
{
  g_return_val_if_fail (PT_IS_LOSS_CHART (self), 0);

  return self->n_points;
}

guint
pt_loss_chart_get_n_points_drawn (PtLossChart *self)
{
  g_return_val_if_fail (PT_IS_LOSS_CHART (self), 0);

  return self->n_drawn;
}

void
pt_loss_chart_hover (PtLossChart *self,
                     double       x,
                     double       y)
{
  g_return_if_fail (PT_IS_LOSS_CHART (self));

  self->hovering = TRUE;
  self->hover_x = x;
  self->hover_y = y;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
pt_loss_chart_unhover (PtLossChart *self)
{
  g_return_if_fail (PT_IS_LOSS_CHART (self));

  if (self->hovering)
    {
      self->hovering = FALSE;
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

char *
pt_loss_chart_dup_hover_text (PtLossChart *self)
{
  g_autoptr(PangoLayout) text = NULL;
  PtChartLayout layout;
  PtChartHover hover;
  int w, h;

  g_return_val_if_fail (PT_IS_LOSS_CHART (self), NULL);

  w = gtk_widget_get_width (GTK_WIDGET (self));
  h = gtk_widget_get_height (GTK_WIDGET (self));
  if (!self->hovering || w <= 0 || h <= 0)
    return NULL;
  text = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
  pt_loss_chart_compute_layout (self, text, w, h, &layout);
  pt_loss_chart_compute_hover (self, &layout, &hover);
  return hover.active ? pt_loss_chart_hover_text (self, &hover, FALSE) : NULL;
}

/* ---- GtkWidget ---- */

static void
motion_cb (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           PtLossChart              *self)
{
  pt_loss_chart_hover (self, x, y);
}

static void
leave_cb (GtkEventControllerMotion *controller,
          PtLossChart              *self)
{
  pt_loss_chart_unhover (self);
}

static void
pt_loss_chart_snapshot (GtkWidget   *widget,
                        GtkSnapshot *snapshot)
{
  pt_loss_chart_draw (PT_LOSS_CHART (widget), snapshot,
                      gtk_widget_get_width (widget), gtk_widget_get_height (widget));
}

static void
pt_loss_chart_measure (GtkWidget      *widget,
                       GtkOrientation  orientation,
                       int             for_size,
                       int            *minimum,
                       int            *natural,
                       int            *minimum_baseline,
                       int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 160;
      *natural = 480;
    }
  else
    {
      *minimum = 140;
      *natural = 260;
    }
}

static void
pt_loss_chart_dispose (GObject *object)
{
  PtLossChart *self = PT_LOSS_CHART (object);

  g_clear_handle_id (&self->redraw_id, g_source_remove);
  G_OBJECT_CLASS (pt_loss_chart_parent_class)->dispose (object);
}

static void
pt_loss_chart_finalize (GObject *object)
{
  PtLossChart *self = PT_LOSS_CHART (object);

  g_clear_pointer (&self->series_by_id, g_hash_table_unref);
  g_clear_pointer (&self->series, g_ptr_array_unref);
  g_clear_pointer (&self->markers, g_ptr_array_unref);
  g_clear_pointer (&self->title, g_free);
  G_OBJECT_CLASS (pt_loss_chart_parent_class)->finalize (object);
}

static void
pt_loss_chart_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  PtLossChart *self = PT_LOSS_CHART (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    case PROP_SMOOTH:
      g_value_set_boolean (value, self->smooth);
      break;
    case PROP_SMOOTHING:
      g_value_set_double (value, self->smoothing);
      break;
    case PROP_LOG_Y:
      g_value_set_boolean (value, self->log_y);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pt_loss_chart_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  PtLossChart *self = PT_LOSS_CHART (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      pt_loss_chart_set_title (self, g_value_get_string (value));
      break;
    case PROP_SMOOTH:
      pt_loss_chart_set_smooth (self, g_value_get_boolean (value));
      break;
    case PROP_SMOOTHING:
      pt_loss_chart_set_smoothing (self, g_value_get_double (value));
      break;
    case PROP_LOG_Y:
      pt_loss_chart_set_log_y (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pt_loss_chart_class_init (PtLossChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pt_loss_chart_dispose;
  object_class->finalize = pt_loss_chart_finalize;
  object_class->get_property = pt_loss_chart_get_property;
  object_class->set_property = pt_loss_chart_set_property;

  widget_class->snapshot = pt_loss_chart_snapshot;
  widget_class->measure = pt_loss_chart_measure;

  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SMOOTH] =
    g_param_spec_boolean ("smooth", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SMOOTHING] =
    g_param_spec_double ("smoothing", NULL, NULL, 0, 0.999, 0.6,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOG_Y] =
    g_param_spec_boolean ("log-y", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "losschart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
pt_loss_chart_init (PtLossChart *self)
{
  GtkEventController *motion = gtk_event_controller_motion_new ();

  self->series = g_ptr_array_new_with_free_func ((GDestroyNotify) series_free);
  self->series_by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->markers = g_ptr_array_new_with_free_func ((GDestroyNotify) marker_free);
  self->smoothing = 0.6;

  g_signal_connect (motion, "motion", G_CALLBACK (motion_cb), self);
  g_signal_connect (motion, "leave", G_CALLBACK (leave_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);
}
