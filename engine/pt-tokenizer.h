/* pt-tokenizer.h — the PaliGemma tokenizer: a SentencePiece tokenizer.model
 * that gives the same ids as Hugging Face's GemmaTokenizerFast inside
 * PaliGemmaProcessor (spec §3).
 *
 * Encoding: the text is split on the "atoms" (leftmost-longest match, as the
 * fast tokenizer's added-token matcher does) and the pieces between are
 * encoded by SentencePiece. The atoms are the model's CONTROL pieces (<pad>,
 * <eos>, <bos>, <mask>…), its <unk> piece and its USER_DEFINED pieces ("\n",
 * <locNNNN>, <segNNN> in the PaliGemma model), plus <image>, and
 * <locNNNN>/<segNNN> where the model lacks them. SentencePiece runs with the
 * normaliser GemmaTokenizerFast uses whatever the .model says: " " → "▁" only,
 * no dummy prefix, no whitespace collapsing, no NFKC.
 *
 * Ids beyond the model, as PaliGemmaProcessor adds them: <image> = the number
 * of pieces (unless the model has an <image> piece), then, if the model lacks
 * them, <loc0000>…<loc1023>, <seg000>…<seg127> (<image> + 1 + i). The real
 * PaliGemma tokenizer.model has the 1152 loc/seg pieces (256000…257151), so
 * <image> = 257152.
 *
 * A loaded tokenizer is immutable (after pt_tokenizer_set_image_token) and
 * may be used from several threads at once.
 */
#pragma once

#include <stdint.h>   /* int32_t */
#include <glib.h>

G_BEGIN_DECLS

typedef struct _PtTokenizer PtTokenizer;

#define PT_TOKENIZER_N_LOC 1024
#define PT_TOKENIZER_N_SEG 128

/* Loads a SentencePiece tokenizer.model. A missing file is PT_ERROR_IO; an
 * empty, truncated or malformed one is PT_ERROR_INVALID_INPUT naming it. */
PtTokenizer *pt_tokenizer_load            (const char *path, GError **error);
/* The same from bytes in memory; name is used in messages. */
PtTokenizer *pt_tokenizer_new_from_data   (const void *data, gsize size, const char *name,
                                           GError **error);
void         pt_tokenizer_free            (PtTokenizer *tok);

/* Uses id for <image> (config.json's image_token_index). FALSE with
 * PT_ERROR_INVALID_INPUT if id is negative or already another token's. */
gboolean     pt_tokenizer_set_image_token (PtTokenizer *tok, int32_t id, GError **error);

/* Appends the ids of text (length bytes, or -1 for NUL-terminated) to ids
 * (a GArray of int32_t). No <bos>/<eos> is added. Text that is not valid
 * UTF-8 (or holds a NUL byte within length) is PT_ERROR_INVALID_INPUT and
 * appends nothing. */
gboolean     pt_tokenizer_encode          (const PtTokenizer *tok, const char *text,
                                           gssize length, GArray *ids, GError **error);

/* Text of ids as GemmaTokenizerFast.decode gives it: "▁" → " ", runs of
 * <0xNN> byte pieces joined (U+FFFD for each byte of a run that is not valid
 * UTF-8), unknown ids dropped. skip_special drops <pad> <eos> <bos> <unk>
 * <image> and the other control pieces; <locNNNN>/<segNNN> and "\n" stay. */
char        *pt_tokenizer_decode          (const PtTokenizer *tok, const int32_t *ids, gsize n,
                                           gboolean skip_special);

/* The piece of id (owned by tok), or NULL if out of range. */
const char  *pt_tokenizer_id_to_piece     (const PtTokenizer *tok, int32_t id);
/* The id of a piece (including <image> and added loc/seg), or -1. */
int32_t      pt_tokenizer_piece_to_id     (const PtTokenizer *tok, const char *piece);
/* Pieces in the .model. */
int          pt_tokenizer_vocab_size      (const PtTokenizer *tok);
/* Every id that can come out: max(pieces, <image> + 1, added loc/seg end). */
int          pt_tokenizer_n_tokens        (const PtTokenizer *tok);
/* TRUE for ids decode(skip_special) drops. */
gboolean     pt_tokenizer_is_special      (const PtTokenizer *tok, int32_t id);

int32_t      pt_tokenizer_bos_id          (const PtTokenizer *tok);
int32_t      pt_tokenizer_eos_id          (const PtTokenizer *tok);
int32_t      pt_tokenizer_pad_id          (const PtTokenizer *tok);
int32_t      pt_tokenizer_unk_id          (const PtTokenizer *tok);
int32_t      pt_tokenizer_image_id        (const PtTokenizer *tok);
/* <locNNNN> (0 ≤ i < 1024) and <segNNN> (0 ≤ i < 128). */
int32_t      pt_tokenizer_loc_id          (const PtTokenizer *tok, int i);
int32_t      pt_tokenizer_seg_id          (const PtTokenizer *tok, int i);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtTokenizer, pt_tokenizer_free)

G_END_DECLS
