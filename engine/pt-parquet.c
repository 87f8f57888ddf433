/* pt-parquet.c — a Parquet file: opening it, its footer and schema (the
 * pages and values: pt-parquet-page.c; see pt-parquet.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>               /* O_RDONLY */
#include <string.h>
#include <unistd.h>              /* pread, close */
#include <sys/stat.h>            /* fstat */
#include <glib/gstdio.h>         /* g_open */

#include "pt-error.h"
#include "pt-parquet-private.h"
#include "pt-thrift.h"

/* A footer or page larger than this is refused: a dataset's footer is a
 * few KB per row group, a page a few MB. */
#define MAX_FOOTER    ((gsize) 256 << 20)
#define MAX_LEAVES    100000
#define MAX_DEPTH     64

gboolean
pt_parquet_fail (PtParquetFile *f, GError **error, const char *format, ...)
                 {
                 va_list args;
  g_autofree char *what = NULL;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "%s is not a readable Parquet file: %s",
               f->display, what);
  return FALSE;
}

void
pt_column_values_init (PtColumnValues *v)
{
  guint32 zero = 0;

  v->text = g_byte_array_new ();
  v->offsets = g_array_new (FALSE, FALSE, sizeof (guint32));
  v->first = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_array_append_val (v->first, zero);
}

void
pt_column_values_clear (PtColumnValues *v)
{
  g_clear_pointer (&v->text, g_byte_array_unref);
  g_clear_pointer (&v->offsets, g_array_unref);
  g_clear_pointer (&v->first, g_array_unref);
}

void
pt_column_values_push (PtColumnValues *v, const void *data, gsize length)
{
  guint32 off = v->text->len;
  static const guint8 nul = 0;

  g_byte_array_append (v->text, data, (guint) length);
  g_byte_array_append (v->text, &nul, 1);
  g_array_append_val (v->offsets, off);
}

void
pt_column_values_end_row (PtColumnValues *v)
{
  guint32 n = v->offsets->len;
  g_array_append_val (v->first, n);
}

/* ---- reading bytes ---- */

