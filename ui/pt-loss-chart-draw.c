/* pt-loss-chart-draw.c — a live line chart of training metrics: the drawing half.
 *
 * Sysprof's way: one cairo node per frame (gtk_snapshot_append_cairo), grid
 * and axis lines on pixel centres (floor () + .5), a series stroked and
 * then filled at 25%.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>                    /* floor, ceil, hypot, log10, pow, isfinite */
#include <string.h>                  /* memset */

#include "pt-loss-chart-private.h"

#define PAD 8.0
#define MARKER_COLOR "#26a269"       /* Adwaita green 5 */

static void
set_source (cairo_t       *cr,
            const GdkRGBA *color,
            double         alpha)
{
  cairo_set_source_rgba (cr, color->red, color->green, color->blue, color->alpha * alpha);
}

static PangoLayout *
small_layout (GtkWidget *widget)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, NULL);
  PangoAttrList *attrs = pango_attr_list_new ();

  pango_attr_list_insert (attrs, pango_attr_scale_new (PANGO_SCALE_SMALL));
  pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum=1"));
  pango_layout_set_attributes (layout, attrs);
  pango_attr_list_unref (attrs);
  return layout;
}

static void
text_size (PangoLayout *layout,
           const char  *text,
           int         *w,
           int         *h)
{
  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_size (layout, w, h);
}

static double
x_to_px (const PtChartLayout *l, double x)
{
  return l->plot.origin.x + l->plot.size.width * pt_chart_axis_map (&l->x, x);
}

static double
y_to_px (const PtChartLayout *l, double y)
{
  return l->plot.origin.y + l->plot.size.height * (1 - pt_chart_axis_map (&l->y, y));
}

/* ---- layout ---- */

/* A legend only says something when there are two series or more. */
static gboolean
has_legend (PtLossChart *self)
{
  return self->series->len > 1;
}

void
pt_loss_chart_compute_layout (PtLossChart   *self,
                              PangoLayout   *text,
                              int            width,
                              int            height,
                              PtChartLayout *l)
{
  double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
  double x0, x1, y0, y1;
  gboolean log_y;
  int line_h, label_w = 0, tw, th;
  double left, bottom, last_label_w;

  memset (l, 0, sizeof *l);
  for (guint i = 0; i < self->series->len; i++)
    {
      PtChartSeries *s = self->series->pdata[i];
      if (s->xs->len == 0)
        continue;
      xmin = MIN (xmin, g_array_index (s->xs, double, 0));
      xmax = MAX (xmax, g_array_index (s->xs, double, s->xs->len - 1));
      ymin = MIN (ymin, self->log_y ? s->y_min_pos : s->y_min);
      ymax = MAX (ymax, s->y_max);
    }
  l->empty = !isfinite (xmin);
  for (guint i = 0; i < self->markers->len && !l->empty; i++)
    xmax = MAX (xmax, ((PtChartMarker *) self->markers->pdata[i])->x);

  /* x: fixed, or from 0 (or the first x) to a round number past the last
   * one, so the range (and the reduction cache) changes in steps */
  if (self->fixed_x_max > self->fixed_x_min)
    {
      x0 = self->fixed_x_min;
      x1 = self->fixed_x_max;
    }
  else if (!l->empty)
    {
      x0 = xmin >= 0 ? 0 : xmin;
      x1 = x0 + pt_chart_nice_ceil (xmax - x0);
    }
  else
    {
      x0 = 0;
      x1 = 100;
    }
  pt_chart_axis_set (&l->x, x0, x1, FALSE);

  /* y: the data with 5% padding; a linear axis of positive values starts
   * no lower than 0 */
  log_y = self->log_y && isfinite (ymin) && ymin > 0 && ymax > 0;
  if (l->empty || !isfinite (ymin))
    {
      y0 = 0;
      y1 = 1;
    }
  else if (log_y)
    {
      double lo = log10 (ymin), hi = log10 (ymax);
      double pad = hi > lo ? (hi - lo) * 0.05 : 0.1;
      y0 = pow (10, lo - pad);
      y1 = pow (10, hi + pad);
    }
  else
    {
      double span = ymax - ymin;
      double pad = span > 0 ? span * 0.05 : (ymax != 0 ? fabs (ymax) * 0.1 : 1);
      y0 = ymin - pad;
      y1 = ymax + pad;
      if (ymin >= 0 && y0 < 0)
        y0 = 0;
    }
  pt_chart_axis_set (&l->y, y0, y1, log_y);

  text_size (text, "0", &tw, &line_h);
  l->header_h = (self->title != NULL || has_legend (self)) ? line_h + 14 : 0;
  bottom = line_h + 6;
  l->plot.origin.y = PAD + l->header_h;
  l->plot.size.height = MAX (1, height - l->plot.origin.y - bottom - PAD);

  /* y ticks about every 36 px; their labels decide the left margin */
  l->n_y_ticks = pt_chart_axis_ticks (&l->y, MAX (2, (guint) (l->plot.size.height / 36)), 0, l->y_ticks);
  l->y_step = l->n_y_ticks > 1 ? l->y_ticks[1] - l->y_ticks[0] : fabs (l->y_ticks[0]);
  for (guint i = 0; i < l->n_y_ticks; i++)
    {
      g_autofree char *label = pt_chart_format_tick (l->y_ticks[i], l->y.log ? l->y_ticks[i] : l->y_step);
      text_size (text, label, &tw, &th);
      label_w = MAX (label_w, tw);
    }
  left = PAD + label_w + 8;
  l->plot.origin.x = left;

  /* x ticks about every 90 px, whole steps; leave room for the last label */
  text_size (text, "00000", &tw, &th);
  last_label_w = tw / 2.0;
  l->plot.size.width = MAX (1, width - left - PAD - last_label_w);
  l->n_x_ticks = pt_chart_axis_ticks (&l->x, MAX (2, (guint) (l->plot.size.width / 90)), 1, l->x_ticks);
  l->x_step = l->n_x_ticks > 1 ? l->x_ticks[1] - l->x_ticks[0] : 1;
}

