/* pt-bar-chart.h — a small bar chart: counts per label.
 *
 * Horizontal: one row per bar, the label on the left, the count after the
 * bar (a "top 15" table). Vertical: columns with their labels below (a
 * histogram). Drawn in one Cairo node; a tooltip gives the exact label and
 * count, and clicking a bar emits ::bar-activated with its index.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define PT_TYPE_BAR_CHART (pt_bar_chart_get_type ())

G_DECLARE_FINAL_TYPE (PtBarChart, pt_bar_chart, PT, BAR_CHART, GtkWidget)

GtkWidget  *pt_bar_chart_new             (GtkOrientation orientation);
/* Copies labels and values (n of each); n 0 clears. */
void        pt_bar_chart_set_data        (PtBarChart *self, const char *const *labels,
                                          const double *values, guint n);
guint       pt_bar_chart_get_n_bars      (PtBarChart *self);
const char *pt_bar_chart_get_label       (PtBarChart *self, guint i);
double      pt_bar_chart_get_value       (PtBarChart *self, guint i);
/* The bar under widget coordinates (x, y), or -1. */
int         pt_bar_chart_bar_at          (PtBarChart *self, double x, double y);
/* A bar drawn in the highlight colour (-1: none). */
void        pt_bar_chart_set_highlight   (PtBarChart *self, int index);
/* A colour for the bars (NULL: the accent colour). */
void        pt_bar_chart_set_color       (PtBarChart *self, const GdkRGBA *color);

G_END_DECLS