gboolean
pt_parquet_read_at (PtParquetFile *f, gint64 offset, gsize length, void *buf, GError **error)
{
  gsize done = 0;

  if (offset < 0 || offset > f->size || (gint64) length > f->size - offset)
    return pt_parquet_fail (f, error, "a part at byte %" G_GINT64_FORMAT " (%" G_GSIZE_FORMAT
                            " bytes) lies past its end (%" G_GINT64_FORMAT " bytes)", offset, length, f->size);
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

/* ---- the footer ---- */

typedef struct {
  char *name;
  int   type;          /* -1: a group */
  int   type_length;
  int   repetition;    /* 0 required, 1 optional, 2 repeated */
  int   num_children;
  int   converted;     /* ConvertedType, or -1 */
  gboolean is_string;  /* LogicalType STRING */
} SchemaElement;

static void
read_schema_element (PtThrift *t, int type, SchemaElement *e)
{
  int last = 0, id, ft;

  memset (e, 0, sizeof *e);
  e->type = -1;
  e->converted = -1;
  if (!pt_thrift_enter (t, type))
    return;
  while (pt_thrift_next_field (t, &last, &id, &ft))
    switch (id)
      {
      case 1: e->type = (int) pt_thrift_int (t, ft); break;
      case 2: e->type_length = (int) pt_thrift_int (t, ft); break;
      case 3: e->repetition = (int) pt_thrift_int (t, ft); break;
      case 4:
        {
          gsize n;
          const guint8 *s = pt_thrift_binary (t, ft, &n);
          g_free (e->name);
          e->name = s != NULL ? g_strndup ((const char *) s, n) : NULL;
        }
        break;
      case 5: e->num_children = (int) pt_thrift_int (t, ft); break;
      case 6: e->converted = (int) pt_thrift_int (t, ft); break;
      case 10:
        {
          /* LogicalType is a union: field 1 is STRING */
          int l2 = 0, id2, ft2;
          if (!pt_thrift_enter (t, ft))
            break;
          while (pt_thrift_next_field (t, &l2, &id2, &ft2))
            {
              if (id2 == 1)
                e->is_string = TRUE;
              pt_thrift_skip (t, ft2);
            }
          pt_thrift_leave (t);
        }
        break;
      default: pt_thrift_skip (t, ft); break;
      }
  pt_thrift_leave (t);
}

static void
leaf_free (gpointer p)
{
  PtParquetLeaf *l = p;

  g_free (l->path);
  g_strfreev (l->parts);
  g_free (l);
}

/* Flattens the schema below element *i (depth-first, as the columns are
 * stored) into leaves. */
static gboolean
walk_schema (PtParquetFile *f, SchemaElement *el, guint n, guint *i, int depth, int def, int rep,
             GPtrArray *names, GError **error)
{
  SchemaElement *e = &el[*i];
  int children = e->num_children;

  if (depth > MAX_DEPTH)
    return pt_parquet_fail (f, error, "its schema is nested more than %d levels deep", MAX_DEPTH);
  if (e->name == NULL)
    return pt_parquet_fail (f, error, "schema element %u has no name", *i);
  if (e->repetition == 1)
    def++;
  else if (e->repetition == 2)
    def++, rep++;
  g_ptr_array_add (names, e->name);
  (*i)++;
  if (children <= 0)
    {
      PtParquetLeaf *l;
      if (e->type < PT_PARQUET_BOOLEAN || e->type > PT_PARQUET_FIXED_LEN_BYTE_ARRAY)
        return pt_parquet_fail (f, error, "column %s has no known type", e->name);
      if (f->leaves->len >= MAX_LEAVES)
        return pt_parquet_fail (f, error, "it has more than %d columns", MAX_LEAVES);
      l = g_new0 (PtParquetLeaf, 1);
      g_ptr_array_add (names, NULL);
      l->parts = g_strdupv ((char **) names->pdata + 1);   /* not the root */
      g_ptr_array_remove_index (names, names->len - 1);
      l->path = g_strjoinv (".", l->parts);
      l->type = e->type;
      l->type_length = e->type_length;
      l->max_def = def;
      l->max_rep = rep;
      l->is_string = e->is_string || e->converted == 0;   /* ConvertedType UTF8 */
      g_ptr_array_add (f->leaves, l);
    }
  else
    {
      if ((guint) children > n - *i)
        return pt_parquet_fail (f, error, "schema element %s claims %d children, there are %u more",
                                e->name, children, n - *i);
      for (int c = 0; c < children; c++)
        if (!walk_schema (f, el, n, i, depth + 1, def, rep, names, error))
          return FALSE;
    }
  g_ptr_array_remove_index (names, names->len - 1);
  return TRUE;
}

static void
read_statistics (PtThrift *t, int type, PtParquetChunk *c)
{
  int last = 0, id, ft;

  if (!pt_thrift_enter (t, type))
    return;
  while (pt_thrift_next_field (t, &last, &id, &ft))
    if (id == 3)
      c->null_count = pt_thrift_int (t, ft);
    else
      pt_thrift_skip (t, ft);
  pt_thrift_leave (t);
}

static void
read_column_meta (PtThrift *t, int type, PtParquetChunk *c, gint64 *data_offset,
                  gint64 *dict_offset)
{
  int last = 0, id, ft;

  if (!pt_thrift_enter (t, type))
    return;
  while (pt_thrift_next_field (t, &last, &id, &ft))
    switch (id)
      {
      case 4: c->codec = (int) pt_thrift_int (t, ft); break;
      case 5: c->num_values = pt_thrift_int (t, ft); break;
      case 7: c->length = pt_thrift_int (t, ft); break;
      case 9: *data_offset = pt_thrift_int (t, ft); break;
      case 11: *dict_offset = pt_thrift_int (t, ft); break;
      case 12: read_statistics (t, ft, c); break;
      default: pt_thrift_skip (t, ft); break;
      }
  pt_thrift_leave (t);
}

/* One ColumnChunk into c; FALSE if it names another file. */
static gboolean
read_column_chunk (PtThrift *t, int type, PtParquetChunk *c)
{
  int last = 0, id, ft;
  gint64 data_offset = -1, dict_offset = -1;
  gboolean external = FALSE;

  c->null_count = -1;
  c->start = -1;
  if (!pt_thrift_enter (t, type))
    return TRUE;
  while (pt_thrift_next_field (t, &last, &id, &ft))
    if (id == 1)
      {
        pt_thrift_skip (t, ft);
        external = TRUE;
      }
    else if (id == 3)
      read_column_meta (t, ft, c, &data_offset, &dict_offset);
    else
      pt_thrift_skip (t, ft);
  pt_thrift_leave (t);
  /* the dictionary page comes first; some writers leave its offset 0 */
  c->start = dict_offset > 0 && dict_offset < data_offset ? dict_offset : data_offset;
  return !external;
}

static gboolean
read_row_group (PtParquetFile *f, PtThrift *t, int type, guint g, GError **error)
{
  int last = 0, id, ft;
  guint n_leaves = f->leaves->len;
  guint seen = 0;

  if (!pt_thrift_enter (t, type))
    return TRUE;
  while (pt_thrift_next_field (t, &last, &id, &ft))
    if (id == 1)
      {
        int et;
        guint32 n;
        if (!pt_thrift_list (t, ft, &et, &n))
          break;
        for (guint32 k = 0; k < n && t->error == NULL; k++)
          {
            PtParquetChunk dummy;
            PtParquetChunk *c = k < n_leaves ? &f->chunks[(gsize) g * n_leaves + k] : &dummy;
            if (!read_column_chunk (t, et, c))
              return pt_parquet_fail (f, error, "column %s lies in another file, which PaliTune does not "
                                      "follow", k < n_leaves ? ((PtParquetLeaf *) f->leaves->pdata[k])->path
                                      : "?");
          }
        seen = n;
      }
    else if (id == 3)
      f->rg_rows[g] = pt_thrift_int (t, ft);
    else
      pt_thrift_skip (t, ft);
  pt_thrift_leave (t);
  if (t->error == NULL && seen != n_leaves)
    return pt_parquet_fail (f, error, "row group %u has %u columns, the schema %u", g + 1, seen, n_leaves);
  return TRUE;
}

static gboolean
check_chunks (PtParquetFile *f, GError **error)
{
  gint64 total = 0;

  for (guint g = 0; g < f->n_row_groups; g++)
    {
      if (f->rg_rows[g] < 0 || f->rg_rows[g] > G_MAXINT32)
        return pt_parquet_fail (f, error, "row group %u claims %" G_GINT64_FORMAT " rows", g + 1,
                                f->rg_rows[g]);
      total += f->rg_rows[g];
      for (guint l = 0; l < f->leaves->len; l++)
        {
          PtParquetChunk *c = &f->chunks[(gsize) g * f->leaves->len + l];
          const PtParquetLeaf *leaf = f->leaves->pdata[l];
          if (c->start < 4 || c->length <= 0 || c->start > f->size - 8
              || c->length > f->size - 8 - c->start)
            return pt_parquet_fail (f, error, "column %s of row group %u lies outside the file "
                                    "(byte %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT " bytes)",
                                    leaf->path, g + 1, c->start, c->length);
          if (leaf->max_rep == 0 && c->num_values != f->rg_rows[g])
            return pt_parquet_fail (f, error, "column %s of row group %u has %" G_GINT64_FORMAT
                                    " values for %" G_GINT64_FORMAT " rows", leaf->path, g + 1,
                                    c->num_values, f->rg_rows[g]);
        }
    }
  if (total != f->num_rows)
    return pt_parquet_fail (f, error, "its row groups hold %" G_GINT64_FORMAT " rows, its footer says %"
                            G_GINT64_FORMAT, total, f->num_rows);
  return TRUE;
}

