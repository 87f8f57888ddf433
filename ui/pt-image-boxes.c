/* pt-image-boxes.c — an image scaled to fit, with labelled boxes over it. */
#include "config.h"

#include <math.h>      /* floor */

#include "pt-image-boxes.h"
#include "pt-loc.h"

#define STROKE 2.0
#define RADIUS 12.0

struct _PtImageBoxes
{
  GtkWidget     parent_instance;

  GdkPaintable *paintable;
  GPtrArray    *boxes[PT_BOXES_N_SETS];   /* of PtLocBox* */
  graphene_rect_t image_rect;              /* where the image was drawn */
};

G_DEFINE_FINAL_TYPE (PtImageBoxes, pt_image_boxes, GTK_TYPE_WIDGET)

/* Adwaita blue 3 and orange 4: the base and the tuned model. */
static const char *const set_colors[PT_BOXES_N_SETS] = { "#3584e4", "#e66100" };

void
pt_image_boxes_get_color (PtBoxSet  set,
                          GdkRGBA  *color)
{
  g_return_if_fail (set < PT_BOXES_N_SETS);
  gdk_rgba_parse (color, set_colors[set]);
}

/* The largest rect of the image's aspect ratio that fits w × h, centred. */
static void
fit_rect (PtImageBoxes    *self,
          double           w,
          double           h,
          graphene_rect_t *out)
{
  double iw = gdk_paintable_get_intrinsic_width (self->paintable);
  double ih = gdk_paintable_get_intrinsic_height (self->paintable);
  double scale, dw, dh;

  if (iw <= 0 || ih <= 0)
    {
      double ratio = gdk_paintable_get_intrinsic_aspect_ratio (self->paintable);
      iw = ratio > 0 ? ratio : 1;
      ih = 1;
    }
  /* small images grow at most 8×: beyond that they are only blur */
  scale = MIN (MIN (w / iw, h / ih), 8.0);
  dw = floor (iw * scale);
  dh = floor (ih * scale);
  graphene_rect_init (out, floor ((w - dw) / 2), floor ((h - dh) / 2), dw, dh);
}

static void
box_rect (PtImageBoxes    *self,
          const PtLocBox  *box,
          graphene_rect_t *out)
{
  const graphene_rect_t *r = &self->image_rect;
  double x0 = r->origin.x + box->x0 * r->size.width;
  double y0 = r->origin.y + box->y0 * r->size.height;
  double x1 = r->origin.x + box->x1 * r->size.width;
  double y1 = r->origin.y + box->y1 * r->size.height;

  graphene_rect_init (out, floor (x0), floor (y0), MAX (2, floor (x1) - floor (x0)),
                      MAX (2, floor (y1) - floor (y0)));
}

static void
draw_label (PtImageBoxes          *self,
            GtkSnapshot           *snapshot,
            const graphene_rect_t *box,
            const char            *text,
            const GdkRGBA         *color)
{
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
  const GdkRGBA white = { 1, 1, 1, 1 };
  int tw, th;
  double x, y;

  pango_layout_get_pixel_size (layout, &tw, &th);
  /* a tag above the box's top-left corner, or inside it at the image's top */
  x = box->origin.x;
  y = box->origin.y - th - 2;
  if (y < self->image_rect.origin.y)
    y = box->origin.y;
  x = MIN (x, self->image_rect.origin.x + self->image_rect.size.width - tw - 6);
  x = MAX (x, self->image_rect.origin.x);
  gtk_snapshot_append_color (snapshot, color, &GRAPHENE_RECT_INIT (x, y, tw + 6, th + 2));
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x + 3, y + 1));
  gtk_snapshot_append_layout (snapshot, layout, &white);
  gtk_snapshot_restore (snapshot);
}

static void
pt_image_boxes_snapshot (GtkWidget   *widget,
                         GtkSnapshot *snapshot)
{
  PtImageBoxes *self = PT_IMAGE_BOXES (widget);
  int w = gtk_widget_get_width (widget);
  int h = gtk_widget_get_height (widget);
  GskRoundedRect clip;

  if (self->paintable == NULL || w <= 0 || h <= 0)
    return;
  fit_rect (self, w, h, &self->image_rect);

  gsk_rounded_rect_init_from_rect (&clip, &self->image_rect, RADIUS);
  gtk_snapshot_push_rounded_clip (snapshot, &clip);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &self->image_rect.origin);
  gdk_paintable_snapshot (self->paintable, GDK_SNAPSHOT (snapshot),
                          self->image_rect.size.width, self->image_rect.size.height);
  gtk_snapshot_restore (snapshot);

  for (guint s = 0; s < PT_BOXES_N_SETS; s++)
    {
      GdkRGBA color, fill;

      pt_image_boxes_get_color (s, &color);
      fill = color;
      fill.alpha = 0.12f;
      for (guint i = 0; i < self->boxes[s]->len; i++)
        {
          const PtLocBox *box = self->boxes[s]->pdata[i];
          const GdkRGBA colors[4] = { color, color, color, color };
          const float widths[4] = { STROKE, STROKE, STROKE, STROKE };
          graphene_rect_t r;
          GskRoundedRect border;

          box_rect (self, box, &r);
          gtk_snapshot_append_color (snapshot, &fill, &r);
          gsk_rounded_rect_init_from_rect (&border, &r, 0);
          gtk_snapshot_append_border (snapshot, &border, widths, colors);
          if (box->label != NULL && *box->label != '\0')
            draw_label (self, snapshot, &r, box->label, &color);
        }
    }
  gtk_snapshot_pop (snapshot);
}