/* ---- hover ---- */

/* The index of the point whose x is nearest x (xs sorted, n > 0). */
static guint
nearest_index (const double *xs,
               guint         n,
               double        x)
{
  guint lo = 0, hi = n;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      if (xs[mid] < x)
        lo = mid + 1;
      else
        hi = mid;
    }
  if (lo == n)
    return n - 1;
  if (lo > 0 && x - xs[lo - 1] <= xs[lo] - x)
    return lo - 1;
  return lo;
}

void
pt_loss_chart_compute_hover (PtLossChart         *self,
                             const PtChartLayout *l,
                             PtChartHover        *hover)
{
  const graphene_rect_t *p = &l->plot;
  double best = INFINITY;
  double t, x;

  hover->active = FALSE;
  hover->nearest_series = -1;
  if (!self->hovering || l->empty
      || self->hover_x < p->origin.x - 4 || self->hover_x > p->origin.x + p->size.width + 4
      || self->hover_y < p->origin.y - 4 || self->hover_y > p->origin.y + p->size.height + 4)
    return;

  t = CLAMP ((self->hover_x - p->origin.x) / p->size.width, 0, 1);
  x = pt_chart_axis_unmap (&l->x, t);
  for (guint i = 0; i < self->series->len && i < G_N_ELEMENTS (hover->index); i++)
    {
      PtChartSeries *s = self->series->pdata[i];
      const double *xs = (const double *) (gpointer) s->xs->data;
      const double *vals = pt_chart_series_values (self, s);
      double d;
      guint k;

      hover->index[i] = G_MAXUINT;
      if (s->xs->len == 0)
        continue;
      k = nearest_index (xs, s->xs->len, x);
      hover->index[i] = k;
      d = hypot (x_to_px (l, xs[k]) - self->hover_x, y_to_px (l, vals[k]) - self->hover_y);
      if (d < best)    /* NaN (not shown on a log axis) never wins */
        {
          best = d;
          hover->nearest_series = (int) i;
        }
    }
  if (hover->nearest_series < 0)
    return;

  /* snap to the nearest point's step; the other series read at that step */
  {
    PtChartSeries *s = self->series->pdata[hover->nearest_series];
    hover->x = g_array_index (s->xs, double, hover->index[hover->nearest_series]);
  }
  for (guint i = 0; i < self->series->len && i < G_N_ELEMENTS (hover->index); i++)
    {
      PtChartSeries *s = self->series->pdata[i];
      if (hover->index[i] != G_MAXUINT && (int) i != hover->nearest_series)
        hover->index[i] = nearest_index ((const double *) (gpointer) s->xs->data, s->xs->len, hover->x);
    }
  hover->active = TRUE;
}

