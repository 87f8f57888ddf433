/* pt-peft.c — PEFT LoRA: module paths, adapter key names, target matching,
 * adapter folders. */
#include "config.h"

#include <math.h>            /* sqrt */
#include <stdlib.h>          /* strtol */
#include <string.h>          /* strcmp, strlen */

#include "pt-error.h"        /* PT_ERROR */
#include "pt-peft.h"

/* ---- the LoRA-able layers ----------------------------------------------------- */

static const struct {
  const char *name;      /* the module's own name */
  const char *parent;    /* its container inside a layer */
  PtTower     tower;
} modules[PT_LORA_N_MODULES] = {
  [PT_LORA_V_Q]       = { "q_proj", "self_attn", PT_TOWER_VISION },
  [PT_LORA_V_K]       = { "k_proj", "self_attn", PT_TOWER_VISION },
  [PT_LORA_V_V]       = { "v_proj", "self_attn", PT_TOWER_VISION },
  [PT_LORA_V_OUT]     = { "out_proj", "self_attn", PT_TOWER_VISION },
  [PT_LORA_V_FC1]     = { "fc1", "mlp", PT_TOWER_VISION },
  [PT_LORA_V_FC2]     = { "fc2", "mlp", PT_TOWER_VISION },
  [PT_LORA_PROJECTOR] = { "linear", NULL, PT_TOWER_PROJECTOR },
  [PT_LORA_T_Q]       = { "q_proj", "self_attn", PT_TOWER_TEXT },
  [PT_LORA_T_K]       = { "k_proj", "self_attn", PT_TOWER_TEXT },
  [PT_LORA_T_V]       = { "v_proj", "self_attn", PT_TOWER_TEXT },
  [PT_LORA_T_O]       = { "o_proj", "self_attn", PT_TOWER_TEXT },
  [PT_LORA_T_GATE]    = { "gate_proj", "mlp", PT_TOWER_TEXT },
  [PT_LORA_T_UP]      = { "up_proj", "mlp", PT_TOWER_TEXT },
  [PT_LORA_T_DOWN]    = { "down_proj", "mlp", PT_TOWER_TEXT },
};

const char *
pt_lora_module_name (PtLoraModule m)
{
  return (unsigned) m < PT_LORA_N_MODULES ? modules[m].name : "?";
}

PtTower
pt_lora_module_tower (PtLoraModule m)
{
  return (unsigned) m < PT_LORA_N_MODULES ? modules[m].tower : PT_TOWER_TEXT;
}

void
pt_lora_module_dims (PtLoraModule         m,
                     const PtModelConfig *c,
                     int                 *in,
                     int                 *out)
{
  int q = c->t_heads * c->t_head_dim, kv = c->t_kv_heads * c->t_head_dim;

  switch (m)
    {
    case PT_LORA_V_Q: case PT_LORA_V_K: case PT_LORA_V_V: case PT_LORA_V_OUT:
      *in = c->v_hidden; *out = c->v_hidden; break;
    case PT_LORA_V_FC1: *in = c->v_hidden; *out = c->v_intermediate; break;
    case PT_LORA_V_FC2: *in = c->v_intermediate; *out = c->v_hidden; break;
    case PT_LORA_PROJECTOR: *in = c->v_hidden; *out = c->projection_dim; break;
    case PT_LORA_T_Q: *in = c->t_hidden; *out = q; break;
    case PT_LORA_T_K: case PT_LORA_T_V: *in = c->t_hidden; *out = kv; break;
    case PT_LORA_T_O: *in = q; *out = c->t_hidden; break;
    case PT_LORA_T_GATE: case PT_LORA_T_UP: *in = c->t_hidden; *out = c->t_intermediate; break;
    case PT_LORA_T_DOWN: *in = c->t_intermediate; *out = c->t_hidden; break;
    case PT_LORA_N_MODULES:
    default: *in = *out = 0;
    }
}

