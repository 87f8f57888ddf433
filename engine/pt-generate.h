/* pt-generate.h — greedy generation with a KV cache, as transformers'
 * generate(do_sample=False) does for PaliGemma (4.57.6):
 * - prefill of image + prefix, attended bidirectionally (the inference mask);
 * - then one token at a time, each attending to every cached token;
 * - positions 1-based from the first real token of each row (rows are left
 *   padded, so a row's result does not depend on what it is batched with);
 * - a row stops at eos (kept in its output); the call stops when every row
 *   has stopped or after max_new_tokens.
 * Returns token ids; turning them into text is the tokenizer's job.
 */
#pragma once

#include <stdint.h>        /* int32_t */
#include <glib.h>          /* gboolean, GError */

#include "pt-model.h"      /* PtModel */

G_BEGIN_DECLS

typedef struct {
  int                   B;            /* rows, at most the model's max_batch */
  const int32_t *const *prompts;      /* (B) prompt ids of each row: image tokens, <bos>, prompt, "\n" */
  const int            *prompt_len;   /* (B) at most the model's max_seq */
  const float          *pixels;       /* (B, 3, S, S) */
} PtGenerateInput;

/* out_ids (B, max_new_tokens) receives each row's new tokens, -1 after its
 * end; out_len (B) their counts (eos included when produced). eos_id < 0:
 * the config's eos_token_id. */
gboolean pt_generate_greedy (PtModel               *model,
                             const PtGenerateInput *input,
                             int                    max_new_tokens,
                             int                    eos_id,
                             int32_t               *out_ids,
                             int                   *out_len,
                             GError               **error);

G_END_DECLS