static char *
format_value (double v)
{
  return g_strdup_printf ("%.4g", v);
}

static void
append_text (GString    *out,
             const char *text,
             gboolean    markup)
{
  g_autofree char *escaped = markup ? g_markup_escape_text (text, -1) : NULL;

  g_string_append (out, markup ? escaped : text);
}

char *
pt_loss_chart_hover_text (PtLossChart        *self,
                          const PtChartHover *hover,
                          gboolean            markup)
{
  GString *out = g_string_new (NULL);
  g_autofree char *step = g_strdup_printf ("%'.0f", hover->x);
  /* Translators: the first line of the chart's read-out, e.g. "Step 1,200" */
  g_autofree char *first = g_strdup_printf (_("Step %s"), step);

  g_string_append (out, markup ? "<b>" : "");
  append_text (out, first, markup);
  g_string_append (out, markup ? "</b>" : "");

  for (guint i = 0; i < self->series->len && i < G_N_ELEMENTS (hover->index); i++)
    {
      PtChartSeries *s = self->series->pdata[i];
      gboolean nearest = (int) i == hover->nearest_series;
      guint k = hover->index[i];
      g_autofree char *value = NULL;
      double x;

      if (k == G_MAXUINT)
        continue;
      value = format_value (pt_chart_series_values (self, s)[k]);
      x = g_array_index (s->xs, double, k);
      g_string_append_c (out, '\n');
      if (markup)
        {
          g_string_append_printf (out, "<span foreground=\"#%02x%02x%02x\">●</span> %s",
                                  (guint) (s->color.red * 255 + .5), (guint) (s->color.green * 255 + .5),
                                  (guint) (s->color.blue * 255 + .5), nearest ? "<b>" : "");
        }
      append_text (out, s->label, markup);
      g_string_append (out, "  ");
      g_string_append (out, value);
      if (self->smooth && s->style != PT_CHART_SERIES_POINTS)
        {
          g_autofree char *raw = format_value (g_array_index (s->ys, double, k));
          /* Translators: the unsmoothed value next to the smoothed one */
          g_autofree char *raw_text = g_strdup_printf (_("(raw %s)"), raw);
          g_string_append (out, markup ? " <span alpha=\"70%\">" : " ");
          append_text (out, raw_text, markup);
          g_string_append (out, markup ? "</span>" : "");
        }
      if (x != hover->x)
        {
          g_autofree char *at_step = g_strdup_printf ("%'.0f", x);
          /* Translators: a value read at another step than the crosshair's */
          g_autofree char *at = g_strdup_printf (_("at step %s"), at_step);
          g_string_append_c (out, ' ');
          append_text (out, at, markup);
        }
      if (markup && nearest)
        g_string_append (out, "</b>");
    }
  return g_string_free (out, FALSE);
}

/* ---- drawing ---- */

/* Adds the reduced line to the path; returns the points used and the x
 * pixels of the first and last. */
static guint
trace_line (cairo_t             *cr,
            const PtChartLayout *l,
            PtSeriesReducer     *reducer,
            const double        *xs,
            const double        *vals,
            guint                n,
            guint                columns,
            double              *first_px,
            double              *last_px)
{
  const guint *idx;
  guint n_idx, drawn = 0;

  pt_series_reducer_update (reducer, xs, vals, n, l->x.min, l->x.max, columns);
  idx = pt_series_reducer_get_indices (reducer, &n_idx);
  cairo_new_path (cr);
  for (guint k = 0; k < n_idx; k++)
    {
      double px = x_to_px (l, xs[idx[k]]);
      double py = y_to_px (l, vals[idx[k]]);
      if (!isfinite (py))
        continue;
      if (drawn == 0)
        {
          cairo_move_to (cr, px, py);
          *first_px = px;
        }
      else
        cairo_line_to (cr, px, py);
      *last_px = px;
      drawn++;
    }
  return drawn;
}

