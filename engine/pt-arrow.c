/* pt-arrow.c — Arrow IPC stream and file reading (see pt-arrow.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>               /* O_RDONLY */
#include <string.h>
#include <unistd.h>              /* pread, close */
#include <sys/stat.h>            /* fstat */
#include <glib/gstdio.h>         /* g_open */

#include "pt-arrow.h"
#include "pt-embedded.h"         /* pt_embedded_arrow_ref */
#include "pt-error.h"

#define MAX_METADATA  ((gsize) 64 << 20)
#define MAX_DEPTH     32
#define MAX_FIELDS    100000

/* Type ids of the Type union (Schema.fbs). */
enum {
  T_NULL = 1, T_INT = 2, T_FLOAT = 3, T_BINARY = 4, T_UTF8 = 5, T_BOOL = 6, T_DECIMAL = 7,
  T_DATE = 8, T_TIME = 9, T_TIMESTAMP = 10, T_INTERVAL = 11, T_LIST = 12, T_STRUCT = 13,
  T_UNION = 14, T_FIXED_BINARY = 15, T_FIXED_LIST = 16, T_MAP = 17, T_DURATION = 18,
  T_LARGE_BINARY = 19, T_LARGE_UTF8 = 20, T_LARGE_LIST = 21,
};
/* MessageHeader union. */
enum { M_SCHEMA = 1, M_DICTIONARY = 2, M_RECORD_BATCH = 3 };

typedef struct _Field Field;
struct _Field {
  char      *name;
  int        type;
  int        bit_width;      /* Int; FloatingPoint: 16/32/64 */
  gboolean   is_signed;
  int        fixed_size;     /* FixedSizeBinary bytes, FixedSizeList items */
  gboolean   dictionary;     /* dictionary-encoded: the buffers hold indices */
  guint      node;           /* index of its FieldNode in a batch */
  guint      buffer;         /* index of its first buffer */
  GPtrArray *children;       /* Field * */
};

typedef struct { gint64 length, null_count; } Node;
typedef struct { gint64 offset, length; } Buffer;

struct _PtArrowFile {
  char       *display;
  int         fd;
  const guint8 *mem;
  gint64      size;
  gint64      pos;           /* next message */
  gint64      end;           /* where the stream ends (the file format's footer) */
  GPtrArray  *fields;        /* Field *, top level */
  guint       n_nodes, n_buffers;
  /* the current batch */
  gint64      rows;
  gint64      body;          /* file offset of its body */
  gint64      body_length;
  GArray     *nodes;         /* Node */
  GArray     *buffers;       /* Buffer */
  GHashTable *loaded;        /* buffer index → GBytes */
};

static gboolean G_GNUC_PRINTF (3, 4)
fail (PtArrowFile *f, GError **error, const char *format, ...)
{
  va_list args;
  g_autofree char *what = NULL;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "%s is not a readable Arrow file: %s",
               f->display, what);
  return FALSE;
}

static gboolean
read_at (PtArrowFile *f, gint64 offset, gsize length, void *buf, GError **error)
{
  gsize done = 0;

  if (offset < 0 || offset > f->size || (gint64) length > f->size - offset)
    return fail (f, error, "a part at byte %" G_GINT64_FORMAT " (%" G_GSIZE_FORMAT " bytes) lies "
                 "past its end (%" G_GINT64_FORMAT " bytes; truncated?)", offset, length, f->size);
  if (f->fd < 0)
    {
      memcpy (buf, f->mem + offset, length);
      return TRUE;
    }
  while (done < length)
    {
      gssize n = pread (f->fd, (char *) buf + done, length - done, (off_t) (offset + done));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          int saved = errno;
          g_set_error (error, PT_ERROR, PT_ERROR_IO, "Cannot read %s: %s", f->display,
                       n == 0 ? "it became shorter while reading" : g_strerror (saved));
          return FALSE;
        }
      done += (gsize) n;
    }
  return TRUE;
}

/* ---- flatbuffers, bounds-checked ---- */

typedef struct {
  const guint8 *b;
  gsize         len;
  gboolean      bad;
} Fb;

typedef struct {
  gsize pos;        /* the table */
  gsize vt;         /* its vtable */
  guint n_fields;
} Table;

