/* pt-model-siglip.c — the SigLIP vision tower and the projector, forward
 * and backward (transformers 5.23 modeling_siglip.py, spec §2.1–2.2):
 *
 *   x = im2col(pixels)·Wpatchᵀ + b + position_embedding
 *   27 × { x += out_proj(attn(LN1(x)));  x += fc2(gelu_tanh(fc1(LN2(x)))) }
 *   img = post_layernorm(x)·Wprojᵀ + b    (5.x: not divided by sqrt(text hidden))
 *
 * Every tensor below is (Nv, ·) with Nv = B·P image tokens, row-major.
 */
#include "config.h"

#include <math.h>              /* sqrt */

#include "pt-model-private.h"

/* One pre-LN encoder layer. */
static void
layer_forward (PtModel             *m,
               const PtVisionLayer *L,
               const PtVisionActs  *a,
               int                  B,
               gboolean             dropout)
{
  PtBackend *be = m->be;
  const PtBackendOps *o = be->ops;
  const PtModelConfig *c = m->config;
  int P = c->num_image_tokens, C = c->v_hidden, I = c->v_intermediate, H = c->v_heads;
  int D = C / H, Nv = B * P;

  o->layernorm_forward (be, a->ln1, a->mean1, a->rstd1, a->x, L->ln1_w->data, L->ln1_b->data,
                        Nv, C, c->v_layer_norm_eps);
  pt_linear_forward (m, a->q, a->ln1, &L->lin[PT_V_Q], Nv, dropout);
  pt_linear_forward (m, a->k, a->ln1, &L->lin[PT_V_K], Nv, dropout);
  pt_linear_forward (m, a->v, a->ln1, &L->lin[PT_V_V], Nv, dropout);
  o->attention_forward (be, a->att, a->lse, a->q, a->k, a->v, B, P, P, P, H, H, D,
                        1.0 / sqrt ((double) D), NULL);
  pt_linear_forward (m, m->v_tmp, a->att, &L->lin[PT_V_OUT], Nv, dropout);
  o->add (be, a->xmid, a->x, m->v_tmp, (size_t) Nv * C);
  o->layernorm_forward (be, a->ln2, a->mean2, a->rstd2, a->xmid, L->ln2_w->data, L->ln2_b->data,
                        Nv, C, c->v_layer_norm_eps);
  pt_linear_forward (m, a->h, a->ln2, &L->lin[PT_V_FC1], Nv, dropout);
  o->gelu_forward (be, m->v_g, a->h, (size_t) Nv * I);
  pt_linear_forward (m, m->v_tmp, m->v_g, &L->lin[PT_V_FC2], Nv, dropout);
  o->add (be, a->xout, a->xmid, m->v_tmp, (size_t) Nv * C);
}

/* pixels (B, 3, S, S) in m->pixels → image features m->img (Nv, Ct), the
 * projector's output as it is (transformers 5.x: no 1/sqrt(Ct) here, the
 * decoder scales only the text embeddings). Keeps the activations the
 * backward needs when the model stores them (m->store_vision), else runs in
 * shared scratch. */
void
pt_siglip_forward (PtModel  *m,
                   int       B,
                   gboolean  dropout)
{
  PtBackend *be = m->be;
  const PtBackendOps *o = be->ops;
  const PtModelConfig *c = m->config;
  int P = c->num_image_tokens, C = c->v_hidden, Nv = B * P;

  o->im2col (be, m->patches, m->pixels, B, c->num_channels, c->image_size, c->image_size, c->patch_size);
  pt_linear_forward (m, m->va[0].x, m->patches, &m->patch, Nv, FALSE);
  /* + position embedding: a "bias" of width P·C over the B images */
  o->bias_add (be, m->va[0].x, m->pos_emb->data, B, P * C);
  for (int l = 0; l < c->v_layers; l++)
    layer_forward (m, &m->vl[l], &m->va[l], B, dropout);
  o->layernorm_forward (be, m->v_out, m->v_meanf, m->v_rstdf, m->v_final, m->post_ln_w->data,
                        m->post_ln_b->data, Nv, C, c->v_layer_norm_eps);
  pt_linear_forward (m, m->img, m->v_out, &m->proj, Nv, FALSE);
}

static void *
grad_of (const PtParam *p)
{
  return p->trainable ? p->grad : NULL;
}

