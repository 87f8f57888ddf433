/* pt-texture.h — engine images as GDK textures, and thumbnails decoded off
 * the main thread. */
#pragma once

#include <gtk/gtk.h>

#include "pt-image.h"   /* PtImage */

G_BEGIN_DECLS

/* A texture holding a copy of image's pixels (any thread). */
GdkTexture *pt_texture_new_from_image (const PtImage *image);

/* Decodes path at most max_side pixels on its longer side in a worker
 * thread; finish gives the texture or NULL with an error. */
void        pt_texture_load_thumbnail_async  (const char          *path,
                                              int                  max_side,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
GdkTexture *pt_texture_load_thumbnail_finish (GAsyncResult        *result,
                                              GError             **error);

G_END_DECLS
