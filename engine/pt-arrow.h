/* pt-arrow.h — a small reader for Arrow IPC files, as the datasets library
 * writes them (save_to_disk's data-NNNNN-of-NNNNN.arrow, its cache files).
 *
 * The IPC stream format (a schema message, then record batches, each a
 * flatbuffer Message and a body of buffers) and the file format (the
 * stream between "ARROW1" magics, a footer at the end). Types: integers,
 * floats, booleans, (large) strings and binaries, (large) lists, fixed-size
 * lists, structs; other columns may be present and are skipped. Body
 * compression and dictionary-encoded columns that a record needs are
 * refused by name. Format:
 * https://arrow.apache.org/docs/format/Columnar.html#serialization-and-interprocess-communication-ipc
 *
 * Only the message headers and the buffers of the columns asked for are
 * read, with pread; an image column's bytes are not read, only where they
 * lie (pt-embedded.h references). Every offset and length is checked
 * against its buffer and the file; damage is a PT_ERROR_INVALID_INPUT
 * naming the file.
 */
#pragma once

#include <glib.h>

#include "pt-parquet.h"   /* PtColumnValues */

G_BEGIN_DECLS

typedef struct _PtArrowFile PtArrowFile;

PtArrowFile *pt_arrow_open         (const char *path, GError **error);
/* A buffer (not copied); references then name `name`. */
PtArrowFile *pt_arrow_open_data    (const void *data, gsize length, const char *name,
                                    GError **error);
void         pt_arrow_free         (PtArrowFile *file);

const char  *pt_arrow_get_display  (PtArrowFile *file);
/* Top-level columns of the schema. */
guint        pt_arrow_get_n_columns (PtArrowFile *file);
const char  *pt_arrow_get_column_name (PtArrowFile *file, guint column);

/* Moves to the next record batch: TRUE with *rows set, or FALSE at the end
 * (error unset) or on damage (error set). */
gboolean     pt_arrow_next_batch   (PtArrowFile *file, gint64 *rows, GError **error);

/* One entry per row of the current batch appended to out: a column's
 * values as strings (numbers in decimal); in a struct, the child named
 * `child` (NULL: the only one; lists are followed). */
gboolean     pt_arrow_read_column  (PtArrowFile *file, guint column, const char *child,
                                    PtColumnValues *out, GError **error);
/* An image column (binary bytes, a string path, or a struct {bytes, path}):
 * per row a pt-embedded.h reference into ref_file where there are bytes,
 * else the path. */
gboolean     pt_arrow_read_images  (PtArrowFile *file, guint column, const char *ref_file,
                                    PtColumnValues *out, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtArrowFile, pt_arrow_free)

G_END_DECLS
