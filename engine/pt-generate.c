/* pt-generate.c — greedy decoding with a KV cache (see pt-generate.h).
 *
 * The passes reuse the model's activation buffers (a prefill of B·Tp tokens
 * fits the B·T the model was sized for); only the KV cache is allocated here:
 * per layer K and V of (B, Tp + max_new, Hkv, D).
 */
#include "config.h"

#include <string.h>            /* memset */

#include "pt-generate.h"
#include "pt-model-private.h"
#include "pt-error.h"          /* PT_ERROR */

/* Final norm and logits of one row per batch row (rows (B) backend indices
 * into t_final), then argmax → next (B) host. */
static void
next_tokens (PtModel       *m,
             const int32_t *d_rows,
             int            B,
             int32_t       *d_next,
             int32_t       *next)
{
  PtBackend *be = m->be;
  const PtBackendOps *o = be->ops;
  const PtModelConfig *c = m->config;
  int C = c->t_hidden, V = c->vocab_size;

  o->gather_rows (be, m->hsel, m->t_final, d_rows, B, C);
  o->rmsnorm_forward (be, m->fnorm, m->rstdf, m->hsel, m->final_norm->data, B, C, c->t_rms_norm_eps);
  for (int r0 = 0; r0 < B; r0 += m->logits_rows)
    {
      int rows = MIN (m->logits_rows, B - r0);
      o->gemm (be, FALSE, TRUE, rows, V, C, 1.0,
               (const guint8 *) m->fnorm + (size_t) r0 * C * pt_dtype_size (m->act), m->act, C,
               m->embed->data, m->wdt, C, 0.0, m->logits, m->act, V);
      o->argmax (be, d_next + r0, m->logits, rows, V);
    }
  o->download (be, next, d_next, (size_t) B * sizeof (int32_t));
}