static guint64
fb_uint (Fb *fb, gsize pos, guint size)
{
  guint64 v = 0;

  if (fb->bad || pos > fb->len || size > fb->len - pos)
    {
      fb->bad = TRUE;
      return 0;
    }
  for (guint i = 0; i < size; i++)
    v |= (guint64) fb->b[pos + i] << (8 * i);
  return v;
}

static gboolean
fb_table_at (Fb *fb, gsize pos, Table *t)
{
  gint32 soff = (gint32) fb_uint (fb, pos, 4);
  gint64 vt = (gint64) pos - soff;
  guint vt_size;

  memset (t, 0, sizeof *t);
  if (fb->bad || vt < 0 || (guint64) vt + 4 > fb->len)
    return !(fb->bad = TRUE);
  vt_size = (guint) fb_uint (fb, (gsize) vt, 2);
  if (vt_size < 4 || (gsize) vt + vt_size > fb->len)
    return !(fb->bad = TRUE);
  t->pos = pos;
  t->vt = (gsize) vt;
  t->n_fields = (vt_size - 4) / 2;
  return !fb->bad;
}

/* Where field i lies, or 0 if absent. */
static gsize
fb_field (Fb *fb, const Table *t, guint i)
{
  guint off;

  if (fb->bad || i >= t->n_fields)
    return 0;
  off = (guint) fb_uint (fb, t->vt + 4 + 2 * i, 2);
  return off == 0 ? 0 : t->pos + off;
}

static gint64
fb_int (Fb *fb, const Table *t, guint i, guint size, gint64 dflt)
{
  gsize at = fb_field (fb, t, i);
  guint64 v;

  if (at == 0)
    return dflt;
  v = fb_uint (fb, at, size);
  switch (size)
    {
    case 1: return (gint8) v;
    case 2: return (gint16) v;
    case 4: return (gint32) v;
    default: return (gint64) v;
    }
}

/* The object an offset field points to, or 0. */
static gsize
fb_deref (Fb *fb, const Table *t, guint i)
{
  gsize at = fb_field (fb, t, i);
  guint64 target;

  if (at == 0)
    return 0;
  target = at + fb_uint (fb, at, 4);
  if (fb->bad || target >= fb->len)
    {
      fb->bad = TRUE;
      return 0;
    }
  return (gsize) target;
}

static gboolean
fb_sub_table (Fb *fb, const Table *t, guint i, Table *out)
{
  gsize at = fb_deref (fb, t, i);

  if (at == 0)
    return FALSE;
  return fb_table_at (fb, at, out);
}

/* A vector field: its element count and where the elements start. */
static gboolean
fb_vector (Fb *fb, const Table *t, guint i, guint elem_size, guint32 *count, gsize *elems)
{
  gsize at = fb_deref (fb, t, i);

  *count = 0;
  if (at == 0)
    return FALSE;
  *count = (guint32) fb_uint (fb, at, 4);
  *elems = at + 4;
  if (fb->bad || (guint64) *count * elem_size > fb->len - *elems)
    return !(fb->bad = TRUE);
  return TRUE;
}

static char *
fb_string (Fb *fb, const Table *t, guint i)
{
  guint32 n;
  gsize s;

  if (!fb_vector (fb, t, i, 1, &n, &s))
    return NULL;
  return g_strndup ((const char *) fb->b + s, n);
}

/* ---- the schema ---- */

static void
field_free (gpointer p)
{
  Field *fl = p;

  g_free (fl->name);
  g_ptr_array_unref (fl->children);
  g_free (fl);
}

static guint
type_buffers (int type)
{
  switch (type)
    {
    case T_NULL: return 0;
    case T_STRUCT: case T_FIXED_LIST: return 1;
    case T_BINARY: case T_UTF8: case T_LARGE_BINARY: case T_LARGE_UTF8: return 3;
    default: return 2;
    }
}

