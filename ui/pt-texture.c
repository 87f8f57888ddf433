/* pt-texture.c — engine images as GDK textures. */
#include "config.h"

#include "pt-texture.h"

GdkTexture *
pt_texture_new_from_image (const PtImage *image)
{
  g_autoptr(GBytes) bytes = NULL;

  g_return_val_if_fail (image != NULL, NULL);

  bytes = g_bytes_new (image->data, (gsize) image->width * image->height * 3);
  return gdk_memory_texture_new (image->width, image->height, GDK_MEMORY_R8G8B8, bytes,
                                 (gsize) image->width * 3);
}

typedef struct {
  char *path;
  int   max_side;
} ThumbJob;

static void
thumb_job_free (ThumbJob *job)
{
  g_free (job->path);
  g_free (job);
}

static void
thumbnail_thread (GTask        *task,
                  gpointer      source,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  ThumbJob *job = task_data;
  g_autoptr(PtImage) image = NULL;
  GError *error = NULL;

  image = pt_image_load_thumbnail (job->path, job->max_side, NULL, &error);
  if (image == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, pt_texture_new_from_image (image), g_object_unref);
}

void
pt_texture_load_thumbnail_async (const char          *path,
                                 int                  max_side,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  ThumbJob *job = g_new0 (ThumbJob, 1);

  job->path = g_strdup (path);
  job->max_side = max_side;
  g_task_set_source_tag (task, pt_texture_load_thumbnail_async);
  g_task_set_task_data (task, job, (GDestroyNotify) thumb_job_free);
  g_task_run_in_thread (task, thumbnail_thread);
}

GdkTexture *
pt_texture_load_thumbnail_finish (GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
