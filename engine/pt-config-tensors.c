/* pt-config-tensors.c — the tensors a configuration implies: the one list
 * of a model family's parameters, with their checkpoint names, shapes and
 * roles. The checkpoint reader checks folders against it, init-model writes
 * it, and the model (pt-model.c) builds its parameter table from it, so a
 * family is spelled out here once.
 *
 * Names are the legacy hub names save_pretrained writes (spec §4). Gemma 2
 * layers have four norms: input_layernorm (pre-attention),
 * post_attention_layernorm (on the attention output), pre_feedforward_layernorm
 * and post_feedforward_layernorm; Gemma's post_attention_layernorm is its
 * pre-MLP norm (the name trap of spec §8), so the roles below, not the
 * names, say what a norm does.
 */
#include "config.h"

#include <stdarg.h>          /* va_list */

#include "pt-config.h"

void
pt_tensor_spec_free (PtTensorSpec *spec)
{
  if (spec == NULL)
    return;
  g_free (spec->name);
  g_free (spec);
}

typedef struct {
  GPtrArray   *out;
  PtTensorRole role;
  int          layer;
  int          index;
} Adder;

static void
add (Adder *a, gboolean bias, int n_dims, int64_t d0, int64_t d1, int64_t d2, int64_t d3,
     const char *format, ...) G_GNUC_PRINTF (8, 9);

static void
add (Adder      *a,
     gboolean    bias,
     int         n_dims,
     int64_t     d0,
     int64_t     d1,
     int64_t     d2,
     int64_t     d3,
     const char *format,
     ...)
{
  PtTensorSpec *s = g_new0 (PtTensorSpec, 1);
  va_list args;

  va_start (args, format);
  s->name = g_strdup_vprintf (format, args);
  va_end (args);
  s->n_dims = n_dims;
  s->shape[0] = d0;
  s->shape[1] = d1;
  s->shape[2] = d2;
  s->shape[3] = d3;
  s->role = a->role;
  s->layer = a->layer;
  s->index = a->index;
  s->bias = bias;
  g_ptr_array_add (a->out, s);
}

#define AT(r, l, i) (a.role = (r), a.layer = (l), a.index = (i))
#define VEC(n, ...)    add (&a, FALSE, 1, n, 0, 0, 0, __VA_ARGS__)
#define BIAS(n, ...)   add (&a, TRUE, 1, n, 0, 0, 0, __VA_ARGS__)
#define MAT(r, c, ...) add (&a, FALSE, 2, r, c, 0, 0, __VA_ARGS__)

GPtrArray *
pt_model_config_tensor_specs (const PtModelConfig *c)
{
  Adder a = { g_ptr_array_new_with_free_func ((GDestroyNotify) pt_tensor_spec_free), 0, -1, 0 };
  const char *v = "vision_tower.vision_model";
  const char *t = "language_model.model";
  gboolean gemma2;
  int64_t vh, vi, th, ti, q, kv;

  g_return_val_if_fail (c != NULL, a.out);

  gemma2 = c->family == PT_FAMILY_PALIGEMMA2;
  vh = c->v_hidden;
  vi = c->v_intermediate;
  th = c->t_hidden;
  ti = c->t_intermediate;
  q = (int64_t) c->t_heads * c->t_head_dim;
  kv = (int64_t) c->t_kv_heads * c->t_head_dim;

  /* SigLIP */
  AT (PT_ROLE_PATCH, -1, 0);
  add (&a, FALSE, 4, vh, c->num_channels, c->patch_size, c->patch_size,
       "%s.embeddings.patch_embedding.weight", v);                        // (vh, C, P, P)
  BIAS (vh, "%s.embeddings.patch_embedding.bias", v);
  AT (PT_ROLE_POS_EMB, -1, 0);
  MAT (c->num_image_tokens, vh, "%s.embeddings.position_embedding.weight", v);   // (N, vh)
  for (int l = 0; l < c->v_layers; l++)
    {
      static const char *const mods[PT_V_N] = {
        "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.out_proj", "mlp.fc1", "mlp.fc2" };

      AT (PT_ROLE_V_NORM, l, PT_VN_LN1);
      VEC (vh, "%s.encoder.layers.%d.layer_norm1.weight", v, l);
      BIAS (vh, "%s.encoder.layers.%d.layer_norm1.bias", v, l);
      for (int j = 0; j < PT_V_N; j++)
        {
          int64_t in = j == PT_V_FC2 ? vi : vh, out = j == PT_V_FC1 ? vi : vh;
          AT (PT_ROLE_V_LINEAR, l, j);
          MAT (out, in, "%s.encoder.layers.%d.%s.weight", v, l, mods[j]);
          BIAS (out, "%s.encoder.layers.%d.%s.bias", v, l, mods[j]);
        }
      AT (PT_ROLE_V_NORM, l, PT_VN_LN2);
      VEC (vh, "%s.encoder.layers.%d.layer_norm2.weight", v, l);
      BIAS (vh, "%s.encoder.layers.%d.layer_norm2.bias", v, l);
    }
  AT (PT_ROLE_POST_NORM, -1, 0);
  VEC (vh, "%s.post_layernorm.weight", v);
  BIAS (vh, "%s.post_layernorm.bias", v);

  /* projector */
  AT (PT_ROLE_PROJECTOR, -1, 0);
  MAT (c->projection_dim, vh, "multi_modal_projector.linear.weight");
  BIAS (c->projection_dim, "multi_modal_projector.linear.bias");

  /* Gemma / Gemma 2 */
  AT (PT_ROLE_EMBED, -1, 0);
  MAT (c->vocab_size, th, "%s.embed_tokens.weight", t);
  for (int l = 0; l < c->t_layers; l++)
    {
      static const char *const mods[PT_T_N] = {
        "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
        "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj" };
      const int64_t outs[PT_T_N] = { q, kv, kv, th, ti, ti, th };
      const int64_t ins[PT_T_N] = { th, th, th, q, th, th, ti };

      AT (PT_ROLE_T_NORM, l, PT_TN_IN);
      VEC (th, "%s.layers.%d.input_layernorm.weight", t, l);
      for (int j = PT_T_Q; j <= PT_T_O; j++)
        {
          AT (PT_ROLE_T_LINEAR, l, j);
          MAT (outs[j], ins[j], "%s.layers.%d.%s.weight", t, l, mods[j]);
        }
      AT (PT_ROLE_T_NORM, l, gemma2 ? PT_TN_POST_ATTN : PT_TN_PRE_FFW);
      VEC (th, "%s.layers.%d.post_attention_layernorm.weight", t, l);
      if (gemma2)
        {
          AT (PT_ROLE_T_NORM, l, PT_TN_PRE_FFW);
          VEC (th, "%s.layers.%d.pre_feedforward_layernorm.weight", t, l);
        }
      for (int j = PT_T_GATE; j <= PT_T_DOWN; j++)
        {
          AT (PT_ROLE_T_LINEAR, l, j);
          MAT (outs[j], ins[j], "%s.layers.%d.%s.weight", t, l, mods[j]);
        }
      if (gemma2)
        {
          AT (PT_ROLE_T_NORM, l, PT_TN_POST_FFW);
          VEC (th, "%s.layers.%d.post_feedforward_layernorm.weight", t, l);
        }
    }
  AT (PT_ROLE_FINAL_NORM, -1, 0);
  VEC (th, "%s.norm.weight", t);
  if (!c->tie_word_embeddings)
    {
      AT (PT_ROLE_LM_HEAD, -1, 0);
      MAT (c->vocab_size, th, "language_model.lm_head.weight");
    }
  return a.out;
}