static Field *
read_field (PtArrowFile *f, Fb *fb, gsize pos, int depth, GError **error)
{
  Table t, type, dict;
  Field *fl;
  guint32 n;
  gsize elems;

  if (depth > MAX_DEPTH)
    {
      fail (f, error, "its schema is nested more than %d levels deep", MAX_DEPTH);
      return NULL;
    }
  if (!fb_table_at (fb, pos, &t) || f->n_nodes >= MAX_FIELDS)
    {
      fail (f, error, "its schema is damaged");
      return NULL;
    }
  fl = g_new0 (Field, 1);
  fl->children = g_ptr_array_new_with_free_func (field_free);
  fl->name = fb_string (fb, &t, 0);
  if (fl->name == NULL)
    fl->name = g_strdup ("");
  fl->type = (int) fb_int (fb, &t, 2, 1, 0);
  if (fb_sub_table (fb, &t, 3, &type))
    {
      if (fl->type == T_INT)
        {
          fl->bit_width = (int) fb_int (fb, &type, 0, 4, 0);
          fl->is_signed = fb_int (fb, &type, 1, 1, 0) != 0;
        }
      else if (fl->type == T_FLOAT)
        fl->bit_width = 16 << fb_int (fb, &type, 0, 2, 0);
      else if (fl->type == T_FIXED_BINARY || fl->type == T_FIXED_LIST)
        fl->fixed_size = (int) fb_int (fb, &type, 0, 4, 0);
    }
  fl->dictionary = fb_sub_table (fb, &t, 4, &dict);
  if (fl->type == T_UNION || fl->type > T_LARGE_LIST || fl->type < T_NULL)
    {
      fail (f, error, "column %s has an Arrow type PaliTune does not read (type id %d)",
            fl->name, fl->type);
      field_free (fl);
      return NULL;
    }
  fl->node = f->n_nodes++;
  fl->buffer = f->n_buffers;
  f->n_buffers += fl->dictionary ? 2 : type_buffers (fl->type);
  if (fb_vector (fb, &t, 5, 4, &n, &elems))
    for (guint32 i = 0; i < n; i++)
      {
        gsize child = elems + 4 * i + fb_uint (fb, elems + 4 * i, 4);
        Field *c = read_field (f, fb, child, depth + 1, error);
        if (c == NULL)
          {
            field_free (fl);
            return NULL;
          }
        g_ptr_array_add (fl->children, c);
      }
  if (fb->bad)
    {
      fail (f, error, "its schema is damaged");
      field_free (fl);
      return NULL;
    }
  if (((fl->type == T_LIST || fl->type == T_LARGE_LIST || fl->type == T_FIXED_LIST
        || fl->type == T_MAP) && fl->children->len != 1 && fl->type != T_MAP)
      || (fl->type == T_FIXED_LIST && fl->fixed_size <= 0))
    {
      fail (f, error, "list column %s has %u item types", fl->name, fl->children->len);
      field_free (fl);
      return NULL;
    }
  return fl;
}

/* ---- messages ---- */

typedef struct {
  int          header_type;
  gint64       body_length;
  guint8      *meta;
  gsize        meta_len;
  gsize        header;      /* the header table's position in meta */
} Message;

/* The message at f->pos: FALSE at the end of the stream (*done) or on error. */
static gboolean
read_message (PtArrowFile *f, Message *m, gboolean *done, GError **error)
{
  guint8 head[8];
  guint32 len;
  gint64 at = f->pos;
  Fb fb;
  Table t;

  memset (m, 0, sizeof *m);
  *done = FALSE;
  if (at + 4 > f->end)
    {
      /* a stream may end without its end-of-stream marker */
      *done = at == f->end;
      if (!*done)
        return fail (f, error, "it ends inside a message header (truncated?)");
      return FALSE;
    }
  if (!read_at (f, at, 4, head, error))
    return FALSE;
  len = pt_read_le32 (head);
  at += 4;
  if (len == 0xFFFFFFFFu)
    {
      if (at + 4 > f->end)
        return fail (f, error, "it ends inside a message header (truncated?)");
      if (!read_at (f, at, 4, head, error))
        return FALSE;
      len = pt_read_le32 (head);
      at += 4;
    }
  if (len == 0)
    {
      *done = TRUE;
      return FALSE;
    }
  if (len > MAX_METADATA || (gint64) len > f->end - at)
    return fail (f, error, "a message claims %u bytes of metadata, more than is left", len);
  m->meta = g_malloc (len);
  m->meta_len = len;
  if (!read_at (f, at, len, m->meta, error))
    return FALSE;
  at += len;
  fb = (Fb) { m->meta, len, FALSE };
  if (!fb_table_at (&fb, (gsize) fb_uint (&fb, 0, 4), &t))
    return fail (f, error, "a message is damaged");
  m->header_type = (int) fb_int (&fb, &t, 1, 1, 0);
  m->header = fb_deref (&fb, &t, 2);
  m->body_length = fb_int (&fb, &t, 3, 8, 0);
  if (fb.bad || m->header == 0 || m->body_length < 0 || m->body_length > f->end - at)
    return fail (f, error, "a message is damaged or its body (%" G_GINT64_FORMAT " bytes) runs "
                 "past the end (truncated?)", m->body_length);
  f->body = at;
  f->pos = at + m->body_length;
  return TRUE;
}