static gboolean
read_footer (PtParquetFile *f, const guint8 *data, gsize length, GError **error)
{
  PtThrift t;
  int last = 0, id, ft;
  SchemaElement *schema = NULL;
  guint n_schema = 0;
  gboolean ok = TRUE, have_groups = FALSE;
  const guint8 *groups_at = NULL;
  int groups_type = 0;

  pt_thrift_init (&t, data, length);
  if (!pt_thrift_enter (&t, PT_THRIFT_STRUCT))
    return FALSE;
  while (ok && pt_thrift_next_field (&t, &last, &id, &ft))
    switch (id)
      {
      case 2:
        {
          int et;
          guint32 n;
          if (schema != NULL || !pt_thrift_list (&t, ft, &et, &n))
            {
              pt_thrift_fail (&t, "it has two schemas");
              break;
            }
          schema = g_new0 (SchemaElement, n);
          n_schema = n;
          for (guint32 k = 0; k < n && t.error == NULL; k++)
            read_schema_element (&t, et, &schema[k]);
        }
        break;
      case 3:
        f->num_rows = pt_thrift_int (&t, ft);
        break;
      case 4:
        /* row groups need the schema's leaves: come back to them */
        groups_at = t.p;
        groups_type = ft;
        have_groups = TRUE;
        pt_thrift_skip (&t, ft);
        break;
      default:
        pt_thrift_skip (&t, ft);
        break;
      }
  if (t.error != NULL)
    ok = pt_parquet_fail (f, error, "its footer is damaged (%s)", t.error);
  else if (n_schema < 2 || schema[0].num_children <= 0)
    ok = pt_parquet_fail (f, error, "its schema has no columns");
  if (ok)
    {
      g_autoptr(GPtrArray) names = g_ptr_array_new ();
      guint i = 0;
      ok = walk_schema (f, schema, n_schema, &i, 0, 0, 0, names, error);
      /* the root's repetition does not count */
      if (ok && schema[0].repetition != 0)
        for (guint l = 0; l < f->leaves->len; l++)
          {
            PtParquetLeaf *leaf = f->leaves->pdata[l];
            leaf->max_def -= 1;
            leaf->max_rep -= schema[0].repetition == 2;
          }
    }
  if (ok && have_groups)
    {
      int et;
      guint32 n;
      PtThrift g;
      pt_thrift_init (&g, groups_at, (gsize) (data + length - groups_at));
      g.depth = 1;
      if (pt_thrift_list (&g, groups_type, &et, &n))
        {
          if ((guint64) n * f->leaves->len > (guint64) length)
            ok = pt_parquet_fail (f, error, "its footer claims %u row groups", n);
          else
            {
              f->n_row_groups = n;
              f->rg_rows = g_new0 (gint64, MAX (n, 1));
              f->chunks = g_new0 (PtParquetChunk, (gsize) MAX (n, 1) * f->leaves->len);
              for (guint32 k = 0; ok && k < n && g.error == NULL; k++)
                ok = read_row_group (f, &g, et, k, error);
            }
        }
      if (ok && g.error != NULL)
        ok = pt_parquet_fail (f, error, "its footer is damaged (%s)", g.error);
    }
  if (ok)
    ok = check_chunks (f, error);
  for (guint k = 0; k < n_schema; k++)
    g_free (schema[k].name);
  g_free (schema);
  return ok;
}

