/* pt-record-grid.h — the dataset's records as a grid of thumbnails.
 *
 * A GtkGridView over a PtIndexModel: only the rows on screen have items and
 * cells, so 100,000 records scroll like 100. ::record-activated gives the
 * record index of a clicked (or Enter-activated) cell.
 */
#pragma once

#include <adwaita.h>

#include "pt-dataset.h"            /* PtDataset */
#include "pt-index-model.h"
#include "pt-thumbnail-loader.h"

G_BEGIN_DECLS

#define PT_TYPE_RECORD_GRID (pt_record_grid_get_type ())

G_DECLARE_FINAL_TYPE (PtRecordGrid, pt_record_grid, PT, RECORD_GRID, AdwBin)

GtkWidget         *pt_record_grid_new            (void);
/* What to show: the dataset, the record indices (model, not taken over:
 * a reference is kept), which records have a problem (one byte per record,
 * owned by the caller, alive as long as the dataset is shown) and where
 * thumbnails come from. */
void               pt_record_grid_set_dataset    (PtRecordGrid *self, PtDataset *dataset,
                                                  PtIndexModel *model, const guint8 *has_problem,
                                                  PtThumbnailLoader *loader);
GtkGridView       *pt_record_grid_get_view       (PtRecordGrid *self);
GtkScrolledWindow *pt_record_grid_get_scrolled   (PtRecordGrid *self);
/* Scrolls so that position is on screen. */
void               pt_record_grid_scroll_to      (PtRecordGrid *self, guint position);
/* Cells bound now and how many of them show their thumbnail. */
void               pt_record_grid_count_cells    (PtRecordGrid *self, guint *bound, guint *with_image,
                                                  guint *missing);

G_END_DECLS