static guint
draw_series (PtLossChart         *self,
             cairo_t             *cr,
             const PtChartLayout *l,
             PtChartSeries       *s,
             guint                columns)
{
  const double *xs = (const double *) (gpointer) s->xs->data;
  const double *raw = (const double *) (gpointer) s->ys->data;
  guint n = s->xs->len;
  guint drawn = 0;
  double first_px = 0, last_px = 0;

  if (n == 0)
    return 0;

  if (s->style == PT_CHART_SERIES_POINTS)
    {
      const guint *idx;
      guint n_idx;

      pt_series_reducer_update (s->raw_reducer, xs, raw, n, l->x.min, l->x.max, columns);
      idx = pt_series_reducer_get_indices (s->raw_reducer, &n_idx);
      cairo_new_path (cr);
      for (guint k = 0; k < n_idx; k++)
        {
          double px = x_to_px (l, xs[idx[k]]);
          double py = y_to_px (l, raw[idx[k]]);
          if (!isfinite (py))
            continue;
          cairo_new_sub_path (cr);
          cairo_arc (cr, px, py, 3.5, 0, 2 * G_PI);
          drawn++;
        }
      set_source (cr, &s->color, 1);
      cairo_fill (cr);
      return drawn;
    }

  if (self->smooth)
    {
      /* TensorBoard: the raw line faint underneath, the smoothed one bold */
      drawn += trace_line (cr, l, s->raw_reducer, xs, raw, n, columns, &first_px, &last_px);
      set_source (cr, &s->color, 0.3);
      cairo_set_line_width (cr, 1);
      cairo_stroke (cr);
      drawn += trace_line (cr, l, s->smooth_reducer, xs, (const double *) (gpointer) s->smoothed->data,
                           n, columns, &first_px, &last_px);
      cairo_set_line_width (cr, 2);
    }
  else
    {
      drawn += trace_line (cr, l, s->raw_reducer, xs, raw, n, columns, &first_px, &last_px);
      cairo_set_line_width (cr, 1.5);
    }
  set_source (cr, &s->color, 1);
  cairo_stroke_preserve (cr);
  if (s->style == PT_CHART_SERIES_AREA && drawn > 0)
    {
      double base = l->plot.origin.y + l->plot.size.height;
      cairo_line_to (cr, last_px, base);
      cairo_line_to (cr, first_px, base);
      cairo_close_path (cr);
      set_source (cr, &s->color, 0.25);
      cairo_fill (cr);
    }
  cairo_new_path (cr);
  return drawn;
}

static void
draw_grid (PtLossChart         *self,
           cairo_t             *cr,
           PangoLayout         *text,
           const PtChartLayout *l,
           const GdkRGBA       *fg)
{
  const graphene_rect_t *p = &l->plot;
  double bottom = p->origin.y + p->size.height;
  int tw, th;

  cairo_set_line_width (cr, 1);
  for (guint i = 0; i < l->n_y_ticks && !l->empty; i++)
    {
      g_autofree char *label = pt_chart_format_tick (l->y_ticks[i], l->y.log ? l->y_ticks[i] : l->y_step);
      double y = y_to_px (l, l->y_ticks[i]);
      double ly = floor (y) + .5;

      if (!isfinite (y))
        continue;
      cairo_move_to (cr, p->origin.x, ly);
      cairo_line_to (cr, p->origin.x + p->size.width, ly);
      set_source (cr, fg, 0.1);
      cairo_stroke (cr);

      text_size (text, label, &tw, &th);
      cairo_move_to (cr, p->origin.x - 8 - tw, y - th / 2.0);
      set_source (cr, fg, 0.6);
      pango_cairo_show_layout (cr, text);
    }
  for (guint i = 0; i < l->n_x_ticks && !l->empty; i++)
    {
      g_autofree char *label = pt_chart_format_tick (l->x_ticks[i], l->x_step);
      double x = x_to_px (l, l->x_ticks[i]);
      double lx = floor (x) + .5;

      cairo_move_to (cr, lx, p->origin.y);
      cairo_line_to (cr, lx, bottom);
      set_source (cr, fg, 0.05);
      cairo_stroke (cr);

      text_size (text, label, &tw, &th);
      cairo_move_to (cr, x - tw / 2.0, bottom + 4);
      set_source (cr, fg, 0.6);
      pango_cairo_show_layout (cr, text);
    }
  /* the baseline */
  cairo_move_to (cr, p->origin.x, floor (bottom) + .5);
  cairo_line_to (cr, p->origin.x + p->size.width, floor (bottom) + .5);
  set_source (cr, fg, 0.3);
  cairo_stroke (cr);
}

