/* cuda-model-util.h — synthetic PaliGemma models and batches for the CUDA
 * model test and the step bench: configs (a tiny one, the real 3B-224 from
 * its hub config.json), deterministic pseudo-random weights, and batches
 * shaped like the seed workflow's (image tokens, <bos> "answer" question
 * "\n", answer <eos>, right padding). */
#pragma once

#include "pt-batch.h"
#include "pt-config.h"
#include "pt-model.h"

G_BEGIN_DECLS

/* 16 image tokens, 2 + 2 layers 64 wide, vocab 512: every code path, little work */
PtModelConfig *pt_test_tiny_config        (void);
/* google/paligemma-3b-pt-224's config.json, through the engine's loader */
PtModelConfig *pt_test_paligemma_3b_config (GError **error);

/* Every base tensor (not LoRA): LayerNorm weights 1, other vectors 0,
 * matrices a hashed pattern in ±1.7/sqrt(fan_in); fast enough for 3B. */
gboolean       pt_test_random_weights     (PtModel *model, guint64 seed, GError **error);

/* B rows: image tokens, <bos>, 1 + q_len prompt tokens (q_len 8..12), "\n",
 * 1..3 answer tokens + <eos>; T = the longest row. */
PtBatch       *pt_test_synthetic_batch    (const PtModelConfig *config, int B, guint64 seed);

G_END_DECLS
