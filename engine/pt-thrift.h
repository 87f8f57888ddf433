/* pt-thrift.h — a reader for the Thrift compact protocol, as Parquet
 * stores its footer (FileMetaData) and page headers in it.
 *
 * Only what Parquet needs: walk the fields of a struct, read integers
 * (zigzag varints), binary strings, list headers, and skip anything else,
 * with nesting limited so a hostile file cannot exhaust the stack. Every
 * read is bounds-checked; the first problem sets `failed` and every later
 * read returns zero, so callers check once at the end
 * (https://github.com/apache/thrift/blob/master/doc/specs/thrift-compact-protocol.md).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  PT_THRIFT_STOP = 0,
  PT_THRIFT_TRUE = 1,       /* a bool field's value is in its type */
  PT_THRIFT_FALSE = 2,
  PT_THRIFT_BYTE = 3,
  PT_THRIFT_I16 = 4,
  PT_THRIFT_I32 = 5,
  PT_THRIFT_I64 = 6,
  PT_THRIFT_DOUBLE = 7,
  PT_THRIFT_BINARY = 8,
  PT_THRIFT_LIST = 9,
  PT_THRIFT_SET = 10,
  PT_THRIFT_MAP = 11,
  PT_THRIFT_STRUCT = 12,
} PtThriftType;

typedef struct {
  const guint8 *p, *end;
  const char   *error;      /* what went wrong first, or NULL */
  int           depth;      /* structs and containers entered */
} PtThrift;

void     pt_thrift_init        (PtThrift *t, const void *data, gsize length);
/* The next field of the struct being read: FALSE at its end (STOP) or on an
 * error. *last carries the previous field id (start at 0 per struct). */
gboolean pt_thrift_next_field  (PtThrift *t, int *last, int *id, int *type);
/* An integer field of any width (byte, i16, i32, i64). */
gint64   pt_thrift_int         (PtThrift *t, int type);
/* Binary or string: points into the buffer. */
const guint8 *pt_thrift_binary (PtThrift *t, int type, gsize *length);
/* A list or set header: element type and count; FALSE if type is not one. */
gboolean pt_thrift_list        (PtThrift *t, int type, int *elem_type, guint32 *count);
/* A field of a struct type: call before reading its fields, and
 * pt_thrift_leave after (limits nesting). FALSE if type is not a struct. */
gboolean pt_thrift_enter       (PtThrift *t, int type);
void     pt_thrift_leave       (PtThrift *t);
/* Skips a value of the given type. */
void     pt_thrift_skip        (PtThrift *t, int type);
void     pt_thrift_fail        (PtThrift *t, const char *why);

G_END_DECLS
