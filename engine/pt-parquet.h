/* pt-parquet.h — a small Parquet reader for image + question datasets.
 *
 * What the Hugging Face hub and pyarrow write for such datasets: the footer
 * (FileMetaData, Thrift compact protocol), the schema flattened to leaf
 * columns with their definition and repetition levels (Dremel), row groups,
 * and column chunks of dictionary pages and data pages v1 and v2; values in
 * PLAIN, dictionary (PLAIN_DICTIONARY, RLE_DICTIONARY) or DELTA
 * (DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY)
 * encoding; levels in the RLE / bit-packed hybrid; pages uncompressed or
 * compressed with snappy, gzip or zstd. BYTE_STREAM_SPLIT (floats), the old
 * BIT_PACKED levels and the LZ4, Brotli and LZO codecs are refused by name. Page indexes, statistics
 * and bloom filters are not needed and not read (except a chunk's null
 * count). Format: https://github.com/apache/parquet-format.
 *
 * A column is read as strings per row (numbers in decimal), which is what
 * a dataset record holds. Image bytes are never read while indexing: a
 * record names its image by (file, column chunk, row), and
 * pt_parquet_read_cell fetches that one value when the image is loaded,
 * decompressing only the page that holds it.
 *
 * Every offset, length and count in the file is checked before use; a
 * damaged file is a PT_ERROR_INVALID_INPUT naming the file and what is
 * wrong, never a crash or a huge allocation.
 */
#pragma once

#include <string.h>   /* memcpy */
#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  PT_PARQUET_BOOLEAN = 0,
  PT_PARQUET_INT32 = 1,
  PT_PARQUET_INT64 = 2,
  PT_PARQUET_INT96 = 3,
  PT_PARQUET_FLOAT = 4,
  PT_PARQUET_DOUBLE = 5,
  PT_PARQUET_BYTE_ARRAY = 6,
  PT_PARQUET_FIXED_LEN_BYTE_ARRAY = 7,
} PtParquetType;

/* A leaf column of the schema. */
typedef struct {
  char    *path;         /* dotted: "answers.list.element.answer" */
  char   **parts;        /* the same, split */
  int      type;         /* PtParquetType */
  int      type_length;  /* FIXED_LEN_BYTE_ARRAY */
  int      max_def;
  int      max_rep;
  gboolean is_string;    /* UTF8 / STRING annotated */
} PtParquetLeaf;

/* Where a leaf's values lie in one row group. */
typedef struct {
  gint64 start;          /* first page (the dictionary page, if any) */
  gint64 length;         /* compressed bytes of all its pages */
  int    codec;          /* 0 none, 1 snappy, 2 gzip, 6 zstd, … */
  gint64 num_values;
  gint64 null_count;     /* from the statistics, or -1 */
} PtParquetChunk;

typedef struct _PtParquetFile PtParquetFile;

/* A little-endian 32-bit number at any address (file bytes are unaligned). */
static inline guint32
pt_read_le32 (const void *p)
{
  guint32 v;
  memcpy (&v, p, 4);
  return GUINT32_FROM_LE (v);
}

/* Strings per row: row r has values first[r] … first[r + 1] − 1, each at
 * text->data + offsets[v], NUL-terminated. A null has no value. */
typedef struct {
  GByteArray *text;
  GArray     *offsets;   /* guint32 */
  GArray     *first;     /* guint32, rows + 1 */
} PtColumnValues;

void            pt_column_values_init  (PtColumnValues *v);
void            pt_column_values_clear (PtColumnValues *v);
/* Appends a value to the open row; closes the row (the next value starts another). */
void            pt_column_values_push    (PtColumnValues *v, const void *data, gsize length);
void            pt_column_values_end_row (PtColumnValues *v);
static inline guint
pt_column_values_count (const PtColumnValues *v, guint row)
{
  return g_array_index (v->first, guint32, row + 1) - g_array_index (v->first, guint32, row);
}
static inline const char *
pt_column_values_get (const PtColumnValues *v, guint row, guint k)
{
  guint32 i = g_array_index (v->first, guint32, row) + k;
  return (const char *) v->text->data + g_array_index (v->offsets, guint32, i);
}

/* Opens a file (kept open until freed) or a buffer (not copied; it must
 * outlive the reader), and reads its footer. */
PtParquetFile  *pt_parquet_open        (const char *path, GError **error);
PtParquetFile  *pt_parquet_open_data   (const void *data, gsize length, const char *name,
                                        GError **error);
void            pt_parquet_free        (PtParquetFile *file);

const char     *pt_parquet_get_display (PtParquetFile *file);
guint           pt_parquet_get_n_leaves (PtParquetFile *file);
const PtParquetLeaf *pt_parquet_get_leaf (PtParquetFile *file, guint leaf);
guint           pt_parquet_get_n_row_groups (PtParquetFile *file);
gint64          pt_parquet_get_n_rows  (PtParquetFile *file);      /* all row groups */
gint64          pt_parquet_get_row_group_rows (PtParquetFile *file, guint row_group);
const PtParquetChunk *pt_parquet_get_chunk (PtParquetFile *file, guint row_group, guint leaf);

/* Appends a leaf's values in one row group, one entry per row, to out.
 * presence_only: no value is kept, only whether the row has one (each
 * present value reads as ""), for the image bytes. */
gboolean        pt_parquet_read_column (PtParquetFile *file, guint row_group, guint leaf,
                                        gboolean presence_only, PtColumnValues *out,
                                        GError **error);

/* One value of a non-repeated BYTE_ARRAY leaf: row `row` of the chunk at
 * [start, start + length) compressed with codec, the leaf's max definition
 * level max_def. Reads the page headers and the one page that holds it. */
GBytes         *pt_parquet_read_cell   (PtParquetFile *file, gint64 start, gint64 length,
                                        int codec, int max_def, gint64 row, GError **error);

/* The same from a file, without reading its footer. */
GBytes         *pt_parquet_read_cell_path (const char *path, gint64 start, gint64 length,
                                           int codec, int max_def, gint64 row, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtParquetFile, pt_parquet_free)

G_END_DECLS
