/* pt-config.c — a PaliGemma model configuration, read from config.json.
 *
 * Semantics of transformers 5.23: PaliGemmaConfig with a nested
 * SiglipVisionConfig (vision_config) and GemmaConfig or Gemma2Config
 * (text_config; PaliGemma 2 is the second). A key the file omits takes the
 * default of the class that reads it (below); the hub configs omit many
 * (image_size for pt-224, head_dim, hidden_act, eps, layer_types, …).
 */
#include "config.h"

#include <math.h>          /* isfinite, floor */
#include <string.h>        /* strcmp */

#include "pt-config.h"
#include "pt-error.h"      /* PT_ERROR */
#include "pt-json.h"       /* pt_json_parse, pt_json_to_string */

/* transformers 4.57.6 defaults (configuration_siglip.py, configuration_gemma.py,
 * configuration_paligemma.py) */
#define SIGLIP_HIDDEN        768
#define SIGLIP_INTERMEDIATE  3072
#define SIGLIP_LAYERS        12
#define SIGLIP_HEADS         12
#define SIGLIP_CHANNELS      3
#define SIGLIP_IMAGE_SIZE    224
#define SIGLIP_PATCH_SIZE    16
#define SIGLIP_LN_EPS        1e-6
#define GEMMA_VOCAB          256000
#define GEMMA_HIDDEN         3072
#define GEMMA_INTERMEDIATE   24576
#define GEMMA_LAYERS         28
#define GEMMA_HEADS          16
#define GEMMA_KV_HEADS       16
#define GEMMA_HEAD_DIM       256
#define GEMMA_MAX_POSITIONS  8192
#define GEMMA_RMS_EPS        1e-6
#define GEMMA_ROPE_THETA     10000.0
#define GEMMA2_VOCAB         256000
#define GEMMA2_HIDDEN        2304
#define GEMMA2_INTERMEDIATE  9216
#define GEMMA2_LAYERS        26
#define GEMMA2_HEADS         8
#define GEMMA2_KV_HEADS      4
#define GEMMA2_QUERY_PRE_ATTN_SCALAR 256.0
#define GEMMA2_ATTN_SOFTCAP  50.0
#define GEMMA2_FINAL_SOFTCAP 30.0
#define GEMMA2_SLIDING_WINDOW 4096.0
#define PALI_IMAGE_TOKEN     256000
#define PALI_PROJECTION_DIM  2048

/* what a config must stay within (the 3B model is far inside) */
#define MAX_IMAGE_SIZE       4480
#define MAX_IMAGE_TOKENS     25600
#define MAX_WIDTH            65536
#define MAX_LAYERS           512
#define MAX_HEADS            1024
#define MAX_HEAD_DIM         1024
#define MAX_VOCAB            (1 << 22)
#define MAX_POSITIONS        (1 << 24)

#define FAIL(code, ...) G_STMT_START { \
    g_set_error (error, PT_ERROR, code, __VA_ARGS__); \
    return FALSE; \
  } G_STMT_END

typedef struct {
  JsonObject *obj;
  const char *section;   /* "", "vision_config.", "text_config." */
  const char *what;      /* the file, for messages */
} Reader;

static JsonNode *
member (const Reader *r, const char *key)
{
  JsonNode *n = r->obj != NULL ? json_object_get_member (r->obj, key) : NULL;
  return n != NULL && !JSON_NODE_HOLDS_NULL (n) ? n : NULL;   /* null reads as absent */
}

static gboolean
has (const Reader *r, const char *key)
{
  return member (r, key) != NULL;
}

static gboolean
get_int (const Reader *r, const char *key, int fallback, int *out, GError **error)
{
  JsonNode *n = member (r, key);
  GType t;
  double d;

  *out = fallback;
  if (n == NULL)
    return TRUE;
  t = JSON_NODE_HOLDS_VALUE (n) ? json_node_get_value_type (n) : G_TYPE_INVALID;
  if (t != G_TYPE_INT64 && t != G_TYPE_DOUBLE)
    FAIL (PT_ERROR_INVALID_INPUT, "%s: %s%s must be a whole number", r->what, r->section, key);
  if (t == G_TYPE_INT64)
    {
      gint64 v = json_node_get_int (n);
      if (v < G_MININT || v > G_MAXINT)
        FAIL (PT_ERROR_INVALID_INPUT, "%s: %s%s is out of range (%" G_GINT64_FORMAT ")",
              r->what, r->section, key, v);
      *out = (int) v;
      return TRUE;
    }
  d = json_node_get_double (n);
  if (!isfinite (d) || d != floor (d) || d < G_MININT || d > G_MAXINT)
    FAIL (PT_ERROR_INVALID_INPUT, "%s: %s%s must be a whole number (got %g)", r->what, r->section, key, d);
  *out = (int) d;
  return TRUE;
}

/* an int, or the first of a list of ints (eos_token_id may be a list) */
static gboolean
get_int_or_first (const Reader *r, const char *key, int fallback, int *out, GError **error)
{
  JsonNode *n = member (r, key);

  if (n != NULL && JSON_NODE_HOLDS_ARRAY (n))
    {
      JsonArray *a = json_node_get_array (n);
      JsonObject *tmp;
      Reader sub;
      gboolean ok;
      if (json_array_get_length (a) == 0)
        {
          *out = fallback;
          return TRUE;
        }
      tmp = json_object_new ();
      json_object_set_member (tmp, key, json_node_copy (json_array_get_element (a, 0)));
      sub = (Reader) { tmp, r->section, r->what };
      ok = get_int (&sub, key, fallback, out, error);
      json_object_unref (tmp);
      return ok;
    }
  return get_int (r, key, fallback, out, error);
}