static void
draw_markers (PtLossChart         *self,
              cairo_t             *cr,
              PangoLayout         *text,
              const PtChartLayout *l)
{
  static const double dash[] = { 4, 3 };
  const graphene_rect_t *p = &l->plot;
  GdkRGBA color;
  int tw, th;

  gdk_rgba_parse (&color, MARKER_COLOR);
  for (guint i = 0; i < self->markers->len; i++)
    {
      PtChartMarker *m = self->markers->pdata[i];
      double x = x_to_px (l, m->x);
      double lx = floor (x) + .5;
      double tx;

      if (x < p->origin.x - 1 || x > p->origin.x + p->size.width + 1)
        continue;
      cairo_save (cr);
      cairo_set_dash (cr, dash, G_N_ELEMENTS (dash), 0);
      cairo_set_line_width (cr, 1);
      cairo_move_to (cr, lx, p->origin.y);
      cairo_line_to (cr, lx, p->origin.y + p->size.height);
      set_source (cr, &color, 0.9);
      cairo_stroke (cr);
      cairo_restore (cr);

      if (m->label == NULL || *m->label == '\0')
        continue;
      text_size (text, m->label, &tw, &th);
      tx = lx + 4 + tw <= p->origin.x + p->size.width ? lx + 4 : lx - 4 - tw;
      cairo_move_to (cr, tx, p->origin.y + 2);
      set_source (cr, &color, 1);
      pango_cairo_show_layout (cr, text);
    }
}

static void
draw_header (PtLossChart         *self,
             cairo_t             *cr,
             PangoLayout         *text,
             const PtChartLayout *l,
             const GdkRGBA       *fg,
             int                  width)
{
  g_autoptr(PangoLayout) title = NULL;
  double x = width - PAD;
  double title_right = PAD;
  int tw, th;

  if (l->header_h <= 0)
    return;
  if (self->title != NULL)
    {
      g_autofree char *escaped = g_markup_escape_text (self->title, -1);
      g_autofree char *markup = g_strdup_printf ("<b>%s</b>", escaped);

      title = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
      pango_layout_set_markup (title, markup, -1);
      pango_layout_get_pixel_size (title, &tw, &th);
      cairo_move_to (cr, PAD, PAD);
      set_source (cr, fg, 0.9);
      pango_cairo_show_layout (cr, title);
      title_right = PAD + tw + 16;
    }

  /* the legend, right-aligned, in reverse so the first series is leftmost */
  for (int i = (int) self->series->len - 1; i >= 0 && has_legend (self); i--)
    {
      PtChartSeries *s = self->series->pdata[i];
      double cy;

      if (s->hide_in_legend)
        continue;
      text_size (text, s->label, &tw, &th);
      if (x - tw - 22 < title_right)
        break;
      x -= tw;
      cy = PAD + (l->header_h - 14) / 2.0 + 1;
      cairo_move_to (cr, x, cy);
      set_source (cr, fg, 0.75);
      pango_cairo_show_layout (cr, text);
      cy += th / 2.0;
      set_source (cr, &s->color, 1);
      if (s->style == PT_CHART_SERIES_POINTS)
        {
          cairo_arc (cr, x - 10, cy, 3.5, 0, 2 * G_PI);
          cairo_fill (cr);
        }
      else
        {
          cairo_rectangle (cr, x - 20, floor (cy) - 1, 14, 3);
          cairo_fill (cr);
        }
      x -= 22 + 14;
    }
}

