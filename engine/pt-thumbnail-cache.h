/* pt-thumbnail-cache.h — small decoded images for the dataset browser.
 *
 * Thumbnails come from the same decoder as training (pt_image_load_thumbnail:
 * the bomb limit, EXIF orientation, alpha handling), scaled so the longer
 * side is at most max_side, and are kept in a least-recently-used cache
 * bounded in bytes. Failures are cached too, so a broken image is not
 * decoded again for every redraw.
 *
 * Thread-safe: the browser calls pt_thumbnail_cache_get from worker
 * threads (GTask); two requests for the same file decode it once. The
 * pixels come back as GBytes of packed RGB rows (stride 3 · width), ready
 * for gdk_memory_texture_new (…, GDK_MEMORY_R8G8B8, bytes, 3 * width).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _PtThumbnailCache PtThumbnailCache;

/* max_side: the longer side of a thumbnail; max_bytes: pixel bytes kept
 * (0 = 64 MiB). */
PtThumbnailCache *pt_thumbnail_cache_new   (int max_side, gsize max_bytes);
void              pt_thumbnail_cache_free  (PtThumbnailCache *cache);

/* The thumbnail of path: packed RGB, *width × *height. NULL with the
 * decoder's error (PT_ERROR_IO, PT_ERROR_INVALID_INPUT, …) if it cannot be
 * decoded. Blocks while decoding; call it off the main thread. */
GBytes           *pt_thumbnail_cache_get   (PtThumbnailCache *cache, const char *path,
                                            int *width, int *height, GError **error);
/* Only what is cached already (never decodes); NULL if not cached or failed. */
GBytes           *pt_thumbnail_cache_peek  (PtThumbnailCache *cache, const char *path,
                                            int *width, int *height);
/* Forgets everything (files changed on disk). */
void              pt_thumbnail_cache_clear (PtThumbnailCache *cache);
/* Pixel bytes and entries held now. */
gsize             pt_thumbnail_cache_get_bytes   (PtThumbnailCache *cache);
guint             pt_thumbnail_cache_get_entries (PtThumbnailCache *cache);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtThumbnailCache, pt_thumbnail_cache_free)

G_END_DECLS
