/* pt-safetensors-writer.c — writing .safetensors files atomically. */
#include "config.h"

#include <errno.h>         /* errno */
#include <fcntl.h>         /* open, O_* */
#include <stdlib.h>        /* qsort */
#include <string.h>        /* strcmp, strerror */
#include <unistd.h>        /* write, fsync, close */
#include <glib/gstdio.h>   /* g_rename, g_unlink */

#include "pt-error.h"      /* PT_ERROR */
#include "pt-json.h"       /* pt_json_append_string */
#include "pt-safetensors.h"

typedef struct {
  char       *name;
  PtStDtype   dtype;
  int         n_dims;
  int64_t     shape[PT_ST_MAX_DIMS];
  guint64     n_bytes;
  const void *data;
} WEntry;

struct _PtSafetensorsWriter {
  GArray     *entries;       /* of WEntry */
  GHashTable *names;         /* set of names */
  GPtrArray  *meta_keys;     /* insertion order */
  GHashTable *meta;          /* key → value */
  gint64      fail_after;    /* test hook; < 0 off */
};

PtSafetensorsWriter *
pt_safetensors_writer_new (void)
{
  PtSafetensorsWriter *w = g_new0 (PtSafetensorsWriter, 1);
  w->entries = g_array_new (FALSE, TRUE, sizeof (WEntry));
  w->names = g_hash_table_new (g_str_hash, g_str_equal);
  w->meta_keys = g_ptr_array_new_with_free_func (g_free);
  w->meta = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  w->fail_after = -1;
  return w;
}

void
pt_safetensors_writer_free (PtSafetensorsWriter *w)
{
  if (w == NULL)
    return;
  for (guint i = 0; i < w->entries->len; i++)
    g_free (g_array_index (w->entries, WEntry, i).name);
  g_array_unref (w->entries);
  g_hash_table_unref (w->names);
  g_hash_table_unref (w->meta);
  g_ptr_array_unref (w->meta_keys);
  g_free (w);
}

gboolean
pt_safetensors_writer_add (PtSafetensorsWriter *w,
                           const char          *name,
                           PtStDtype            dtype,
                           int                  n_dims,
                           const int64_t       *shape,
                           const void          *data,
                           GError             **error)
{
  WEntry e = { 0 };
  guint64 n = 1;

  g_return_val_if_fail (w != NULL && name != NULL, FALSE);
  g_return_val_if_fail ((unsigned) dtype < PT_ST_N_DTYPES, FALSE);

  if (n_dims < 0 || n_dims > PT_ST_MAX_DIMS || (n_dims > 0 && shape == NULL))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "Tensor “%s” has %d dimensions", name, n_dims);
      return FALSE;
    }
  if (g_hash_table_contains (w->names, name) || strcmp (name, "__metadata__") == 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "Tensor name “%s” is used twice (or reserved)", name);
      return FALSE;
    }
  if (!g_utf8_validate (name, -1, NULL))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "A tensor name is not valid UTF-8");
      return FALSE;
    }
  for (int d = 0; d < n_dims; d++)
    {
      if (shape[d] < 0 || (shape[d] != 0 && n > (guint64) G_MAXINT64 / (guint64) shape[d]))
        {
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "Tensor “%s” has a bad shape", name);
          return FALSE;
        }
      n *= (guint64) shape[d];
      e.shape[d] = shape[d];
    }
  if (n > G_MAXINT64 / pt_st_dtype_size (dtype))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "Tensor “%s” is too large", name);
      return FALSE;
    }
  e.n_bytes = n * pt_st_dtype_size (dtype);
  if (e.n_bytes > 0 && data == NULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "Tensor “%s” has no data", name);
      return FALSE;
    }
  e.name = g_strdup (name);
  e.dtype = dtype;
  e.n_dims = n_dims;
  e.data = data;
  g_array_append_val (w->entries, e);
  g_hash_table_add (w->names, e.name);
  return TRUE;
}