char *
pt_peft_module_path (PtLoraModule m,
                     int          layer,
                     PtPeftLayout layout)
{
  const char *stack;

  g_return_val_if_fail ((unsigned) m < PT_LORA_N_MODULES, NULL);

  switch (modules[m].tower)
    {
    case PT_TOWER_PROJECTOR:
      return g_strdup (layout == PT_PEFT_LAYOUT_LEGACY ? "multi_modal_projector.linear"
                                                       : "model.multi_modal_projector.linear");
    case PT_TOWER_VISION:
      stack = layout == PT_PEFT_LAYOUT_LEGACY ? "vision_tower.vision_model.encoder.layers"
            : layout == PT_PEFT_LAYOUT_CURRENT ? "model.vision_tower.encoder.layers"
            : "model.vision_tower.vision_model.encoder.layers";
      break;
    case PT_TOWER_TEXT:
    default:
      stack = layout == PT_PEFT_LAYOUT_LEGACY ? "language_model.model.layers" : "model.language_model.layers";
      break;
    }
  return g_strdup_printf ("%s.%d.%s.%s", stack, layer, modules[m].parent, modules[m].name);
}

/* ---- adapter tensor names ------------------------------------------------------ */

#define KEY_PREFIX "base_model.model."

/* a layer number: digits without a leading zero */
static gboolean
parse_layer (const char *s, const char **end, int *layer)
{
  long v = 0;
  const char *p = s;

  if (!g_ascii_isdigit (*p) || (*p == '0' && g_ascii_isdigit (p[1])))
    return FALSE;
  for (; g_ascii_isdigit (*p); p++)
    {
      v = v * 10 + (*p - '0');
      if (v > 99999)
        return FALSE;
    }
  *layer = (int) v;
  *end = p;
  return TRUE;
}

/* parses a canonical weight name (pt_checkpoint_canonical_name) of a LoRA-able layer */
static gboolean
parse_canonical (const char *name, PtLoraModule *module, int *layer)
{
  static const struct { const char *prefix; PtTower tower; } stacks[] = {
    { "vision_tower.vision_model.encoder.layers.", PT_TOWER_VISION },
    { "language_model.model.layers.", PT_TOWER_TEXT },
  };
  const char *rest;

  if (strcmp (name, "multi_modal_projector.linear.weight") == 0)
    {
      *module = PT_LORA_PROJECTOR;
      *layer = -1;
      return TRUE;
    }
  for (guint s = 0; s < G_N_ELEMENTS (stacks); s++)
    {
      if (!g_str_has_prefix (name, stacks[s].prefix))
        continue;
      if (!parse_layer (name + strlen (stacks[s].prefix), &rest, layer) || *rest != '.')
        return FALSE;
      rest++;
      for (int m = 0; m < PT_LORA_N_MODULES; m++)
        {
          g_autofree char *tail = NULL;
          if (modules[m].tower != stacks[s].tower)
            continue;
          tail = g_strdup_printf ("%s.%s.weight", modules[m].parent, modules[m].name);
          if (strcmp (rest, tail) == 0)
            {
              *module = (PtLoraModule) m;
              return TRUE;
            }
        }
      return FALSE;
    }
  return FALSE;
}

gboolean
pt_peft_parse_key (const char   *name,
                   PtLoraKey    *key,
                   PtPeftLayout *layout)
{
  g_autofree char *path = NULL;
  g_autofree char *weight = NULL;
  g_autofree char *canonical = NULL;
  gsize len;
  gboolean is_b;

  g_return_val_if_fail (name != NULL && key != NULL, FALSE);

  if (!g_str_has_prefix (name, KEY_PREFIX))
    return FALSE;
  len = strlen (name);
  if (g_str_has_suffix (name, ".lora_A.weight"))
    is_b = FALSE;
  else if (g_str_has_suffix (name, ".lora_B.weight"))
    is_b = TRUE;
  else
    return FALSE;
  if (len <= strlen (KEY_PREFIX) + strlen (".lora_A.weight"))
    return FALSE;
  path = g_strndup (name + strlen (KEY_PREFIX), len - strlen (KEY_PREFIX) - strlen (".lora_A.weight"));
  weight = g_strconcat (path, ".weight", NULL);
  canonical = pt_checkpoint_canonical_name (weight);
  if (!parse_canonical (canonical, &key->module, &key->layer))
    return FALSE;
  key->is_b = is_b;
  if (layout != NULL)
    {
      if (!g_str_has_prefix (path, "model."))
        *layout = PT_PEFT_LAYOUT_LEGACY;
      else if (g_str_has_prefix (path, "model.vision_tower.vision_model."))
        *layout = PT_PEFT_LAYOUT_V4;
      else
        *layout = PT_PEFT_LAYOUT_CURRENT;   /* the decoder and projector: 4.52+ and 5 agree */
    }
  return TRUE;
}

