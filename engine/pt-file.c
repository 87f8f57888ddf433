/* pt-file.c — reading a whole user file into memory with read(2). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>        /* open */
#include <glib/gstdio.h>  /* g_open, g_close */
#include <sys/stat.h>     /* fstat */
#include <unistd.h>       /* read */

#include "pt-error.h"
#include "pt-file.h"

GBytes *
pt_file_read (const char *path,
              gsize       max_bytes,
              const char *what,
              GError    **error)
{
  g_autofree char *display = NULL;
  g_autofree guint8 *buf = NULL;
  struct stat st;
  gsize size, done = 0;
  int fd;

  g_return_val_if_fail (path != NULL && what != NULL, NULL);

  display = g_filename_display_name (path);
  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, PT_ERROR, PT_ERROR_IO, "Cannot read %s %s: %s", what, display,
                   g_strerror (saved));
      return NULL;
    }
  if (fstat (fd, &st) != 0)
    {
      int saved = errno;
      g_set_error (error, PT_ERROR, PT_ERROR_IO, "Cannot read %s %s: %s", what, display,
                   g_strerror (saved));
      g_close (fd, NULL);
      return NULL;
    }
  if (!S_ISREG (st.st_mode))
    {
      /* a folder or a device where a file belongs: the user's input */
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "Cannot read %s %s: not a regular file",
                   what, display);
      g_close (fd, NULL);
      return NULL;
    }
  if ((guint64) st.st_size > max_bytes)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "Cannot read %s %s: it is %.1f MiB, more than the %.1f MiB allowed", what,
                   display, st.st_size / 1048576.0, max_bytes / 1048576.0);
      g_close (fd, NULL);
      return NULL;
    }
  size = (gsize) st.st_size;
  buf = g_try_malloc (size + 1);
  if (buf == NULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_NO_MEMORY, "Not enough memory to read %s %s",
                   what, display);
      g_close (fd, NULL);
      return NULL;
    }
  while (done < size)
    {
      gssize n = read (fd, buf + done, size - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;
          g_set_error (error, PT_ERROR, PT_ERROR_IO, "Cannot read %s %s: %s", what, display,
                       g_strerror (saved));
          g_close (fd, NULL);
          return NULL;
        }
      if (n == 0)
        break;   /* truncated while we read: what is there is what we have */
      done += (gsize) n;
    }
  g_close (fd, NULL);
  buf[done] = 0;   /* a terminator for text readers, not counted */
  return g_bytes_new_take (g_steal_pointer (&buf), done);
}
