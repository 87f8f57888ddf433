/* pt-init.c — a randomly initialised PaliGemma, to pretrain from scratch. */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>     /* g_mkdir_with_parents */
#include <math.h>            /* sqrt, log, cos */
#include <string.h>

#include "pt-checkpoint.h"   /* pt_model_config_tensor_specs, pt_checkpoint_save */
#include "pt-error.h"
#include "pt-half.h"         /* pt_f32_to_bf16 */
#include "pt-init.h"
#include "pt-rng.h"          /* PtRng */
#include "pt-safetensors.h"  /* pt_file_write_atomic */

/* Standard normal by Box–Muller from the counter-based stream. */
static double
normal (PtRng *rng)
{
  double u1 = pt_rng_next_double (rng), u2 = pt_rng_next_double (rng);
  if (u1 < 1e-300)
    u1 = 1e-300;
  return sqrt (-2.0 * log (u1)) * cos (2.0 * G_PI * u2);
}

static gboolean
ends_with_any (const char *name, const char *const *suffixes)
{
  for (; *suffixes != NULL; suffixes++)
    if (g_str_has_suffix (name, *suffixes))
      return TRUE;
  return FALSE;
}

/* Fills one tensor by its role. */
static void
init_tensor (const PtModelConfig *c, const PtTensorSpec *spec, float *w, size_t n, PtRng *rng)
{
  static const char *const zero[] = { ".bias", "norm.weight", "input_layernorm.weight",
                                      "post_attention_layernorm.weight", NULL };
  static const char *const residual[] = { "out_proj.weight", "fc2.weight", "o_proj.weight",
                                          "down_proj.weight", NULL };
  const char *name = spec->name;
  gboolean vision = g_str_has_prefix (name, "vision_tower.") || g_str_has_prefix (name, "multi_modal_projector.");
  double std;

  if (g_str_has_suffix (name, "layer_norm1.weight") || g_str_has_suffix (name, "layer_norm2.weight")
      || g_str_has_suffix (name, "post_layernorm.weight"))
    {
      for (size_t i = 0; i < n; i++)
        w[i] = 1.0f;
      return;
    }
  if (ends_with_any (name, zero))
    {
      memset (w, 0, n * sizeof (float));
      return;
    }
  if (g_str_has_suffix (name, "position_embedding.weight"))
    std = 1.0 / sqrt (c->v_hidden);
  else if (vision)
    {
      size_t fan_in = spec->n_dims > 1 ? n / (size_t) spec->shape[0] : n;
      std = 1.0 / sqrt ((double) fan_in);
      if (ends_with_any (name, residual))
        std /= sqrt (2.0 * c->v_layers);
    }
  else
    {
      std = 0.02;
      if (ends_with_any (name, residual))
        std /= sqrt (2.0 * c->t_layers);
    }
  for (size_t i = 0; i < n; i++)
    w[i] = (float) (std * normal (rng));
}

gboolean
pt_model_init_random (const PtModelConfig *config,
                      guint64              seed,
                      const char          *tokenizer_model,
                      const char          *out_dir,
                      GError             **error)
{
  return pt_model_init_random_full (config, seed, tokenizer_model, out_dir, FALSE, 0, error);
}

gboolean
pt_model_init_random_full (const PtModelConfig *config,
                           guint64              seed,
                           const char          *tokenizer_model,
                           const char          *out_dir,
                           gboolean             bf16,
                           guint64              max_shard_bytes,
                           GError             **error)
{
  g_autoptr(GPtrArray) specs = NULL;
  g_autoptr(GPtrArray) buffers = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) refs = g_array_new (FALSE, TRUE, sizeof (PtTensorRef));
  g_autofree char *tok_contents = NULL;
  g_autofree char *tok_dst = NULL;
  gsize tok_length = 0;

  g_return_val_if_fail (config != NULL && out_dir != NULL, FALSE);

  if (!pt_model_config_validate (config, error))
    return FALSE;
  if (tokenizer_model != NULL && !g_file_get_contents (tokenizer_model, &tok_contents, &tok_length, error))
    return FALSE;
  if (g_mkdir_with_parents (out_dir, 0755) != 0)
    {
      int saved = errno;
      g_set_error (error, PT_ERROR, PT_ERROR_IO, "Cannot create %s: %s", out_dir, g_strerror (saved));
      return FALSE;
    }

  specs = pt_model_config_tensor_specs (config);
  /* each tensor its own stream, so the tensors can be drawn in parallel
   * (the 3B model's 2.9 G draws) with the same result as in order */
  g_ptr_array_set_size (buffers, specs->len);
  g_array_set_size (refs, specs->len);
  {
    const char *failed = NULL;

#pragma omp parallel for schedule (dynamic, 1)
    for (guint i = 0; i < specs->len; i++)
      {
        const PtTensorSpec *spec = specs->pdata[i];
        /* adding a tensor does not shift the others */
        PtRng rng = { pt_rng_hash (seed, g_str_hash (spec->name)), 0 };
        PtTensorRef *ref = &g_array_index (refs, PtTensorRef, i);
        size_t n = 1;
        float *w;

        for (int d = 0; d < spec->n_dims; d++)
          n *= (size_t) spec->shape[d];
        w = g_try_new (float, MAX (n, 1));
        if (w == NULL)
          {
#pragma omp critical (pt_init_failed)
            failed = spec->name;
            continue;
          }
        init_tensor (config, spec, w, n, &rng);
        if (bf16)
          {
            /* in place: the BF16 words fill the first half of the F32 buffer */
            uint16_t *h = (uint16_t *) w;
            for (size_t k = 0; k < n; k++)
              h[k] = pt_f32_to_bf16 (w[k]);
            w = g_realloc (w, MAX (n, 1) * sizeof *h);
          }
        buffers->pdata[i] = w;
        ref->name = spec->name;
        ref->dtype = bf16 ? PT_ST_BF16 : PT_ST_F32;
        ref->n_dims = spec->n_dims;
        ref->shape = spec->shape;
        ref->data = w;
      }
    if (failed != NULL)
      {
        g_set_error (error, PT_ERROR, PT_ERROR_NO_MEMORY, "Out of memory initialising %s", failed);
        return FALSE;
      }
  }
  if (!pt_checkpoint_save (out_dir, config, (PtTensorRef *) refs->data, refs->len, max_shard_bytes,
                           error))
    return FALSE;
  if (tok_contents != NULL)
    {
      tok_dst = g_build_filename (out_dir, "tokenizer.model", NULL);
      if (!pt_file_write_atomic (tok_dst, tok_contents, tok_length, error))
        return FALSE;
    }
  return TRUE;
}
