/* pt-lora.c — the Linear layer every projection goes through: frozen or
 * trained weight, optional bias, optional NF4 base, optional LoRA branch
 * (PEFT 0.17.1 semantics: y = x·Wᵀ + b + scaling · dropout(x)·Aᵀ·Bᵀ).
 * Also target matching, PEFT key names, NF4 quantisation of a base weight and
 * the merged export weight.
 */
#include "config.h"

#include <string.h>            /* strlen, memcmp */

#include "pt-model-private.h"
#include "pt-error.h"          /* PT_ERROR */
#include "pt-nf4.h"            /* pt_nf4_quantize */
#include "pt-rng.h"            /* pt_rng_hash */

/* ---- target matching --------------------------------------------------------------- */

gboolean
pt_lora_match_targets (const char *const *targets,
                       gboolean           vision[PT_V_N],
                       gboolean           text[PT_T_N],
                       GError           **error)
{
  for (int j = 0; j < PT_V_N; j++)
    vision[j] = FALSE;
  for (int j = 0; j < PT_T_N; j++)
    text[j] = FALSE;

  for (guint i = 0; targets != NULL && targets[i] != NULL; i++)
    {
      const char *t = targets[i];
      const char *name = t;
      gboolean want_v = TRUE, want_t = TRUE, found = FALSE;

      if (g_str_has_prefix (t, "vision."))
        {
          name = t + strlen ("vision.");
          want_t = FALSE;
        }
      else if (g_str_has_prefix (t, "text."))
        {
          name = t + strlen ("text.");
          want_v = FALSE;
        }
      for (int j = 0; want_v && j < PT_V_N; j++)
        if (g_str_equal (pt_vision_lora_modules[j], name))
          vision[j] = found = TRUE;
      for (int j = 0; want_t && j < PT_T_N; j++)
        if (g_str_equal (pt_text_lora_modules[j], name))
          text[j] = found = TRUE;
      if (!found)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                       "Unknown LoRA target module “%s” (known: q_proj k_proj v_proj o_proj out_proj "
                       "fc1 fc2 gate_proj up_proj down_proj, optionally prefixed vision. or text.)", t);
          return FALSE;
        }
    }
  return TRUE;
}

/* ---- PEFT keys ----------------------------------------------------------------------
 * Canonical module "language_model.model.layers.0.self_attn.q_proj" →
 * "base_model.model.model.language_model.layers.0.self_attn.q_proj.lora_A.weight",
 * "vision_tower.vision_model.encoder.layers.0.self_attn.q_proj" →
 * "base_model.model.model.vision_tower.encoder.layers.0.self_attn.q_proj.lora_A.weight":
 * the in-memory module paths of transformers 5.x (SigLIP flattened, without
 * "vision_model.") under PEFT's prefix, as peft 0.21 saves them. */

char *
pt_lora_peft_key (const char *module,
                  const char *ab)
{
  if (g_str_has_prefix (module, "language_model.model."))
    return g_strconcat ("base_model.model.model.language_model.", module + strlen ("language_model.model."),
                        ".", ab, ".weight", NULL);
  if (g_str_has_prefix (module, "vision_tower.vision_model."))
    return g_strconcat ("base_model.model.model.vision_tower.", module + strlen ("vision_tower.vision_model."),
                        ".", ab, ".weight", NULL);
  return g_strconcat ("base_model.model.model.", module, ".", ab, ".weight", NULL);
}

/* Any PEFT layout of a LoRA key → the one above; NULL when it is not a LoRA key.
 * Accepts ≤ 4.51 module paths (language_model.model.…, vision_tower.… without
 * "model."), 4.52–4.57's SigLIP with "vision_model.", and in-memory
 * ".default." names. */