static gboolean
get_double (const Reader *r, const char *key, double fallback, double *out, GError **error)
{
  JsonNode *n = member (r, key);
  GType t;

  *out = fallback;
  if (n == NULL)
    return TRUE;
  t = JSON_NODE_HOLDS_VALUE (n) ? json_node_get_value_type (n) : G_TYPE_INVALID;
  if (t != G_TYPE_INT64 && t != G_TYPE_DOUBLE)
    FAIL (PT_ERROR_INVALID_INPUT, "%s: %s%s must be a number", r->what, r->section, key);
  *out = json_node_get_double (n);
  return TRUE;
}

static gboolean
get_bool (const Reader *r, const char *key, gboolean fallback, gboolean *out, GError **error)
{
  JsonNode *n = member (r, key);

  *out = fallback;
  if (n == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_BOOLEAN)
    FAIL (PT_ERROR_INVALID_INPUT, "%s: %s%s must be true or false", r->what, r->section, key);
  *out = json_node_get_boolean (n);
  return TRUE;
}

/* a string or NULL when absent */
static gboolean
get_string (const Reader *r, const char *key, const char **out, GError **error)
{
  JsonNode *n = member (r, key);

  *out = NULL;
  if (n == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    FAIL (PT_ERROR_INVALID_INPUT, "%s: %s%s must be a string", r->what, r->section, key);
  *out = json_node_get_string (n);
  return TRUE;
}

/* transformers' ACT2FN names whose function is the tanh-approximated GELU
 * (gelu_tanh: big_vision's name). Plain "gelu" is the exact erf GELU in
 * 4.57.6 (GemmaMLP and SiglipMLP use ACT2FN[config.hidden_act]; the old
 * warn-and-substitute logic survives only in the Flax Gemma). */
static gboolean
check_activation (const Reader *r, const char *key, const char *act, GError **error)
{
  static const char *const tanh_gelus[] = {
    "gelu_pytorch_tanh", "gelu_tanh", "gelu_new", "gelu_fast", "gelu_python_tanh", NULL
  };

  if (act == NULL || g_strv_contains (tanh_gelus, act))
    return TRUE;
  if (strcmp (act, "gelu") == 0)
    FAIL (PT_ERROR_UNSUPPORTED,
          "%s: %s%s is \"gelu\", the exact (erf) GELU in transformers 5.23; PaliTune implements "
          "the tanh approximation (gelu_pytorch_tanh) that PaliGemma uses. If this checkpoint was "
          "meant for the tanh GELU, set %s to \"gelu_pytorch_tanh\"", r->what, r->section, key, key);
  FAIL (PT_ERROR_UNSUPPORTED, "%s: %s%s is \"%s\"; PaliTune supports only the tanh-approximated "
        "GELU (gelu_pytorch_tanh)", r->what, r->section, key, act);
}

static gboolean
read_vision (PtModelConfig *c, const Reader *r, GError **error)
{
  const char *model_type = NULL, *act = NULL;
  gboolean use_head = FALSE;
  int tokens = -1;

  if (!get_string (r, "model_type", &model_type, error))
    return FALSE;
  if (model_type != NULL && strcmp (model_type, "siglip_vision_model") != 0)
    FAIL (PT_ERROR_UNSUPPORTED, "%s: the vision tower is “%s”; PaliTune supports the SigLIP vision "
          "tower (siglip_vision_model) only", r->what, model_type);
  if (!get_int (r, "image_size", SIGLIP_IMAGE_SIZE, &c->image_size, error)
      || !get_int (r, "patch_size", SIGLIP_PATCH_SIZE, &c->patch_size, error)
      || !get_int (r, "num_channels", SIGLIP_CHANNELS, &c->num_channels, error)
      || !get_int (r, "hidden_size", SIGLIP_HIDDEN, &c->v_hidden, error)
      || !get_int (r, "num_hidden_layers", SIGLIP_LAYERS, &c->v_layers, error)
      || !get_int (r, "num_attention_heads", SIGLIP_HEADS, &c->v_heads, error)
      || !get_int (r, "intermediate_size", SIGLIP_INTERMEDIATE, &c->v_intermediate, error)
      || !get_double (r, "layer_norm_eps", SIGLIP_LN_EPS, &c->v_layer_norm_eps, error)
      || !get_int (r, "num_image_tokens", -1, &tokens, error)
      || !get_bool (r, "vision_use_head", FALSE, &use_head, error)
      || !get_string (r, "hidden_act", &act, error)
      || !check_activation (r, "hidden_act", act, error))
    return FALSE;
  /* 4.57.6 builds the attention-pooling head when vision_use_head is absent or
   * true, but PaliGemma never uses its output; the hub configs say false. */
  if (use_head)
    FAIL (PT_ERROR_UNSUPPORTED, "%s: vision_config.vision_use_head is true; PaliGemma's SigLIP tower "
          "has no pooling head and PaliTune does not support one", r->what);
  if (c->patch_size > 0 && c->image_size > 0 && c->image_size % c->patch_size != 0)
    FAIL (PT_ERROR_UNSUPPORTED, "%s: vision_config.image_size %d is not a multiple of patch_size %d",
          r->what, c->image_size, c->patch_size);
  if (c->patch_size > 0 && c->image_size > 0 && c->image_size <= MAX_IMAGE_SIZE)
    c->num_image_tokens = (c->image_size / c->patch_size) * (c->image_size / c->patch_size);
  if (tokens >= 0 && tokens != c->num_image_tokens)
    FAIL (PT_ERROR_INVALID_INPUT, "%s: vision_config.num_image_tokens is %d but image_size %d / "
          "patch_size %d gives %d", r->what, tokens, c->image_size, c->patch_size, c->num_image_tokens);
  return TRUE;
}

/* RoPE: 4.x's rope_theta or 5.x's rope_parameters {rope_type, rope_theta};
 * only the default (unscaled) kind */
static gboolean
read_rope (PtModelConfig *c, const Reader *r, GError **error)
{
  JsonNode *params = member (r, "rope_parameters");
  const char *type = NULL;

  if (has (r, "rope_scaling"))
    FAIL (PT_ERROR_UNSUPPORTED, "%s: text_config.rope_scaling is set; PaliTune supports plain RoPE only",
          r->what);
  if (!get_double (r, "rope_theta", GEMMA_ROPE_THETA, &c->rope_theta, error))
    return FALSE;
  if (params == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (params))
    FAIL (PT_ERROR_INVALID_INPUT, "%s: text_config.rope_parameters must be a JSON object", r->what);
  {
    Reader sub = { json_node_get_object (params), "text_config.rope_parameters.", r->what };
    if (!get_string (&sub, "rope_type", &type, error)
        || !get_double (&sub, "rope_theta", c->rope_theta, &c->rope_theta, error))
      return FALSE;
    if (type != NULL && strcmp (type, "default") != 0)
      FAIL (PT_ERROR_UNSUPPORTED, "%s: text_config.rope_parameters.rope_type is “%s”; PaliTune supports "
            "plain RoPE (\"default\") only", r->what, type);
  }
  return TRUE;
}

/* a number, or 0 when the key is null (Python None: the feature is off) or,
 * absent, the fallback */
static gboolean
get_optional_double (const Reader *r, const char *key, double fallback, double *out, GError **error)
{
  JsonNode *n = r->obj != NULL ? json_object_get_member (r->obj, key) : NULL;

  if (n != NULL && JSON_NODE_HOLDS_NULL (n))
    {
      *out = 0;
      return TRUE;
    }
  return get_double (r, key, fallback, out, error);
}

/* Gemma 2: softcaps, query scale, sliding window and which layers use it
 * (layer_types, else transformers' default: the even layers) */
static gboolean
read_gemma2 (PtModelConfig *c, const Reader *r, GError **error)
{
  JsonNode *types = member (r, "layer_types");
  double window = 0;

  if (!get_double (r, "query_pre_attn_scalar", GEMMA2_QUERY_PRE_ATTN_SCALAR, &c->query_pre_attn_scalar, error)
      || !get_optional_double (r, "attn_logit_softcapping", GEMMA2_ATTN_SOFTCAP, &c->attn_logit_softcap, error)
      || !get_optional_double (r, "final_logit_softcapping", GEMMA2_FINAL_SOFTCAP, &c->final_logit_softcap, error)
      || !get_optional_double (r, "sliding_window", GEMMA2_SLIDING_WINDOW, &window, error))
    return FALSE;
  if (!isfinite (c->query_pre_attn_scalar) || c->query_pre_attn_scalar <= 0)
    FAIL (PT_ERROR_INVALID_INPUT, "%s: text_config.query_pre_attn_scalar must be a positive number", r->what);
  if (!isfinite (c->attn_logit_softcap) || c->attn_logit_softcap < 0
      || !isfinite (c->final_logit_softcap) || c->final_logit_softcap < 0)
    FAIL (PT_ERROR_INVALID_INPUT, "%s: text_config's softcapping values must be positive numbers or null",
          r->what);
  if (!isfinite (window) || window < 0 || window != floor (window) || window > MAX_POSITIONS)
    FAIL (PT_ERROR_INVALID_INPUT, "%s: text_config.sliding_window must be a whole number of tokens or null",
          r->what);
  c->sliding_window = (int) window;
  memset (c->sliding_layers, 0, sizeof c->sliding_layers);
  if (types != NULL)
    {
      JsonArray *a;
      if (!JSON_NODE_HOLDS_ARRAY (types))
        FAIL (PT_ERROR_INVALID_INPUT, "%s: text_config.layer_types must be a list", r->what);
      a = json_node_get_array (types);
      if ((int) json_array_get_length (a) != c->t_layers)
        FAIL (PT_ERROR_INVALID_INPUT, "%s: text_config.layer_types has %u entries for %d layers",
              r->what, json_array_get_length (a), c->t_layers);
      for (int l = 0; l < c->t_layers && l < PT_MAX_LAYERS; l++)
        {
          JsonNode *e = json_array_get_element (a, l);
          const char *t = JSON_NODE_HOLDS_VALUE (e) && json_node_get_value_type (e) == G_TYPE_STRING
                          ? json_node_get_string (e) : NULL;
          if (t != NULL && strcmp (t, "sliding_attention") == 0)
            c->sliding_layers[l / 64] |= G_GUINT64_CONSTANT (1) << (l % 64);
          else if (t == NULL || strcmp (t, "full_attention") != 0)
            FAIL (PT_ERROR_UNSUPPORTED, "%s: text_config.layer_types[%d] is not \"sliding_attention\" "
                  "or \"full_attention\"", r->what, l);
        }
    }
  else
    for (int l = 0; l < c->t_layers && l < PT_MAX_LAYERS; l += 2)
      c->sliding_layers[l / 64] |= G_GUINT64_CONSTANT (1) << (l % 64);
  return TRUE;
}

static gboolean
read_text (PtModelConfig *c, const Reader *r, GError **error)
{
  const char *model_type = NULL, *act = NULL, *act2 = NULL;
  gboolean attention_bias = FALSE, gemma2;
  int tokens = -1;

  if (!get_string (r, "model_type", &model_type, error))
    return FALSE;
  if (model_type != NULL && strcmp (model_type, "gemma3_text") == 0)
    FAIL (PT_ERROR_UNSUPPORTED, "%s: the decoder is %s — a Gemma 3 checkpoint, which PaliTune does not "
          "support; PaliGemma (gemma) and PaliGemma 2 (gemma2) checkpoints work", r->what, model_type);
  if (model_type != NULL && strcmp (model_type, "gemma") != 0 && strcmp (model_type, "gemma2") != 0)
    FAIL (PT_ERROR_UNSUPPORTED, "%s: the decoder is “%s”; PaliTune supports the Gemma and Gemma 2 "
          "decoders only", r->what, model_type);
  gemma2 = model_type != NULL && strcmp (model_type, "gemma2") == 0;
  c->family = gemma2 ? PT_FAMILY_PALIGEMMA2 : PT_FAMILY_PALIGEMMA;
  if (!gemma2 && (has (r, "attn_logit_softcapping") || has (r, "final_logit_softcapping")
                  || has (r, "query_pre_attn_scalar") || has (r, "sliding_window")))
    FAIL (PT_ERROR_INVALID_INPUT, "%s: text_config has Gemma 2 settings (softcapping / sliding window) "
          "but its model_type is gemma; a PaliGemma 2 config says \"model_type\": \"gemma2\"", r->what);
  if (!get_int (r, "vocab_size", gemma2 ? GEMMA2_VOCAB : GEMMA_VOCAB, &c->vocab_size, error)
      || !get_int (r, "hidden_size", gemma2 ? GEMMA2_HIDDEN : GEMMA_HIDDEN, &c->t_hidden, error)
      || !get_int (r, "intermediate_size", gemma2 ? GEMMA2_INTERMEDIATE : GEMMA_INTERMEDIATE,
                   &c->t_intermediate, error)
      || !get_int (r, "num_hidden_layers", gemma2 ? GEMMA2_LAYERS : GEMMA_LAYERS, &c->t_layers, error)
      || !get_int (r, "num_attention_heads", gemma2 ? GEMMA2_HEADS : GEMMA_HEADS, &c->t_heads, error)
      || !get_int (r, "num_key_value_heads", gemma2 ? GEMMA2_KV_HEADS : GEMMA_KV_HEADS, &c->t_kv_heads, error)
      || !get_int (r, "head_dim", GEMMA_HEAD_DIM, &c->t_head_dim, error)
      || !get_int (r, "max_position_embeddings", GEMMA_MAX_POSITIONS, &c->max_position_embeddings, error)
      || !get_double (r, "rms_norm_eps", GEMMA_RMS_EPS, &c->t_rms_norm_eps, error)
      || !read_rope (c, r, error)
      || !get_bool (r, "tie_word_embeddings", TRUE, &c->tie_word_embeddings, error)
      || !get_bool (r, "attention_bias", FALSE, &attention_bias, error)
      || !get_int (r, "num_image_tokens", -1, &tokens, error)
      || !get_string (r, "hidden_act", &act, error)
      || !get_string (r, "hidden_activation", &act2, error))
    return FALSE;
  /* transformers 5.23: Gemma's MLP runs ACT2FN[hidden_act], where the
   * legacy "gelu" of the official releases is read as the tanh GELU;
   * Gemma 2's runs ACT2FN[hidden_activation], where "gelu" is the exact one */
  if (!gemma2 && act != NULL && strcmp (act, "gelu") == 0)
    act = NULL;
  if (!gemma2 && act2 != NULL && strcmp (act2, "gelu") == 0)
    act2 = NULL;
  if (!check_activation (r, gemma2 ? "hidden_activation" : "hidden_act", gemma2 ? act2 : act, error))
    return FALSE;
  /* Gemma ignores hidden_activation; still refuse a value that says the
   * weights expect another function */
  if (!gemma2 && !check_activation (r, "hidden_activation", act2, error))
    return FALSE;
  if (gemma2)
    {
      if (!read_gemma2 (c, r, error))
        return FALSE;
    }
  else
    c->query_pre_attn_scalar = c->t_head_dim;
  if (attention_bias)
    FAIL (PT_ERROR_UNSUPPORTED, "%s: text_config.attention_bias is true; Gemma has no attention biases",
          r->what);
  /* text_config.num_image_tokens is overwritten from the vision config by
   * PaliGemmaConfig; a contradicting value means a hand-edited file */
  if (tokens >= 0 && c->num_image_tokens > 0 && tokens != c->num_image_tokens)
    FAIL (PT_ERROR_INVALID_INPUT, "%s: text_config.num_image_tokens is %d but the vision config gives %d",
          r->what, tokens, c->num_image_tokens);
  return TRUE;
}

/* A quantization_config is fine when it is bitsandbytes 4-bit NF4: the
 * checkpoint dequantises those weights (pt-checkpoint-bnb.c). */
static gboolean
check_quantization (const Reader *top, GError **error)
{
  JsonNode *q = member (top, "quantization_config");
  Reader r;
  const char *method = NULL, *type = NULL;
  gboolean four = FALSE, four_private = FALSE, eight = FALSE;

  if (q == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (q))
    FAIL (PT_ERROR_INVALID_INPUT, "%s: quantization_config must be a JSON object", top->what);
  r = (Reader) { json_node_get_object (q), "quantization_config.", top->what };
  if (!get_string (&r, "quant_method", &method, error)
      || !get_string (&r, "bnb_4bit_quant_type", &type, error)
      || !get_bool (&r, "load_in_4bit", FALSE, &four, error)
      || !get_bool (&r, "_load_in_4bit", FALSE, &four_private, error)
      || !get_bool (&r, "load_in_8bit", FALSE, &eight, error))
    return FALSE;
  if (method == NULL || strcmp (method, "bitsandbytes") != 0)
    FAIL (PT_ERROR_UNSUPPORTED, "%s describes a checkpoint quantised with %s; PaliTune loads the original "
          "bf16/fp32 weights (and quantises them itself in QLoRA mode) or bitsandbytes NF4 checkpoints",
          top->what, method != NULL ? method : "an unknown method");
  if (eight || !(four || four_private))
    FAIL (PT_ERROR_UNSUPPORTED, "%s describes an 8-bit bitsandbytes checkpoint; PaliTune reads 4-bit NF4 "
          "ones only", top->what);
  if (type == NULL || strcmp (type, "nf4") != 0)
    FAIL (PT_ERROR_UNSUPPORTED, "%s describes a 4-bit %s checkpoint; PaliTune reads NF4 ones only",
          top->what, type != NULL ? type : "fp4");
  return TRUE;
}

static PtModelConfig *
config_from_node (JsonNode *root, const char *what, GError **error)
{
  g_autoptr(PtModelConfig) c = g_new0 (PtModelConfig, 1);
  Reader top, vision, text;
  JsonNode *vnode, *tnode;
  const char *model_type = NULL, *dtype = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "%s is not a JSON object", what);
      return NULL;
    }
  top = (Reader) { json_node_get_object (root), "", what };
  if (!get_string (&top, "model_type", &model_type, error))
    return NULL;
  if (model_type == NULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "%s has no model_type; a PaliGemma config.json says \"model_type\": \"paligemma\"", what);
      return NULL;
    }
  if (strcmp (model_type, "paligemma") != 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED,
                   "%s describes a “%.60s” model; PaliTune fine-tunes PaliGemma (model_type paligemma) only",
                   what, model_type);
      return NULL;
    }

  vnode = member (&top, "vision_config");
  tnode = member (&top, "text_config");
  if ((vnode != NULL && !JSON_NODE_HOLDS_OBJECT (vnode)) || (tnode != NULL && !JSON_NODE_HOLDS_OBJECT (tnode)))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "%s: %s must be a JSON object", what,
                   vnode != NULL && !JSON_NODE_HOLDS_OBJECT (vnode) ? "vision_config" : "text_config");
      return NULL;
    }

  /* PaliGemmaConfig's own defaults when a whole section is missing */
  if (vnode == NULL)
    {
      *c = (PtModelConfig) { .image_size = 224, .patch_size = 14, .num_channels = 3, .v_hidden = 1152,
                             .v_layers = 27, .v_heads = 16, .v_intermediate = 4096,
                             .v_layer_norm_eps = SIGLIP_LN_EPS, .num_image_tokens = 256 };
    }
  else
    {
      vision = (Reader) { json_node_get_object (vnode), "vision_config.", what };
      if (!read_vision (c, &vision, error))
        return NULL;
    }
  if (tnode == NULL)
    {
      c->t_hidden = 2048;
      c->t_layers = 18;
      c->t_intermediate = 16384;
      c->t_heads = 8;
      c->t_kv_heads = 1;
      c->t_head_dim = GEMMA_HEAD_DIM;
      c->vocab_size = 257152;
      c->max_position_embeddings = GEMMA_MAX_POSITIONS;
      c->t_rms_norm_eps = GEMMA_RMS_EPS;
      c->rope_theta = GEMMA_ROPE_THETA;
      c->tie_word_embeddings = TRUE;
      c->family = PT_FAMILY_PALIGEMMA;
      c->query_pre_attn_scalar = c->t_head_dim;
      if (!get_int (&top, "vocab_size", 257152, &c->vocab_size, error))
        return NULL;
    }
  else
    {
      text = (Reader) { json_node_get_object (tnode), "text_config.", what };
      if (!read_text (c, &text, error))
        return NULL;
    }

  /* special ids: top level (PretrainedConfig kwargs), else the text config's */
  {
    Reader *t = tnode != NULL ? &text : NULL;
    int pad = 0, eos = 1, bos = 2;
    if ((t != NULL && (!get_int (t, "pad_token_id", 0, &pad, error)
                       || !get_int_or_first (t, "eos_token_id", 1, &eos, error)
                       || !get_int (t, "bos_token_id", 2, &bos, error)))
        || !get_int (&top, "pad_token_id", pad, &c->pad_token_id, error)
        || !get_int_or_first (&top, "eos_token_id", eos, &c->eos_token_id, error)
        || !get_int (&top, "bos_token_id", bos, &c->bos_token_id, error))
      return NULL;
  }

  if (has (&top, "image_token_index"))
    {
      if (!get_int (&top, "image_token_index", PALI_IMAGE_TOKEN, &c->image_token_index, error))
        return NULL;
    }
  else if (!get_int (&top, "image_token_id", PALI_IMAGE_TOKEN, &c->image_token_index, error))
    return NULL;
  if (!get_int (&top, "projection_dim", PALI_PROJECTION_DIM, &c->projection_dim, error))
    return NULL;
  /* vision_config.projection_dim is overwritten by the top-level value in
   * PaliGemmaConfig, so it is not read */

  if (!get_string (&top, "dtype", &dtype, error))
    return NULL;
  if (dtype == NULL && !get_string (&top, "torch_dtype", &dtype, error))
    return NULL;
  c->torch_dtype = g_strdup (dtype);

  if (!check_quantization (&top, error))
    return NULL;

  if (!pt_model_config_validate (c, error))
    {
      g_prefix_error (error, "%s: ", what);
      return NULL;
    }
  return g_steal_pointer (&c);
}

