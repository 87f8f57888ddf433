/* pt-init.h — a randomly initialised PaliGemma, to pretrain from scratch.
 *
 * Writes a Hugging Face model folder (config.json, model.safetensors, the
 * tokenizer copied in) with fresh weights: SigLIP linears, patch and
 * projector LeCun-normal (std 1/sqrt(fan_in)), position embeddings
 * N(0, 1/sqrt(hidden)), Gemma linears and embeddings N(0, 0.02) (the
 * transformers initializer_range), residual output projections (out_proj, fc2,
 * o_proj, down_proj) scaled by 1/sqrt(2·layers), LayerNorm weight 1 bias 0,
 * RMSNorm weight 0 (scale 1 + w = 1), biases 0. Deterministic by seed.
 */
#pragma once

#include <glib.h>

#include "pt-config.h"   /* PtModelConfig */

G_BEGIN_DECLS

gboolean pt_model_init_random (const PtModelConfig *config, guint64 seed,
                               const char *tokenizer_model, const char *out_dir,
                               GError **error);
/* The same stored in bf16 (each tensor rounded once from its F32 draw; half
 * the memory while writing) or F32, in shards of at most max_shard_bytes
 * (0: one model.safetensors), as the hub's checkpoints are. */
gboolean pt_model_init_random_full (const PtModelConfig *config, guint64 seed,
                                    const char *tokenizer_model, const char *out_dir,
                                    gboolean bf16, guint64 max_shard_bytes, GError **error);

G_END_DECLS
