/* pt-thumbnail-loader.c — thumbnails for the dataset browser, decoded off the main thread. */
#include "config.h"

#include "pt-thumbnail-cache.h"   /* PtThumbnailCache: decoding and the pixel LRU */
#include "pt-thumbnail-loader.h"

#define MAX_TEXTURES 512
#define MAX_WORKERS  3

typedef struct {
  char       *path;
  GdkTexture *texture;   /* NULL: failed */
  GError     *error;
  GList       link;      /* in recent; data = the entry */
} TextureEntry;

/* What the workers share with the loader: it may outlive the loader while
 * requests are queued, and is freed by whoever lets go of it last. */
typedef struct {
  PtThumbnailCache *cache;
} Core;

struct _PtThumbnailLoader
{
  GObject           parent_instance;

  int               max_side;
  Core             *core;
  GHashTable       *textures;    /* path → TextureEntry */
  GQueue            recent;      /* most recent first */
  guint             n_finished;
  guint             n_cancelled;
};

G_DEFINE_FINAL_TYPE (PtThumbnailLoader, pt_thumbnail_loader, G_TYPE_OBJECT)

typedef struct {
  char    *path;
  gsize    seq;
  Core    *core;
} Job;

/* One pool for every loader; tasks never reference a loader, so no GTK
 * object is ever released on a worker thread. */
static GThreadPool *pool;
static gsize next_seq;   /* atomic */

static void
core_clear (gpointer data)
{
  Core *core = data;

  pt_thumbnail_cache_free (core->cache);
}

typedef struct {
  GBytes *pixels;
  int     width, height;
} Decoded;

static void
job_free (gpointer data)
{
  Job *job = data;

  g_free (job->path);
  g_atomic_rc_box_release_full (job->core, core_clear);
  g_free (job);
}

static void
decoded_free (gpointer data)
{
  Decoded *d = data;

  g_bytes_unref (d->pixels);
  g_free (d);
}

static void
texture_entry_free (gpointer data)
{
  TextureEntry *e = data;

  g_free (e->path);
  g_clear_object (&e->texture);
  g_clear_error (&e->error);
  g_free (e);
}

/* Newest request first: the rows on screen now. */
static gint
job_compare (gconstpointer a,
             gconstpointer b,
             gpointer      user_data)
{
  Job *ja = g_task_get_task_data ((GTask *) a);
  Job *jb = g_task_get_task_data ((GTask *) b);

  return ja->seq < jb->seq ? 1 : ja->seq > jb->seq ? -1 : 0;
}