static void
pt_image_boxes_measure (GtkWidget      *widget,
                        GtkOrientation  orientation,
                        int             for_size,
                        int            *minimum,
                        int            *natural,
                        int            *minimum_baseline,
                        int            *natural_baseline)
{
  PtImageBoxes *self = PT_IMAGE_BOXES (widget);
  int size = 0;

  if (self->paintable != NULL)
    size = orientation == GTK_ORIENTATION_HORIZONTAL ? gdk_paintable_get_intrinsic_width (self->paintable)
                                                     : gdk_paintable_get_intrinsic_height (self->paintable);
  /* the image shrinks to any size and grows to its own */
  *minimum = 0;
  *natural = MIN (size, 1024);
}

static GtkSizeRequestMode
pt_image_boxes_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_CONSTANT_SIZE;
}

static void
invalidate_cb (GdkPaintable *paintable,
               PtImageBoxes *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
invalidate_size_cb (GdkPaintable *paintable,
                    PtImageBoxes *self)
{
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

GtkWidget *
pt_image_boxes_new (void)
{
  return g_object_new (PT_TYPE_IMAGE_BOXES, NULL);
}

void
pt_image_boxes_set_paintable (PtImageBoxes *self,
                              GdkPaintable *paintable)
{
  g_return_if_fail (PT_IS_IMAGE_BOXES (self));
  g_return_if_fail (paintable == NULL || GDK_IS_PAINTABLE (paintable));

  if (self->paintable == paintable)
    return;
  if (self->paintable != NULL)
    g_signal_handlers_disconnect_by_data (self->paintable, self);
  g_set_object (&self->paintable, paintable);
  if (paintable != NULL)
    {
      g_signal_connect (paintable, "invalidate-contents", G_CALLBACK (invalidate_cb), self);
      g_signal_connect (paintable, "invalidate-size", G_CALLBACK (invalidate_size_cb), self);
    }
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

GdkPaintable *
pt_image_boxes_get_paintable (PtImageBoxes *self)
{
  g_return_val_if_fail (PT_IS_IMAGE_BOXES (self), NULL);
  return self->paintable;
}

void
pt_image_boxes_set_answer (PtImageBoxes *self,
                           PtBoxSet      set,
                           const char   *answer)
{
  g_return_if_fail (PT_IS_IMAGE_BOXES (self));
  g_return_if_fail (set < PT_BOXES_N_SETS);

  g_ptr_array_unref (self->boxes[set]);
  self->boxes[set] = pt_loc_parse (answer);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
pt_image_boxes_get_n_boxes (PtImageBoxes *self,
                            PtBoxSet      set)
{
  g_return_val_if_fail (PT_IS_IMAGE_BOXES (self), 0);
  g_return_val_if_fail (set < PT_BOXES_N_SETS, 0);
  return self->boxes[set]->len;
}

gboolean
pt_image_boxes_get_box_rect (PtImageBoxes    *self,
                             PtBoxSet         set,
                             guint            i,
                             graphene_rect_t *rect)
{
  g_return_val_if_fail (PT_IS_IMAGE_BOXES (self), FALSE);
  g_return_val_if_fail (set < PT_BOXES_N_SETS, FALSE);

  if (i >= self->boxes[set]->len || self->paintable == NULL)
    return FALSE;
  fit_rect (self, gtk_widget_get_width (GTK_WIDGET (self)), gtk_widget_get_height (GTK_WIDGET (self)),
            &self->image_rect);
  box_rect (self, self->boxes[set]->pdata[i], rect);
  return TRUE;
}

static void
pt_image_boxes_dispose (GObject *object)
{
  PtImageBoxes *self = PT_IMAGE_BOXES (object);

  if (self->paintable != NULL)
    g_signal_handlers_disconnect_by_data (self->paintable, self);
  g_clear_object (&self->paintable);
  G_OBJECT_CLASS (pt_image_boxes_parent_class)->dispose (object);
}

static void
pt_image_boxes_finalize (GObject *object)
{
  PtImageBoxes *self = PT_IMAGE_BOXES (object);

  for (guint s = 0; s < PT_BOXES_N_SETS; s++)
    g_ptr_array_unref (self->boxes[s]);
  G_OBJECT_CLASS (pt_image_boxes_parent_class)->finalize (object);
}

static void
pt_image_boxes_class_init (PtImageBoxesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pt_image_boxes_dispose;
  object_class->finalize = pt_image_boxes_finalize;
  widget_class->snapshot = pt_image_boxes_snapshot;
  widget_class->measure = pt_image_boxes_measure;
  widget_class->get_request_mode = pt_image_boxes_get_request_mode;
  gtk_widget_class_set_css_name (widget_class, "imageboxes");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
pt_image_boxes_init (PtImageBoxes *self)
{
  for (guint s = 0; s < PT_BOXES_N_SETS; s++)
    self->boxes[s] = g_ptr_array_new_with_free_func ((GDestroyNotify) pt_loc_box_free);
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
}
