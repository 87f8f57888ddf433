/* pt-parquet-private.h — what pt-parquet.c (the file, its footer) and
 * pt-parquet-page.c (pages and values) share. */
#pragma once

#include "pt-parquet.h"

G_BEGIN_DECLS

/* A page larger than this (uncompressed) is refused. */
#define MAX_PAGE      ((gsize) 1 << 30)
/* Values in one page (levels are one guint32 each). */
#define MAX_PAGE_VALUES (1u << 26)

struct _PtParquetFile {
  char           *display;
  int             fd;            /* -1: reading from mem */
  const guint8   *mem;
  gint64          size;
  GPtrArray      *leaves;        /* PtParquetLeaf * */
  guint           n_row_groups;
  gint64         *rg_rows;
  PtParquetChunk *chunks;        /* [row_group · n_leaves + leaf] */
  gint64          num_rows;
};

/* A PT_ERROR_INVALID_INPUT "FILE is not a readable Parquet file: …"; FALSE. */
gboolean       pt_parquet_fail     (PtParquetFile *f, GError **error, const char *format, ...)
                                    G_GNUC_PRINTF (3, 4);
/* length bytes at offset, checked against the file's size. */
gboolean       pt_parquet_read_at  (PtParquetFile *f, gint64 offset, gsize length, void *buf,
                                    GError **error);
/* The file opened, its footer not read. */
PtParquetFile *pt_parquet_open_raw (const char *path, GError **error);

/* n DELTA_BINARY_PACKED values (as unsigned 64-bit; INT32 keeps the low
 * half) and the bytes they took; FALSE if damaged (pt-parquet-delta.c). */
gboolean       pt_parquet_delta_ints (const guint8 *data, gsize length, guint64 *out, guint n,
                                      gsize *used);

G_END_DECLS