char *
pt_peft_key_name (const PtLoraKey *key,
                  PtPeftLayout     layout)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (key != NULL, NULL);

  path = pt_peft_module_path (key->module, key->layer, layout);
  return g_strdup_printf (KEY_PREFIX "%s.lora_%c.weight", path, key->is_b ? 'B' : 'A');
}

/* ---- matching (peft tuners_utils.check_target_module_exists) -------------------- */

/* Python re.fullmatch (full) or re.match (prefix) with a PCRE pattern */
static gboolean
re_match (const char *pattern, const char *subject, gboolean full, int *group1)
{
  g_autofree char *wrapped = full ? g_strdup_printf ("(?:%s)\\z", pattern) : g_strdup (pattern);
  g_autoptr(GRegex) re = g_regex_new (wrapped, G_REGEX_ANCHORED, 0, NULL);
  g_autoptr(GMatchInfo) info = NULL;
  gboolean ok;

  if (re == NULL)
    return FALSE;   /* validated at load; a bad pattern matches nothing */
  ok = g_regex_match (re, subject, 0, &info);
  if (ok && group1 != NULL)
    {
      g_autofree char *g = g_match_info_fetch (info, 1);
      *group1 = g != NULL ? (int) MIN (strtol (g, NULL, 10), G_MAXINT) : -1;
    }
  return ok;
}

static gboolean
ends_with_module (const char *path, const char *t)
{
  gsize lp = strlen (path), lt = strlen (t);
  return lp > lt && path[lp - lt - 1] == '.' && strcmp (path + lp - lt, t) == 0;
}

static gboolean
is_excluded (const PtPeftConfig *c, const char *path)
{
  if (c->exclude_modules_regex != NULL)
    {
      if (re_match (c->exclude_modules_regex, path, TRUE, NULL))
        return TRUE;
    }
  else if (c->exclude_modules != NULL)
    {
      for (guint i = 0; c->exclude_modules[i] != NULL; i++)
        if (strcmp (path, c->exclude_modules[i]) == 0 || ends_with_module (path, c->exclude_modules[i]))
          return TRUE;
    }
  for (guint i = 0; c->modules_to_save != NULL && c->modules_to_save[i] != NULL; i++)
    {
      g_autofree char *p = g_strdup_printf ("(^|.*\\.)%s($|\\..*)", c->modules_to_save[i]);
      if (re_match (p, path, FALSE, NULL))
        return TRUE;
    }
  return FALSE;
}

gboolean
pt_peft_module_matches (const PtPeftConfig *c,
                        const char         *path)
{
  gboolean found = FALSE;
  int index = -1;

  g_return_val_if_fail (c != NULL && path != NULL, FALSE);

  if (is_excluded (c, path))
    return FALSE;
  if (c->target_modules_regex != NULL)
    return re_match (c->target_modules_regex, path, TRUE, NULL);
  if (c->target_modules == NULL)
    return FALSE;
  if (g_strv_contains ((const char *const *) c->target_modules, path))
    return TRUE;    /* named exactly: layers_to_transform does not apply */
  for (guint i = 0; !found && c->target_modules[i] != NULL; i++)
    found = ends_with_module (path, c->target_modules[i]);
  if (!found || c->layers_to_transform == NULL)
    return found;

  if (c->layers_pattern == NULL || c->layers_pattern[0] == NULL)
    {
      if (!re_match (".*\\.[^.]*\\.(\\d+)\\.", path, FALSE, &index))
        return FALSE;
    }
  else
    {
      for (guint i = 0; index < 0 && c->layers_pattern[i] != NULL; i++)
        {
          g_autofree char *p = g_strdup_printf (".*\\.%s\\.(\\d+)\\.", c->layers_pattern[i]);
          if (!re_match (p, path, FALSE, &index))
            index = -1;
        }
      if (index < 0)
        return FALSE;
    }
  for (int i = 0; i < c->n_layers_to_transform; i++)
    if (c->layers_to_transform[i] == index)
      return TRUE;
  return FALSE;
}

