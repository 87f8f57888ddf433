/* pt-model-gemma.c — the Gemma and Gemma 2 decoder layer, forward and
 * backward (transformers 5.23 modeling_gemma.py / modeling_gemma2.py, spec
 * §2.4 and §8):
 *
 *   x += [PA](o_proj(attn(rope(q_proj(n1)), rope(k_proj(n1)), v_proj(n1)))),  n1 = RMSNorm_in(x)
 *   x += [PF](down_proj(gelu_tanh(gate_proj(n2)) * up_proj(n2))),              n2 = RMSNorm_pre_ffw(x)
 *
 * Gemma 2 is Gemma plus its differences, all switched by the configuration:
 * the post-attention and post-feedforward norms [PA], [PF] (absent in
 * Gemma, whose "post_attention_layernorm" is the pre-MLP norm), the scores
 * scale query_pre_attn_scalar^-0.5 (Gemma: head_dim^-0.5), the attention
 * logit softcap and, on the sliding layers, the sliding window (both carried
 * by the attention op's mask). RMSNorm multiplies by (1 + w); RoPE is
 * half-split; MQA/GQA through the attention op (query head h reads kv head
 * h / (Hq / Hkv)). Tensors are (N, ·) with N = B·T tokens, row-major.
 */
#include "config.h"

#include <math.h>              /* sqrt */
#include <string.h>            /* memcpy */

#include "pt-model-private.h"

/* sqrt(hidden), the constant rounded to the weights' dtype as
 * embed_scale.to(weight.dtype) does (Gemma(2)TextScaledWordEmbedding) */
double
pt_gemma_normalizer (PtModel *m)
{
  return pt_round_to_dtype (sqrt ((double) m->config->t_hidden), m->act);
}

/* x0 (N, C) = embed_tokens[ids] · normalizer, with the image features
 * scattered unscaled into the <image> positions (transformers 5.x: the
 * scaled word embedding, then masked_scatter of the projector output). */
void
pt_gemma_embed (PtModel       *m,
                void          *x0,         /* (N, C) act */
                const int32_t *d_ids,      /* (N) backend */
                int            N,
                const void    *img,        /* (n_img, C) act, or NULL */
                const int32_t *d_img_pos,  /* (n_img) backend */
                int            n_img)
{
  PtBackend *be = m->be;
  const PtModelConfig *c = m->config;

  be->ops->embedding_forward (be, x0, d_ids, m->embed->data, m->wdt, N, c->t_hidden, c->vocab_size,
                              pt_gemma_normalizer (m));
  if (img != NULL && n_img > 0)
    be->ops->scatter_rows (be, x0, img, d_img_pos, n_img, c->t_hidden, FALSE);
}

/* The attention settings of layer l: window and softcap on top of the pass's mask. */
static PtAttnMask
layer_mask (const PtModel *m, int l, const PtAttnMask *mask)
{
  PtAttnMask lm = mask != NULL ? *mask : (PtAttnMask) { 0 };

  lm.window = pt_model_config_layer_sliding (m->config, l) ? m->config->sliding_window : 0;
  lm.softcap = m->config->attn_logit_softcap;
  return lm;
}

/* query_pre_attn_scalar^-0.5 (Gemma: head_dim^-0.5) */
static double
attn_scale (const PtModel *m)
{
  double s = m->config->query_pre_attn_scalar;

  return 1.0 / sqrt (s > 0 ? s : (double) m->config->t_head_dim);
}

