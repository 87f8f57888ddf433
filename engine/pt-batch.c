/* pt-batch.c — one micro-batch as the model consumes it. */
#include "config.h"

#include "pt-batch.h"

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