static const PtPeftPattern *
pattern_for (GArray *patterns, const char *path)
{
  for (guint i = 0; patterns != NULL && i < patterns->len; i++)
    {
      const PtPeftPattern *p = &g_array_index (patterns, PtPeftPattern, i);
      g_autofree char *re = g_strdup_printf ("(.*\\.)?(%s)$", p->key);
      if (re_match (re, path, FALSE, NULL))
        return p;
    }
  return NULL;
}

int
pt_peft_rank_for (const PtPeftConfig *c,
                  const char         *path)
{
  const PtPeftPattern *p;

  g_return_val_if_fail (c != NULL && path != NULL, 0);
  p = pattern_for (c->rank_pattern, path);
  return p != NULL ? (int) p->value : c->r;
}

double
pt_peft_alpha_for (const PtPeftConfig *c,
                   const char         *path)
{
  const PtPeftPattern *p;

  g_return_val_if_fail (c != NULL && path != NULL, 0);
  p = pattern_for (c->alpha_pattern, path);
  return p != NULL ? p->value : c->lora_alpha;
}

/* ---- the model's modules ---------------------------------------------------------- */

void
pt_module_info_free (PtModuleInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->path);
  g_free (info);
}

void
pt_lora_target_free (PtLoraTarget *t)
{
  if (t == NULL)
    return;
  g_free (t->path);
  g_free (t);
}

static void
add_module (GPtrArray *out, const char *type, PtModuleKind kind, int lora, int layer,
            const char *format, ...) G_GNUC_PRINTF (6, 7);

static void
add_module (GPtrArray *out, const char *type, PtModuleKind kind, int lora, int layer,
            const char *format, ...)
{
  PtModuleInfo *m = g_new0 (PtModuleInfo, 1);
  va_list args;

  va_start (args, format);
  m->path = g_strdup_vprintf (format, args);
  va_end (args);
  m->type = type;
  m->kind = kind;
  m->lora = lora;
  m->layer = layer;
  g_ptr_array_add (out, m);
}

