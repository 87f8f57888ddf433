/* pt-processor.c — PaliGemmaProcessor's token ids, types and labels; batching. */
#include "config.h"

#include <string.h>          /* strstr, memcpy */

#include "pt-error.h"
#include "pt-processor.h"

#define IMAGE_TOKEN "<image>"
#define IGNORE_INDEX (-100)

void
pt_encoded_free (PtEncoded *enc)
{
  if (enc == NULL)
    return;
  g_free (enc->input_ids);
  g_free (enc->token_type);
  g_free (enc->labels);
  g_free (enc);
}

/* Refuses <image> anywhere but once at the very start of a prompt. */
static gboolean
check_image_tokens (const char *text, gboolean is_prompt, const char **rest, GError **error)
{
  const char *t = text;

  if (is_prompt && g_str_has_prefix (t, IMAGE_TOKEN))
    t += strlen (IMAGE_TOKEN);
  if (strstr (t, IMAGE_TOKEN) != NULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "The %s “%s” contains “%s”; PaliTune places the image tokens itself",
                   is_prompt ? "prompt" : "answer", text, IMAGE_TOKEN);
      return FALSE;
    }
  *rest = t;
  return TRUE;
}

/* Drops tokens [from, to) of a. */
static void
drop_range (GArray *a, guint from, guint to)
{
  if (to > from)
    g_array_remove_range (a, from, to - from);
}

PtEncoded *
pt_processor_encode (const PtTokenizer *tok, int num_image_tokens, const char *prompt,
                     const char *suffix, int max_text_len, GError **error)
{
  g_autoptr(GArray) prefix = g_array_new (FALSE, FALSE, sizeof (int32_t));
  g_autoptr(GArray) sfx = g_array_new (FALSE, FALSE, sizeof (int32_t));
  g_autofree char *prompt_nl = NULL;
  g_autofree char *suffix_eos = NULL;
  const char *prompt_text;
  const char *unused;
  int32_t bos, eos;
  PtEncoded *enc;
  gboolean truncated = FALSE;
  int n;

  g_return_val_if_fail (tok != NULL && prompt != NULL, NULL);
  g_return_val_if_fail (num_image_tokens >= 0, NULL);
  g_return_val_if_fail (max_text_len == 0 || max_text_len >= 3, NULL);

  if (!check_image_tokens (prompt, TRUE, &prompt_text, error))
    return NULL;
  if (suffix != NULL && !check_image_tokens (suffix, FALSE, &unused, error))
    return NULL;

  bos = pt_tokenizer_bos_id (tok);
  eos = pt_tokenizer_eos_id (tok);
  g_array_append_val (prefix, bos);
  prompt_nl = g_strconcat (prompt_text, "\n", NULL);
  if (!pt_tokenizer_encode (tok, prompt_nl, -1, prefix, error))
    {
      g_prefix_error (error, "The prompt: ");
      return NULL;
    }
  if (suffix != NULL)
    {
      suffix_eos = g_strconcat (suffix, pt_tokenizer_id_to_piece (tok, eos), NULL);
      if (!pt_tokenizer_encode (tok, suffix_eos, -1, sfx, error))
        {
          g_prefix_error (error, "The answer: ");
          return NULL;
        }
    }

  if (max_text_len > 0 && (int) (prefix->len + sfx->len) > max_text_len)
    {
      int keep_prefix = suffix != NULL ? max_text_len - 1 : max_text_len;
      truncated = TRUE;
      if ((int) prefix->len > keep_prefix)
        /* keep <bos> … and the last token ("\n") */
        drop_range (prefix, keep_prefix - 1, prefix->len - 1);
      if ((int) (prefix->len + sfx->len) > max_text_len)
        g_array_set_size (sfx, max_text_len - prefix->len);
    }

  n = num_image_tokens + prefix->len + sfx->len;
  enc = g_new0 (PtEncoded, 1);
  enc->n = n;
  enc->prefix_len = num_image_tokens + prefix->len;
  enc->n_suffix = sfx->len;
  enc->truncated = truncated;
  enc->input_ids = g_new (int32_t, MAX (n, 1));
  enc->token_type = g_new0 (int32_t, MAX (n, 1));
  enc->labels = g_new (int32_t, MAX (n, 1));
  for (int i = 0; i < num_image_tokens; i++)
    enc->input_ids[i] = pt_tokenizer_image_id (tok);
  if (prefix->len > 0)   /* an empty GArray's data may be NULL */
    memcpy (enc->input_ids + num_image_tokens, prefix->data, prefix->len * sizeof (int32_t));
  if (sfx->len > 0)
    memcpy (enc->input_ids + enc->prefix_len, sfx->data, sfx->len * sizeof (int32_t));
  for (int i = 0; i < n; i++)
    {
      gboolean in_suffix = i >= enc->prefix_len;
      enc->token_type[i] = in_suffix;
      enc->labels[i] = in_suffix ? enc->input_ids[i] : IGNORE_INDEX;
    }
  return enc;
}

PtBatch *
pt_processor_collate (PtEncoded *const *examples, const float *const *pixels,
                      const guint *record_index, int n, int image_size, int32_t pad_id,
                      int pad_to)
{
  PtBatch *b;
  int T = MAX (pad_to, 1);
  gsize plane;

  g_return_val_if_fail (examples != NULL && n > 0 && image_size > 0, NULL);

  for (int i = 0; i < n; i++)
    T = MAX (T, examples[i]->n);
  b = pt_batch_new (n, T, image_size);
  plane = (gsize) 3 * image_size * image_size;
  b->n_label_tokens = 0;
  for (int i = 0; i < n; i++)
    {
      const PtEncoded *e = examples[i];
      int32_t *ids = b->input_ids + (gsize) i * T;         // (T)
      int32_t *types = b->token_type + (gsize) i * T;      // (T)
      int32_t *labels = b->labels + (gsize) i * T;         // (T)

      memcpy (ids, e->input_ids, e->n * sizeof (int32_t));
      memcpy (types, e->token_type, e->n * sizeof (int32_t));
      memcpy (labels, e->labels, e->n * sizeof (int32_t));
      for (int t = e->n; t < T; t++)
        {
          ids[t] = pad_id;
          types[t] = 0;
          labels[t] = IGNORE_INDEX;
        }
      for (int t = 1; t < T; t++)
        b->n_label_tokens += labels[t] != IGNORE_INDEX;
      b->seq_len[i] = e->n;
      b->prefix_len[i] = e->prefix_len;
      b->record_index[i] = record_index ? record_index[i] : (guint) i;
      if (pixels != NULL && pixels[i] != NULL)
        memcpy (b->pixels + i * plane, pixels[i], plane * sizeof (float));
    }
  return b;
}
