/* pt-config.h — a PaliGemma model configuration, read from config.json.
 *
 * Always read from the checkpoint's config.json: PaliGemmaConfig() defaults
 * are wrong for the released models (spec §1).
 */
#pragma once

#include <stdint.h> /* int64_t */
#include <glib.h>   /* gboolean, GError */

G_BEGIN_DECLS

/* The decoder family: PaliGemma's Gemma or PaliGemma 2's Gemma 2. The rest
 * of the model (SigLIP, projector, processor, tokenizer) is the same. */
typedef enum {
  PT_FAMILY_PALIGEMMA = 0,    /* text_config.model_type "gemma" (the zero value) */
  PT_FAMILY_PALIGEMMA2 = 1,   /* text_config.model_type "gemma2" */
} PtModelFamily;

#define PT_MAX_LAYERS 512

typedef struct {
  PtModelFamily family;

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

  /* Gemma 2 (PaliGemma 2); for Gemma: head_dim, 0, 0, 0 and no sliding layer */
  double   query_pre_attn_scalar;  /* attention scores scale = this^-0.5; 0 = head_dim */
  double   attn_logit_softcap;     /* attn_logit_softcapping, 0 = none */
  double   final_logit_softcap;    /* final_logit_softcapping, 0 = none */
  int      sliding_window;         /* keys a sliding layer's suffix query sees, 0 = none */
  guint64  sliding_layers[PT_MAX_LAYERS / 64];   /* bit l: layer l is a sliding layer */
} PtModelConfig;

/* ---- the tensors of a configuration (pt-config-tensors.c) ---------------- */

/* What a tensor is in the model, whatever its name. */
typedef enum {
  PT_ROLE_PATCH,        /* SigLIP patch embedding (a Conv2d: 4-D weight, bias) */
  PT_ROLE_POS_EMB,      /* SigLIP position embedding */
  PT_ROLE_V_NORM,       /* SigLIP LayerNorm, index PT_VN_* */
  PT_ROLE_V_LINEAR,     /* SigLIP Linear, index PT_V_* */
  PT_ROLE_POST_NORM,    /* SigLIP post_layernorm */
  PT_ROLE_PROJECTOR,    /* multi_modal_projector.linear */
  PT_ROLE_EMBED,        /* embed_tokens (the tied head) */
  PT_ROLE_T_NORM,       /* decoder RMSNorm, index PT_TN_* */
  PT_ROLE_T_LINEAR,     /* decoder Linear, index PT_T_* */
  PT_ROLE_FINAL_NORM,   /* the decoder's final norm */
  PT_ROLE_LM_HEAD,      /* an untied head */
} PtTensorRole;

/* SigLIP Linears, in pt_vision_lora_modules order; decoder Linears, in
 * pt_text_lora_modules order (pt-settings.h) */
enum { PT_V_Q, PT_V_K, PT_V_V, PT_V_OUT, PT_V_FC1, PT_V_FC2, PT_V_N };
enum { PT_T_Q, PT_T_K, PT_T_V, PT_T_O, PT_T_GATE, PT_T_UP, PT_T_DOWN, PT_T_N };
/* SigLIP LayerNorms */
enum { PT_VN_LN1, PT_VN_LN2, PT_VN_N };
/* decoder RMSNorms by what they do: before attention, on the attention
 * output (Gemma 2), before the MLP, on the MLP output (Gemma 2) */
enum { PT_TN_IN, PT_TN_POST_ATTN, PT_TN_PRE_FFW, PT_TN_POST_FFW, PT_TN_N };

#define PT_TENSOR_MAX_DIMS 4

/* One tensor the model configuration implies. */
typedef struct {
  char        *name;                        /* canonical (legacy hub) name */
  int          n_dims;
  int64_t      shape[PT_TENSOR_MAX_DIMS];
  PtTensorRole role;
  int          layer;                       /* -1 outside the layers */
  int          index;                       /* PT_V_*, PT_T_*, PT_VN_*, PT_TN_* by role */
  gboolean     bias;                        /* a Linear's or LayerNorm's bias */
} PtTensorSpec;

/* Every tensor of the model in model order (vision, projector, decoder; a
 * Linear's bias right after its weight; the head only when it is not tied).
 * A GPtrArray of PtTensorSpec* that frees them. */
GPtrArray *pt_model_config_tensor_specs (const PtModelConfig *config);
void       pt_tensor_spec_free          (PtTensorSpec *spec);

/* TRUE when decoder layer l attends through the sliding window */
static inline gboolean
pt_model_config_layer_sliding (const PtModelConfig *config, int l)
{
  return config->sliding_window > 0 && l >= 0 && l < PT_MAX_LAYERS
         && (config->sliding_layers[l / 64] >> (l % 64) & 1) != 0;
}

/* "PaliGemma" / "PaliGemma 2", and "PaliGemma 2 · 3B · 224 px" for the
 * released sizes (another size reads "PaliGemma 2 · 112 px") */
const char    *pt_model_family_name       (PtModelFamily family);
char          *pt_model_config_describe   (const PtModelConfig *config);

/* Parses a PaliGemma or PaliGemma 2 config.json (nested vision_config /
 * text_config with model_type gemma or gemma2, with the transformers 5.23
 * defaults for keys the file omits; image_token_id, hidden_activation,
 * dtype / torch_dtype, rope_theta / rope_parameters, eos lists, layer_types
 * accepted). Anything PaliTune cannot run (another architecture, Gemma 3, an activation
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