GPtrArray *
pt_peft_model_modules (const PtModelConfig *model)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) pt_module_info_free);
  const char *v = "model.vision_tower";
  const char *t = "model.language_model";
  gboolean g2;
  /* Gemma and Gemma 2 class names */
  const char *cls_model, *cls_embed, *cls_layer, *cls_attn, *cls_mlp, *cls_norm, *cls_rope;

  g_return_val_if_fail (model != NULL, out);

  g2 = model->family == PT_FAMILY_PALIGEMMA2;
  cls_model = g2 ? "Gemma2Model" : "GemmaModel";
  cls_embed = g2 ? "Gemma2TextScaledWordEmbedding" : "GemmaTextScaledWordEmbedding";
  cls_layer = g2 ? "Gemma2DecoderLayer" : "GemmaDecoderLayer";
  cls_attn = g2 ? "Gemma2Attention" : "GemmaAttention";
  cls_mlp = g2 ? "Gemma2MLP" : "GemmaMLP";
  cls_norm = g2 ? "Gemma2RMSNorm" : "GemmaRMSNorm";
  cls_rope = g2 ? "Gemma2RotaryEmbedding" : "GemmaRotaryEmbedding";

  /* transformers 5.23's named_modules(): SigLIP flattened (no vision_model) */
  add_module (out, "PaliGemmaForConditionalGeneration", PT_MODULE_CONTAINER, -1, -1, "%s", "");
  add_module (out, "PaliGemmaModel", PT_MODULE_CONTAINER, -1, -1, "model");
  add_module (out, "SiglipVisionModel", PT_MODULE_CONTAINER, -1, -1, "%s", v);
  add_module (out, "SiglipVisionEmbeddings", PT_MODULE_CONTAINER, -1, -1, "%s.embeddings", v);
  add_module (out, "Conv2d", PT_MODULE_CONV2D, -1, -1, "%s.embeddings.patch_embedding", v);
  add_module (out, "Embedding", PT_MODULE_EMBEDDING, -1, -1, "%s.embeddings.position_embedding", v);
  add_module (out, "SiglipEncoder", PT_MODULE_CONTAINER, -1, -1, "%s.encoder", v);
  add_module (out, "ModuleList", PT_MODULE_CONTAINER, -1, -1, "%s.encoder.layers", v);
  for (int l = 0; l < model->v_layers; l++)
    {
      add_module (out, "SiglipEncoderLayer", PT_MODULE_CONTAINER, -1, l, "%s.encoder.layers.%d", v, l);
      add_module (out, "LayerNorm", PT_MODULE_NORM, -1, l, "%s.encoder.layers.%d.layer_norm1", v, l);
      add_module (out, "SiglipAttention", PT_MODULE_CONTAINER, -1, l, "%s.encoder.layers.%d.self_attn", v, l);
      add_module (out, "Linear", PT_MODULE_LINEAR, PT_LORA_V_K, l, "%s.encoder.layers.%d.self_attn.k_proj", v, l);
      add_module (out, "Linear", PT_MODULE_LINEAR, PT_LORA_V_V, l, "%s.encoder.layers.%d.self_attn.v_proj", v, l);
      add_module (out, "Linear", PT_MODULE_LINEAR, PT_LORA_V_Q, l, "%s.encoder.layers.%d.self_attn.q_proj", v, l);
      add_module (out, "Linear", PT_MODULE_LINEAR, PT_LORA_V_OUT, l, "%s.encoder.layers.%d.self_attn.out_proj", v, l);
      add_module (out, "LayerNorm", PT_MODULE_NORM, -1, l, "%s.encoder.layers.%d.layer_norm2", v, l);
      add_module (out, "SiglipMLP", PT_MODULE_CONTAINER, -1, l, "%s.encoder.layers.%d.mlp", v, l);
      add_module (out, "GELUTanh", PT_MODULE_OTHER, -1, l, "%s.encoder.layers.%d.mlp.activation_fn", v, l);
      add_module (out, "Linear", PT_MODULE_LINEAR, PT_LORA_V_FC1, l, "%s.encoder.layers.%d.mlp.fc1", v, l);
      add_module (out, "Linear", PT_MODULE_LINEAR, PT_LORA_V_FC2, l, "%s.encoder.layers.%d.mlp.fc2", v, l);
    }
  add_module (out, "LayerNorm", PT_MODULE_NORM, -1, -1, "%s.post_layernorm", v);
  add_module (out, "PaliGemmaMultiModalProjector", PT_MODULE_CONTAINER, -1, -1, "model.multi_modal_projector");
  add_module (out, "Linear", PT_MODULE_LINEAR, PT_LORA_PROJECTOR, -1, "model.multi_modal_projector.linear");
  add_module (out, cls_model, PT_MODULE_CONTAINER, -1, -1, "%s", t);
  add_module (out, cls_embed, PT_MODULE_EMBEDDING, -1, -1, "%s.embed_tokens", t);
  add_module (out, "ModuleList", PT_MODULE_CONTAINER, -1, -1, "%s.layers", t);
  for (int l = 0; l < model->t_layers; l++)
    {
      add_module (out, cls_layer, PT_MODULE_CONTAINER, -1, l, "%s.layers.%d", t, l);
      add_module (out, cls_attn, PT_MODULE_CONTAINER, -1, l, "%s.layers.%d.self_attn", t, l);
      add_module (out, "Linear", PT_MODULE_LINEAR, PT_LORA_T_Q, l, "%s.layers.%d.self_attn.q_proj", t, l);
      add_module (out, "Linear", PT_MODULE_LINEAR, PT_LORA_T_K, l, "%s.layers.%d.self_attn.k_proj", t, l);
      add_module (out, "Linear", PT_MODULE_LINEAR, PT_LORA_T_V, l, "%s.layers.%d.self_attn.v_proj", t, l);
      add_module (out, "Linear", PT_MODULE_LINEAR, PT_LORA_T_O, l, "%s.layers.%d.self_attn.o_proj", t, l);
      add_module (out, cls_mlp, PT_MODULE_CONTAINER, -1, l, "%s.layers.%d.mlp", t, l);
      add_module (out, "Linear", PT_MODULE_LINEAR, PT_LORA_T_GATE, l, "%s.layers.%d.mlp.gate_proj", t, l);
      add_module (out, "Linear", PT_MODULE_LINEAR, PT_LORA_T_UP, l, "%s.layers.%d.mlp.up_proj", t, l);
      add_module (out, "Linear", PT_MODULE_LINEAR, PT_LORA_T_DOWN, l, "%s.layers.%d.mlp.down_proj", t, l);
      add_module (out, "GELUTanh", PT_MODULE_OTHER, -1, l, "%s.layers.%d.mlp.act_fn", t, l);
      add_module (out, cls_norm, PT_MODULE_NORM, -1, l, "%s.layers.%d.input_layernorm", t, l);
      add_module (out, cls_norm, PT_MODULE_NORM, -1, l, "%s.layers.%d.post_attention_layernorm", t, l);
      if (g2)
        {
          add_module (out, cls_norm, PT_MODULE_NORM, -1, l, "%s.layers.%d.pre_feedforward_layernorm", t, l);
          add_module (out, cls_norm, PT_MODULE_NORM, -1, l, "%s.layers.%d.post_feedforward_layernorm", t, l);
        }
    }
  add_module (out, cls_norm, PT_MODULE_NORM, -1, -1, "%s.norm", t);
  add_module (out, cls_rope, PT_MODULE_OTHER, -1, -1, "%s.rotary_emb", t);
  add_module (out, "Linear", PT_MODULE_LINEAR, -1, -1, "lm_head");
  return out;
}