gboolean
pt_generate_greedy (PtModel               *m,
                    const PtGenerateInput *in,
                    int                    max_new,
                    int                    eos_id,
                    int32_t               *out_ids,
                    int                   *out_len,
                    GError               **error)
{
  PtBackend *be;
  const PtBackendOps *o;
  const PtModelConfig *c;
  int B, Tp = 0, P, L, kvd, tk_alloc, n_done = 0;
  size_t row_bytes;
  g_autofree int32_t *ids = NULL, *img_pos = NULL, *pads = NULL, *pos = NULL, *full = NULL, *rows = NULL;
  g_autofree int32_t *next = NULL;
  g_autofree gboolean *done = NULL;
  void *cache = NULL;
  int32_t *d_next;
  PtAttnMask mask = { 0 };
  PtTextPass pass = { 0 };
  gboolean ok = TRUE;

  g_return_val_if_fail (m != NULL && in != NULL && out_ids != NULL && out_len != NULL, FALSE);

  be = m->be;
  o = be->ops;
  c = m->config;
  B = in->B;
  P = c->num_image_tokens;
  L = c->t_layers;
  kvd = c->t_kv_heads * c->t_head_dim;
  if (eos_id < 0)
    eos_id = c->eos_token_id;
  if (B < 1 || B > m->max_batch)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "Generating for %d rows; this model was built for at most %d", B, m->max_batch);
      return FALSE;
    }
  if (max_new < 1)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "Generate at least one token");
      return FALSE;
    }
  for (int b = 0; b < B; b++)
    Tp = MAX (Tp, in->prompt_len[b]);
  if (Tp > m->max_seq)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "A prompt of %d tokens is longer than this model's %d", Tp, m->max_seq);
      return FALSE;
    }

  /* left-padded ids, image positions, per-row pads and positions */
  ids = g_new (int32_t, (size_t) B * Tp);
  img_pos = g_new (int32_t, (size_t) B * P);
  pads = g_new (int32_t, B);
  pos = g_new (int32_t, B);
  full = g_new (int32_t, B);
  rows = g_new (int32_t, B);
  next = g_new (int32_t, B);
  done = g_new0 (gboolean, B);
  for (int b = 0; b < B; b++)
    {
      int n_img = 0;
      pads[b] = Tp - in->prompt_len[b];
      full[b] = Tp;
      rows[b] = b * Tp + Tp - 1;
      for (int t = 0; t < Tp; t++)
        {
          int32_t id = t < pads[b] ? c->pad_token_id : in->prompts[b][t - pads[b]];
          ids[(size_t) b * Tp + t] = id;
          if (t >= pads[b] && id == c->image_token_index)
            {
              if (n_img < P)
                img_pos[b * P + n_img] = b * Tp + t;
              n_img++;
            }
          else if (t >= pads[b] && (id < 0 || id >= c->vocab_size))
            {
              g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                           "Prompt %d, position %d: token id %d is outside the vocabulary", b,
                           t - pads[b], id);
              return FALSE;
            }
        }
      if (n_img != P)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                       "Prompt %d has %d image tokens; the model needs %d", b, n_img, P);
          return FALSE;
        }
    }

  /* the KV cache: layer l's K at cache + 2l·slab, V at (2l+1)·slab */
  tk_alloc = Tp + max_new - 1;
  row_bytes = (size_t) kvd * pt_dtype_size (m->act);
  cache = o->alloc (be, 2 * (size_t) L * B * tk_alloc * row_bytes + 256, error);
  if (cache == NULL)
    {
      g_prefix_error (error, "Allocating the KV cache: ");
      return FALSE;
    }
  d_next = (int32_t *) ((guint8 *) cache + 2 * (size_t) L * B * tk_alloc * row_bytes);

  /* prefill: vision, merge, every layer over the whole prompt (bidirectional) */
  if (!pt_model_upload_f32 (m, m->pixels, m->act, in->pixels,
                            (size_t) B * c->num_channels * c->image_size * c->image_size, error))
    {
      ok = FALSE;
      goto out;
    }
  pt_siglip_forward (m, B, FALSE);
  o->upload (be, m->d_ids, ids, (size_t) B * Tp * sizeof (int32_t));
  o->upload (be, m->d_img_pos, img_pos, (size_t) B * P * sizeof (int32_t));
  o->upload (be, m->d_rows, rows, (size_t) B * sizeof (int32_t));
  pt_gemma_embed (m, m->ta[0].x, m->d_ids, B * Tp, m->img, m->d_img_pos, B * P);
  for (int b = 0; b < B; b++)
    pos[b] = 1 - pads[b];
  mask.key_start = pads;
  mask.prefix_end = full;
  mask.causal = 0;
  pass.B = B;
  pass.T = Tp;
  pass.pos_start = pos;
  pass.mask = &mask;
  pass.tk_alloc = tk_alloc;
  pass.cache_off = 0;
  for (int l = 0; l < L; l++)
    {
      pass.k_cache = (guint8 *) cache + (size_t) (2 * l) * B * tk_alloc * row_bytes;
      pass.v_cache = (guint8 *) cache + (size_t) (2 * l + 1) * B * tk_alloc * row_bytes;
      pt_gemma_layer_forward (m, &m->tl[l], &m->ta[l], &pass);
    }
  next_tokens (m, m->d_rows, B, d_next, next);

  memset (out_len, 0, B * sizeof (int));
  for (int i = 0; i < B * max_new; i++)
    out_ids[i] = -1;

  /* decode */
  for (int s = 0; ; s++)
    {
      for (int b = 0; b < B; b++)
        {
          if (done[b])
            {
              next[b] = c->pad_token_id;
              continue;
            }
          out_ids[b * max_new + out_len[b]++] = next[b];
          if (next[b] == eos_id || out_len[b] == max_new)
            {
              done[b] = TRUE;
              n_done++;
            }
        }
      if (n_done == B || s + 1 >= max_new)
        break;

      for (int b = 0; b < B; b++)
        {
          pos[b] = Tp + s - pads[b] + 1;
          rows[b] = b;
        }
      o->upload (be, m->d_ids, next, (size_t) B * sizeof (int32_t));
      o->upload (be, m->d_rows, rows, (size_t) B * sizeof (int32_t));
      pt_gemma_embed (m, m->ta[0].x, m->d_ids, B, NULL, NULL, 0);
      mask.prefix_end = NULL;
      mask.causal = 1;
      mask.q_offset = Tp + s;
      pass.T = 1;
      pass.cache_off = Tp + s;
      for (int l = 0; l < L; l++)
        {
          pass.k_cache = (guint8 *) cache + (size_t) (2 * l) * B * tk_alloc * row_bytes;
          pass.v_cache = (guint8 *) cache + (size_t) (2 * l + 1) * B * tk_alloc * row_bytes;
          pt_gemma_layer_forward (m, &m->tl[l], &m->ta[l], &pass);
        }
      next_tokens (m, m->d_rows, B, d_next, next);
    }
  ok = o->check (be, error);

out:
  o->free (be, cache);
  return ok;
}