char *
pt_lora_canonical_key (const char *name)
{
  g_autoptr(GString) s = NULL;
  const char *rest;

  if (!g_str_has_prefix (name, "base_model.model."))
    return NULL;
  rest = name + strlen ("base_model.model.");
  s = g_string_new ("base_model.model.");
  if (g_str_has_prefix (rest, "language_model.model."))
    {
      g_string_append (s, "model.language_model.");
      rest += strlen ("language_model.model.");
    }
  else if (g_str_has_prefix (rest, "vision_tower.") || g_str_has_prefix (rest, "multi_modal_projector."))
    g_string_append (s, "model.");
  if (g_str_has_prefix (rest, "model.vision_tower.vision_model."))
    {
      g_string_append (s, "model.vision_tower.");
      rest += strlen ("model.vision_tower.vision_model.");
    }
  else if (g_str_has_prefix (rest, "vision_tower.vision_model."))
    {
      g_string_append (s, "vision_tower.");
      rest += strlen ("vision_tower.vision_model.");
    }
  g_string_append (s, rest);
  {
    char *def = strstr (s->str, ".default.");
    if (def != NULL)
      g_string_erase (s, def - s->str, strlen (".default"));
  }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* ---- dropout ------------------------------------------------------------------------ */

uint64_t
pt_lora_dropout_seed (PtModel *m)
{
  return pt_rng_hash (m->seed ^ 0x4c6f5241ull /* "LoRA" */, m->rng_step);
}

static uint64_t
dropout_offset (const PtLinear *lin)
{
  return (uint64_t) lin->id << 40;
}

/* The LoRA branch's input x (N, in): dropout(inp) into m->lora_x when drop
 * (the mask follows from the step's seed and the Linear, so backward redraws
 * forward's), else inp; and u (N, r) = x · Aᵀ into m->lora_u. Returns x. */
static const void *
lora_down (PtModel        *m,
           const PtLinear *lin,
           const void     *inp,
           int             N,
           gboolean        drop)
{
  PtBackend *be = m->be;
  const PtBackendOps *o = be->ops;
  int in = lin->in, r = m->lora_rank;
  const void *x = inp;

  if (drop)
    {
      o->dropout (be, m->lora_x, inp, (size_t) N * in, m->lora_dropout, pt_lora_dropout_seed (m),
                  dropout_offset (lin));
      x = m->lora_x;
    }
  o->gemm (be, FALSE, TRUE, N, r, in, 1.0, x, m->act, in, lin->lora_a->data, m->acc, in,
           0.0, m->lora_u, m->acc, r);
  return x;
}

/* ---- forward and backward -------------------------------------------------------------- */

/* The weight the GEMMs read: the stored one, or the NF4 base dequantised into scratch. */
const void *
pt_linear_weight (PtModel        *m,
                  const PtLinear *lin)
{
  if (!lin->w->nf4)
    return lin->w->data;
  m->be->ops->nf4_dequantize (m->be, m->deq, m->wdt, lin->w->q, lin->w->absmax, lin->w->numel);
  return m->deq;
}

/* Does the backward read the forward input (weight or LoRA gradients)? */
gboolean
pt_linear_needs_input (const PtLinear *lin)
{
  return lin->lora_a != NULL || lin->w->trainable;
}

/* out (N, out) = inp (N, in) · Wᵀ + b + scaling · dropout(inp) · Aᵀ · Bᵀ */
void
pt_linear_forward (PtModel        *m,
                   void           *out,     /* (N, out) act */
                   const void     *inp,     /* (N, in) act */
                   const PtLinear *lin,
                   int             N,
                   gboolean        dropout)
{
  PtBackend *be = m->be;
  const PtBackendOps *o = be->ops;
  int in = lin->in, nout = lin->out;

  o->gemm (be, FALSE, TRUE, N, nout, in, 1.0, inp, m->act, in, pt_linear_weight (m, lin), m->wdt, in,
           0.0, out, m->act, nout);
  if (lin->b != NULL)
    o->bias_add (be, out, lin->b->data, N, nout);
  if (lin->lora_a != NULL && !m->lora_disabled)
    {
      int r = m->lora_rank;

      /* u (N, r) = x · Aᵀ;  out += scaling · u · Bᵀ */
      lora_down (m, lin, inp, N, dropout && m->lora_dropout > 0);
      o->gemm (be, FALSE, TRUE, N, nout, r, lin->scaling, m->lora_u, m->acc, r, lin->lora_b->data, m->acc, r,
               1.0, out, m->act, nout);
    }
}

/* Gradients of the Linear: parameter gradients accumulate; dinp (N, in) is
 * assigned, or accumulated when accumulate (several Linears read one input).
 * dinp NULL: the input needs no gradient. */
void
pt_linear_backward (PtModel        *m,
                    void           *dinp,     /* (N, in) act or NULL */
                    gboolean        accumulate,
                    const void     *dout,     /* (N, out) act */
                    const void     *inp,      /* (N, in) act: the forward input */
                    const PtLinear *lin,
                    int             N,
                    gboolean        dropout)
{
  PtBackend *be = m->be;
  const PtBackendOps *o = be->ops;
  int in = lin->in, nout = lin->out;

  if (lin->w->trainable)   /* dW (out, in) += doutᵀ · inp */
    o->gemm (be, TRUE, FALSE, nout, in, N, 1.0, dout, m->act, nout, inp, m->act, in,
             1.0, lin->w->grad, m->acc, in);
  if (lin->b != NULL && lin->b->trainable)
    o->bias_backward (be, lin->b->grad, dout, N, nout);
  if (dinp != NULL)        /* dinp (N, in) (+)= dout · W */
    o->gemm (be, FALSE, FALSE, N, in, nout, 1.0, dout, m->act, nout, pt_linear_weight (m, lin), m->wdt, in,
             accumulate ? 1.0 : 0.0, dinp, m->act, in);
  if (lin->lora_a != NULL && !m->lora_disabled)
    {
      int r = m->lora_rank;
      gboolean drop = dropout && m->lora_dropout > 0;
      const void *x = lora_down (m, lin, inp, N, drop);   /* recompute x and u = x · Aᵀ */

      /* dB (out, r) += scaling · doutᵀ · u */
      o->gemm (be, TRUE, FALSE, nout, r, N, lin->scaling, dout, m->act, nout, m->lora_u, m->acc, r,
               1.0, lin->lora_b->grad, m->acc, r);
      /* du (N, r) = scaling · dout · B */
      o->gemm (be, FALSE, FALSE, N, r, nout, lin->scaling, dout, m->act, nout, lin->lora_b->data, m->acc, r,
               0.0, m->lora_du, m->acc, r);
      /* dA (r, in) += duᵀ · x */
      o->gemm (be, TRUE, FALSE, r, in, N, 1.0, m->lora_du, m->acc, r, x, m->act, in,
               1.0, lin->lora_a->grad, m->acc, in);
      if (dinp != NULL)
        {
          if (drop)
            {
              /* dinp += dropout(du · A), the same mask */
              o->gemm (be, FALSE, FALSE, N, in, r, 1.0, m->lora_du, m->acc, r, lin->lora_a->data, m->acc, in,
                       0.0, m->lora_x, m->act, in);
              o->dropout (be, m->lora_x, m->lora_x, (size_t) N * in, m->lora_dropout,
                          pt_lora_dropout_seed (m), dropout_offset (lin));
              o->add (be, dinp, dinp, m->lora_x, (size_t) N * in);
            }
          else
            o->gemm (be, FALSE, FALSE, N, in, r, 1.0, m->lora_du, m->acc, r, lin->lora_a->data, m->acc, in,
                     1.0, dinp, m->act, in);
        }
    }
}

/* ---- NF4 ---------------------------------------------------------------------------- */

gboolean
pt_model_quantize_param (PtModel     *m,
                         PtParam     *p,
                         const float *data,
                         GError     **error)
{
  size_t nq = (p->numel + 1) / 2, nb = (p->numel + 63) / 64;
  g_autofree uint8_t *q = g_try_malloc (nq);
  g_autofree float *absmax = g_try_malloc (nb * sizeof (float));

  if (q == NULL || absmax == NULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_NO_MEMORY, "Out of memory quantising “%s”", p->name);
      return FALSE;
    }
  pt_nf4_quantize (data, p->numel, q, absmax);
  m->be->ops->upload (m->be, p->q, q, nq);
  m->be->ops->upload (m->be, p->absmax, absmax, nb * sizeof (float));
  return TRUE;
}

