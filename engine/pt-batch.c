/* pt-batch.c — one micro-batch as the model consumes it. */
#include "config.h"

#include "pt-batch.h"
#include "pt-rng.h"     /* PtRng */

PtBatch *
pt_batch_new (int B,
              int T,
              int image_size)
{
  PtBatch *b;
  gsize bt;

  g_return_val_if_fail (B > 0 && T > 0 && image_size > 0, NULL);

  bt = (gsize) B * T;
  b = g_new0 (PtBatch, 1);
  b->B = B;
  b->T = T;
  b->image_size = image_size;
  b->pixels = g_new0 (float, (gsize) B * 3 * image_size * image_size);
  b->input_ids = g_new0 (int32_t, bt);
  b->token_type = g_new0 (int32_t, bt);
  b->labels = g_new0 (int32_t, bt);
  b->seq_len = g_new0 (int32_t, B);
  b->prefix_len = g_new0 (int32_t, B);
  b->record_index = g_new0 (guint, B);
  return b;
}

void
pt_batch_free (PtBatch *b)
{
  if (b == NULL)
    return;
  g_free (b->pixels);
  g_free (b->input_ids);
  g_free (b->token_type);
  g_free (b->labels);
  g_free (b->seq_len);
  g_free (b->prefix_len);
  g_free (b->record_index);
  g_free (b);
}

PtBatch *
pt_batch_new_synthetic (const PtModelConfig *c,
                        int                  B,
                        int                  prompt_len,
                        int                  answer_len,
                        guint64              seed)
{
  int T = c->num_image_tokens + 1 + prompt_len + answer_len + 1;
  PtBatch *b;
  PtRng rng = { seed, 0 };
  int text_vocab = MIN (c->image_token_index, c->vocab_size);

  g_return_val_if_fail (c != NULL && prompt_len >= 0 && answer_len >= 0 && text_vocab > 3, NULL);

  b = pt_batch_new (B, T, c->image_size);

  for (gsize i = 0; i < (gsize) B * 3 * c->image_size * c->image_size; i++)
    b->pixels[i] = (float) (2 * pt_rng_next_double (&rng) - 1);
  b->n_label_tokens = 0;
  for (int r = 0; r < B; r++)
    {
      int32_t *ids = b->input_ids + (gsize) r * T, *types = b->token_type + (gsize) r * T;
      int32_t *labels = b->labels + (gsize) r * T;
      int t = 0;

      for (; t < c->num_image_tokens; t++)
        ids[t] = c->image_token_index;
      ids[t++] = c->bos_token_id;
      for (int k = 0; k < prompt_len; k++)
        ids[t++] = 3 + (int) pt_rng_next_below (&rng, text_vocab - 3);
      b->prefix_len[r] = t;
      for (int k = 0; k < answer_len; k++)
        ids[t++] = 3 + (int) pt_rng_next_below (&rng, text_vocab - 3);
      ids[t++] = c->eos_token_id;
      for (int k = 0; k < T; k++)
        {
          types[k] = k >= b->prefix_len[r];
          labels[k] = types[k] ? ids[k] : -100;
        }
      b->seq_len[r] = T;
      b->record_index[r] = r;
      b->n_label_tokens += answer_len + 1;
    }
  return b;
}