static gboolean
read_schema (PtArrowFile *f, GError **error)
{
  Message m;
  gboolean done, ok;
  Fb fb;
  Table t;
  guint32 n;
  gsize elems;

  if (!read_message (f, &m, &done, error))
    {
      g_free (m.meta);
      return done ? fail (f, error, "it holds no schema") : FALSE;
    }
  fb = (Fb) { m.meta, m.meta_len, FALSE };
  ok = m.header_type == M_SCHEMA && fb_table_at (&fb, m.header, &t);
  if (!ok)
    {
      g_free (m.meta);
      return fail (f, error, "its first message is not a schema");
    }
  if (fb_vector (&fb, &t, 1, 4, &n, &elems))
    for (guint32 i = 0; ok && i < n; i++)
      {
        Field *c = read_field (f, &fb, elems + 4 * i + fb_uint (&fb, elems + 4 * i, 4), 0, error);
        if (c == NULL)
          ok = FALSE;
        else
          g_ptr_array_add (f->fields, c);
      }
  g_free (m.meta);
  if (ok && f->fields->len == 0)
    return fail (f, error, "its schema has no columns");
  return ok;
}

static PtArrowFile *
arrow_new (const char *display)
{
  PtArrowFile *f = g_new0 (PtArrowFile, 1);

  f->display = g_strdup (display);
  f->fd = -1;
  f->fields = g_ptr_array_new_with_free_func (field_free);
  f->nodes = g_array_new (FALSE, FALSE, sizeof (Node));
  f->buffers = g_array_new (FALSE, FALSE, sizeof (Buffer));
  f->loaded = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_bytes_unref);
  return f;
}

static gboolean
open_common (PtArrowFile *f, GError **error)
{
  guint8 head[8];

  if (f->size == 0)
    return fail (f, error, "it is empty");
  if (f->size < 8)
    return fail (f, error, "it is %" G_GINT64_FORMAT " bytes long, too short for Arrow", f->size);
  if (!read_at (f, 0, 8, head, error))
    return FALSE;
  f->end = f->size;
  if (memcmp (head, "ARROW1", 6) == 0)
    {
      /* the file format: the stream lies between the magic and the footer */
      guint8 tail[10];
      guint32 footer;
      if (f->size < 8 + 10)
        return fail (f, error, "it holds only the Arrow magic");
      if (!read_at (f, f->size - 10, 10, tail, error))
        return FALSE;
      if (memcmp (tail + 4, "ARROW1", 6) != 0)
        return fail (f, error, "it does not end with the Arrow magic (truncated?)");
      footer = pt_read_le32 (tail);
      if ((gint64) footer > f->size - 18)
        return fail (f, error, "its footer length %u does not fit its %" G_GINT64_FORMAT " bytes",
                     footer, f->size);
      f->pos = 8;
      f->end = f->size - 10 - footer;
    }
  else if (pt_read_le32 (head) != 0xFFFFFFFFu
           && pt_read_le32 (head) > MAX_METADATA)
    return fail (f, error, "it starts with neither the Arrow file magic nor a stream message");
  return read_schema (f, error);
}

PtArrowFile *
pt_arrow_open (const char *path, GError **error)
{
  g_autofree char *display = g_filename_display_name (path);
  g_autoptr(PtArrowFile) f = arrow_new (display);
  struct stat st;

  f->fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (f->fd < 0 || fstat (f->fd, &st) != 0)
    {
      int saved = errno;
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "Cannot open %s: %s", display,
                   g_strerror (saved));
      return NULL;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "%s is not a regular file", display);
      return NULL;
    }
  f->size = st.st_size;
  if (!open_common (f, error))
    return NULL;
  return g_steal_pointer (&f);
}