GPtrArray *
pt_peft_resolve (const PtPeftConfig  *c,
                 const PtModelConfig *model,
                 GError             **error)
{
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) pt_lora_target_free);
  gboolean all_linear;

  g_return_val_if_fail (c != NULL && model != NULL, NULL);

  all_linear = c->target_modules_regex != NULL && g_ascii_strcasecmp (c->target_modules_regex, "all-linear") == 0;
  all = pt_peft_model_modules (model);
  for (guint i = 0; i < all->len; i++)
    {
      const PtModuleInfo *m = g_ptr_array_index (all, i);
      PtLoraTarget *t;
      gboolean hit;

      /* "all-linear" becomes the set of every Linear's full name but the
       * output head, matched by name (so layers_to_transform does not apply) */
      if (all_linear)
        hit = !is_excluded (c, m->path) && m->kind == PT_MODULE_LINEAR && strcmp (m->path, "lm_head") != 0;
      else
        hit = pt_peft_module_matches (c, m->path);
      if (!hit)
        continue;
      if (m->kind != PT_MODULE_LINEAR || m->lora < 0)
        {
          gboolean peft_can = m->kind == PT_MODULE_LINEAR || m->kind == PT_MODULE_EMBEDDING
                              || m->kind == PT_MODULE_CONV2D;
          g_set_error (error, PT_ERROR, peft_can ? PT_ERROR_UNSUPPORTED : PT_ERROR_INVALID_INPUT,
                       "LoRA target module %s (%s) is not supported%s; PaliTune adapts the linear "
                       "layers of the vision tower, the projector and the decoder",
                       m->path[0] ? m->path : "(the whole model)", m->type,
                       peft_can ? " by PaliTune" : " (PEFT refuses it too)");
          return NULL;
        }
      t = g_new0 (PtLoraTarget, 1);
      t->module = (PtLoraModule) m->lora;
      t->layer = m->layer;
      t->path = g_strdup (m->path);
      t->r = pt_peft_rank_for (c, m->path);
      t->alpha = pt_peft_alpha_for (c, m->path);
      if (t->r < 1)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "The LoRA rank of %s is %d", m->path, t->r);
          pt_lora_target_free (t);
          return NULL;
        }
      t->scaling = c->use_rslora ? t->alpha / sqrt ((double) t->r) : t->alpha / t->r;
      pt_lora_module_dims (t->module, model, &t->in, &t->out);
      g_ptr_array_add (out, t);
    }
  if (out->len == 0)
    {
      g_autofree char *targets = c->target_modules != NULL
                                 ? g_strjoinv (", ", c->target_modules) : g_strdup (c->target_modules_regex);
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "The LoRA target modules (%s) match no layer of the model", targets ? targets : "");
      return NULL;
    }
  return g_steal_pointer (&out);
}