void
pt_safetensors_writer_set_metadata (PtSafetensorsWriter *w,
                                    const char          *key,
                                    const char          *value)
{
  gpointer existing = NULL;

  g_return_if_fail (w != NULL && key != NULL && value != NULL);

  if (g_hash_table_lookup_extended (w->meta, key, &existing, NULL))
    g_hash_table_insert (w->meta, existing, g_strdup (value));
  else
    {
      char *k = g_strdup (key);
      g_ptr_array_add (w->meta_keys, k);
      g_hash_table_insert (w->meta, k, g_strdup (value));
    }
}

guint
pt_safetensors_writer_n_tensors (const PtSafetensorsWriter *w)
{
  g_return_val_if_fail (w != NULL, 0);
  return w->entries->len;
}

void
pt_safetensors_writer_inject_failure (PtSafetensorsWriter *w,
                                      gint64               after_bytes)
{
  g_return_if_fail (w != NULL);
  w->fail_after = after_bytes;
}

/* widest dtype first, then by name: the reference writer's order, which
 * keeps every tensor aligned to its element size */
static int
compare_entries (gconstpointer a, gconstpointer b)
{
  const WEntry *x = a, *y = b;
  if (x->dtype != y->dtype)
    return x->dtype > y->dtype ? -1 : 1;
  return strcmp (x->name, y->name);
}

static GString *
build_header (PtSafetensorsWriter *w)
{
  GString *h = g_string_new ("{");
  guint64 offset = 0;
  gboolean first = TRUE;

  g_array_sort (w->entries, compare_entries);
  if (w->meta_keys->len > 0)
    {
      g_string_append (h, "\"__metadata__\":{");
      for (guint i = 0; i < w->meta_keys->len; i++)
        {
          const char *key = g_ptr_array_index (w->meta_keys, i);
          if (i)
            g_string_append_c (h, ',');
          pt_json_append_string (h, key);
          g_string_append_c (h, ':');
          pt_json_append_string (h, g_hash_table_lookup (w->meta, key));
        }
      g_string_append_c (h, '}');
      first = FALSE;
    }
  for (guint i = 0; i < w->entries->len; i++)
    {
      const WEntry *e = &g_array_index (w->entries, WEntry, i);
      if (!first)
        g_string_append_c (h, ',');
      first = FALSE;
      pt_json_append_string (h, e->name);
      g_string_append_printf (h, ":{\"dtype\":\"%s\",\"shape\":[", pt_st_dtype_name (e->dtype));
      for (int d = 0; d < e->n_dims; d++)
        g_string_append_printf (h, "%s%" G_GINT64_FORMAT, d ? "," : "", e->shape[d]);
      g_string_append_printf (h, "],\"data_offsets\":[%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT "]}",
                              offset, offset + e->n_bytes);
      offset += e->n_bytes;
    }
  g_string_append_c (h, '}');
  while (h->len % 8 != 0)
    g_string_append_c (h, ' ');
  return h;
}

guint64
pt_safetensors_writer_file_size (PtSafetensorsWriter *w)
{
  g_autoptr(GString) header = NULL;
  guint64 total;

  g_return_val_if_fail (w != NULL, 0);

  header = build_header (w);
  total = 8 + header->len;
  for (guint i = 0; i < w->entries->len; i++)
    total += g_array_index (w->entries, WEntry, i).n_bytes;
  return total;
}

/* ---- atomic files ------------------------------------------------------------ */

typedef struct {
  int    fd;
  char  *tmp_path;
  char  *display;
  gint64 budget;    /* bytes until an injected failure; < 0 none */
} AtomicFile;

static gboolean
atomic_open (AtomicFile *f, const char *path, gint64 fail_after, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  int saved;

  f->display = g_filename_display_name (path);
  f->budget = fail_after;
  f->tmp_path = g_strdup_printf ("%s/.%s.XXXXXX", dir, base);
  f->fd = g_mkstemp_full (f->tmp_path, O_RDWR | O_CLOEXEC, 0666);
  if (f->fd < 0)
    {
      saved = errno;
      g_set_error (error, PT_ERROR, PT_ERROR_IO, "Cannot write %s: %s", f->display, g_strerror (saved));
      g_clear_pointer (&f->tmp_path, g_free);
      g_clear_pointer (&f->display, g_free);
      return FALSE;
    }
  return TRUE;
}