/* d_res (Nv, C): gradient at the layer output on entry, at its input on exit. */
static void
layer_backward (PtModel             *m,
                const PtVisionLayer *L,
                const PtVisionActs  *a,
                int                  B,
                gboolean             need_dinp)
{
  PtBackend *be = m->be;
  const PtBackendOps *o = be->ops;
  const PtModelConfig *c = m->config;
  int P = c->num_image_tokens, C = c->v_hidden, I = c->v_intermediate, H = c->v_heads;
  int D = C / H, Nv = B * P;

  /* MLP: xout = xmid + fc2(gelu(h)) */
  if (pt_linear_needs_input (&L->lin[PT_V_FC2]))
    o->gelu_forward (be, m->v_g, a->h, (size_t) Nv * I);               /* recompute g */
  pt_linear_backward (m, m->dv_h, FALSE, m->dv_res, m->v_g, &L->lin[PT_V_FC2], Nv, TRUE);
  o->gelu_backward (be, m->v_g, a->h, m->dv_h, (size_t) Nv * I);       /* dh into v_g */
  pt_linear_backward (m, m->dv_norm, FALSE, m->v_g, a->ln2, &L->lin[PT_V_FC1], Nv, TRUE);
  o->layernorm_backward (be, m->dv_res, grad_of (L->ln2_w), grad_of (L->ln2_b), m->dv_norm,
                         a->xmid, L->ln2_w->data, a->mean2, a->rstd2, Nv, C);
  /* attention: xmid = x + out_proj(attn(LN1(x))) */
  pt_linear_backward (m, m->dv_att, FALSE, m->dv_res, a->att, &L->lin[PT_V_OUT], Nv, TRUE);
  o->attention_backward (be, m->dv_q, m->dv_k, m->dv_v, m->dv_att, a->att, a->lse, a->q, a->k, a->v,
                         B, P, P, P, H, H, D, 1.0 / sqrt ((double) D), NULL);
  need_dinp = need_dinp || L->ln1_w->trainable;
  pt_linear_backward (m, need_dinp ? m->dv_norm : NULL, FALSE, m->dv_q, a->ln1, &L->lin[PT_V_Q], Nv, TRUE);
  pt_linear_backward (m, need_dinp ? m->dv_norm : NULL, TRUE, m->dv_k, a->ln1, &L->lin[PT_V_K], Nv, TRUE);
  pt_linear_backward (m, need_dinp ? m->dv_norm : NULL, TRUE, m->dv_v, a->ln1, &L->lin[PT_V_V], Nv, TRUE);
  if (need_dinp)
    o->layernorm_backward (be, m->dv_res, grad_of (L->ln1_w), grad_of (L->ln1_b), m->dv_norm,
                           a->x, L->ln1_w->data, a->mean1, a->rstd1, Nv, C);
}

/* m->d_img (Nv, Ct): gradient of the scattered image features. Accumulates
 * the projector's and the tower's gradients. */
void
pt_siglip_backward (PtModel *m,
                    int      B)
{
  PtBackend *be = m->be;
  const PtBackendOps *o = be->ops;
  const PtModelConfig *c = m->config;
  int P = c->num_image_tokens, C = c->v_hidden, Nv = B * P;
  gboolean embed_trained = m->patch.w->trainable || m->pos_emb->trainable;

  pt_linear_backward (m, m->vision_trained ? m->dv_norm : NULL, FALSE, m->d_img, m->v_out, &m->proj,
                      Nv, FALSE);
  if (!m->vision_trained)
    return;

  o->zero (be, m->dv_res, (size_t) Nv * C * pt_dtype_size (m->act));
  o->layernorm_backward (be, m->dv_res, grad_of (m->post_ln_w), grad_of (m->post_ln_b), m->dv_norm,
                         m->v_final, m->post_ln_w->data, m->v_meanf, m->v_rstdf, Nv, C);
  for (int l = c->v_layers - 1; l >= 0; l--)
    {
      /* below layer l: is anything trained that needs d(x)? */
      gboolean below = embed_trained;
      for (int j = 0; j < l && !below; j++)
        {
          const PtVisionLayer *L = &m->vl[j];
          below = L->ln1_w->trainable;
          for (int k = 0; k < PT_V_N && !below; k++)
            below = L->lin[k].lora_a != NULL || L->lin[k].w->trainable;
        }
      layer_backward (m, &m->vl[l], &m->va[l], B, below);
      if (!below)
        return;
    }
  if (m->pos_emb->trainable)
    o->bias_backward (be, m->pos_emb->grad, m->dv_res, B, P * C);
  pt_linear_backward (m, NULL, FALSE, m->dv_res, m->patches, &m->patch, Nv, FALSE);
}