/* ---- adapter folders ---------------------------------------------------------------- */

struct _PtPeftAdapter {
  PtPeftConfig  *config;
  PtSafetensors *st;
  GPtrArray     *targets;     /* of PtLoraTarget* */
  GHashTable    *tensors;     /* slot key → const PtStTensor* */
  PtPeftLayout   layout;
};

static gpointer
slot_key (PtLoraModule m, int layer, gboolean is_b)
{
  return GINT_TO_POINTER ((((layer + 1) * PT_LORA_N_MODULES + (int) m) * 2 + (is_b ? 1 : 0)) + 1);
}

void
pt_peft_adapter_free (PtPeftAdapter *a)
{
  if (a == NULL)
    return;
  g_clear_pointer (&a->tensors, g_hash_table_unref);
  g_clear_pointer (&a->targets, g_ptr_array_unref);
  g_clear_pointer (&a->st, pt_safetensors_free);
  g_clear_pointer (&a->config, pt_peft_config_free);
  g_free (a);
}

static gboolean
is_float (PtStDtype d)
{
  return d == PT_ST_F32 || d == PT_ST_F16 || d == PT_ST_BF16 || d == PT_ST_F64;
}

PtPeftAdapter *
pt_peft_adapter_open (const char          *dir,
                      const PtModelConfig *model,
                      GError             **error)
{
  g_autoptr(PtPeftAdapter) a = g_new0 (PtPeftAdapter, 1);
  g_autofree char *display = NULL;
  g_autofree char *path = NULL;
  const char *file;
  gboolean layout_set = FALSE;

  g_return_val_if_fail (dir != NULL && model != NULL, NULL);

  display = g_filename_display_name (dir);
  a->tensors = g_hash_table_new (g_direct_hash, g_direct_equal);
  a->config = pt_peft_config_load (dir, error);
  if (a->config == NULL)
    return NULL;
  a->targets = pt_peft_resolve (a->config, model, error);
  if (a->targets == NULL)
    {
      g_prefix_error (error, "%s: ", display);
      return NULL;
    }

  path = g_build_filename (dir, "adapter_model.safetensors", NULL);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_autofree char *bin = g_build_filename (dir, "adapter_model.bin", NULL);
      g_set_error (error, PT_ERROR, g_file_test (bin, G_FILE_TEST_EXISTS) ? PT_ERROR_UNSUPPORTED : PT_ERROR_INVALID_INPUT,
                   g_file_test (bin, G_FILE_TEST_EXISTS)
                   ? "%s holds adapter_model.bin; PaliTune reads safetensors adapters only"
                   : "%s has no adapter_model.safetensors", display);
      return NULL;
    }
  a->st = pt_safetensors_open (path, error);
  if (a->st == NULL)
    return NULL;
  file = pt_safetensors_path (a->st);

  for (guint i = 0; i < pt_safetensors_n_tensors (a->st); i++)
    {
      const PtStTensor *t = pt_safetensors_tensor (a->st, i);
      PtLoraKey key;
      PtPeftLayout layout;
      gpointer k;

      if (!pt_peft_parse_key (t->name, &key, &layout))
        {
          g_set_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED,
                       "%s: tensor “%s” is not a LoRA weight of a PaliGemma linear layer", file, t->name);
          return NULL;
        }
      if (key.layer >= (pt_lora_module_tower (key.module) == PT_TOWER_VISION ? model->v_layers : model->t_layers))
        {
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                       "%s: tensor “%s” is for layer %d, but the model has fewer layers", file, t->name, key.layer);
          return NULL;
        }
      k = slot_key (key.module, key.layer, key.is_b);
      if (g_hash_table_contains (a->tensors, k))
        {
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                       "%s: tensor “%s” is stored twice (under two layouts)", file, t->name);
          return NULL;
        }
      g_hash_table_insert (a->tensors, k, (gpointer) t);
      if (!layout_set)
        a->layout = layout;
      layout_set = TRUE;
    }

  /* exactly the targeted layers, each with A (r, in) and B (out, r) */
  for (guint i = 0; i < a->targets->len; i++)
    {
      const PtLoraTarget *t = g_ptr_array_index (a->targets, i);
      for (int b = 0; b < 2; b++)
        {
          const PtStTensor *x = g_hash_table_lookup (a->tensors, slot_key (t->module, t->layer, b));
          int64_t rows = b ? t->out : t->r, cols = b ? t->r : t->in;
          if (x == NULL)
            {
              g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "%s lacks lora_%c of %s",
                           file, b ? 'B' : 'A', t->path);
              return NULL;
            }
          if (x->n_dims != 2 || x->shape[0] != rows || x->shape[1] != cols)
            {
              g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                           "%s: tensor “%s” should have shape [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
                           "] (r = %d, layer %d → %d)", file, x->name, rows, cols, t->r, t->in, t->out);
              return NULL;
            }
          if (!is_float (x->dtype))
            {
              g_set_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED, "%s: tensor “%s” is stored as %s",
                           file, x->name, pt_st_dtype_name (x->dtype));
              return NULL;
            }
        }
    }
  if (g_hash_table_size (a->tensors) != 2 * a->targets->len)
    {
      /* find one the config does not target, to name it */
      for (guint i = 0; i < pt_safetensors_n_tensors (a->st); i++)
        {
          const PtStTensor *x = pt_safetensors_tensor (a->st, i);
          PtLoraKey key;
          gboolean targeted = FALSE;
          pt_peft_parse_key (x->name, &key, NULL);
          for (guint j = 0; !targeted && j < a->targets->len; j++)
            {
              const PtLoraTarget *t = g_ptr_array_index (a->targets, j);
              targeted = t->module == key.module && t->layer == key.layer;
            }
          if (!targeted)
            {
              g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                           "%s holds “%s”, a layer its adapter_config.json does not target", file, x->name);
              return NULL;
            }
        }
    }
  return g_steal_pointer (&a);
}