static void
draw_hover (PtLossChart         *self,
            cairo_t             *cr,
            const PtChartLayout *l,
            const GdkRGBA       *fg,
            int                  width,
            int                  height)
{
  static const double dash[] = { 3, 3 };
  const graphene_rect_t *p = &l->plot;
  g_autoptr(PangoLayout) box = NULL;
  g_autofree char *markup = NULL;
  PtChartHover hover;
  PtChartSeries *near;
  double vx, hy, bx, by, bw, bh;
  int tw, th;

  pt_loss_chart_compute_hover (self, l, &hover);
  if (!hover.active)
    return;

  /* the crosshair through the nearest point */
  near = self->series->pdata[hover.nearest_series];
  vx = floor (x_to_px (l, hover.x)) + .5;
  hy = floor (y_to_px (l, pt_chart_series_values (self, near)[hover.index[hover.nearest_series]])) + .5;
  cairo_set_line_width (cr, 1);
  cairo_move_to (cr, vx, p->origin.y);
  cairo_line_to (cr, vx, p->origin.y + p->size.height);
  set_source (cr, fg, 0.45);
  cairo_stroke (cr);
  cairo_save (cr);
  cairo_set_dash (cr, dash, G_N_ELEMENTS (dash), 0);
  cairo_move_to (cr, p->origin.x, hy);
  cairo_line_to (cr, p->origin.x + p->size.width, hy);
  set_source (cr, fg, 0.3);
  cairo_stroke (cr);
  cairo_restore (cr);

  /* a dot on each series' nearest point */
  for (guint i = 0; i < self->series->len && i < G_N_ELEMENTS (hover.index); i++)
    {
      PtChartSeries *s = self->series->pdata[i];
      double px, py;

      if (hover.index[i] == G_MAXUINT)
        continue;
      px = x_to_px (l, g_array_index (s->xs, double, hover.index[i]));
      py = y_to_px (l, pt_chart_series_values (self, s)[hover.index[i]]);
      if (!isfinite (py))
        continue;
      cairo_arc (cr, px, py, (int) i == hover.nearest_series ? 5 : 4, 0, 2 * G_PI);
      cairo_set_source_rgb (cr, 1, 1, 1);
      cairo_fill_preserve (cr);
      set_source (cr, &s->color, 1);
      cairo_set_line_width (cr, 2);
      cairo_stroke (cr);
    }

  /* the read-out, beside the pointer, flipped at the edges (a tooltip's look) */
  markup = pt_loss_chart_hover_text (self, &hover, TRUE);
  box = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
  pango_layout_set_markup (box, markup, -1);
  pango_layout_get_pixel_size (box, &tw, &th);
  bw = tw + 16;
  bh = th + 12;
  bx = self->hover_x + 16;
  if (bx + bw > width - 2)
    bx = self->hover_x - 16 - bw;
  by = self->hover_y + 16;
  if (by + bh > height - 2)
    by = self->hover_y - 16 - bh;
  bx = MAX (2, bx);
  by = MAX (2, by);
  cairo_new_sub_path (cr);
  cairo_arc (cr, bx + bw - 6, by + 6, 6, -G_PI / 2, 0);
  cairo_arc (cr, bx + bw - 6, by + bh - 6, 6, 0, G_PI / 2);
  cairo_arc (cr, bx + 6, by + bh - 6, 6, G_PI / 2, G_PI);
  cairo_arc (cr, bx + 6, by + 6, 6, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
  cairo_set_source_rgba (cr, 0, 0, 0, 0.8);
  cairo_fill (cr);
  cairo_move_to (cr, bx + 8, by + 6);
  cairo_set_source_rgb (cr, 1, 1, 1);
  pango_cairo_show_layout (cr, box);
}

void
pt_loss_chart_draw (PtLossChart *self,
                    GtkSnapshot *snapshot,
                    int          width,
                    int          height)
{
  GtkWidget *widget = GTK_WIDGET (self);
  g_autoptr(PangoLayout) text = NULL;
  PtChartLayout l;
  GdkRGBA fg;
  cairo_t *cr;
  guint columns;

  self->n_drawn = 0;
  if (width < 40 || height < 40)
    return;

  text = small_layout (widget);
  pt_loss_chart_compute_layout (self, text, width, height, &l);
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  draw_grid (self, cr, text, &l, &fg);
  draw_header (self, cr, text, &l, &fg, width);

  if (l.empty)
    {
      int tw, th;
      text_size (text, _("No data yet"), &tw, &th);
      cairo_move_to (cr, l.plot.origin.x + (l.plot.size.width - tw) / 2,
                     l.plot.origin.y + (l.plot.size.height - th) / 2);
      set_source (cr, &fg, 0.5);
      pango_cairo_show_layout (cr, text);
      cairo_destroy (cr);
      return;
    }

  /* one reduction column per device pixel */
  columns = (guint) ceil (l.plot.size.width * gtk_widget_get_scale_factor (widget));
  cairo_save (cr);
  cairo_rectangle (cr, l.plot.origin.x, l.plot.origin.y - 2, l.plot.size.width + 1, l.plot.size.height + 2);
  cairo_clip (cr);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  for (guint i = 0; i < self->series->len; i++)
    self->n_drawn += draw_series (self, cr, &l, self->series->pdata[i], columns);
  draw_markers (self, cr, text, &l);
  cairo_restore (cr);

  draw_hover (self, cr, &l, &fg, width, height);
  cairo_destroy (cr);
}
