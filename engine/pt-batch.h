/* pt-batch.h — one micro-batch as the model consumes it.
 *
 * The data loader fills these on its threads (decode, resize, tokenize);
 * the model uploads and runs them. Sequences are right-padded, so a
 * record's positions and result do not depend on what it is batched with:
 * positions 1..T (PaliGemma's 1-based positions), image tokens first, then
 * <bos> prompt "\n" (prefix, attended bidirectionally), then answer <eos>
 * (suffix, causal, carries the loss).
 */
#pragma once

#include <stdint.h>   /* int32_t */
#include <glib.h>

#include "pt-config.h"   /* PtModelConfig */

G_BEGIN_DECLS

typedef struct {
  int      B;             /* examples */
  int      T;             /* padded sequence length: image tokens + text */
  int      image_size;    /* S: pixels are (B, 3, S, S) */
  float   *pixels;        /* (B, 3, S, S) in [-1, 1], SigLIP normalisation */
  int32_t *input_ids;     /* (B, T) image tokens = image_token_index; padding = pad id */
  int32_t *token_type;    /* (B, T) 0 prefix (image, <bos>, prompt, "\n"), 1 suffix; padding 0 */
  int32_t *labels;        /* (B, T) target id at suffix positions, -100 elsewhere (not shifted) */
  int32_t *seq_len;       /* (B) valid tokens of each row */
  int32_t *prefix_len;    /* (B) image + prefix tokens of each row */
  guint   *record_index;  /* (B) the dataset record each row came from */
  int      n_label_tokens;/* Σ labelled positions after the shift (targets the loss averages over) */
} PtBatch;

/* Allocates every array for B rows of length T at resolution S (zeroed). */
PtBatch *pt_batch_new   (int B, int T, int image_size);
void     pt_batch_free  (PtBatch *batch);

/* B rows of random pixels and tokens shaped like real records, for timing a
 * step and measuring memory: the image tokens, <bos>, prompt_len prompt
 * tokens, answer_len answer tokens and <eos>, the answer labelled. */
PtBatch *pt_batch_new_synthetic (const PtModelConfig *config, int B, int prompt_len,
                                 int answer_len, guint64 seed);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtBatch, pt_batch_free)

G_END_DECLS
