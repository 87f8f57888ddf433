/* pt-processor.h — token ids, token types and labels for one example, as
 * Hugging Face's PaliGemmaProcessor builds them (spec §3), and batching.
 *
 * Training example (prompt + suffix):
 *   ids    = <image>×N  <bos> encode(prompt + "\n")  encode(suffix + "<eos>")
 *   types  = 0 … 0 (prefix: image, <bos>, prompt, "\n")   1 … 1 (suffix)
 *   labels = -100 … -100                                  the suffix ids
 * "prompt\n" and "suffix<eos>" are encoded as single strings, as the
 * processor does (build_string_from_input; suffix + eos_token), so every
 * piece boundary is the one HF produces.
 * Inference (suffix NULL): the prefix only, labels all -100.
 *
 * A prompt that starts with one "<image>" (HF style) gives the same ids as
 * without it; any other "<image>" in a prompt or answer is refused
 * (PaliTune feeds exactly one image, first).
 *
 * Truncation (max_text_len > 0 counts text tokens: <bos> … <eos>, not the
 * image tokens). HF would truncate the whole pair "longest first", image
 * tokens included, which breaks the model; PaliTune instead:
 *   1. cuts the suffix from its end (its <eos> goes first: the model is not
 *      taught to stop inside a cut answer, as in big_vision's text_len);
 *   2. only when the prefix alone leaves no room for one suffix token, cuts
 *      the prompt from its end, keeping <bos> and the prompt's last token
 *      (the "\n"), so that one suffix token remains;
 * and sets truncated. An inference prefix is cut the same way (2.) to fit.
 */
#pragma once

#include <stdint.h>         /* int32_t */
#include <glib.h>

#include "pt-batch.h"       /* PtBatch */
#include "pt-tokenizer.h"   /* PtTokenizer */

G_BEGIN_DECLS

typedef struct {
  int32_t *input_ids;    /* (n) */
  int32_t *token_type;   /* (n) 0 prefix, 1 suffix */
  int32_t *labels;       /* (n) suffix ids, -100 elsewhere */
  int      n;            /* image tokens + text tokens */
  int      prefix_len;   /* image tokens + <bos> + prompt + "\n" */
  int      n_suffix;     /* suffix tokens kept (with <eos> unless cut) */
  gboolean truncated;
} PtEncoded;

/* Encodes one example; suffix NULL for inference. max_text_len 0 = no limit,
 * else at least 3. Errors: text that is not UTF-8, a misplaced <image>. */
PtEncoded *pt_processor_encode        (const PtTokenizer *tok, int num_image_tokens,
                                       const char *prompt, const char *suffix,
                                       int max_text_len, GError **error);
void       pt_encoded_free            (PtEncoded *enc);


/* Collates n examples into a right-padded batch of width T = max(n_i)
 * (or pad_to, when it is larger): padding gets pad_id, token type 0 and
 * label -100; seq_len = n_i, prefix_len as encoded, n_label_tokens = labels
 * ≠ -100 at positions ≥ 1 (what the shifted loss averages over). pixels[i]
 * is (3, S, S) with S = image_size (NULL leaves zeros); record_index may be
 * NULL (then 0…n-1). */
PtBatch   *pt_processor_collate       (PtEncoded *const *examples, const float *const *pixels,
                                       const guint *record_index, int n, int image_size,
                                       int32_t pad_id, int pad_to);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtEncoded, pt_encoded_free)

G_END_DECLS
