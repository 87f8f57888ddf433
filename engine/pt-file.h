/* pt-file.h — reading a whole user file into memory, safely.
 *
 * Files a user hands us (images, tokenizers, dataset JSON) are read with
 * read(2), never mapped: a file truncated or deleted while we look at it then
 * gives a short read or an error message, not a SIGBUS.  Model weights are the
 * exception (pt-safetensors.c maps them; they are too large to copy).
 */
#pragma once

#include <glib.h>   /* GBytes, GError */

G_BEGIN_DECLS

/* The contents of path, or NULL with a PT_ERROR_IO / PT_ERROR_INVALID_INPUT
 * error naming `what` ("the image", "the tokenizer") and the file.  Files over
 * max_bytes are refused before anything is read. */
GBytes *pt_file_read (const char *path, gsize max_bytes, const char *what, GError **error);

G_END_DECLS
