/* pt-model-loss.c — one training or evaluation pass over a micro-batch:
 * batch checks, SigLIP → projector → merge → Gemma, logits at the labelled
 * positions only (a chunk of rows at a time through the tied head), the
 * ForCausalLMLoss token sum, and the backward in reverse.
 *
 * Semantics (transformers 5.23, training path: labels and token types given):
 * - positions 1..T for every row (position_ids = cache_position + 1);
 * - mask: image + prefix columns visible to every query, suffix causal,
 *   padding columns (attention_mask 0, i.e. t >= seq_len) masked;
 * - logits: Gemma 2's final softcap, 30·tanh(logits/30), applied as
 *   PaliGemmaForConditionalGeneration applies it in transformers 5.x;
 * - loss: labels shifted left by one, -100 ignored, summed here; the caller's
 *   grad_scale turns the sum into ForCausalLMLoss's mean.
 */
#include "config.h"

#include <math.h>              /* sqrt */
#include <string.h>            /* memcpy */

#include "pt-model-private.h"
#include "pt-error.h"          /* PT_ERROR */

typedef struct {
  int      B, T, N, Nv, M;
  int32_t *emb_ids;     /* (N) ids for the embedding gradient: -1 at <image> and pad */
  int32_t *img_pos;     /* (Nv) */
  int32_t *rows;        /* (M) */
  int32_t *targets;     /* (M) */
} Prepared;

static void
prepared_clear (Prepared *p)
{
  g_free (p->emb_ids);
  g_free (p->img_pos);
  g_free (p->rows);
  g_free (p->targets);
}

int
pt_batch_count_targets (const PtBatch *batch)
{
  int n = 0;

  g_return_val_if_fail (batch != NULL, 0);
  for (int b = 0; b < batch->B; b++)
    for (int t = 0; t + 1 < batch->T; t++)
      n += batch->labels[(size_t) b * batch->T + t + 1] != -100;
  return n;
}

#define FAIL(...) G_STMT_START { \
    g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, __VA_ARGS__); \
    return FALSE; \
  } G_STMT_END

/* Checks the batch against the model and the PtBatch contract; builds the
 * index arrays and uploads them. */
static gboolean
prepare (PtModel       *m,
         const PtBatch *batch,
         Prepared      *p,
         GError       **error)
{
  const PtModelConfig *c = m->config;
  int P = c->num_image_tokens, V = c->vocab_size, img = c->image_token_index;

  memset (p, 0, sizeof *p);
  if (batch->B < 1 || batch->B > m->max_batch)
    FAIL ("The batch has %d rows; this model was built for at most %d", batch->B, m->max_batch);
  if (batch->T < P + 1 || batch->T > m->max_seq)
    FAIL ("The batch is %d tokens long; this model takes %d to %d", batch->T, P + 1, m->max_seq);
  if (batch->image_size != c->image_size)
    FAIL ("The batch's images are %d px; the model takes %d px", batch->image_size, c->image_size);

  p->B = batch->B;
  p->T = batch->T;
  p->N = p->B * p->T;
  p->Nv = p->B * P;
  p->emb_ids = g_new (int32_t, p->N);
  p->img_pos = g_new (int32_t, p->Nv);
  p->rows = g_new (int32_t, p->N);
  p->targets = g_new (int32_t, p->N);

  for (int b = 0; b < p->B; b++)
    {
      const int32_t *ids = batch->input_ids + (size_t) b * p->T;
      const int32_t *tt = batch->token_type + (size_t) b * p->T;
      const int32_t *lab = batch->labels + (size_t) b * p->T;
      int L = batch->seq_len[b], pre = batch->prefix_len[b], n_img = 0;

      if (L < P + 1 || L > p->T || pre < P + 1 || pre > L)
        FAIL ("Batch row %d: %d tokens with a prefix of %d do not fit %d image tokens in %d positions",
              b, L, pre, P, p->T);
      for (int t = 0; t < p->T; t++)
        {
          size_t i = (size_t) b * p->T + t;
          int want_tt = t >= pre && t < L;

          if (ids[t] == img && t < L)
            {
              if (n_img >= P)
                FAIL ("Batch row %d has more than %d image tokens", b, P);
              p->img_pos[b * P + n_img++] = (int32_t) i;
            }
          else if ((ids[t] < 0 || ids[t] >= V) && t < L)
            FAIL ("Batch row %d, position %d: token id %d is outside the vocabulary (0..%d)",
                  b, t, ids[t], V - 1);
          if (tt[t] != want_tt)
            FAIL ("Batch row %d, position %d: token type %d, but the row has prefix %d and length %d",
                  b, t, tt[t], pre, L);
          if (lab[t] != -100 && (lab[t] < 0 || lab[t] >= V))
            FAIL ("Batch row %d, position %d: label %d is outside the vocabulary", b, t, lab[t]);
          /* no embedding gradient at <image> (replaced by the features) or at the
           * padding id (nn.Embedding's padding_idx), nor past the row's end */
          p->emb_ids[i] = ids[t] == img || ids[t] == c->pad_token_id || t >= L ? -1 : ids[t];
          if (t + 1 < p->T && lab[t + 1] != -100)
            {
              p->rows[p->M] = (int32_t) i;
              p->targets[p->M] = lab[t + 1];
              p->M++;
            }
        }
      if (n_img != P)
        FAIL ("Batch row %d has %d image tokens; the model needs %d", b, n_img, P);
    }

  m->be->ops->upload (m->be, m->d_ids, batch->input_ids, (size_t) p->N * sizeof (int32_t));
  m->be->ops->upload (m->be, m->d_img_pos, p->img_pos, (size_t) p->Nv * sizeof (int32_t));
  if (p->M > 0)
    {
      m->be->ops->upload (m->be, m->d_rows, p->rows, (size_t) p->M * sizeof (int32_t));
      m->be->ops->upload (m->be, m->d_targets, p->targets, (size_t) p->M * sizeof (int32_t));
    }
  if (m->d_emb_ids != NULL)
    m->be->ops->upload (m->be, m->d_emb_ids, p->emb_ids, (size_t) p->N * sizeof (int32_t));
  return TRUE;
}