PtArrowFile *
pt_arrow_open_data (const void *data, gsize length, const char *name, GError **error)
{
  g_autoptr(PtArrowFile) f = arrow_new (name != NULL ? name : "the data");

  f->mem = data;
  f->size = (gint64) length;
  if (!open_common (f, error))
    return NULL;
  return g_steal_pointer (&f);
}

void
pt_arrow_free (PtArrowFile *f)
{
  if (f == NULL)
    return;
  if (f->fd >= 0)
    close (f->fd);
  g_ptr_array_unref (f->fields);
  g_array_unref (f->nodes);
  g_array_unref (f->buffers);
  g_hash_table_unref (f->loaded);
  g_free (f->display);
  g_free (f);
}

const char *
pt_arrow_get_display (PtArrowFile *f)
{
  return f->display;
}

guint
pt_arrow_get_n_columns (PtArrowFile *f)
{
  return f->fields->len;
}

const char *
pt_arrow_get_column_name (PtArrowFile *f, guint column)
{
  g_return_val_if_fail (column < f->fields->len, NULL);
  return ((Field *) f->fields->pdata[column])->name;
}

gboolean
pt_arrow_next_batch (PtArrowFile *f, gint64 *rows, GError **error)
{
  for (;;)
    {
      Message m;
      gboolean done;
      Fb fb;
      Table t, comp;
      guint32 n;
      gsize elems;

      g_hash_table_remove_all (f->loaded);
      g_array_set_size (f->nodes, 0);
      g_array_set_size (f->buffers, 0);
      if (!read_message (f, &m, &done, error))
        {
          g_free (m.meta);
          return FALSE;
        }
      if (m.header_type == M_DICTIONARY)
        {
          /* dictionaries serve dictionary-encoded columns, refused when read */
          g_free (m.meta);
          continue;
        }
      if (m.header_type != M_RECORD_BATCH)
        {
          g_free (m.meta);
          return fail (f, error, "a message of type %d where a record batch belongs",
                       m.header_type);
        }
      fb = (Fb) { m.meta, m.meta_len, FALSE };
      fb_table_at (&fb, m.header, &t);
      f->rows = fb_int (&fb, &t, 0, 8, 0);
      f->body_length = m.body_length;
      if (fb_sub_table (&fb, &t, 3, &comp))
        {
          g_free (m.meta);
          g_set_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED, "%s uses Arrow body compression; "
                       "PaliTune reads uncompressed Arrow (as the datasets library writes it)",
                       f->display);
          return FALSE;
        }
      if (fb_vector (&fb, &t, 1, 16, &n, &elems))
        for (guint32 i = 0; i < n; i++)
          {
            Node nd = { (gint64) fb_uint (&fb, elems + 16 * i, 8),
                        (gint64) fb_uint (&fb, elems + 16 * i + 8, 8) };
            g_array_append_val (f->nodes, nd);
          }
      if (fb_vector (&fb, &t, 2, 16, &n, &elems))
        for (guint32 i = 0; i < n; i++)
          {
            Buffer b = { (gint64) fb_uint (&fb, elems + 16 * i, 8),
                         (gint64) fb_uint (&fb, elems + 16 * i + 8, 8) };
            g_array_append_val (f->buffers, b);
          }
      g_free (m.meta);
      if (fb.bad || f->rows < 0 || f->rows > G_MAXINT32)
        return fail (f, error, "a record batch header is damaged");
      if (f->nodes->len != f->n_nodes || f->buffers->len != f->n_buffers)
        return fail (f, error, "a record batch has %u arrays and %u buffers, its schema %u and %u",
                     f->nodes->len, f->buffers->len, f->n_nodes, f->n_buffers);
      for (guint i = 0; i < f->buffers->len; i++)
        {
          Buffer *b = &g_array_index (f->buffers, Buffer, i);
          if (b->offset < 0 || b->length < 0 || b->offset > f->body_length
              || b->length > f->body_length - b->offset)
            return fail (f, error, "buffer %u of a record batch lies outside its body", i);
        }
      for (guint i = 0; i < f->nodes->len; i++)
        {
          Node *nd = &g_array_index (f->nodes, Node, i);
          if (nd->length < 0 || nd->length > G_MAXINT32 || nd->null_count < 0
              || nd->null_count > nd->length)
            return fail (f, error, "array %u of a record batch has a damaged length", i);
        }
      *rows = f->rows;
      return TRUE;
    }
}