void
pt_gemma_layer_forward (PtModel           *m,
                        const PtTextLayer *L,
                        const PtTextActs  *a,
                        const PtTextPass  *pass)
{
  PtBackend *be = m->be;
  const PtBackendOps *o = be->ops;
  const PtModelConfig *c = m->config;
  int B = pass->B, T = pass->T, N = B * T;
  int C = c->t_hidden, I = c->t_intermediate, Hq = c->t_heads, Hkv = c->t_kv_heads, D = c->t_head_dim;
  const void *k = a->k, *v = a->v;
  int Tk = T, tk_alloc = T;
  PtAttnMask mask = layer_mask (m, (int) (L - m->tl), pass->mask);
  double eps = c->t_rms_norm_eps;

  o->rmsnorm_forward (be, a->rn1, a->rstd1, a->x, L->norm[PT_TN_IN]->data, N, C, eps);
  pt_linear_forward (m, a->q, a->rn1, &L->lin[PT_T_Q], N, pass->dropout);
  pt_linear_forward (m, a->k, a->rn1, &L->lin[PT_T_K], N, pass->dropout);
  pt_linear_forward (m, a->v, a->rn1, &L->lin[PT_T_V], N, pass->dropout);
  o->rope (be, a->q, B, T, Hq, D, pass->pos_start, pass->pos0, c->rope_theta, FALSE);
  o->rope (be, a->k, B, T, Hkv, D, pass->pos_start, pass->pos0, c->rope_theta, FALSE);
  if (pass->k_cache != NULL)
    {
      /* append this pass's keys and values: row b, token t → cache row b·tk_alloc + cache_off + t */
      size_t row = (size_t) Hkv * D * pt_dtype_size (m->act);
      for (int b = 0; b < B; b++)
        {
          size_t dst = ((size_t) b * pass->tk_alloc + pass->cache_off) * row;
          o->copy (be, (guint8 *) pass->k_cache + dst, (const guint8 *) a->k + (size_t) b * T * row, T * row);
          o->copy (be, (guint8 *) pass->v_cache + dst, (const guint8 *) a->v + (size_t) b * T * row, T * row);
        }
      k = pass->k_cache;
      v = pass->v_cache;
      Tk = pass->cache_off + T;
      tk_alloc = pass->tk_alloc;
    }
  o->attention_forward (be, a->att, a->lse, a->q, k, v, B, T, Tk, tk_alloc, Hq, Hkv, D,
                        attn_scale (m), pass->mask != NULL ? &mask : NULL);
  if (L->norm[PT_TN_POST_ATTN] != NULL)
    {
      /* Gemma 2: x + post_attention_layernorm (o_proj (att)) */
      pt_linear_forward (m, a->attn_out, a->att, &L->lin[PT_T_O], N, pass->dropout);
      o->rmsnorm_forward (be, m->t_tmp, a->rstd_pa, a->attn_out, L->norm[PT_TN_POST_ATTN]->data, N, C, eps);
    }
  else
    pt_linear_forward (m, m->t_tmp, a->att, &L->lin[PT_T_O], N, pass->dropout);
  o->add (be, a->xmid, a->x, m->t_tmp, (size_t) N * C);
  o->rmsnorm_forward (be, a->rn2, a->rstd2, a->xmid, L->norm[PT_TN_PRE_FFW]->data, N, C, eps);
  pt_linear_forward (m, a->gate, a->rn2, &L->lin[PT_T_GATE], N, pass->dropout);
  pt_linear_forward (m, a->up, a->rn2, &L->lin[PT_T_UP], N, pass->dropout);
  o->geglu_forward (be, m->t_a, a->gate, a->up, (size_t) N * I);
  if (L->norm[PT_TN_POST_FFW] != NULL)
    {
      /* Gemma 2: xmid + post_feedforward_layernorm (down_proj (…)) */
      pt_linear_forward (m, a->mlp_out, m->t_a, &L->lin[PT_T_DOWN], N, pass->dropout);
      o->rmsnorm_forward (be, m->t_tmp, a->rstd_pf, a->mlp_out, L->norm[PT_TN_POST_FFW]->data, N, C, eps);
    }
  else
    pt_linear_forward (m, m->t_tmp, m->t_a, &L->lin[PT_T_DOWN], N, pass->dropout);
  o->add (be, a->xout, a->xmid, m->t_tmp, (size_t) N * C);
}

static void *
grad_of (const PtParam *p)
{
  return p->trainable ? p->grad : NULL;
}

/* m->d_res (N, C): gradient at the layer output on entry, at its input on
 * exit (when need_dinp; otherwise only the parameter gradients are made).
 * A Gemma 2 post-norm's input gradient goes to m->d_norm, free at that
 * point, before the Linear below it reads it. */