static PtParquetFile *
parquet_new (const char *display)
{
  PtParquetFile *f = g_new0 (PtParquetFile, 1);

  f->display = g_strdup (display);
  f->fd = -1;
  f->leaves = g_ptr_array_new_with_free_func (leaf_free);
  return f;
}

static gboolean
open_common (PtParquetFile *f, GError **error)
{
  guint8 tail[8], head[4];
  guint32 footer_len;
  g_autofree guint8 *footer = NULL;

  if (f->size == 0)
    return pt_parquet_fail (f, error, "it is empty");
  if (f->size < 12)
    return pt_parquet_fail (f, error, "it is %" G_GINT64_FORMAT " bytes long, too short for a Parquet "
                            "file (12 bytes at least)", f->size);
  if (!pt_parquet_read_at (f, 0, 4, head, error) || !pt_parquet_read_at (f, f->size - 8, 8, tail, error))
    return FALSE;
  if (memcmp (head, "PAR1", 4) != 0)
    return pt_parquet_fail (f, error, "it does not start with the Parquet magic “PAR1”");
  if (memcmp (tail + 4, "PAR1", 4) != 0)
    {
      if (memcmp (tail + 4, "PARE", 4) == 0)
        return pt_parquet_fail (f, error, "it is encrypted");
      return pt_parquet_fail (f, error, "it does not end with “PAR1” (truncated?)");
    }
  footer_len = pt_read_le32 (tail);
  if (footer_len == 0 || footer_len > (guint64) f->size - 12 || footer_len > MAX_FOOTER)
    return pt_parquet_fail (f, error, "its footer length %u does not fit its %" G_GINT64_FORMAT " bytes",
                            footer_len, f->size);
  footer = g_malloc (footer_len);
  if (!pt_parquet_read_at (f, f->size - 8 - footer_len, footer_len, footer, error))
    return FALSE;
  return read_footer (f, footer, footer_len, error);
}

