/* pt-thumbnail-loader.h — thumbnails for the dataset browser, decoded off the
 * main thread.
 *
 * Decoding goes through the engine's thumbnail cache (pt-thumbnail-cache.h:
 * the training decoder, an LRU of pixels bounded in bytes) on a small pool
 * of worker threads that takes the newest request first, so the rows on
 * screen come before the ones scrolled past. A request whose GCancellable is
 * cancelled before a worker reaches it costs nothing. Finished thumbnails
 * become GdkTextures, themselves kept in a small LRU so that a row scrolled
 * back into view shows at once (and the renderer reuses its upload).
 * Failures are remembered too: a broken file is not decoded again.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define PT_TYPE_THUMBNAIL_LOADER (pt_thumbnail_loader_get_type ())

G_DECLARE_FINAL_TYPE (PtThumbnailLoader, pt_thumbnail_loader, PT, THUMBNAIL_LOADER, GObject)

/* max_side: the longer side of a thumbnail in pixels. */
PtThumbnailLoader *pt_thumbnail_loader_new         (int max_side);
int                pt_thumbnail_loader_get_max_side (PtThumbnailLoader *self);

/* What is known already, without decoding: TRUE with *texture set (a new
 * reference) when the thumbnail is ready, TRUE with *error set when the
 * file failed before, FALSE when it has to be loaded. */
gboolean           pt_thumbnail_loader_lookup      (PtThumbnailLoader *self, const char *path,
                                                    GdkTexture **texture, GError **error);
void               pt_thumbnail_loader_load_async  (PtThumbnailLoader *self, const char *path,
                                                    GCancellable *cancellable,
                                                    GAsyncReadyCallback callback, gpointer user_data);
/* The texture (a new reference), or NULL with the decoder's error or
 * G_IO_ERROR_CANCELLED. */
GdkTexture        *pt_thumbnail_loader_load_finish (PtThumbnailLoader *self, GAsyncResult *result,
                                                    GError **error);

/* Forgets everything (the files may have changed). */
void               pt_thumbnail_loader_clear       (PtThumbnailLoader *self);
/* Decodes that finished (cache hits of the engine's cache included) and
 * requests dropped because they were cancelled first. */
guint              pt_thumbnail_loader_get_n_finished  (PtThumbnailLoader *self);
guint              pt_thumbnail_loader_get_n_cancelled (PtThumbnailLoader *self);

G_END_DECLS