const PtPeftConfig *
pt_peft_adapter_config (const PtPeftAdapter *a)
{
  g_return_val_if_fail (a != NULL, NULL);
  return a->config;
}

PtPeftLayout
pt_peft_adapter_layout (const PtPeftAdapter *a)
{
  g_return_val_if_fail (a != NULL, PT_PEFT_LAYOUT_CURRENT);
  return a->layout;
}

GPtrArray *
pt_peft_adapter_targets (const PtPeftAdapter *a)
{
  g_return_val_if_fail (a != NULL, NULL);
  return a->targets;
}

const PtStTensor *
pt_peft_adapter_lookup (const PtPeftAdapter *a,
                        PtLoraModule         module,
                        int                  layer,
                        gboolean             is_b)
{
  g_return_val_if_fail (a != NULL, NULL);
  return g_hash_table_lookup (a->tensors, slot_key (module, module == PT_LORA_PROJECTOR ? -1 : layer, is_b));
}

gboolean
pt_peft_adapter_save (const char          *dir,
                      const PtPeftConfig  *config,
                      PtSafetensorsWriter *tensors,
                      GError             **error)
{
  g_autofree char *weights = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *json = NULL;

  g_return_val_if_fail (dir != NULL && config != NULL && tensors != NULL, FALSE);

  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      g_autofree char *display = g_filename_display_name (dir);
      g_set_error (error, PT_ERROR, PT_ERROR_IO, "Cannot create the folder %s", display);
      return FALSE;
    }
  weights = g_build_filename (dir, "adapter_model.safetensors", NULL);
  config_path = g_build_filename (dir, "adapter_config.json", NULL);
  pt_safetensors_writer_set_metadata (tensors, "format", "pt");
  if (!pt_safetensors_writer_write (tensors, weights, error))
    return FALSE;
  json = pt_peft_config_to_json (config);
  return pt_file_write_atomic (config_path, json, strlen (json), error);
}