PtParquetFile *
pt_parquet_open_raw (const char *path, GError **error)
{
  g_autofree char *display = g_filename_display_name (path);
  g_autoptr(PtParquetFile) f = parquet_new (display);
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
  return g_steal_pointer (&f);
}

PtParquetFile *
pt_parquet_open (const char *path, GError **error)
{
  g_autoptr(PtParquetFile) f = pt_parquet_open_raw (path, error);

  if (f == NULL || !open_common (f, error))
    return NULL;
  return g_steal_pointer (&f);
}

PtParquetFile *
pt_parquet_open_data (const void *data, gsize length, const char *name, GError **error)
{
  g_autoptr(PtParquetFile) f = parquet_new (name != NULL ? name : "the data");

  f->mem = data;
  f->size = (gint64) length;
  if (!open_common (f, error))
    return NULL;
  return g_steal_pointer (&f);
}

void
pt_parquet_free (PtParquetFile *f)
{
  if (f == NULL)
    return;
  if (f->fd >= 0)
    close (f->fd);
  g_ptr_array_unref (f->leaves);
  g_free (f->rg_rows);
  g_free (f->chunks);
  g_free (f->display);
  g_free (f);
}

const char *
pt_parquet_get_display (PtParquetFile *f)
{
  return f->display;
}

guint
pt_parquet_get_n_leaves (PtParquetFile *f)
{
  return f->leaves->len;
}

const PtParquetLeaf *
pt_parquet_get_leaf (PtParquetFile *f, guint leaf)
{
  g_return_val_if_fail (leaf < f->leaves->len, NULL);
  return f->leaves->pdata[leaf];
}

guint
pt_parquet_get_n_row_groups (PtParquetFile *f)
{
  return f->n_row_groups;
}

gint64
pt_parquet_get_n_rows (PtParquetFile *f)
{
  return f->num_rows;
}

gint64
pt_parquet_get_row_group_rows (PtParquetFile *f, guint g)
{
  g_return_val_if_fail (g < f->n_row_groups, 0);
  return f->rg_rows[g];
}

const PtParquetChunk *
pt_parquet_get_chunk (PtParquetFile *f, guint g, guint leaf)
{
  g_return_val_if_fail (g < f->n_row_groups && leaf < f->leaves->len, NULL);
  return &f->chunks[(gsize) g * f->leaves->len + leaf];
}

GBytes *
pt_parquet_read_cell_path (const char *path,
                           gint64      start,
                           gint64      length,
                           int         codec,
                           int         max_def,
                           gint64      row,
                           GError    **error)
{
  /* the footer is not needed: the reference says where to look */
  g_autoptr(PtParquetFile) f = pt_parquet_open_raw (path, error);

  if (f == NULL)
    return NULL;
  return pt_parquet_read_cell (f, start, length, codec, max_def, row, error);
}
