/* pt-spm.h — the C++ SentencePiece library behind a C interface (private).
 *
 * Only pt-tokenizer.c calls this. Nothing C++ crosses it: every exception is
 * caught inside and reported as an error message.
 */
#pragma once

#include <stddef.h>   /* size_t */
#include <glib.h>     /* GArray */

G_BEGIN_DECLS

typedef struct _PtSpm PtSpm;

/* Loads a serialized ModelProto. NULL with *message set (g_free it) on failure. */
PtSpm   *pt_spm_new         (const void *data, size_t size, char **message);
void     pt_spm_free        (PtSpm *spm);
int      pt_spm_piece_size  (const PtSpm *spm);
/* -1 where the model has none. */
int      pt_spm_unk_id      (const PtSpm *spm);
int      pt_spm_bos_id      (const PtSpm *spm);
int      pt_spm_eos_id      (const PtSpm *spm);
int      pt_spm_pad_id      (const PtSpm *spm);
/* Appends the ids of text (valid UTF-8, len bytes) to ids (int32_t).
 * Thread-safe: the processor is not modified. FALSE with *message on failure. */
gboolean pt_spm_encode      (const PtSpm *spm, const char *text, size_t len, GArray *ids,
                             char **message);

G_END_DECLS
