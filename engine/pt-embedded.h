/* pt-embedded.h — images stored inside Parquet and Arrow files.
 *
 * Datasets from the Hugging Face hub embed each image's encoded bytes in
 * the table. PaliTune indexes such a dataset without reading them: the
 * record's image "path" is a reference naming the file and where in it the
 * bytes lie, and whoever loads the image (the training loader, the
 * thumbnails, the image check) reads just those bytes:
 *
 *   FILE#arrow:OFFSET:LENGTH
 *       LENGTH bytes at OFFSET in an Arrow IPC file (uncompressed there)
 *   FILE#parquet:START:LENGTH:CODEC:MAXDEF:ROW
 *       row ROW of the non-repeated BYTE_ARRAY column chunk whose pages lie
 *       at [START, START + LENGTH), compressed with CODEC, with maximum
 *       definition level MAXDEF (pt_parquet_read_cell decompresses the one
 *       page that holds it)
 *
 * FILE is absolute. A real file whose name ends like one of these (with
 * '#' in it) is read as a reference, which no dataset writer produces.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Whether path is a reference; *file_length (if not NULL) is where FILE ends. */
gboolean  pt_embedded_is_reference (const char *path, gsize *file_length);
/* The bytes a reference names, or NULL with a PT_ERROR_IO (cannot read) or
 * PT_ERROR_INVALID_INPUT (damaged) error naming the file. Refuses more than
 * max_bytes. */
GBytes   *pt_embedded_read         (const char *path, gsize max_bytes, GError **error);
/* "FILE (embedded image)", for messages and the interface. */
char     *pt_embedded_describe     (const char *path);

char     *pt_embedded_arrow_ref    (const char *file, gint64 offset, gint64 length);
char     *pt_embedded_parquet_ref  (const char *file, gint64 start, gint64 length, int codec,
                                    int max_def, gint64 row);

G_END_DECLS