/* ---- merged export ---------------------------------------------------------------------- */

static PtLinear *
find_linear (PtModel       *m,
             const PtParam *w)
{
  const PtModelConfig *c = m->config;

  if (m->proj.w == w)
    return &m->proj;
  for (int l = 0; l < c->v_layers; l++)
    for (int j = 0; j < PT_V_N; j++)
      if (m->vl[l].lin[j].w == w)
        return &m->vl[l].lin[j];
  for (int l = 0; l < c->t_layers; l++)
    for (int j = 0; j < PT_T_N; j++)
      if (m->tl[l].lin[j].w == w)
        return &m->tl[l].lin[j];
  return NULL;
}

gboolean
pt_model_merged_weight (PtModel    *m,
                        const char *name,
                        float      *data,
                        size_t      numel,
                        GError    **error)
{
  PtBackend *be = m->be;
  PtParam *p;
  PtLinear *lin;
  void *w;
  gboolean ok;

  g_return_val_if_fail (m != NULL && name != NULL && data != NULL, FALSE);

  p = pt_model_find_param (m, name, error);
  if (p == NULL)
    return FALSE;
  lin = p->kind == PT_PARAM_MATRIX ? find_linear (m, p) : NULL;
  if (lin == NULL || lin->lora_a == NULL)
    return pt_model_get_tensor (m, name, data, numel, error);
  if (numel != p->numel)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "Tensor “%s” has %zu elements, not %zu", p->name, p->numel, numel);
      return FALSE;
    }
  /* W (out, in) in acc, += scaling · B (out, r) · A (r, in), on the device */
  w = be->ops->alloc (be, p->numel * pt_dtype_size (m->acc), error);
  if (w == NULL)
    return FALSE;
  be->ops->convert (be, w, m->acc, pt_linear_weight (m, lin), m->wdt, p->numel);
  be->ops->gemm (be, FALSE, FALSE, lin->out, lin->in, m->lora_rank, lin->scaling,
                 lin->lora_b->data, m->acc, m->lora_rank, lin->lora_a->data, m->acc, lin->in,
                 1.0, w, m->acc, lin->in);
  ok = pt_model_download_f32 (m, data, w, m->acc, p->numel, error);
  be->ops->free (be, w);
  return ok;
}

void
pt_model_set_lora_enabled (PtModel  *m,
                           gboolean  enabled)
{
  g_return_if_fail (m != NULL);
  m->lora_disabled = !enabled;
}

gboolean
pt_model_get_lora_enabled (PtModel *m)
{
  return !m->lora_disabled;
}