void
pt_gemma_layer_backward (PtModel           *m,
                         const PtTextLayer *L,
                         const PtTextActs  *a,
                         const PtTextPass  *pass,
                         gboolean           need_dinp)
{
  PtBackend *be = m->be;
  const PtBackendOps *o = be->ops;
  const PtModelConfig *c = m->config;
  int B = pass->B, T = pass->T, N = B * T;
  int C = c->t_hidden, I = c->t_intermediate, Hq = c->t_heads, Hkv = c->t_kv_heads, D = c->t_head_dim;
  gboolean dropout = pass->dropout;
  PtAttnMask mask = layer_mask (m, (int) (L - m->tl), pass->mask);
  size_t NC = (size_t) N * C * pt_dtype_size (m->act);
  const PtParam *in = L->norm[PT_TN_IN], *pa = L->norm[PT_TN_POST_ATTN];
  const PtParam *pre = L->norm[PT_TN_PRE_FFW], *pf = L->norm[PT_TN_POST_FFW];
  const void *d_mlp = m->d_res, *d_attn = m->d_res;

  /* MLP: xout = xmid + [post_ffw] (down (gelu (gate) * up)) */
  if (pf != NULL)
    {
      o->zero (be, m->d_norm, NC);
      o->rmsnorm_backward (be, m->d_norm, grad_of (pf), m->d_res, a->mlp_out, pf->data, a->rstd_pf, N, C);
      d_mlp = m->d_norm;
    }
  if (pt_linear_needs_input (&L->lin[PT_T_DOWN]))
    o->geglu_forward (be, m->t_a, a->gate, a->up, (size_t) N * I);    /* recompute */
  pt_linear_backward (m, m->d_a, FALSE, d_mlp, m->t_a, &L->lin[PT_T_DOWN], N, dropout);
  o->geglu_backward (be, m->d_gate, m->d_up, m->d_a, a->gate, a->up, (size_t) N * I);
  pt_linear_backward (m, m->d_norm, FALSE, m->d_gate, a->rn2, &L->lin[PT_T_GATE], N, dropout);
  pt_linear_backward (m, m->d_norm, TRUE, m->d_up, a->rn2, &L->lin[PT_T_UP], N, dropout);
  o->rmsnorm_backward (be, m->d_res, grad_of (pre), m->d_norm, a->xmid, pre->data, a->rstd2, N, C);
  /* attention: xmid = x + [post_attn] (o (attn (...))) */
  if (pa != NULL)
    {
      o->zero (be, m->d_norm, NC);
      o->rmsnorm_backward (be, m->d_norm, grad_of (pa), m->d_res, a->attn_out, pa->data, a->rstd_pa, N, C);
      d_attn = m->d_norm;
    }
  pt_linear_backward (m, m->d_att, FALSE, d_attn, a->att, &L->lin[PT_T_O], N, dropout);
  o->attention_backward (be, m->d_q, m->d_k, m->d_v, m->d_att, a->att, a->lse, a->q, a->k, a->v,
                         B, T, T, T, Hq, Hkv, D, attn_scale (m), pass->mask != NULL ? &mask : NULL);
  o->rope (be, m->d_q, B, T, Hq, D, pass->pos_start, pass->pos0, c->rope_theta, TRUE);
  o->rope (be, m->d_k, B, T, Hkv, D, pass->pos_start, pass->pos0, c->rope_theta, TRUE);
  need_dinp = need_dinp || in->trainable;
  pt_linear_backward (m, need_dinp ? m->d_norm : NULL, FALSE, m->d_q, a->rn1, &L->lin[PT_T_Q], N, dropout);
  pt_linear_backward (m, need_dinp ? m->d_norm : NULL, TRUE, m->d_k, a->rn1, &L->lin[PT_T_K], N, dropout);
  pt_linear_backward (m, need_dinp ? m->d_norm : NULL, TRUE, m->d_v, a->rn1, &L->lin[PT_T_V], N, dropout);
  if (need_dinp)
    o->rmsnorm_backward (be, m->d_res, grad_of (in), m->d_norm, a->x, in->data, a->rstd1, N, C);
}
