/* pt-thumbnail-cache.c — small decoded images for the dataset browser, LRU-cached. */
#include "config.h"

#include "pt-error.h"
#include "pt-image.h"              /* pt_image_load_thumbnail */
#include "pt-thumbnail-cache.h"

typedef struct {
  char    *path;
  GBytes  *pixels;      /* NULL while loading or if it failed */
  GError  *error;       /* the failure, cached */
  int      width, height;
  gboolean loading;
  GList    link;        /* in the recency queue (data = the entry) */
} Entry;

struct _PtThumbnailCache {
  int         max_side;
  gsize       max_bytes;
  GMutex      lock;
  GCond       loaded;   /* a load finished */
  GHashTable *entries;  /* path → Entry */
  GQueue      recent;   /* most recent at the head */
  gsize       bytes;
};

static gsize
entry_bytes (const Entry *e)
{
  /* failures and loads in flight cost their bookkeeping only */
  return (e->pixels != NULL ? g_bytes_get_size (e->pixels) : 0) + 64;
}

static void
entry_free (gpointer data)
{
  Entry *e = data;

  g_free (e->path);
  g_clear_pointer (&e->pixels, g_bytes_unref);
  g_clear_error (&e->error);
  g_free (e);
}

PtThumbnailCache *
pt_thumbnail_cache_new (int   max_side,
                        gsize max_bytes)
{
  PtThumbnailCache *c;

  g_return_val_if_fail (max_side > 0, NULL);
  c = g_new0 (PtThumbnailCache, 1);
  c->max_side = max_side;
  c->max_bytes = max_bytes > 0 ? max_bytes : 64u << 20;
  g_mutex_init (&c->lock);
  g_cond_init (&c->loaded);
  c->entries = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, entry_free);
  g_queue_init (&c->recent);
  return c;
}

void
pt_thumbnail_cache_free (PtThumbnailCache *c)
{
  if (c == NULL)
    return;
  g_hash_table_unref (c->entries);
  g_mutex_clear (&c->lock);
  g_cond_clear (&c->loaded);
  g_free (c);
}

/* Drops least recently used entries (never one being loaded) over the budget. */
static void
evict_locked (PtThumbnailCache *c)
{
  GList *l = c->recent.tail;

  while (c->bytes > c->max_bytes && l != NULL)
    {
      Entry *e = l->data;
      GList *prev = l->prev;
      if (!e->loading)
        {
          g_queue_unlink (&c->recent, &e->link);
          c->bytes -= entry_bytes (e);
          g_hash_table_remove (c->entries, e->path);
        }
      l = prev;
    }
}

static void
touch_locked (PtThumbnailCache *c, Entry *e)
{
  g_queue_unlink (&c->recent, &e->link);
  g_queue_push_head_link (&c->recent, &e->link);
}

GBytes *
pt_thumbnail_cache_get (PtThumbnailCache *c,
                        const char       *path,
                        int              *width,
                        int              *height,
                        GError          **error)
{
  Entry *e;
  g_autoptr(PtImage) image = NULL;
  g_autoptr(GError) local = NULL;

  g_return_val_if_fail (c != NULL && path != NULL, NULL);
  g_mutex_lock (&c->lock);
  while ((e = g_hash_table_lookup (c->entries, path)) != NULL && e->loading)
    g_cond_wait (&c->loaded, &c->lock);
  if (e != NULL)
    {
      GBytes *out = NULL;
      touch_locked (c, e);
      if (e->pixels != NULL)
        {
          out = g_bytes_ref (e->pixels);
          *width = e->width;
          *height = e->height;
        }
      else if (error != NULL)
        *error = g_error_copy (e->error);
      g_mutex_unlock (&c->lock);
      return out;
    }
  /* not cached: claim it, decode without the lock */
  e = g_new0 (Entry, 1);
  e->path = g_strdup (path);
  e->loading = TRUE;
  e->link.data = e;
  g_hash_table_insert (c->entries, e->path, e);
  g_queue_push_head_link (&c->recent, &e->link);
  c->bytes += entry_bytes (e);
  g_mutex_unlock (&c->lock);

  image = pt_image_load_thumbnail (path, c->max_side, NULL, &local);

  g_mutex_lock (&c->lock);
  c->bytes -= entry_bytes (e);
  e->loading = FALSE;
  if (image != NULL)
    {
      e->width = image->width;
      e->height = image->height;
      e->pixels = g_bytes_new_take (g_steal_pointer (&image->data), (gsize) 3 * image->width * image->height);
    }
  else
    e->error = g_steal_pointer (&local);
  c->bytes += entry_bytes (e);
  {
    GBytes *out = NULL;
    if (e->pixels != NULL)
      {
        out = g_bytes_ref (e->pixels);
        *width = e->width;
        *height = e->height;
      }
    else if (error != NULL)
      *error = g_error_copy (e->error);
    evict_locked (c);
    g_cond_broadcast (&c->loaded);
    g_mutex_unlock (&c->lock);
    return out;
  }
}

GBytes *
pt_thumbnail_cache_peek (PtThumbnailCache *c,
                         const char       *path,
                         int              *width,
                         int              *height)
{
  Entry *e;
  GBytes *out = NULL;

  g_return_val_if_fail (c != NULL && path != NULL, NULL);
  g_mutex_lock (&c->lock);
  e = g_hash_table_lookup (c->entries, path);
  if (e != NULL && e->pixels != NULL)
    {
      touch_locked (c, e);
      out = g_bytes_ref (e->pixels);
      *width = e->width;
      *height = e->height;
    }
  g_mutex_unlock (&c->lock);
  return out;
}

void
pt_thumbnail_cache_clear (PtThumbnailCache *c)
{
  GList *l;

  g_return_if_fail (c != NULL);
  g_mutex_lock (&c->lock);
  l = c->recent.head;
  while (l != NULL)
    {
      Entry *e = l->data;
      GList *next = l->next;
      if (!e->loading)
        {
          g_queue_unlink (&c->recent, &e->link);
          c->bytes -= entry_bytes (e);
          g_hash_table_remove (c->entries, e->path);
        }
      l = next;
    }
  g_mutex_unlock (&c->lock);
}

gsize
pt_thumbnail_cache_get_bytes (PtThumbnailCache *c)
{
  gsize n;

  g_return_val_if_fail (c != NULL, 0);
  g_mutex_lock (&c->lock);
  n = c->bytes;
  g_mutex_unlock (&c->lock);
  return n;
}

guint
pt_thumbnail_cache_get_entries (PtThumbnailCache *c)
{
  guint n;

  g_return_val_if_fail (c != NULL, 0);
  g_mutex_lock (&c->lock);
  n = g_hash_table_size (c->entries);
  g_mutex_unlock (&c->lock);
  return n;
}