/* Host value of element i of an acc-dtype array downloaded to host. */
static double
acc_value (PtModel *m, const void *host, size_t i)
{
  if (m->acc == PT_DTYPE_F64)
    return ((const double *) host)[i];
  return ((const float *) host)[i];
}

/* Logits (rows × V) at the labelled rows through the tied head, the loss sum,
 * and when backward d(fnorm) into m->d_norm. */
static gboolean
loss_pass (PtModel  *m,
           const Prepared *p,
           gboolean  backward,
           double    grad_scale,
           double   *loss_sum,
           float    *logits_out,
           GError  **error)
{
  PtBackend *be = m->be;
  const PtBackendOps *o = be->ops;
  const PtModelConfig *c = m->config;
  int C = c->t_hidden, V = c->vocab_size;
  size_t A = pt_dtype_size (m->act);
  g_autofree guint8 *host_losses = g_malloc ((size_t) m->logits_rows * 8);
  double sum = 0;

  if (backward)
    o->zero (be, m->d_norm, (size_t) p->N * C * A);
  for (int r0 = 0; r0 < p->M; r0 += m->logits_rows)
    {
      int rows = MIN (m->logits_rows, p->M - r0);

      o->gather_rows (be, m->hsel, m->fnorm, m->d_rows + r0, rows, C);
      /* logits (rows, V) = h · Eᵀ */
      o->gemm (be, FALSE, TRUE, rows, V, C, 1.0, m->hsel, m->act, C, m->embed->data, m->wdt, C,
               0.0, m->logits, m->act, V);
      if (c->final_logit_softcap > 0)
        o->softcap (be, m->logits, (size_t) rows * V, c->final_logit_softcap);
      if (logits_out != NULL
          && !pt_model_download_f32 (m, logits_out + (size_t) r0 * V, m->logits, m->act, (size_t) rows * V,
                                     error))
        return FALSE;
      /* with a softcap, dlogits is the gradient of the uncapped logits */
      o->cross_entropy (be, m->losses, backward ? m->logits : NULL, m->logits, m->d_targets + r0,
                        rows, V, grad_scale, c->final_logit_softcap);
      o->download (be, host_losses, m->losses, (size_t) rows * pt_dtype_size (m->acc));
      for (int i = 0; i < rows; i++)
        sum += acc_value (m, host_losses, i);
      if (backward)
        {
          /* dh (rows, C) = dlogits · E;  dE (V, C) += dlogitsᵀ · h (the tied head) */
          o->gemm (be, FALSE, FALSE, rows, C, V, 1.0, m->logits, m->act, V, m->embed->data, m->wdt, C,
                   0.0, m->dh, m->act, C);
          if (m->embed->trainable)
            o->gemm (be, TRUE, FALSE, V, C, rows, 1.0, m->logits, m->act, V, m->hsel, m->act, C,
                     1.0, m->embed->grad, m->acc, C);
          o->scatter_rows (be, m->d_norm, m->dh, m->d_rows + r0, rows, C, FALSE);
        }
    }
  *loss_sum = sum;
  return o->check (be, error);
}

