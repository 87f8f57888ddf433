/* pt-thrift.c — the Thrift compact protocol, read-only (see pt-thrift.h). */
#include "config.h"

#include <string.h>

#include "pt-thrift.h"

/* Deeper than any Parquet struct (FileMetaData → RowGroup → ColumnChunk →
 * ColumnMetaData → Statistics is 5); hostile nesting stops here. */
#define MAX_DEPTH 32

void
pt_thrift_init (PtThrift *t, const void *data, gsize length)
{
  t->p = data;
  t->end = t->p + length;
  t->error = NULL;
  t->depth = 0;
}

void
pt_thrift_fail (PtThrift *t, const char *why)
{
  if (t->error == NULL)
    t->error = why;
  t->p = t->end;
}

static guint64
varint (PtThrift *t)
{
  guint64 v = 0;

  for (int shift = 0; shift < 64; shift += 7)
    {
      guint8 b;
      if (t->p >= t->end)
        {
          pt_thrift_fail (t, "it ends inside a number");
          return 0;
        }
      b = *t->p++;
      v |= (guint64) (b & 0x7f) << shift;
      if ((b & 0x80) == 0)
        return v;
    }
  pt_thrift_fail (t, "a number is longer than 64 bits");
  return 0;
}

static gint64
zigzag (guint64 v)
{
  return (gint64) (v >> 1) ^ -(gint64) (v & 1);
}

gboolean
pt_thrift_next_field (PtThrift *t, int *last, int *id, int *type)
{
  guint8 b;

  if (t->error != NULL || t->p >= t->end)
    {
      pt_thrift_fail (t, "it ends inside a struct");
      return FALSE;
    }
  b = *t->p++;
  if (b == PT_THRIFT_STOP)
    return FALSE;
  *type = b & 0x0f;
  if ((b >> 4) != 0)
    *id = *last + (b >> 4);
  else
    *id = (int) zigzag (varint (t));
  *last = *id;
  if (*type > PT_THRIFT_STRUCT)
    {
      pt_thrift_fail (t, "a field has an unknown type");
      return FALSE;
    }
  return t->error == NULL;
}

gint64
pt_thrift_int (PtThrift *t, int type)
{
  switch (type)
    {
    case PT_THRIFT_BYTE:
      if (t->p >= t->end)
        {
          pt_thrift_fail (t, "it ends inside a number");
          return 0;
        }
      return (gint8) *t->p++;
    case PT_THRIFT_I16:
    case PT_THRIFT_I32:
    case PT_THRIFT_I64:
      return zigzag (varint (t));
    case PT_THRIFT_TRUE:
      return 1;
    case PT_THRIFT_FALSE:
      return 0;
    default:
      pt_thrift_skip (t, type);
      pt_thrift_fail (t, "a number field has another type");
      return 0;
    }
}

const guint8 *
pt_thrift_binary (PtThrift *t, int type, gsize *length)
{
  guint64 n;
  const guint8 *s;

  *length = 0;
  if (type != PT_THRIFT_BINARY)
    {
      pt_thrift_skip (t, type);
      pt_thrift_fail (t, "a string field has another type");
      return NULL;
    }
  n = varint (t);
  if (t->error != NULL || n > (guint64) (t->end - t->p))
    {
      pt_thrift_fail (t, "a string runs past the end");
      return NULL;
    }
  s = t->p;
  t->p += n;
  *length = (gsize) n;
  return s;
}

gboolean
pt_thrift_list (PtThrift *t, int type, int *elem_type, guint32 *count)
{
  guint8 b;
  guint64 n;

  *count = 0;
  if (type != PT_THRIFT_LIST && type != PT_THRIFT_SET)
    {
      pt_thrift_skip (t, type);
      pt_thrift_fail (t, "a list field has another type");
      return FALSE;
    }
  if (t->p >= t->end)
    {
      pt_thrift_fail (t, "it ends inside a list");
      return FALSE;
    }
  b = *t->p++;
  *elem_type = b & 0x0f;
  n = b >> 4;
  if (n == 15)
    n = varint (t);
  /* every element takes at least one byte: a longer count is a lie */
  if (t->error != NULL || n > (guint64) (t->end - t->p) || *elem_type > PT_THRIFT_STRUCT)
    {
      pt_thrift_fail (t, "a list is longer than its data");
      return FALSE;
    }
  *count = (guint32) n;
  return TRUE;
}

gboolean
pt_thrift_enter (PtThrift *t, int type)
{
  if (type != PT_THRIFT_STRUCT)
    {
      pt_thrift_skip (t, type);
      pt_thrift_fail (t, "a struct field has another type");
      return FALSE;
    }
  if (++t->depth > MAX_DEPTH)
    {
      pt_thrift_fail (t, "structs are nested too deeply");
      return FALSE;
    }
  return TRUE;
}

void
pt_thrift_leave (PtThrift *t)
{
  t->depth--;
}

static void
advance (PtThrift *t, gsize n)
{
  if (n > (gsize) (t->end - t->p))
    pt_thrift_fail (t, "a value runs past the end");
  else
    t->p += n;
}

void
pt_thrift_skip (PtThrift *t, int type)
{
  if (t->error != NULL)
    return;
  switch (type)
    {
    case PT_THRIFT_TRUE:
    case PT_THRIFT_FALSE:
      break;
    case PT_THRIFT_BYTE:
      advance (t, 1);
      break;
    case PT_THRIFT_I16:
    case PT_THRIFT_I32:
    case PT_THRIFT_I64:
      varint (t);
      break;
    case PT_THRIFT_DOUBLE:
      advance (t, 8);
      break;
    case PT_THRIFT_BINARY:
      {
        gsize n;
        pt_thrift_binary (t, type, &n);
      }
      break;
    case PT_THRIFT_LIST:
    case PT_THRIFT_SET:
      {
        int et;
        guint32 n;
        if (!pt_thrift_list (t, type, &et, &n))
          break;
        if (++t->depth > MAX_DEPTH)
          {
            pt_thrift_fail (t, "lists are nested too deeply");
            break;
          }
        for (guint32 i = 0; i < n && t->error == NULL; i++)
          {
            /* a bool element is one byte, not folded into a type */
            if (et == PT_THRIFT_TRUE || et == PT_THRIFT_FALSE)
              advance (t, 1);
            else
              pt_thrift_skip (t, et);
          }
        t->depth--;
      }
      break;
    case PT_THRIFT_MAP:
      {
        guint64 n = varint (t);
        guint8 kv;
        if (n == 0 || t->error != NULL)
          break;
        if (n > (guint64) (t->end - t->p) || t->p >= t->end)
          {
            pt_thrift_fail (t, "a map is longer than its data");
            break;
          }
        kv = *t->p++;
        if (++t->depth > MAX_DEPTH)
          {
            pt_thrift_fail (t, "maps are nested too deeply");
            break;
          }
        for (guint64 i = 0; i < n && t->error == NULL; i++)
          {
            pt_thrift_skip (t, kv >> 4);
            pt_thrift_skip (t, kv & 0x0f);
          }
        t->depth--;
      }
      break;
    case PT_THRIFT_STRUCT:
      {
        int last = 0, id, ft;
        if (!pt_thrift_enter (t, type))
          break;
        while (pt_thrift_next_field (t, &last, &id, &ft))
          pt_thrift_skip (t, ft);
        pt_thrift_leave (t);
      }
      break;
    default:
      pt_thrift_fail (t, "a value has an unknown type");
      break;
    }
}
