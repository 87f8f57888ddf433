/* pt-loc.h — PaliGemma's location answers as boxes.
 *
 * A detection answer is a list of objects separated by " ; ", each four
 * location tokens and a label: "<loc0123><loc0456><loc0789><loc1000> circle".
 * The tokens are y_min, x_min, y_max, x_max (y first), each a bin of 1024
 * over the image's height or width: coordinate = bin / 1024 × size (the
 * decoding of Google's PaliGemma notebooks). Segmentation tokens
 * (<segNNN>) after the locations are skipped. No GTK here.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  double  y0, x0, y1, x1;   /* 0..1 of the image height / width; y0 <= y1, x0 <= x1 */
  char   *label;            /* "circle"; "" when the answer has none */
} PtLocBox;

/* The boxes in text, in order (an empty array when it has none). Anything
 * that is not four location tokens in a row is skipped: a plain answer gives
 * no boxes. Bins above 1023 are clamped. */
GPtrArray *pt_loc_parse      (const char *text);   /* of PtLocBox* */
void       pt_loc_box_free   (PtLocBox *box);
/* TRUE when text holds at least one box. */
gboolean   pt_loc_has_boxes  (const char *text);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtLocBox, pt_loc_box_free)

G_END_DECLS