static void
worker (gpointer data,
        gpointer user_data)
{
  g_autoptr(GTask) task = data;
  Job *job = g_task_get_task_data (task);
  GError *error = NULL;
  Decoded *d;
  GBytes *pixels;
  int w = 0, h = 0;

  if (g_task_return_error_if_cancelled (task))
    return;
  pixels = pt_thumbnail_cache_get (job->core->cache, job->path, &w, &h, &error);
  if (pixels == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  d = g_new0 (Decoded, 1);
  d->pixels = pixels;
  d->width = w;
  d->height = h;
  g_task_return_pointer (task, d, decoded_free);
}

PtThumbnailLoader *
pt_thumbnail_loader_new (int max_side)
{
  PtThumbnailLoader *self;

  g_return_val_if_fail (max_side > 0, NULL);

  self = g_object_new (PT_TYPE_THUMBNAIL_LOADER, NULL);
  self->max_side = max_side;
  self->core = g_atomic_rc_box_new0 (Core);
  self->core->cache = pt_thumbnail_cache_new (max_side, 0);
  return self;
}

int
pt_thumbnail_loader_get_max_side (PtThumbnailLoader *self)
{
  g_return_val_if_fail (PT_IS_THUMBNAIL_LOADER (self), 0);
  return self->max_side;
}

static void
remember (PtThumbnailLoader *self,
          const char        *path,
          GdkTexture        *texture,
          const GError      *error)
{
  TextureEntry *e = g_hash_table_lookup (self->textures, path);

  if (e != NULL)
    {
      g_queue_unlink (&self->recent, &e->link);
      g_hash_table_remove (self->textures, path);
    }
  e = g_new0 (TextureEntry, 1);
  e->path = g_strdup (path);
  e->texture = texture != NULL ? g_object_ref (texture) : NULL;
  e->error = error != NULL ? g_error_copy (error) : NULL;
  e->link.data = e;
  g_hash_table_insert (self->textures, e->path, e);
  g_queue_push_head_link (&self->recent, &e->link);
  while (self->recent.length > MAX_TEXTURES)
    {
      GList *last = g_queue_pop_tail_link (&self->recent);
      TextureEntry *old = last->data;
      g_hash_table_remove (self->textures, old->path);
    }
}

static GdkTexture *
texture_new (GBytes *pixels,
             int     width,
             int     height)
{
  return gdk_memory_texture_new (width, height, GDK_MEMORY_R8G8B8, pixels, (gsize) 3 * width);
}

gboolean
pt_thumbnail_loader_lookup (PtThumbnailLoader *self,
                            const char        *path,
                            GdkTexture       **texture,
                            GError           **error)
{
  TextureEntry *e;
  g_autoptr(GBytes) pixels = NULL;
  int w, h;

  g_return_val_if_fail (PT_IS_THUMBNAIL_LOADER (self), FALSE);
  g_return_val_if_fail (path != NULL && texture != NULL, FALSE);

  *texture = NULL;
  e = g_hash_table_lookup (self->textures, path);
  if (e != NULL)
    {
      g_queue_unlink (&self->recent, &e->link);
      g_queue_push_head_link (&self->recent, &e->link);
      if (e->texture != NULL)
        *texture = g_object_ref (e->texture);
      else if (error != NULL)
        *error = g_error_copy (e->error);
      return TRUE;
    }
  /* decoded earlier, its texture since dropped: pixels are still cached */
  pixels = pt_thumbnail_cache_peek (self->core->cache, path, &w, &h);
  if (pixels == NULL)
    return FALSE;
  *texture = texture_new (pixels, w, h);
  remember (self, path, *texture, NULL);
  return TRUE;
}

void
pt_thumbnail_loader_load_async (PtThumbnailLoader   *self,
                                const char          *path,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  GTask *task;
  Job *job;

  g_return_if_fail (PT_IS_THUMBNAIL_LOADER (self));
  g_return_if_fail (path != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, pt_thumbnail_loader_load_async);
  job = g_new0 (Job, 1);
  job->path = g_strdup (path);
  job->seq = (gsize) g_atomic_pointer_add (&next_seq, 1);
  job->core = g_atomic_rc_box_acquire (self->core);
  g_task_set_task_data (task, job, job_free);
  g_thread_pool_push (pool, task, NULL);   /* the worker owns the task */
}

GdkTexture *
pt_thumbnail_loader_load_finish (PtThumbnailLoader *self,
                                 GAsyncResult      *result,
                                 GError           **error)
{
  Job *job;
  g_autoptr(GError) local = NULL;
  Decoded *d;
  GdkTexture *texture;

  g_return_val_if_fail (PT_IS_THUMBNAIL_LOADER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == pt_thumbnail_loader_load_async, NULL);

  job = g_task_get_task_data (G_TASK (result));
  d = g_task_propagate_pointer (G_TASK (result), &local);
  if (d == NULL)
    {
      if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        self->n_cancelled++;
      else
        {
          self->n_finished++;
          remember (self, job->path, NULL, local);
        }
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  self->n_finished++;
  /* two requests for one file: share the first texture */
  {
    TextureEntry *e = g_hash_table_lookup (self->textures, job->path);
    if (e != NULL && e->texture != NULL)
      texture = g_object_ref (e->texture);
    else
      {
        texture = texture_new (d->pixels, d->width, d->height);
        remember (self, job->path, texture, NULL);
      }
  }
  decoded_free (d);
  return texture;
}

void
pt_thumbnail_loader_clear (PtThumbnailLoader *self)
{
  g_return_if_fail (PT_IS_THUMBNAIL_LOADER (self));

  g_hash_table_remove_all (self->textures);
  g_queue_init (&self->recent);
  pt_thumbnail_cache_clear (self->core->cache);
}

guint
pt_thumbnail_loader_get_n_finished (PtThumbnailLoader *self)
{
  g_return_val_if_fail (PT_IS_THUMBNAIL_LOADER (self), 0);
  return self->n_finished;
}

guint
pt_thumbnail_loader_get_n_cancelled (PtThumbnailLoader *self)
{
  g_return_val_if_fail (PT_IS_THUMBNAIL_LOADER (self), 0);
  return self->n_cancelled;
}

static void
pt_thumbnail_loader_finalize (GObject *object)
{
  PtThumbnailLoader *self = PT_THUMBNAIL_LOADER (object);

  g_hash_table_unref (self->textures);
  g_atomic_rc_box_release_full (self->core, core_clear);
  G_OBJECT_CLASS (pt_thumbnail_loader_parent_class)->finalize (object);
}

static void
pt_thumbnail_loader_class_init (PtThumbnailLoaderClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pt_thumbnail_loader_finalize;
}

static void
pt_thumbnail_loader_init (PtThumbnailLoader *self)
{
  self->textures = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, texture_entry_free);
  g_queue_init (&self->recent);
  if (g_once_init_enter (&pool))
    {
      GThreadPool *p = g_thread_pool_new (worker, NULL, MIN ((int) g_get_num_processors (), MAX_WORKERS),
                                          FALSE, NULL);
      g_thread_pool_set_sort_function (p, job_compare, NULL);
      g_once_init_leave (&pool, p);
    }
}