/* ---- values ---- */

/* A buffer of the current batch, read once. */
static const guint8 *
buffer (PtArrowFile *f, guint index, gsize *length, GError **error)
{
  GBytes *b = g_hash_table_lookup (f->loaded, GUINT_TO_POINTER (index + 1));

  if (b == NULL)
    {
      Buffer *d = &g_array_index (f->buffers, Buffer, index);
      guint8 *data = g_malloc (MAX ((gsize) d->length, 1));
      if (!read_at (f, f->body + d->offset, (gsize) d->length, data, error))
        {
          g_free (data);
          return NULL;
        }
      b = g_bytes_new_take (data, (gsize) d->length);
      g_hash_table_insert (f->loaded, GUINT_TO_POINTER (index + 1), b);
    }
  return g_bytes_get_data (b, length);
}

/* Reads what a field's arrays need: its length, validity and offsets. */
typedef struct {
  const Field  *field;
  gint64        length;
  const guint8 *validity;    /* NULL: all valid */
  const guint8 *offsets;     /* lists, binaries: length + 1 entries */
  gboolean      large;       /* 64-bit offsets */
  const guint8 *data;
  gsize         data_len;
} Array;

/* want_data FALSE: a binary's values are not read (image bytes). */
static gboolean
array_open_full (PtArrowFile *f, const Field *fl, Array *a, gboolean want_data, GError **error)
{
  Node *nd = &g_array_index (f->nodes, Node, fl->node);
  gsize len;

  memset (a, 0, sizeof *a);
  a->field = fl;
  a->length = nd->length;
  if (fl->type == T_NULL)
    return TRUE;
  if (nd->null_count > 0)
    {
      a->validity = buffer (f, fl->buffer, &len, error);
      if (a->validity == NULL)
        return FALSE;
      if (len * 8 < (guint64) a->length)
        return fail (f, error, "column %s: its validity bitmap is too short", fl->name);
    }
  switch (fl->type)
    {
    case T_BINARY: case T_UTF8: case T_LARGE_BINARY: case T_LARGE_UTF8:
    case T_LIST: case T_LARGE_LIST: case T_MAP:
      {
        gsize w;
        a->large = fl->type == T_LARGE_BINARY || fl->type == T_LARGE_UTF8
                   || fl->type == T_LARGE_LIST;
        w = a->large ? 8 : 4;
        a->offsets = buffer (f, fl->buffer + 1, &len, error);
        if (a->offsets == NULL)
          return FALSE;
        if (a->length > 0 && len < (gsize) (a->length + 1) * w)
          return fail (f, error, "column %s: its offsets are too short", fl->name);
        if (want_data && (fl->type == T_BINARY || fl->type == T_UTF8
                          || fl->type == T_LARGE_BINARY || fl->type == T_LARGE_UTF8))
          {
            a->data = buffer (f, fl->buffer + 2, &a->data_len, error);
            if (a->data == NULL)
              return FALSE;
          }
      }
      break;
    case T_STRUCT: case T_FIXED_LIST: case T_NULL:
      break;
    default:
      a->data = buffer (f, fl->buffer + 1, &a->data_len, error);
      if (a->data == NULL)
        return FALSE;
      break;
    }
  return TRUE;
}

static gboolean
array_open (PtArrowFile *f, const Field *fl, Array *a, GError **error)
{
  return array_open_full (f, fl, a, TRUE, error);
}

static gboolean
array_valid (const Array *a, gint64 i)
{
  return a->validity == NULL || (a->validity[i >> 3] >> (i & 7)) & 1;
}

static gint64
array_offset (const Array *a, gint64 i)
{
  if (a->large)
    {
      gint64 v;
      memcpy (&v, a->offsets + 8 * i, 8);
      return GINT64_FROM_LE (v);
    }
  else
    {
      gint32 v;
      memcpy (&v, a->offsets + 4 * i, 4);
      return GINT32_FROM_LE (v);
    }
}

