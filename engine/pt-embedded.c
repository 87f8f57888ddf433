/* pt-embedded.c — references to images inside Parquet and Arrow files
 * (see pt-embedded.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>               /* O_RDONLY */
#include <stdlib.h>              /* strtoll */
#include <string.h>
#include <unistd.h>              /* pread */
#include <sys/stat.h>            /* fstat */
#include <glib/gstdio.h>         /* g_open */

#include "pt-embedded.h"
#include "pt-error.h"
#include "pt-parquet.h"          /* pt_parquet_read_cell_path */

/* Up to max numbers separated by ':' after the tag; how many in *n. */
static gboolean
parse_numbers (const char *s, gint64 *out, guint max, guint *n)
{
  *n = 0;
  while (*n < max)
    {
      char *end;
      if (!g_ascii_isdigit (*s))
        return FALSE;
      errno = 0;
      out[(*n)++] = g_ascii_strtoll (s, &end, 10);
      if (errno != 0 || end == s)
        return FALSE;
      if (*end == '\0')
        return TRUE;
      if (*end != ':')
        return FALSE;
      s = end + 1;
    }
  return FALSE;
}

/* The kind (1 arrow, 2 parquet) and numbers of a reference, or 0. */
static int
parse (const char *path, gsize *file_length, gint64 *v)
{
  const char *hash = strrchr (path, '#');
  guint n;

  if (hash == NULL || hash == path)
    return 0;
  *file_length = (gsize) (hash - path);
  if (g_str_has_prefix (hash, "#arrow:") && parse_numbers (hash + 7, v, 2, &n) && n == 2)
    return 1;
  if (g_str_has_prefix (hash, "#parquet:") && parse_numbers (hash + 9, v, 5, &n) && n == 5)
    return 2;
  return 0;
}

gboolean
pt_embedded_is_reference (const char *path, gsize *file_length)
{
  gint64 v[5];
  gsize len;

  if (path == NULL || parse (path, &len, v) == 0)
    return FALSE;
  if (file_length != NULL)
    *file_length = len;
  return TRUE;
}

static GBytes *
read_range (const char *file, gint64 offset, gint64 length, gsize max_bytes, GError **error)
{
  g_autofree char *display = g_filename_display_name (file);
  g_autofree guint8 *buf = NULL;
  struct stat st;
  gsize done = 0;
  int fd;

  if ((guint64) length > max_bytes)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED, "An image in %s is larger than %"
                   G_GSIZE_FORMAT " MiB", display, max_bytes >> 20);
      return NULL;
    }
  fd = g_open (file, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0 || fstat (fd, &st) != 0)
    {
      int saved = errno;
      if (fd >= 0)
        close (fd);
      g_set_error (error, PT_ERROR, PT_ERROR_IO, "Cannot read the image in %s: %s", display,
                   g_strerror (saved));
      return NULL;
    }
  if (offset < 0 || length < 0 || offset > st.st_size || length > st.st_size - offset)
    {
      close (fd);
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "An image in %s lies past its end "
                   "(the file changed since it was indexed?)", display);
      return NULL;
    }
  buf = g_malloc (MAX ((gsize) length, 1));
  while (done < (gsize) length)
    {
      gssize got = pread (fd, buf + done, (gsize) length - done, (off_t) (offset + (gint64) done));
      if (got < 0 && errno == EINTR)
        continue;
      if (got <= 0)
        {
          int saved = errno;
          close (fd);
          g_set_error (error, PT_ERROR, PT_ERROR_IO, "Cannot read the image in %s: %s", display,
                       got == 0 ? "the file became shorter" : g_strerror (saved));
          return NULL;
        }
      done += (gsize) got;
    }
  close (fd);
  return g_bytes_new_take (g_steal_pointer (&buf), (gsize) length);
}

GBytes *
pt_embedded_read (const char *path, gsize max_bytes, GError **error)
{
  gint64 v[5];
  gsize len;
  int kind = parse (path, &len, v);
  g_autofree char *file = NULL;

  if (kind == 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "%s is no embedded image", path);
      return NULL;
    }
  file = g_strndup (path, len);
  if (kind == 1)
    return read_range (file, v[0], v[1], max_bytes, error);
  if (v[2] > 16 || v[3] > 32)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "%s is a damaged image reference",
                   path);
      return NULL;
    }
  return pt_parquet_read_cell_path (file, v[0], v[1], (int) v[2], (int) v[3], v[4], error);
}

char *
pt_embedded_describe (const char *path)
{
  gsize len;
  g_autofree char *file = NULL;
  g_autofree char *display = NULL;

  if (!pt_embedded_is_reference (path, &len))
    return g_filename_display_name (path);
  file = g_strndup (path, len);
  display = g_filename_display_name (file);
  return g_strdup_printf ("%s (%s)", display, path + len + 1);
}

char *
pt_embedded_arrow_ref (const char *file, gint64 offset, gint64 length)
{
  return g_strdup_printf ("%s#arrow:%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT, file, offset, length);
}

char *
pt_embedded_parquet_ref (const char *file, gint64 start, gint64 length, int codec, int max_def,
                         gint64 row)
{
  return g_strdup_printf ("%s#parquet:%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT ":%d:%d:%"
                          G_GINT64_FORMAT, file, start, length, codec, max_def, row);
}