PtModelConfig *
pt_model_config_from_json (const char *json,
                           gssize      length,
                           GError    **error)
{
  g_autoptr(JsonNode) root = NULL;

  g_return_val_if_fail (json != NULL, NULL);

  root = pt_json_parse (json, length, "The model configuration", error);
  if (root == NULL)
    return NULL;
  return config_from_node (root, "The model configuration", error);
}

PtModelConfig *
pt_model_config_load (const char *path,
                      GError    **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *display = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  root = pt_json_load_file (path, 16 << 20, error);
  if (root == NULL)
    return NULL;
  display = g_filename_display_name (path);
  return config_from_node (root, display, error);
}

static gboolean
check_range (int value, int lo, int hi, const char *what, GError **error)
{
  if (value < lo || value > hi)
    FAIL (PT_ERROR_INVALID_INPUT, "%s must be between %d and %d (got %d)", what, lo, hi, value);
  return TRUE;
}

static gboolean
check_eps (double value, const char *what, GError **error)
{
  if (!isfinite (value) || value <= 0 || value >= 1)
    FAIL (PT_ERROR_INVALID_INPUT, "%s must be a small positive number (got %g)", what, value);
  return TRUE;
}

gboolean
pt_model_config_validate (const PtModelConfig *c,
                          GError             **error)
{
  g_return_val_if_fail (c != NULL, FALSE);

  if (!check_range (c->image_size, 1, MAX_IMAGE_SIZE, "vision_config.image_size", error)
      || !check_range (c->patch_size, 1, c->image_size, "vision_config.patch_size", error)
      || !check_range (c->num_channels, 1, 16, "vision_config.num_channels", error)
      || !check_range (c->v_hidden, 1, MAX_WIDTH, "vision_config.hidden_size", error)
      || !check_range (c->v_layers, 1, MAX_LAYERS, "vision_config.num_hidden_layers", error)
      || !check_range (c->v_heads, 1, MAX_HEADS, "vision_config.num_attention_heads", error)
      || !check_range (c->v_intermediate, 1, 4 * MAX_WIDTH, "vision_config.intermediate_size", error)
      || !check_eps (c->v_layer_norm_eps, "vision_config.layer_norm_eps", error)
      || !check_range (c->t_hidden, 1, MAX_WIDTH, "text_config.hidden_size", error)
      || !check_range (c->t_layers, 1, MAX_LAYERS, "text_config.num_hidden_layers", error)
      || !check_range (c->t_heads, 1, MAX_HEADS, "text_config.num_attention_heads", error)
      || !check_range (c->t_kv_heads, 1, c->t_heads, "text_config.num_key_value_heads", error)
      || !check_range (c->t_head_dim, 2, MAX_HEAD_DIM, "text_config.head_dim", error)
      || !check_range (c->t_intermediate, 1, 4 * MAX_WIDTH, "text_config.intermediate_size", error)
      || !check_range (c->vocab_size, 1, MAX_VOCAB, "text_config.vocab_size", error)
      || !check_range (c->max_position_embeddings, 1, MAX_POSITIONS, "text_config.max_position_embeddings", error)
      || !check_eps (c->t_rms_norm_eps, "text_config.rms_norm_eps", error)
      || !check_range (c->projection_dim, 1, MAX_WIDTH, "projection_dim", error)
      /* may lie beyond the vocabulary: transformers then embeds id 0 there
       * before the image features replace it */
      || !check_range (c->image_token_index, 0, G_MAXINT / 2, "image_token_index", error)
      || !check_range (c->pad_token_id, -1, c->vocab_size - 1, "pad_token_id", error)
      || !check_range (c->eos_token_id, 0, c->vocab_size - 1, "eos_token_id", error)
      || !check_range (c->bos_token_id, 0, c->vocab_size - 1, "bos_token_id", error))
    return FALSE;
  if (c->image_size % c->patch_size != 0)
    FAIL (PT_ERROR_UNSUPPORTED, "vision_config.image_size %d is not a multiple of patch_size %d",
          c->image_size, c->patch_size);
  if (c->num_image_tokens != (c->image_size / c->patch_size) * (c->image_size / c->patch_size))
    FAIL (PT_ERROR_INVALID_INPUT, "num_image_tokens %d does not match image_size %d / patch_size %d",
          c->num_image_tokens, c->image_size, c->patch_size);
  if (c->num_image_tokens > MAX_IMAGE_TOKENS)
    FAIL (PT_ERROR_INVALID_INPUT, "%d image tokens is more than PaliTune handles (%d)",
          c->num_image_tokens, MAX_IMAGE_TOKENS);
  if (c->num_channels != 3)
    FAIL (PT_ERROR_UNSUPPORTED, "vision_config.num_channels is %d; PaliTune feeds RGB images (3 channels)",
          c->num_channels);
  if (c->v_hidden % c->v_heads != 0)
    FAIL (PT_ERROR_INVALID_INPUT, "vision_config.hidden_size %d is not divisible by num_attention_heads %d",
          c->v_hidden, c->v_heads);
  if (c->t_heads % c->t_kv_heads != 0)
    FAIL (PT_ERROR_INVALID_INPUT, "text_config.num_key_value_heads %d does not divide num_attention_heads %d",
          c->t_kv_heads, c->t_heads);
  if (c->t_head_dim % 2 != 0)
    FAIL (PT_ERROR_INVALID_INPUT, "text_config.head_dim %d is odd; rotary embeddings need an even head size",
          c->t_head_dim);
  if ((gint64) c->t_heads * c->t_head_dim > 4 * MAX_WIDTH)
    FAIL (PT_ERROR_INVALID_INPUT, "text_config.num_attention_heads × head_dim is too large");
  if (c->projection_dim != c->t_hidden)
    FAIL (PT_ERROR_INVALID_INPUT, "projection_dim %d differs from text_config.hidden_size %d; the "
          "projected image features must have the decoder's width", c->projection_dim, c->t_hidden);
  if (!isfinite (c->rope_theta) || c->rope_theta <= 1)
    FAIL (PT_ERROR_INVALID_INPUT, "text_config.rope_theta must be a number above 1 (got %g)", c->rope_theta);
  if (c->family != PT_FAMILY_PALIGEMMA && c->family != PT_FAMILY_PALIGEMMA2)
    FAIL (PT_ERROR_INVALID_INPUT, "unknown model family %d", (int) c->family);
  if (!isfinite (c->query_pre_attn_scalar) || c->query_pre_attn_scalar < 0)
    FAIL (PT_ERROR_INVALID_INPUT, "text_config.query_pre_attn_scalar must be a positive number");
  if (!isfinite (c->attn_logit_softcap) || c->attn_logit_softcap < 0
      || !isfinite (c->final_logit_softcap) || c->final_logit_softcap < 0)
    FAIL (PT_ERROR_INVALID_INPUT, "the softcapping values must be positive numbers (or none)");
  if (c->sliding_window < 0)
    FAIL (PT_ERROR_INVALID_INPUT, "text_config.sliding_window must not be negative");
  if (c->family == PT_FAMILY_PALIGEMMA
      && (c->attn_logit_softcap > 0 || c->final_logit_softcap > 0 || c->sliding_window > 0))
    FAIL (PT_ERROR_INVALID_INPUT, "softcapping and sliding windows belong to Gemma 2 (PaliGemma 2)");
  return TRUE;
}

