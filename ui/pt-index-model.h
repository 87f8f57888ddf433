/* pt-index-model.h — a GListModel of indices whose items exist only while used.
 *
 * The model holds a plain array of indices (records shown after filtering,
 * problems…); g_list_model_get_item creates a PtIndexItem for a position
 * when a view asks for it and keeps it only through a weak reference, so a
 * list of 100,000 rows costs 400 KB and as many objects as rows on screen.
 * Asking twice for the same index while the first item lives gives the
 * same object.
 */
#pragma once

#include <gio/gio.h>

#include "pt-index-item.h"

G_BEGIN_DECLS

#define PT_TYPE_INDEX_MODEL (pt_index_model_get_type ())

G_DECLARE_FINAL_TYPE (PtIndexModel, pt_index_model, PT, INDEX_MODEL, GObject)

PtIndexModel *pt_index_model_new         (void);
/* Replaces the contents with indices (taken; may be NULL when n is 0) and
 * emits ::items-changed. */
void          pt_index_model_set_indices (PtIndexModel *self, guint *indices, guint n);
/* 0, 1, …, n - 1 without storing them. */
void          pt_index_model_set_range   (PtIndexModel *self, guint n);
/* The index at position, or G_MAXUINT past the end. */
guint         pt_index_model_get_index   (PtIndexModel *self, guint position);
/* The position of index, or G_MAXUINT if it is not in the model. */
guint         pt_index_model_find        (PtIndexModel *self, guint index);
/* Items alive now (what the views hold). */
guint         pt_index_model_get_n_alive (PtIndexModel *self);

G_END_DECLS