/* Element i's value range in a list or binary, checked against limit. */
static gboolean
array_range (PtArrowFile *f, const Array *a, gint64 i, gint64 limit, gint64 *start, gint64 *end,
             GError **error)
{
  *start = array_offset (a, i);
  *end = array_offset (a, i + 1);
  if (*start < 0 || *end < *start || *end > limit)
    return fail (f, error, "column %s: offsets out of range at row %" G_GINT64_FORMAT,
                 a->field->name, i);
  return TRUE;
}

static gboolean
push_scalar (PtArrowFile *f, const Array *a, gint64 i, PtColumnValues *out, GError **error)
{
  const Field *fl = a->field;
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  gsize size = 0;

  switch (fl->type)
    {
    case T_BOOL:
      if ((guint64) (i >> 3) >= a->data_len)
        break;
      pt_column_values_push (out, (a->data[i >> 3] >> (i & 7)) & 1 ? "true" : "false",
                             (a->data[i >> 3] >> (i & 7)) & 1 ? 4 : 5);
      return TRUE;
    case T_INT:
      size = (gsize) fl->bit_width / 8;
      if (size == 0 || size > 8 || (guint64) (i + 1) * size > a->data_len)
        break;
      {
        guint64 v = 0;
        for (gsize k = 0; k < size; k++)
          v |= (guint64) a->data[i * size + k] << (8 * k);
        if (fl->is_signed && size < 8 && (v >> (8 * size - 1)) & 1)
          v |= ~(guint64) 0 << (8 * size);
        if (fl->is_signed)
          g_snprintf (buf, sizeof buf, "%" G_GINT64_FORMAT, (gint64) v);
        else
          g_snprintf (buf, sizeof buf, "%" G_GUINT64_FORMAT, v);
      }
      pt_column_values_push (out, buf, strlen (buf));
      return TRUE;
    case T_FLOAT:
      size = (gsize) fl->bit_width / 8;
      if ((size != 4 && size != 8) || (guint64) (i + 1) * size > a->data_len)
        break;
      if (size == 4)
        {
          float x;
          memcpy (&x, a->data + 4 * i, 4);
          g_ascii_formatd (buf, sizeof buf, "%g", x);
        }
      else
        {
          double x;
          memcpy (&x, a->data + 8 * i, 8);
          g_ascii_dtostr (buf, sizeof buf, x);
        }
      pt_column_values_push (out, buf, strlen (buf));
      return TRUE;
    case T_BINARY: case T_UTF8: case T_LARGE_BINARY: case T_LARGE_UTF8:
      {
        gint64 s, e;
        if (!array_range (f, a, i, (gint64) a->data_len, &s, &e, error))
          return FALSE;
        pt_column_values_push (out, a->data + s, (gsize) (e - s));
        return TRUE;
      }
    default:
      return fail (f, error, "column %s holds values PaliTune cannot turn into text",
                   fl->name);
    }
  return fail (f, error, "column %s: its data buffer is too short", fl->name);
}

/* Values of elements [start, end) of a field, lists followed, structs into
 * the child named `child` (or the only one). */
static gboolean
collect (PtArrowFile *f, const Field *fl, gint64 start, gint64 end, const char *child,
         PtColumnValues *out, int depth, GError **error)
{
  Array a;

  if (depth > MAX_DEPTH)
    return fail (f, error, "column %s is nested too deeply", fl->name);
  if (fl->dictionary)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED, "%s: column %s is dictionary-encoded, "
                   "which PaliTune does not read", f->display, fl->name);
      return FALSE;
    }
  if (!array_open (f, fl, &a, error))
    return FALSE;
  if (start < 0 || end > a.length)
    return fail (f, error, "column %s is shorter than its parent says", fl->name);
  for (gint64 i = start; i < end; i++)
    {
      if (fl->type == T_NULL || !array_valid (&a, i))
        continue;
      switch (fl->type)
        {
        case T_LIST: case T_LARGE_LIST: case T_MAP:
          {
            gint64 s, e;
            const Field *item = fl->children->pdata[0];
            if (!array_range (f, &a, i, G_MAXINT64, &s, &e, error)
                || !collect (f, item, s, e, child, out, depth + 1, error))
              return FALSE;
          }
          break;
        case T_FIXED_LIST:
          if (!collect (f, fl->children->pdata[0], i * fl->fixed_size, (i + 1) * fl->fixed_size,
                        child, out, depth + 1, error))
            return FALSE;
          break;
        case T_STRUCT:
          {
            const Field *c = NULL;
            for (guint k = 0; k < fl->children->len; k++)
              if (child != NULL && strcmp (((Field *) fl->children->pdata[k])->name, child) == 0)
                c = fl->children->pdata[k];
            if (c == NULL && fl->children->len == 1)
              c = fl->children->pdata[0];
            if (c == NULL)
              return fail (f, error, "column %s has no field “%s”", fl->name,
                           child != NULL ? child : "?");
            if (!collect (f, c, i, i + 1, child, out, depth + 1, error))
              return FALSE;
          }
          break;
        default:
          if (!push_scalar (f, &a, i, out, error))
            return FALSE;
          break;
        }
    }
  return TRUE;
}

