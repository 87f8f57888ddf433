/* pt-image-boxes.h — an image scaled to fit, with labelled boxes over it.
 *
 * The Playground's picture: the image keeps its aspect ratio, centred, and
 * each set of boxes (the base model's, the tuned model's) is drawn in its
 * own colour with its labels, so detection answers can be compared on the
 * image they describe.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define PT_TYPE_IMAGE_BOXES (pt_image_boxes_get_type ())

G_DECLARE_FINAL_TYPE (PtImageBoxes, pt_image_boxes, PT, IMAGE_BOXES, GtkWidget)

/* The box sets: what the base model and the tuned model found. */
typedef enum {
  PT_BOXES_BASE,
  PT_BOXES_TUNED,
  PT_BOXES_N_SETS
} PtBoxSet;

GtkWidget    *pt_image_boxes_new          (void);
void          pt_image_boxes_set_paintable (PtImageBoxes *self, GdkPaintable *paintable);
GdkPaintable *pt_image_boxes_get_paintable (PtImageBoxes *self);
/* Shows the boxes of answer (pt_loc_parse) for set; NULL or an answer
 * without boxes clears the set. */
void          pt_image_boxes_set_answer   (PtImageBoxes *self, PtBoxSet set, const char *answer);
guint         pt_image_boxes_get_n_boxes  (PtImageBoxes *self, PtBoxSet set);
/* Where box i of set lies in widget coordinates (after the last layout). */
gboolean      pt_image_boxes_get_box_rect (PtImageBoxes *self, PtBoxSet set, guint i,
                                           graphene_rect_t *rect);
/* The colour a set is drawn in (for a legend). */
void          pt_image_boxes_get_color    (PtBoxSet set, GdkRGBA *color);

G_END_DECLS
