/* pt-index-item.h — one row of a lazily built list: an index and nothing else.
 *
 * The dataset browser's lists hold 100,000 rows; each visible row gets a
 * PtIndexItem that names a record (or a problem) by its index, and the
 * widget bound to it reads the rest from the dataset. See PtIndexModel.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define PT_TYPE_INDEX_ITEM (pt_index_item_get_type ())

G_DECLARE_FINAL_TYPE (PtIndexItem, pt_index_item, PT, INDEX_ITEM, GObject)

PtIndexItem *pt_index_item_new       (guint index);
guint        pt_index_item_get_index (PtIndexItem *self);

G_END_DECLS