const char *
pt_model_family_name (PtModelFamily family)
{
  return family == PT_FAMILY_PALIGEMMA2 ? "PaliGemma 2" : "PaliGemma";
}

/* the released sizes, by decoder width: PaliGemma 3B; PaliGemma 2 3B, 10B, 28B */
static const char *
released_size (const PtModelConfig *c)
{
  static const struct { PtModelFamily family; int hidden, layers, v_hidden; const char *name; } sizes[] = {
    { PT_FAMILY_PALIGEMMA, 2048, 18, 1152, "3B" },
    { PT_FAMILY_PALIGEMMA2, 2304, 26, 1152, "3B" },
    { PT_FAMILY_PALIGEMMA2, 3584, 42, 1152, "10B" },
    { PT_FAMILY_PALIGEMMA2, 4608, 46, 1152, "28B" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    if (sizes[i].family == c->family && sizes[i].hidden == c->t_hidden && sizes[i].layers == c->t_layers
        && sizes[i].v_hidden == c->v_hidden)
      return sizes[i].name;
  return NULL;
}

char *
pt_model_config_describe (const PtModelConfig *c)
{
  const char *size;

  g_return_val_if_fail (c != NULL, NULL);

  size = released_size (c);
  if (size != NULL)
    return g_strdup_printf ("%s · %s · %d px", pt_model_family_name (c->family), size, c->image_size);
  return g_strdup_printf ("%s · %d px", pt_model_family_name (c->family), c->image_size);
}

PtModelConfig *
pt_model_config_copy (const PtModelConfig *config)
{
  PtModelConfig *copy;

  g_return_val_if_fail (config != NULL, NULL);

  copy = g_memdup2 (config, sizeof *config);
  copy->torch_dtype = g_strdup (config->torch_dtype);
  return copy;
}

void
pt_model_config_free (PtModelConfig *config)
{
  if (config == NULL)
    return;
  g_free (config->torch_dtype);
  g_free (config);
}

char *
pt_model_config_to_json (const PtModelConfig *c)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  gboolean gemma2;

  g_return_val_if_fail (c != NULL, NULL);
  gemma2 = c->family == PT_FAMILY_PALIGEMMA2;

#define INT(key, v)    G_STMT_START { json_builder_set_member_name (b, key); json_builder_add_int_value (b, v); } G_STMT_END
#define DBL(key, v)    G_STMT_START { json_builder_set_member_name (b, key); json_builder_add_double_value (b, v); } G_STMT_END
#define STR(key, v)    G_STMT_START { json_builder_set_member_name (b, key); json_builder_add_string_value (b, v); } G_STMT_END
#define BOOL(key, v)   G_STMT_START { json_builder_set_member_name (b, key); json_builder_add_boolean_value (b, v); } G_STMT_END
#define NUL(key)       G_STMT_START { json_builder_set_member_name (b, key); json_builder_add_null_value (b); } G_STMT_END

  /* the layout transformers 5.23 save_pretrained writes (keys sorted, the
   * rope and activation keys of 4.x too), plus the special ids the hub
   * configs carry */
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "architectures");
  json_builder_begin_array (b);
  json_builder_add_string_value (b, "PaliGemmaForConditionalGeneration");
  json_builder_end_array (b);
  INT ("bos_token_id", c->bos_token_id);
  if (c->torch_dtype != NULL)
    STR ("dtype", c->torch_dtype);
  INT ("eos_token_id", c->eos_token_id);
  INT ("hidden_size", c->t_hidden);
  INT ("ignore_index", -100);
  INT ("image_token_index", c->image_token_index);
  STR ("model_type", "paligemma");
  INT ("pad_token_id", c->pad_token_id);
  INT ("projection_dim", c->projection_dim);
  BOOL ("tie_word_embeddings", c->tie_word_embeddings);

  json_builder_set_member_name (b, "text_config");
  json_builder_begin_object (b);
  BOOL ("attention_bias", FALSE);
  DBL ("attention_dropout", 0.0);
  INT ("bos_token_id", c->bos_token_id);
  INT ("eos_token_id", c->eos_token_id);
  INT ("pad_token_id", c->pad_token_id);
  if (gemma2)
    {
      if (c->attn_logit_softcap > 0)
        DBL ("attn_logit_softcapping", c->attn_logit_softcap);
      else
        NUL ("attn_logit_softcapping");
      if (c->final_logit_softcap > 0)
        DBL ("final_logit_softcapping", c->final_logit_softcap);
      else
        NUL ("final_logit_softcapping");
    }
  INT ("head_dim", c->t_head_dim);
  STR ("hidden_act", "gelu_pytorch_tanh");
  STR ("hidden_activation", "gelu_pytorch_tanh");
  INT ("hidden_size", c->t_hidden);
  INT ("intermediate_size", c->t_intermediate);
  if (gemma2)
    {
      json_builder_set_member_name (b, "layer_types");
      json_builder_begin_array (b);
      for (int l = 0; l < c->t_layers; l++)
        json_builder_add_string_value (b, c->sliding_layers[l / 64] >> (l % 64) & 1
                                          ? "sliding_attention" : "full_attention");
      json_builder_end_array (b);
    }
  INT ("max_position_embeddings", c->max_position_embeddings);
  STR ("model_type", gemma2 ? "gemma2" : "gemma");
  INT ("num_attention_heads", c->t_heads);
  INT ("num_hidden_layers", c->t_layers);
  INT ("num_image_tokens", c->num_image_tokens);
  INT ("num_key_value_heads", c->t_kv_heads);
  /* Gemma2Config declares it an int (transformers 5 checks field types
   * strictly): a whole number is written as one */
  if (gemma2 && c->query_pre_attn_scalar == floor (c->query_pre_attn_scalar)
      && c->query_pre_attn_scalar <= G_MAXINT)
    INT ("query_pre_attn_scalar", (gint64) c->query_pre_attn_scalar);
  else if (gemma2)
    DBL ("query_pre_attn_scalar", c->query_pre_attn_scalar);
  DBL ("rms_norm_eps", c->t_rms_norm_eps);
  /* both spellings: rope_parameters for transformers 5, rope_theta for 4 */
  json_builder_set_member_name (b, "rope_parameters");
  json_builder_begin_object (b);
  DBL ("rope_theta", c->rope_theta);
  STR ("rope_type", "default");
  json_builder_end_object (b);
  DBL ("rope_theta", c->rope_theta);
  if (gemma2)
    {
      if (c->sliding_window > 0)
        INT ("sliding_window", c->sliding_window);
      else
        NUL ("sliding_window");
    }
  BOOL ("tie_word_embeddings", c->tie_word_embeddings);
  /* PaliGemmaConfig sets it; it only matters to SDPA/flash kernels, the
   * prefix-LM mask is built apart */
  BOOL ("use_bidirectional_attention", TRUE);
  INT ("vocab_size", c->vocab_size);
  json_builder_end_object (b);

  STR ("transformers_version", "5.23.0");

  json_builder_set_member_name (b, "vision_config");
  json_builder_begin_object (b);
  DBL ("attention_dropout", 0.0);
  STR ("hidden_act", "gelu_pytorch_tanh");
  INT ("hidden_size", c->v_hidden);
  INT ("image_size", c->image_size);
  INT ("intermediate_size", c->v_intermediate);
  DBL ("layer_norm_eps", c->v_layer_norm_eps);
  STR ("model_type", "siglip_vision_model");
  INT ("num_attention_heads", c->v_heads);
  INT ("num_channels", c->num_channels);
  INT ("num_hidden_layers", c->v_layers);
  INT ("num_image_tokens", c->num_image_tokens);
  INT ("patch_size", c->patch_size);
  INT ("projection_dim", c->projection_dim);
  STR ("projector_hidden_act", "gelu_fast");   /* in the hub configs; unused */
  BOOL ("vision_use_head", FALSE);
  json_builder_end_object (b);
  json_builder_end_object (b);

#undef INT
#undef DBL
#undef STR
#undef BOOL
#undef NUL

  root = json_builder_get_root (b);
  return pt_json_to_string (root, TRUE);
}

