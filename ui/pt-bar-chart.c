/* pt-bar-chart.c — a small bar chart: counts per label. */
#include "config.h"

#include <math.h>   /* floor */

#include "pt-bar-chart.h"

#define ROW_H        22     /* horizontal: one bar's row */
#define BAR_GAP      4
#define LABEL_MAX_W  140    /* horizontal: the label column at most */
#define COLUMN_H     150    /* vertical: the plot's height */
#define VALUE_PAD    6

struct _PtBarChart
{
  GtkWidget       parent_instance;

  GtkOrientation  orientation;
  GPtrArray      *labels;    /* of char* */
  GArray         *values;    /* of double */
  int             highlight;
  gboolean        has_color;
  GdkRGBA         color;
};

G_DEFINE_FINAL_TYPE (PtBarChart, pt_bar_chart, GTK_TYPE_WIDGET)

enum {
  BAR_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static double
max_value (PtBarChart *self)
{
  double m = 0;

  for (guint i = 0; i < self->values->len; i++)
    m = MAX (m, g_array_index (self->values, double, i));
  return m;
}

static char *
format_value (double v)
{
  if (v == floor (v) && v < 1e15)
    return g_strdup_printf ("%'" G_GINT64_FORMAT, (gint64) v);
  return g_strdup_printf ("%.3g", v);
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
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
  return layout;
}

/* Horizontal charts: the width of the label column. */
static int
label_column (PtBarChart  *self,
              PangoLayout *layout)
{
  int w = 0;

  for (guint i = 0; i < self->labels->len; i++)
    {
      int tw;
      pango_layout_set_width (layout, -1);
      pango_layout_set_text (layout, self->labels->pdata[i], -1);
      pango_layout_get_pixel_size (layout, &tw, NULL);
      w = MAX (w, tw);
    }
  return MIN (w, LABEL_MAX_W);
}

static void
get_colors (PtBarChart *self,
            GdkRGBA    *fg,
            GdkRGBA    *bar,
            GdkRGBA    *hi)
{
  GtkStyleContext *ctx = gtk_widget_get_style_context (GTK_WIDGET (self));

  gtk_style_context_get_color (ctx, fg);
  if (self->has_color)
    *bar = self->color;
  else if (!gtk_style_context_lookup_color (ctx, "accent_bg_color", bar))
    gdk_rgba_parse (bar, "#3584e4");
  if (!gtk_style_context_lookup_color (ctx, "warning_color", hi))
    gdk_rgba_parse (hi, "#e5a50a");
}

static void
snapshot (GtkWidget   *widget,
          GtkSnapshot *snapshot)
{
  PtBarChart *self = PT_BAR_CHART (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  g_autoptr(PangoLayout) layout = small_layout (widget);
  double vmax = max_value (self);
  guint n = self->values->len;
  GdkRGBA fg, bar, hi, dim;
  cairo_t *cr;

  if (n == 0 || width <= 0 || height <= 0)
    return;
  get_colors (self, &fg, &bar, &hi);
  dim = fg;
  dim.alpha *= 0.55f;
  if (vmax <= 0)
    vmax = 1;

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (self->orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      int label_w = label_column (self, layout);
      g_autofree char *widest = format_value (vmax);
      int value_w, th;
      double x0 = label_w + VALUE_PAD, span;

      pango_layout_set_width (layout, -1);
      pango_layout_set_text (layout, widest, -1);
      pango_layout_get_pixel_size (layout, &value_w, &th);
      span = MAX (width - x0 - VALUE_PAD - value_w, 10);
      for (guint i = 0; i < n; i++)
        {
          double v = g_array_index (self->values, double, i);
          double y = i * ROW_H;
          double w = floor (span * v / vmax);
          g_autofree char *value = format_value (v);
          const GdkRGBA *c = (int) i == self->highlight ? &hi : &bar;
          int lw, lh;

          gdk_cairo_set_source_rgba (cr, &fg);
          pango_layout_set_width (layout, label_w * PANGO_SCALE);
          pango_layout_set_text (layout, self->labels->pdata[i], -1);
          pango_layout_get_pixel_size (layout, &lw, &lh);
          cairo_move_to (cr, label_w - lw, y + (ROW_H - lh) / 2.0);
          pango_cairo_show_layout (cr, layout);

          cairo_set_source_rgba (cr, c->red, c->green, c->blue, 0.85);
          cairo_rectangle (cr, x0, y + BAR_GAP / 2.0, MAX (w, 1), ROW_H - BAR_GAP);
          cairo_fill (cr);

          gdk_cairo_set_source_rgba (cr, &dim);
          pango_layout_set_width (layout, -1);
          pango_layout_set_text (layout, value, -1);
          pango_layout_get_pixel_size (layout, &lw, &lh);
          cairo_move_to (cr, x0 + MAX (w, 1) + VALUE_PAD, y + (ROW_H - lh) / 2.0);
          pango_cairo_show_layout (cr, layout);
        }
    }
  else
    {
      int th;
      double plot_h, slot, bw;

      pango_layout_set_text (layout, "0", -1);
      pango_layout_get_pixel_size (layout, NULL, &th);
      plot_h = height - 2 * th - 2 * VALUE_PAD;   /* values above, labels below */
      slot = (double) width / n;
      bw = MAX (floor (slot * 0.8), 1);
      for (guint i = 0; i < n; i++)
        {
          double v = g_array_index (self->values, double, i);
          double h = floor (plot_h * v / vmax);
          double x = floor (i * slot + (slot - bw) / 2);
          double base = th + VALUE_PAD + plot_h;
          g_autofree char *value = format_value (v);
          const GdkRGBA *c = (int) i == self->highlight ? &hi : &bar;
          int lw, lh;

          cairo_set_source_rgba (cr, c->red, c->green, c->blue, 0.85);
          cairo_rectangle (cr, x, base - MAX (h, 1), bw, MAX (h, 1));
          cairo_fill (cr);

          pango_layout_set_width (layout, (int) slot * PANGO_SCALE);
          if (v > 0 && slot >= 24)
            {
              gdk_cairo_set_source_rgba (cr, &dim);
              pango_layout_set_text (layout, value, -1);
              pango_layout_get_pixel_size (layout, &lw, &lh);
              cairo_move_to (cr, i * slot + (slot - lw) / 2, base - MAX (h, 1) - lh - 2);
              pango_cairo_show_layout (cr, layout);
            }
          gdk_cairo_set_source_rgba (cr, &fg);
          pango_layout_set_text (layout, self->labels->pdata[i], -1);
          pango_layout_get_pixel_size (layout, &lw, &lh);
          cairo_move_to (cr, i * slot + (slot - lw) / 2, base + VALUE_PAD / 2.0);
          pango_cairo_show_layout (cr, layout);
        }
      /* the base line */
      gdk_cairo_set_source_rgba (cr, &dim);
      cairo_set_line_width (cr, 1);
      cairo_move_to (cr, 0, floor (th + VALUE_PAD + plot_h) + .5);
      cairo_line_to (cr, width, floor (th + VALUE_PAD + plot_h) + .5);
      cairo_stroke (cr);
    }
  cairo_destroy (cr);
}

static void
measure (GtkWidget      *widget,
         GtkOrientation  orientation,
         int             for_size,
         int            *minimum,
         int            *natural,
         int            *minimum_baseline,
         int            *natural_baseline)
{
  PtBarChart *self = PT_BAR_CHART (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 160;
      *natural = 320;
    }
  else if (self->orientation == GTK_ORIENTATION_HORIZONTAL)
    *minimum = *natural = MAX (self->values->len, 1) * ROW_H;
  else
    *minimum = *natural = COLUMN_H;
}

int
pt_bar_chart_bar_at (PtBarChart *self,
                     double      x,
                     double      y)
{
  guint n;
  int i;

  g_return_val_if_fail (PT_IS_BAR_CHART (self), -1);

  n = self->values->len;
  if (n == 0)
    return -1;
  if (self->orientation == GTK_ORIENTATION_HORIZONTAL)
    i = (int) floor (y / ROW_H);
  else
    i = (int) floor (x / ((double) gtk_widget_get_width (GTK_WIDGET (self)) / n));
  return i >= 0 && (guint) i < n ? i : -1;
}

static gboolean
query_tooltip_cb (GtkWidget  *widget,
                  int         x,
                  int         y,
                  gboolean    keyboard,
                  GtkTooltip *tooltip,
                  PtBarChart *self)
{
  int i = pt_bar_chart_bar_at (self, x, y);
  g_autofree char *value = NULL;
  g_autofree char *text = NULL;

  if (i < 0)
    return FALSE;
  value = format_value (g_array_index (self->values, double, i));
  text = g_strdup_printf ("%s: %s", (const char *) self->labels->pdata[i], value);
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

static void
pressed_cb (GtkGestureClick *gesture,
            int              n_press,
            double           x,
            double           y,
            PtBarChart      *self)
{
  int i = pt_bar_chart_bar_at (self, x, y);

  if (i >= 0)
    g_signal_emit (self, signals[BAR_ACTIVATED], 0, (guint) i);
}

GtkWidget *
pt_bar_chart_new (GtkOrientation orientation)
{
  PtBarChart *self = g_object_new (PT_TYPE_BAR_CHART, NULL);

  self->orientation = orientation;
  return GTK_WIDGET (self);
}

void
pt_bar_chart_set_data (PtBarChart        *self,
                       const char *const *labels,
                       const double      *values,
                       guint              n)
{
  g_return_if_fail (PT_IS_BAR_CHART (self));
  g_return_if_fail (n == 0 || (labels != NULL && values != NULL));

  g_ptr_array_set_size (self->labels, 0);
  g_array_set_size (self->values, 0);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (self->labels, g_strdup (labels[i]));
  g_array_append_vals (self->values, values, n);
  self->highlight = -1;
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

guint
pt_bar_chart_get_n_bars (PtBarChart *self)
{
  g_return_val_if_fail (PT_IS_BAR_CHART (self), 0);
  return self->values->len;
}

const char *
pt_bar_chart_get_label (PtBarChart *self,
                        guint       i)
{
  g_return_val_if_fail (PT_IS_BAR_CHART (self), NULL);
  return i < self->labels->len ? self->labels->pdata[i] : NULL;
}

double
pt_bar_chart_get_value (PtBarChart *self,
                        guint       i)
{
  g_return_val_if_fail (PT_IS_BAR_CHART (self), 0);
  return i < self->values->len ? g_array_index (self->values, double, i) : 0;
}

void
pt_bar_chart_set_highlight (PtBarChart *self,
                            int         index)
{
  g_return_if_fail (PT_IS_BAR_CHART (self));

  if (self->highlight == index)
    return;
  self->highlight = index;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
pt_bar_chart_set_color (PtBarChart    *self,
                        const GdkRGBA *color)
{
  g_return_if_fail (PT_IS_BAR_CHART (self));

  self->has_color = color != NULL;
  if (color != NULL)
    self->color = *color;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
pt_bar_chart_finalize (GObject *object)
{
  PtBarChart *self = PT_BAR_CHART (object);

  g_ptr_array_unref (self->labels);
  g_array_unref (self->values);
  G_OBJECT_CLASS (pt_bar_chart_parent_class)->finalize (object);
}

static void
pt_bar_chart_class_init (PtBarChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = pt_bar_chart_finalize;
  widget_class->snapshot = snapshot;
  widget_class->measure = measure;
  gtk_widget_class_set_css_name (widget_class, "barchart");

  signals[BAR_ACTIVATED] =
    g_signal_new ("bar-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
pt_bar_chart_init (PtBarChart *self)
{
  GtkGesture *click = gtk_gesture_click_new ();

  self->labels = g_ptr_array_new_with_free_func (g_free);
  self->values = g_array_new (FALSE, FALSE, sizeof (double));
  self->highlight = -1;
  self->orientation = GTK_ORIENTATION_HORIZONTAL;
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  g_signal_connect (self, "query-tooltip", G_CALLBACK (query_tooltip_cb), self);
  g_signal_connect (click, "pressed", G_CALLBACK (pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
}
