/* pt-record-cell.h — one record in the dataset grid: its thumbnail, question
 * and answer.
 *
 * The thumbnail arrives from a PtThumbnailLoader: at once when it is known,
 * else a placeholder shows while a worker decodes it — requested when the
 * cell is mapped (on screen), cancelled when it is unmapped (scrolled away)
 * or rebound to another record. A
 * record whose image is missing or broken shows a "missing image" frame
 * with the reason; a record with any problem carries a warning badge.
 */
#pragma once

#include <gtk/gtk.h>

#include "pt-dataset.h"            /* PtDataset */
#include "pt-thumbnail-loader.h"

G_BEGIN_DECLS

typedef enum {
  PT_RECORD_CELL_EMPTY,     /* not bound */
  PT_RECORD_CELL_LOADING,   /* placeholder, decoding */
  PT_RECORD_CELL_IMAGE,     /* the thumbnail shows */
  PT_RECORD_CELL_MISSING,   /* no image, or it cannot be decoded */
} PtRecordCellState;

#define PT_TYPE_RECORD_CELL (pt_record_cell_get_type ())

G_DECLARE_FINAL_TYPE (PtRecordCell, pt_record_cell, PT, RECORD_CELL, GtkWidget)

GtkWidget         *pt_record_cell_new       (void);
/* has_problem: the record has a problem entry (a warning, or unusable). */
void               pt_record_cell_bind      (PtRecordCell *self, PtDataset *dataset, guint index,
                                             gboolean has_problem, PtThumbnailLoader *loader);
void               pt_record_cell_unbind    (PtRecordCell *self);
PtRecordCellState  pt_record_cell_get_state (PtRecordCell *self);
guint              pt_record_cell_get_index (PtRecordCell *self);

G_END_DECLS
