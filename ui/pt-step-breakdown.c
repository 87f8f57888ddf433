/* pt-step-breakdown.c — where one optimiser step's time goes. */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>       /* floor, isfinite */

#include "pt-step-breakdown.h"

#define BAR_HEIGHT 8

struct _PtStepBreakdown
{
  GtkWidget  parent_instance;

  GtkWidget *title;
  GtkWidget *bar;
  GtkWidget *legend;
  double     ms[PT_STEP_N_PARTS];
  char      *text;
};

G_DEFINE_FINAL_TYPE (PtStepBreakdown, pt_step_breakdown, GTK_TYPE_WIDGET)

/* Adwaita light 4, blue 3, purple 3, green 4. */
static const char *const part_colors[PT_STEP_N_PARTS] = { "#9a9996", "#3584e4", "#9141ac", "#2ec27e" };
static const char *const part_names[PT_STEP_N_PARTS] = {
  /* Translators: the parts of a training step's time */
  N_("data"), N_("forward"), N_("backward"), N_("optimiser"),
};

static void
draw_bar (GtkDrawingArea *area,
          cairo_t        *cr,
          int             width,
          int             height,
          gpointer        data)
{
  PtStepBreakdown *self = data;
  double total = 0, x = 0, y = floor ((height - BAR_HEIGHT) / 2.0);

  for (guint i = 0; i < PT_STEP_N_PARTS; i++)
    total += self->ms[i];
  /* the empty track */
  cairo_set_source_rgba (cr, 0.5, 0.5, 0.5, 0.18);
  cairo_rectangle (cr, 0, y, width, BAR_HEIGHT);
  cairo_fill (cr);
  if (total <= 0)
    return;
  for (guint i = 0; i < PT_STEP_N_PARTS; i++)
    {
      GdkRGBA c;
      double w = self->ms[i] / total * width;

      gdk_rgba_parse (&c, part_colors[i]);
      gdk_cairo_set_source_rgba (cr, &c);
      cairo_rectangle (cr, floor (x), y, MAX (0, floor (x + w) - floor (x)), BAR_HEIGHT);
      cairo_fill (cr);
      x += w;
    }
}

static char *
format_ms (double ms)
{
  if (ms >= 10000)
    return g_strdup_printf (_("%.1f s"), ms / 1000);
  if (ms >= 10)
    return g_strdup_printf (_("%.0f ms"), ms);
  return g_strdup_printf (_("%.1f ms"), ms);
}

GtkWidget *
pt_step_breakdown_new (void)
{
  return g_object_new (PT_TYPE_STEP_BREAKDOWN, NULL);
}

void
pt_step_breakdown_set_times (PtStepBreakdown *self,
                             const double    *ms)
{
  g_autoptr(GString) markup = g_string_new (NULL);
  g_autoptr(GString) text = g_string_new (NULL);

  g_return_if_fail (PT_IS_STEP_BREAKDOWN (self));

  for (guint i = 0; i < PT_STEP_N_PARTS; i++)
    self->ms[i] = ms != NULL && isfinite (ms[i]) && ms[i] > 0 ? ms[i] : 0;
  for (guint i = 0; i < PT_STEP_N_PARTS; i++)
    {
      g_autofree char *value = ms != NULL ? format_ms (self->ms[i]) : g_strdup ("–");
      g_autofree char *escaped = g_markup_escape_text (value, -1);

      if (i > 0)
        {
          g_string_append (markup, "   ");
          g_string_append (text, " · ");
        }
      g_string_append_printf (markup, "<span foreground=\"%s\">●</span> %s %s",
                              part_colors[i], _(part_names[i]), escaped);
      g_string_append_printf (text, "%s %s", _(part_names[i]), value);
    }
  gtk_label_set_markup (GTK_LABEL (self->legend), markup->str);
  g_free (self->text);
  self->text = g_string_free (g_steal_pointer (&text), FALSE);
  gtk_widget_queue_draw (self->bar);
}

const char *
pt_step_breakdown_get_text (PtStepBreakdown *self)
{
  g_return_val_if_fail (PT_IS_STEP_BREAKDOWN (self), NULL);
  return self->text;
}

static void
pt_step_breakdown_dispose (GObject *object)
{
  PtStepBreakdown *self = PT_STEP_BREAKDOWN (object);

  g_clear_pointer (&self->title, gtk_widget_unparent);
  g_clear_pointer (&self->bar, gtk_widget_unparent);
  g_clear_pointer (&self->legend, gtk_widget_unparent);
  G_OBJECT_CLASS (pt_step_breakdown_parent_class)->dispose (object);
}

static void
pt_step_breakdown_finalize (GObject *object)
{
  g_free (PT_STEP_BREAKDOWN (object)->text);
  G_OBJECT_CLASS (pt_step_breakdown_parent_class)->finalize (object);
}

static void
pt_step_breakdown_class_init (PtStepBreakdownClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pt_step_breakdown_dispose;
  object_class->finalize = pt_step_breakdown_finalize;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "stepbreakdown");
}

static void
pt_step_breakdown_init (PtStepBreakdown *self)
{
  GtkLayoutManager *layout = gtk_widget_get_layout_manager (GTK_WIDGET (self));

  gtk_box_layout_set_spacing (GTK_BOX_LAYOUT (layout), 12);
  /* Translators: a label before the step-time bar */
  self->title = gtk_label_new (_("Step time"));
  gtk_widget_add_css_class (self->title, "dim-label");
  gtk_widget_set_parent (self->title, GTK_WIDGET (self));

  self->bar = gtk_drawing_area_new ();
  gtk_widget_set_size_request (self->bar, 120, BAR_HEIGHT);
  gtk_widget_set_valign (self->bar, GTK_ALIGN_CENTER);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self->bar), draw_bar, self, NULL);
  gtk_widget_set_parent (self->bar, GTK_WIDGET (self));

  self->legend = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->legend), 0);
  gtk_label_set_ellipsize (GTK_LABEL (self->legend), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (self->legend, TRUE);
  gtk_widget_add_css_class (self->legend, "numeric");
  gtk_widget_set_parent (self->legend, GTK_WIDGET (self));

  pt_step_breakdown_set_times (self, NULL);
}