static gboolean
atomic_write (AtomicFile *f, const void *data, guint64 length, GError **error)
{
  const char *p = data;

  while (length > 0)
    {
      size_t chunk = (size_t) MIN (length, (guint64) 1 << 28);
      ssize_t n;
      if (f->budget >= 0 && (guint64) f->budget < chunk)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_IO, "Cannot write %s: injected failure", f->display);
          return FALSE;
        }
      n = write (f->fd, p, chunk);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          int saved = errno;
          g_set_error (error, PT_ERROR, PT_ERROR_IO, "Cannot write %s: %s", f->display,
                       n < 0 ? g_strerror (saved) : "no space written");
          return FALSE;
        }
      if (f->budget >= 0)
        f->budget -= n;
      p += n;
      length -= (guint64) n;
    }
  return TRUE;
}

static void
atomic_abort (AtomicFile *f)
{
  if (f->fd >= 0)
    close (f->fd);
  f->fd = -1;
  if (f->tmp_path != NULL)
    g_unlink (f->tmp_path);
  g_clear_pointer (&f->tmp_path, g_free);
  g_clear_pointer (&f->display, g_free);
}

static gboolean
atomic_commit (AtomicFile *f, const char *path, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  int saved, dfd;

  if (fsync (f->fd) != 0 || close (f->fd) != 0)
    {
      saved = errno;
      f->fd = -1;
      g_set_error (error, PT_ERROR, PT_ERROR_IO, "Cannot write %s: %s", f->display, g_strerror (saved));
      atomic_abort (f);
      return FALSE;
    }
  f->fd = -1;
  if (g_rename (f->tmp_path, path) != 0)
    {
      saved = errno;
      g_set_error (error, PT_ERROR, PT_ERROR_IO, "Cannot write %s: %s", f->display, g_strerror (saved));
      atomic_abort (f);
      return FALSE;
    }
  /* make the rename itself durable */
  dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0)
    {
      (void) fsync (dfd);
      close (dfd);
    }
  g_clear_pointer (&f->tmp_path, g_free);
  g_clear_pointer (&f->display, g_free);
  return TRUE;
}

gboolean
pt_file_write_atomic (const char *path,
                      const void *contents,
                      gsize       length,
                      GError    **error)
{
  AtomicFile f = { .fd = -1 };

  g_return_val_if_fail (path != NULL && (contents != NULL || length == 0), FALSE);

  if (!atomic_open (&f, path, -1, error))
    return FALSE;
  if (!atomic_write (&f, contents, length, error))
    {
      atomic_abort (&f);
      return FALSE;
    }
  return atomic_commit (&f, path, error);
}

gboolean
pt_safetensors_writer_write (PtSafetensorsWriter *w,
                             const char          *path,
                             GError             **error)
{
  g_autoptr(GString) header = NULL;
  AtomicFile f = { .fd = -1 };
  guint8 len[8];

  g_return_val_if_fail (w != NULL && path != NULL, FALSE);

  header = build_header (w);
  for (int i = 0; i < 8; i++)
    len[i] = (guint8) ((guint64) header->len >> (8 * i));
  if (!atomic_open (&f, path, w->fail_after, error))
    return FALSE;
  if (!atomic_write (&f, len, 8, error) || !atomic_write (&f, header->str, header->len, error))
    goto fail;
  for (guint i = 0; i < w->entries->len; i++)
    {
      const WEntry *e = &g_array_index (w->entries, WEntry, i);
      if (!atomic_write (&f, e->data, e->n_bytes, error))
        goto fail;
    }
  return atomic_commit (&f, path, error);

fail:
  atomic_abort (&f);
  return FALSE;
}
