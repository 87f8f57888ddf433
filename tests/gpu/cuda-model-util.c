/* cuda-model-util.c — see cuda-model-util.h. */
#include "config.h"

#include <math.h>     /* sqrt */
#include <string.h>   /* strstr */

#include "cuda-model-util.h"
#include "pt-rng.h"   /* PtRng */

PtModelConfig *
pt_test_tiny_config (void)
{
  PtModelConfig *c = g_new0 (PtModelConfig, 1);

  c->image_size = 56;
  c->patch_size = 14;
  c->num_channels = 3;
  c->num_image_tokens = 16;
  c->v_hidden = 64;
  c->v_layers = 2;
  c->v_heads = 2;
  c->v_intermediate = 128;
  c->v_layer_norm_eps = 1e-6;
  c->projection_dim = 64;
  c->t_hidden = 64;
  c->t_layers = 2;
  c->t_heads = 4;
  c->t_kv_heads = 1;
  c->t_head_dim = 16;
  c->t_intermediate = 128;
  c->vocab_size = 512;
  c->t_rms_norm_eps = 1e-6;
  c->rope_theta = 10000;
  c->max_position_embeddings = 8192;
  c->image_token_index = 448;
  c->pad_token_id = 0;
  c->eos_token_id = 1;
  c->bos_token_id = 2;
  c->tie_word_embeddings = TRUE;
  return c;
}

/* the hub's config.json (spec/paligemma.md §1) */
static const char paligemma_3b_224[] =
  "{\"architectures\": [\"PaliGemmaForConditionalGeneration\"], \"model_type\": \"paligemma\","
  " \"bos_token_id\": 2, \"eos_token_id\": 1, \"pad_token_id\": 0, \"hidden_size\": 2048,"
  " \"projection_dim\": 2048, \"ignore_index\": -100, \"image_token_index\": 257152,"
  " \"torch_dtype\": \"float32\","
  " \"text_config\": {\"model_type\": \"gemma\", \"hidden_size\": 2048, \"intermediate_size\": 16384,"
  "   \"num_attention_heads\": 8, \"num_hidden_layers\": 18, \"num_image_tokens\": 256,"
  "   \"num_key_value_heads\": 1, \"torch_dtype\": \"float32\", \"vocab_size\": 257216},"
  " \"vision_config\": {\"hidden_size\": 1152, \"intermediate_size\": 4304,"
  "   \"model_type\": \"siglip_vision_model\", \"num_attention_heads\": 16,"
  "   \"num_hidden_layers\": 27, \"num_image_tokens\": 256, \"patch_size\": 14,"
  "   \"projection_dim\": 2048, \"projector_hidden_act\": \"gelu_fast\", \"vision_use_head\": false}}";

PtModelConfig *
pt_test_paligemma_3b_config (GError **error)
{
  return pt_model_config_from_json (paligemma_3b_224, -1, error);
}

gboolean
pt_test_random_weights (PtModel *model, guint64 seed, GError **error)
{
  for (guint i = 0; i < pt_model_n_tensors (model); i++)
    {
      int ndim;
      int64_t shape[4], n = 1;
      const char *name = pt_model_tensor_name (model, i, &ndim, shape);
      g_autofree float *d = NULL;
      double scale;
      uint64_t h = pt_rng_hash (seed, i);

      if (strstr (name, "lora_") != NULL)
        continue;
      for (int k = 0; k < ndim; k++)
        n *= shape[k];
      d = g_new (float, n);
      scale = ndim == 1 ? 0.0 : 1.7 / sqrt ((double) (n / shape[0]));
      for (int64_t j = 0; j < n; j++)
        {
          if (ndim == 1)
            d[j] = strstr (name, "layer_norm") != NULL && g_str_has_suffix (name, "weight") ? 1.0f : 0.0f;
          else
            {
              /* a multiplicative hash of (tensor, index): uniform-ish in ±scale */
              uint64_t z = ((uint64_t) j + h) * 0x9E3779B97F4A7C15ull;
              z ^= z >> 29;
              d[j] = (float) (((double) (z >> 40) / 16777216.0 * 2.0 - 1.0) * scale);
            }
        }
      if (!pt_model_set_tensor (model, name, d, ndim, shape, error))
        return FALSE;
    }
  return TRUE;
}

PtBatch *
pt_test_synthetic_batch (const PtModelConfig *c, int B, guint64 seed)
{
  PtRng rng = { seed, 0 };
  int n_img = c->num_image_tokens, T = 0;
  int q_len[PT_MAX_BATCH], a_len[PT_MAX_BATCH];
  int text_vocab = MIN (c->vocab_size, MIN (256000, c->image_token_index));
  PtBatch *batch;

  g_return_val_if_fail (B > 0 && B <= PT_MAX_BATCH, NULL);
  for (int b = 0; b < B; b++)
    {
      q_len[b] = 8 + (int) pt_rng_next_below (&rng, 5);
      a_len[b] = 1 + (int) pt_rng_next_below (&rng, 3);
      /* image, <bos>, "answer" + question, "\n", answer, <eos> */
      T = MAX (T, n_img + 1 + 1 + q_len[b] + 1 + a_len[b] + 1);
    }
  batch = pt_batch_new (B, T, c->image_size);
  for (int b = 0; b < B; b++)
    {
      int32_t *ids = batch->input_ids + (size_t) b * T;
      int32_t *types = batch->token_type + (size_t) b * T;
      int32_t *labels = batch->labels + (size_t) b * T;
      int t = 0, prefix;

      for (int i = 0; i < n_img; i++)
        ids[t++] = c->image_token_index;
      ids[t++] = c->bos_token_id;
      for (int i = 0; i < 1 + q_len[b]; i++)
        ids[t++] = 3 + (int32_t) pt_rng_next_below (&rng, (guint32) (text_vocab - 3));
      ids[t++] = 108 % text_vocab;   /* "\n" */
      prefix = t;
      for (int i = 0; i < a_len[b]; i++)
        ids[t++] = 3 + (int32_t) pt_rng_next_below (&rng, (guint32) (text_vocab - 3));
      ids[t++] = c->eos_token_id;
      batch->seq_len[b] = t;
      batch->prefix_len[b] = prefix;
      for (int i = 0; i < T; i++)
        {
          if (i >= t)
            ids[i] = c->pad_token_id;
          types[i] = i >= prefix && i < t;
          labels[i] = types[i] ? ids[i] : -100;
        }
    }
  for (size_t i = 0; i < (size_t) B * 3 * c->image_size * c->image_size; i++)
    batch->pixels[i] = (float) (pt_rng_next_double (&rng) * 2 - 1);
  batch->n_label_tokens = pt_batch_count_targets (batch);
  return batch;
}
