/* pt-model-load.c — base weights from a Hugging Face folder (pt-checkpoint)
 * and LoRA weights from a PEFT adapter (pt-peft), streamed into the
 * backend through a bounded host staging buffer, with dtype conversion and
 * NF4 quantisation on the way.
 */
#include "config.h"

#include <string.h>            /* memcpy */

#include "pt-model-private.h"
#include "pt-checkpoint.h"     /* PtCheckpoint, pt_tensor_convert */
#include "pt-error.h"          /* PT_ERROR */
#include "pt-nf4.h"            /* pt_nf4_quantize */
#include "pt-peft.h"           /* PtPeftAdapter */

#define STAGE_ELEMENTS ((size_t) 1 << 22)   /* a multiple of the NF4 block (64) */

/* NULL when the dimensions agree, else what differs first. */
static char *
config_difference (const PtModelConfig *a,   /* the checkpoint's */
                   const PtModelConfig *b)   /* the model's */
{
#define CMP(field, key) \
  if (a->field != b->field) \
    return g_strdup_printf ("%s is %d there, %d here", key, a->field, b->field);
  CMP (image_size, "vision_config.image_size");
  CMP (patch_size, "vision_config.patch_size");
  CMP (num_channels, "vision_config.num_channels");
  CMP (v_hidden, "vision_config.hidden_size");
  CMP (v_layers, "vision_config.num_hidden_layers");
  CMP (v_heads, "vision_config.num_attention_heads");
  CMP (v_intermediate, "vision_config.intermediate_size");
  CMP (num_image_tokens, "num_image_tokens");
  CMP (projection_dim, "projection_dim");
  CMP (t_hidden, "text_config.hidden_size");
  CMP (t_layers, "text_config.num_hidden_layers");
  CMP (t_heads, "text_config.num_attention_heads");
  CMP (t_kv_heads, "text_config.num_key_value_heads");
  CMP (t_head_dim, "text_config.head_dim");
  CMP (t_intermediate, "text_config.intermediate_size");
  CMP (vocab_size, "text_config.vocab_size");
#undef CMP
  return NULL;
}

/* Streams a stored tensor (any float dtype) into parameter p. */
static gboolean
load_param (PtModel          *m,
            PtParam          *p,
            const PtStTensor *t,
            const char       *file,
            void             *stage,     /* STAGE_ELEMENTS × 8 bytes, host */
            GError          **error)
{
  PtBackend *be = m->be;
  size_t esz = pt_st_dtype_size (t->dtype);
  gboolean ok = t->n_dims == p->ndim;
  PtDType dt = p->kind == PT_PARAM_MATRIX ? m->wdt : m->acc;

  for (int i = 0; ok && i < p->ndim; i++)
    ok = t->shape[i] == p->shape[i];
  if (!ok)
    {
      g_autofree char *got = pt_shape_string (t->n_dims, t->shape);
      g_autofree char *want = pt_shape_string (p->ndim, p->shape);
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "%s: tensor “%s” has shape %s, the model expects %s", file, p->name, got, want);
      return FALSE;
    }
  for (size_t off = 0; off < p->numel; off += STAGE_ELEMENTS)
    {
      size_t k = MIN (STAGE_ELEMENTS, p->numel - off);
      const guint8 *src = (const guint8 *) t->data + off * esz;

      if (p->nf4)
        {
          g_autofree uint8_t *q = g_malloc ((k + 1) / 2);
          g_autofree float *absmax = g_malloc ((k + 63) / 64 * sizeof (float));
          if (!pt_tensor_convert (stage, PT_DTYPE_F32, src, t->dtype, k))
            goto bad_dtype;
          pt_nf4_quantize (stage, k, q, absmax);
          be->ops->upload (be, p->q + off / 2, q, (k + 1) / 2);
          be->ops->upload (be, p->absmax + off / 64, absmax, (k + 63) / 64 * sizeof (float));
          continue;
        }
      if (!pt_tensor_convert (stage, dt, src, t->dtype, k))
        goto bad_dtype;
      be->ops->upload (be, (guint8 *) p->data + off * pt_dtype_size (dt), stage, k * pt_dtype_size (dt));
      if (p->master != NULL && p->master != p->data)
        {
          if (!pt_tensor_convert (stage, m->acc, src, t->dtype, k))
            goto bad_dtype;
          be->ops->upload (be, (guint8 *) p->master + off * pt_dtype_size (m->acc), stage,
                           k * pt_dtype_size (m->acc));
        }
      /* the staging buffer is reused: wait for the copy */
      be->ops->synchronize (be);
    }
  return TRUE;

bad_dtype:
  g_set_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED, "%s: tensor “%s” is stored as %s, not a float type",
               file, p->name, pt_st_dtype_name (t->dtype));
  return FALSE;
}