guint64
pt_model_config_n_params (const PtModelConfig *c)
{
  guint64 vh, vi, th, ti, q, kv, vision, projector, text;

  g_return_val_if_fail (c != NULL, 0);

  vh = (guint64) c->v_hidden;
  vi = (guint64) c->v_intermediate;
  th = (guint64) c->t_hidden;
  ti = (guint64) c->t_intermediate;
  q = (guint64) c->t_heads * (guint64) c->t_head_dim;
  kv = (guint64) c->t_kv_heads * (guint64) c->t_head_dim;

  vision = vh * (guint64) c->num_channels * (guint64) c->patch_size * (guint64) c->patch_size + vh  /* patch conv */
           + (guint64) c->num_image_tokens * vh                                                     /* positions */
           + (guint64) c->v_layers * (4 * vh                        /* layer_norm1, layer_norm2 */
                                      + 4 * (vh * vh + vh)          /* q, k, v, out */
                                      + vi * vh + vi + vh * vi + vh)/* fc1, fc2 */
           + 2 * vh;                                                /* post_layernorm */
  projector = vh * (guint64) c->projection_dim + (guint64) c->projection_dim;
  text = (guint64) c->vocab_size * th
         + (guint64) c->t_layers * (th * q + 2 * th * kv + q * th   /* q, k, v, o */
                                    + 3 * th * ti                   /* gate, up, down */
                                    + (c->family == PT_FAMILY_PALIGEMMA2 ? 4 : 2) * th) /* RMSNorms */
         + th;                                                      /* final norm */
  if (!c->tie_word_embeddings)
    text += (guint64) c->vocab_size * th;
  return vision + projector + text;
}
