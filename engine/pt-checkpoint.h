/* pt-checkpoint.h — a Hugging Face PaliGemma model folder.
 *
 * A folder holds config.json and the weights: model.safetensors, or shards
 * model-0000i-of-0000n.safetensors listed by model.safetensors.index.json.
 * Tensor names are normalised to the legacy hub names (spec §4):
 *   vision_tower.vision_model.…, multi_modal_projector.linear.…,
 *   language_model.model.…, language_model.lm_head.weight
 * whatever layout wrote them (transformers ≥ 4.52 in-memory names
 * model.language_model.… / model.vision_tower.… / lm_head.…, v5's SigLIP
 * without vision_model.). A tied head (tie_word_embeddings) reads the
 * embedding table.
 */
#pragma once

#include <stdint.h>          /* int64_t */
#include <glib.h>

#include "pt-backend.h"      /* PtDType */
#include "pt-config.h"       /* PtModelConfig */
#include "pt-safetensors.h"  /* PtStTensor, PtStDtype */

G_BEGIN_DECLS

/* The tensors of a configuration: pt_model_config_tensor_specs (pt-config.h). */

/* The canonical name of a stored tensor name (a new string; names that are
 * not model tensors come back unchanged). */
char      *pt_checkpoint_canonical_name (const char *stored_name);

/* dst[i] = src[i] converted, for n elements: src F32/F64/BF16/F16, dst
 * F32/F64/BF16/F16 (round to nearest even, as torch's .to()). src may be
 * unaligned. FALSE (nothing written) for any other dtype pair. */
gboolean   pt_tensor_convert            (void *dst, PtDType dst_dtype,
                                         const void *src, PtStDtype src_dtype, size_t n);

typedef struct _PtCheckpoint PtCheckpoint;

/* Opens a model folder: config.json (pt_model_config_load) and the weights,
 * validating every file and the shard index. Weights saved pre-quantised by
 * bitsandbytes in 4-bit NF4 (QLoRA checkpoints, spec §6) are dequantised
 * here, to the dtype their quant state names, exactly as bitsandbytes
 * dequantises them; FP4, 8-bit and PyTorch .bin checkpoints are refused with
 * the reason. */
PtCheckpoint        *pt_checkpoint_open        (const char *dir, GError **error);
void                 pt_checkpoint_free        (PtCheckpoint *ck);

const PtModelConfig *pt_checkpoint_config      (const PtCheckpoint *ck);
const char          *pt_checkpoint_dir         (const PtCheckpoint *ck);
/* How many weights were stored in NF4 and dequantised on opening. */
guint                pt_checkpoint_n_dequantised (const PtCheckpoint *ck);
/* The stored tensors by canonical name, sorted. */
guint                pt_checkpoint_n_tensors   (const PtCheckpoint *ck);
const char          *pt_checkpoint_tensor_name (const PtCheckpoint *ck, guint index);
/* The stored tensor for a canonical name (the embeddings for a tied head),
 * or NULL; file receives the display name of the file holding it. */
const PtStTensor    *pt_checkpoint_lookup      (const PtCheckpoint *ck, const char *name,
                                                const char **file);
/* Reads a tensor into dst (n elements of dst_dtype), converting the stored
 * dtype, after checking its shape equals the expected one. */
gboolean             pt_checkpoint_read        (const PtCheckpoint *ck, const char *name,
                                                int n_dims, const int64_t *shape,
                                                PtDType dst_dtype, void *dst, GError **error);
gboolean             pt_checkpoint_read_spec   (const PtCheckpoint *ck, const PtTensorSpec *spec,
                                                PtDType dst_dtype, void *dst, GError **error);
/* Verifies every tensor the config implies is present, floating point and
 * of the right shape. Returns the warnings (extra or ignored tensors; an
 * empty vector when none, free with g_strfreev), or NULL with the error. */
char               **pt_checkpoint_check       (const PtCheckpoint *ck, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtCheckpoint, pt_checkpoint_free)

/* Saves a model folder the way save_pretrained does: config.json and
 * model.safetensors, or shards of at most max_shard_bytes (0: no limit) named
 * model-0000i-of-0000n.safetensors with model.safetensors.index.json. Tensors
 * are given by canonical name (the tied head is not written); every file is
 * written atomically. */
typedef struct {
  const char    *name;
  PtStDtype      dtype;
  int            n_dims;
  const int64_t *shape;
  const void    *data;
} PtTensorRef;

gboolean             pt_checkpoint_save        (const char *dir, const PtModelConfig *config,
                                                const PtTensorRef *tensors, guint n_tensors,
                                                guint64 max_shard_bytes, GError **error);

G_END_DECLS