gboolean
pt_model_load_base (PtModel     *m,
                    const char  *model_dir,
                    GError     **error)
{
  g_autoptr(PtCheckpoint) ck = NULL;

  g_return_val_if_fail (m != NULL && model_dir != NULL, FALSE);

  ck = pt_checkpoint_open (model_dir, error);
  if (ck == NULL)
    return FALSE;
  return pt_model_load_checkpoint (m, ck, error);
}

gboolean
pt_model_load_checkpoint (PtModel       *m,
                          PtCheckpoint  *ck,
                          GError       **error)
{
  g_autofree void *stage = NULL;
  const char *model_dir;

  g_return_val_if_fail (m != NULL && ck != NULL, FALSE);

  model_dir = pt_checkpoint_dir (ck);
  {
    g_autofree char *diff = config_difference (pt_checkpoint_config (ck), m->config);
    if (diff != NULL)
      {
        g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                     "The model in %s is not the one this run was built for: %s", model_dir, diff);
        return FALSE;
      }
  }
  stage = g_try_malloc (STAGE_ELEMENTS * 8);
  if (stage == NULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_NO_MEMORY, "Out of memory loading %s", model_dir);
      return FALSE;
    }
  for (guint i = 0; i < m->n_params; i++)
    {
      PtParam *p = m->params[i];
      const char *file = NULL;
      const PtStTensor *t;

      if (p->kind == PT_PARAM_LORA)
        continue;
      t = pt_checkpoint_lookup (ck, p->name, &file);
      if (t == NULL)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "%s has no tensor “%s”", model_dir, p->name);
          return FALSE;
        }
      if (!load_param (m, p, t, file != NULL ? file : model_dir, stage, error))
        return FALSE;
    }
  return m->be->ops->check (m->be, error);
}

/* My LoRA Linear for a PEFT (module, layer), or NULL. */
static PtLinear *
lora_linear (PtModel *m, PtLoraModule module, int layer)
{
  if (module >= PT_LORA_V_Q && module <= PT_LORA_V_FC2)
    return layer >= 0 && layer < m->config->v_layers ? &m->vl[layer].lin[module - PT_LORA_V_Q] : NULL;
  if (module >= PT_LORA_T_Q && module <= PT_LORA_T_DOWN)
    return layer >= 0 && layer < m->config->t_layers ? &m->tl[layer].lin[module - PT_LORA_T_Q] : NULL;
  if (module == PT_LORA_PROJECTOR)
    return &m->proj;
  return NULL;
}

gboolean
pt_model_load_adapter (PtModel     *m,
                       const char  *adapter_dir,
                       GError     **error)
{
  g_autoptr(PtPeftAdapter) ad = NULL;
  g_autofree void *stage = NULL;
  GPtrArray *targets;
  guint n_mine = 0;

  g_return_val_if_fail (m != NULL && adapter_dir != NULL, FALSE);

  if (m->lora_rank == 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "The adapter in %s needs a LoRA model; this one is a %s model", adapter_dir,
                   pt_train_mode_to_string (m->mode));
      return FALSE;
    }
  ad = pt_peft_adapter_open (adapter_dir, m->config, error);
  if (ad == NULL)
    return FALSE;
  targets = pt_peft_adapter_targets (ad);
  for (guint i = 0; i < m->n_params; i++)
    n_mine += g_str_has_suffix (m->params[i]->name, ".lora_A.weight");
  if (targets->len != n_mine)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "The adapter in %s wraps %u layers; the run's target modules give %u",
                   adapter_dir, targets->len, n_mine);
      return FALSE;
    }
  stage = g_malloc (STAGE_ELEMENTS * 8);
  for (guint i = 0; i < targets->len; i++)
    {
      const PtLoraTarget *t = targets->pdata[i];
      PtLinear *lin = lora_linear (m, t->module, t->layer);

      if (lin == NULL || lin->lora_a == NULL)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                       "The adapter in %s has LoRA on %s, which the run's target modules do not select",
                       adapter_dir, t->path);
          return FALSE;
        }
      if (t->r != m->lora_rank || ABS (t->scaling - lin->scaling) > 1e-9 * ABS (lin->scaling))
        {
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                       "The adapter in %s has rank %d and scaling %g on %s; the run has rank %d and scaling %g",
                       adapter_dir, t->r, t->scaling, t->path, m->lora_rank, lin->scaling);
          return FALSE;
        }
      for (int ab = 0; ab < 2; ab++)
        {
          const PtStTensor *st = pt_peft_adapter_lookup (ad, t->module, t->layer, ab);
          PtParam *p = ab ? lin->lora_b : lin->lora_a;
          if (st == NULL || !load_param (m, p, st, adapter_dir, stage, error))
            {
              if (st == NULL)
                g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "%s has no tensor for %s",
                             adapter_dir, p->name);
              return FALSE;
            }
        }
    }
  return m->be->ops->check (m->be, error);
}
