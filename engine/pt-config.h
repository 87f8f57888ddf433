/* pt-config.h — a PaliGemma model configuration, read from config.json.
 *
 * Always read from the checkpoint's config.json: PaliGemmaConfig() defaults
 * are wrong for the released models (spec §1).
 */
#pragma once

#include <glib.h>   /* gboolean, GError */

G_BEGIN_DECLS

typedef struct {
  /* SigLIP vision tower */
  int    image_size;          /* 224 / 448 / 896 */
  int    patch_size;          /* 14 */
  int    num_channels;        /* 3 */
  int    v_hidden;            /* 1152 */
  int    v_layers;            /* 27 */
  int    v_heads;             /* 16 (head dim = v_hidden / v_heads) */
  int    v_intermediate;      /* 4304 */
  double v_layer_norm_eps;    /* 1e-6 */
  int    num_image_tokens;    /* (image_size / patch_size)^2 */

  /* projector: Linear(v_hidden → projection_dim, bias) */
  int    projection_dim;      /* 2048 = t_hidden */

  /* Gemma decoder */
  int    t_hidden;            /* 2048 */
  int    t_layers;            /* 18 */
  int    t_heads;             /* 8 */
  int    t_kv_heads;          /* 1 (MQA); < t_heads is GQA */
  int    t_head_dim;          /* 256 */
  int    t_intermediate;      /* 16384 */
  int    vocab_size;          /* 257216 */
  double t_rms_norm_eps;      /* 1e-6 */
  double rope_theta;          /* 10000 */
  int    max_position_embeddings;

  /* special ids */
  int    image_token_index;   /* 257152; may be >= vocab_size (the embedding
                                 * lookup then uses id 0, overwritten by the image features) */
  int    pad_token_id;        /* 0 */
  int    eos_token_id;        /* 1 */
  int    bos_token_id;        /* 2 */

  gboolean tie_word_embeddings;
  char    *torch_dtype;       /* "bfloat16", "float32", … or NULL */
} PtModelConfig;

/* Parses a PaliGemma config.json (nested vision_config / text_config, with
 * the transformers 4.57.6 defaults for keys the file omits; image_token_id,
 * hidden_activation, dtype / torch_dtype, eos lists accepted). Anything
 * PaliTune cannot run (another architecture, a Gemma 2 decoder, an activation
 * other than tanh-GELU — plain "gelu" is the exact GELU in 4.57.6 —, a SigLIP
 * pooling head, rope scaling, a quantization_config other than bitsandbytes
 * 4-bit NF4) is a PT_ERROR_UNSUPPORTED with the reason; malformed or
 * inconsistent files are PT_ERROR_INVALID_INPUT naming the file and key. */
PtModelConfig *pt_model_config_load       (const char *path, GError **error);
PtModelConfig *pt_model_config_from_json  (const char *json, gssize length, GError **error);
/* Writes the Hugging Face layout back (for merged export and the demo model). */
char          *pt_model_config_to_json    (const PtModelConfig *config);
/* Checks sizes are positive, divisible and within sane bounds. */
gboolean       pt_model_config_validate   (const PtModelConfig *config, GError **error);
PtModelConfig *pt_model_config_copy       (const PtModelConfig *config);
void           pt_model_config_free       (PtModelConfig *config);

/* Parameter counts (tied head counted once). */
guint64        pt_model_config_n_params   (const PtModelConfig *config);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtModelConfig, pt_model_config_free)

G_END_DECLS