gboolean
pt_arrow_read_column (PtArrowFile    *f,
                      guint           column,
                      const char     *child,
                      PtColumnValues *out,
                      GError        **error)
{
  const Field *fl;

  g_return_val_if_fail (column < f->fields->len, FALSE);
  fl = f->fields->pdata[column];
  if (g_array_index (f->nodes, Node, fl->node).length != f->rows)
    return fail (f, error, "column %s has %" G_GINT64_FORMAT " rows, its batch %" G_GINT64_FORMAT,
                 fl->name, g_array_index (f->nodes, Node, fl->node).length, f->rows);
  for (gint64 r = 0; r < f->rows; r++)
    {
      if (!collect (f, fl, r, r + 1, child, out, 0, error))
        return FALSE;
      pt_column_values_end_row (out);
    }
  return TRUE;
}

static const Field *
child_named (const Field *fl, const char *name)
{
  for (guint k = 0; k < fl->children->len; k++)
    if (strcmp (((Field *) fl->children->pdata[k])->name, name) == 0)
      return fl->children->pdata[k];
  return NULL;
}

gboolean
pt_arrow_read_images (PtArrowFile    *f,
                      guint           column,
                      const char     *ref_file,
                      PtColumnValues *out,
                      GError        **error)
{
  const Field *fl, *bytes = NULL, *path = NULL;
  Array top, b, p;
  gboolean have_b = FALSE, have_p = FALSE;

  g_return_val_if_fail (column < f->fields->len, FALSE);
  fl = f->fields->pdata[column];
  if (fl->type == T_STRUCT)
    {
      bytes = child_named (fl, "bytes");
      path = child_named (fl, "path");
    }
  else if (fl->type == T_BINARY || fl->type == T_LARGE_BINARY)
    bytes = fl;
  else if (fl->type == T_UTF8 || fl->type == T_LARGE_UTF8)
    path = fl;
  if ((bytes != NULL && bytes->type != T_BINARY && bytes->type != T_LARGE_BINARY)
      || (path != NULL && path->type != T_UTF8 && path->type != T_LARGE_UTF8)
      || (bytes == NULL && path == NULL) || fl->dictionary)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "%s: column “%s” does not hold images (a path, bytes, or {bytes, path})",
                   f->display, fl->name);
      return FALSE;
    }
  if (!array_open (f, fl, &top, error)
      || (bytes != NULL && !(have_b = array_open_full (f, bytes, &b, FALSE, error)))
      || (path != NULL && !(have_p = array_open (f, path, &p, error))))
    return FALSE;
  if (top.length != f->rows || (have_b && b.length < f->rows) || (have_p && p.length < f->rows))
    return fail (f, error, "column %s has fewer rows than its batch", fl->name);
  for (gint64 r = 0; r < f->rows; r++)
    {
      if (array_valid (&top, r))
        {
          gint64 s, e;
          if (have_b && array_valid (&b, r))
            {
              g_autofree char *ref = NULL;
              Buffer *d = &g_array_index (f->buffers, Buffer, bytes->buffer + 2);
              if (!array_range (f, &b, r, d->length, &s, &e, error))
                return FALSE;
              ref = pt_embedded_arrow_ref (ref_file, f->body + d->offset + s, e - s);
              pt_column_values_push (out, ref, strlen (ref));
            }
          else if (have_p && array_valid (&p, r))
            {
              if (!array_range (f, &p, r, (gint64) p.data_len, &s, &e, error))
                return FALSE;
              pt_column_values_push (out, p.data + s, (gsize) (e - s));
            }
        }
      pt_column_values_end_row (out);
    }
  return TRUE;
}