static gboolean
run (PtModel       *m,
     const PtBatch *batch,
     gboolean       dropout,
     gboolean       backward,
     double         grad_scale,
     PtLossResult  *result,
     float         *logits_out,
     GError       **error)
{
  PtBackend *be = m->be;
  const PtBackendOps *o = be->ops;
  const PtModelConfig *c = m->config;
  Prepared p;
  PtAttnMask mask = { 0 };
  PtTextPass pass = { 0 };
  double loss_sum = 0;
  gboolean ok;
  int C;
  gint64 t_start = g_get_monotonic_time (), t_forward;

  if (!prepare (m, batch, &p, error))
    {
      prepared_clear (&p);
      return FALSE;
    }
  C = c->t_hidden;

  /* vision tower and projector → m->img */
  if (!pt_model_upload_f32 (m, m->pixels, m->act, batch->pixels,
                            (size_t) p.B * c->num_channels * c->image_size * c->image_size, error))
    {
      prepared_clear (&p);
      return FALSE;
    }
  pt_siglip_forward (m, p.B, dropout);

  /* merge and decoder */
  pt_gemma_embed (m, m->ta[0].x, m->d_ids, p.N, m->img, m->d_img_pos, p.Nv);
  mask.key_end = batch->seq_len;
  mask.prefix_end = batch->prefix_len;
  mask.causal = 1;
  pass.B = p.B;
  pass.T = p.T;
  pass.pos0 = 1;                     /* PaliGemma positions are 1-based */
  pass.mask = &mask;
  pass.dropout = dropout;
  for (int l = 0; l < c->t_layers; l++)
    pt_gemma_layer_forward (m, &m->tl[l], &m->ta[l], &pass);
  o->rmsnorm_forward (be, m->fnorm, m->rstdf, m->t_final, m->final_norm->data, p.N, C, c->t_rms_norm_eps);

  ok = loss_pass (m, &p, backward, grad_scale, &loss_sum, logits_out, error);
  o->synchronize (be);
  t_forward = g_get_monotonic_time ();
  if (ok && backward)
    {
      gboolean need_x0 = m->embed->trainable || m->image_grad;

      o->zero (be, m->d_res, (size_t) p.N * C * pt_dtype_size (m->act));
      o->rmsnorm_backward (be, m->d_res, m->final_norm->trainable ? m->final_norm->grad : NULL, m->d_norm,
                           m->t_final, m->final_norm->data, m->rstdf, p.N, C);
      for (int l = c->t_layers - 1; l >= 0; l--)
        pt_gemma_layer_backward (m, &m->tl[l], &m->ta[l], &pass, l > 0 || need_x0);
      if (m->embed->trainable)
        o->embedding_backward (be, m->embed->grad, m->d_res, m->d_emb_ids, p.N, C, c->vocab_size,
                               pt_gemma_normalizer (m));
      if (m->image_grad)
        {
          /* d(img) = d(x0) rows at <image> (the features go in unscaled) */
          o->gather_rows (be, m->d_img, m->d_res, m->d_img_pos, p.Nv, C);
          pt_siglip_backward (m, p.B);
        }
      o->synchronize (be);
      ok = o->check (be, error);
    }
  if (ok && result != NULL)
    {
      result->loss_sum = loss_sum;
      result->n_tokens = p.M;
      result->forward_ms = (t_forward - t_start) / 1000.0;
      result->backward_ms = (g_get_monotonic_time () - t_forward) / 1000.0;
    }
  prepared_clear (&p);
  return ok;
}

gboolean
pt_model_forward_backward (PtModel       *m,
                           const PtBatch *batch,
                           double         grad_scale,
                           PtLossResult  *result,
                           GError       **error)
{
  gboolean ok;

  g_return_val_if_fail (m != NULL && batch != NULL, FALSE);
  if (!m->training)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED,
                   "This model was built for inference; it cannot compute gradients");
      return FALSE;
    }
  ok = run (m, batch, TRUE, TRUE, grad_scale, result, NULL, error);
  m->rng_step++;
  return ok;
}

gboolean
pt_model_forward_loss (PtModel       *m,
                       const PtBatch *batch,
                       gboolean       dropout,
                       PtLossResult  *result,
                       float         *logits,
                       GError       **error)
{
  g_return_val_if_fail (m != NULL && batch != NULL, FALSE);
  return run (m, batch, dropout, FALSE, 0.0, result, logits, error);
}
