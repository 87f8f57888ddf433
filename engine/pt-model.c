/* pt-model.c — the model's structure, size table, buffers and tensors.
 *
 * Building a model is three steps:
 *  1. structure: the parameter table (names, shapes, kinds, what is trained)
 *     from (config, settings) — pure, no memory;
 *  2. size table: pt_model_carve walks parameters, activations and scratch
 *     with NULL bases, adding up bytes per buffer — pure function of
 *     (config, settings, B, T, dtypes), hence pt_model_estimate_memory;
 *  3. binding: the buffers are allocated and the same walk runs again with
 *     real bases, giving every pointer.
 */
#include "config.h"

#include <math.h>              /* sqrt */
#include <string.h>            /* memcpy, strlen */

#include "pt-model-private.h"
#include "pt-checkpoint.h"     /* pt_checkpoint_canonical_name */
#include "pt-error.h"          /* PT_ERROR */
#include "pt-rng.h"            /* PtRng, for the LoRA init */

#define ALIGN 256

void *
pt_carve (PtCarver *c,
          size_t    bytes)
{
  void *p = c->base != NULL ? c->base + c->size : NULL;
  c->size += (bytes + ALIGN - 1) & ~(size_t) (ALIGN - 1);
  return p;
}

double
pt_round_to_dtype (double   x,
                   PtDType  dtype)
{
  switch (dtype)
    {
    case PT_DTYPE_F32:
      return (float) x;
    case PT_DTYPE_BF16:
      {
        float f = (float) x;
        guint32 u;
        memcpy (&u, &f, 4);
        u = (u + 0x7fff + ((u >> 16) & 1)) & 0xffff0000u;
        memcpy (&f, &u, 4);
        return f;
      }
    case PT_DTYPE_F16:
      {
        /* round to 11 significant bits (normal range is all that matters here) */
        int e;
        double m = frexp (x, &e);
        return ldexp (nearbyint (m * 2048.0) / 2048.0, e);
      }
    case PT_DTYPE_F64:
    default:
      return x;
    }
}

/* ---- structure --------------------------------------------------------------- */

static PtParam *
add_param (PtModel    *m,
           GPtrArray  *list,
           char       *name,     /* taken */
           PtParamKind kind,
           gboolean    trainable,
           gboolean    decay,
           int         ndim,
           const int64_t *shape)
{
  PtParam *p = g_new0 (PtParam, 1);

  p->name = name;
  p->kind = kind;
  p->trainable = trainable;
  p->decay = decay;
  p->ndim = ndim;
  p->numel = 1;
  for (int i = 0; i < ndim; i++)
    {
      p->shape[i] = shape[i];
      p->numel *= (size_t) shape[i];
    }
  g_ptr_array_add (list, p);
  return p;
}

static PtParam *
add_vector (PtModel *m, GPtrArray *list, char *name, gboolean trainable, gboolean decay, int64_t n)
{
  return add_param (m, list, name, PT_PARAM_VECTOR, trainable, decay, 1, &n);
}

/* One Linear: weight (out, in), optional bias, optional LoRA. */
static void
make_linear (PtModel    *m,
             GPtrArray  *list,
             PtLinear   *lin,
             const char *module,     /* canonical module name, "…self_attn.q_proj" */
             int         in,
             int         out,
             gboolean    bias,
             gboolean    lora,
             gboolean    full,       /* trained in full mode */
             int        *next_id)
{
  int64_t wshape[2] = { out, in };

  lin->in = in;
  lin->out = out;
  lin->w = add_param (m, list, g_strconcat (module, ".weight", NULL), PT_PARAM_MATRIX, full, TRUE,
                      2, wshape);
  lin->w->nf4 = m->mode == PT_MODE_QLORA;
  lin->b = bias ? add_vector (m, list, g_strconcat (module, ".bias", NULL), full, FALSE, out) : NULL;
  lin->id = (*next_id)++;
  if (lora)
    {
      int64_t ashape[2] = { m->lora_rank, in };
      int64_t bshape[2] = { out, m->lora_rank };
      lin->lora_a = add_param (m, list, pt_lora_peft_key (module, "lora_A"), PT_PARAM_LORA, TRUE, TRUE,
                               2, ashape);
      lin->lora_b = add_param (m, list, pt_lora_peft_key (module, "lora_B"), PT_PARAM_LORA, TRUE, TRUE,
                               2, bshape);
      lin->scaling = m->lora_scaling;
    }
  m->max_lin_in = MAX (m->max_lin_in, in);
  if (lin->w->nf4)
    m->max_lin_numel = MAX (m->max_lin_numel, lin->w->numel);
}

static gboolean
build_structure (PtModel               *m,
                 const PtTrainSettings *s,
                 GError               **error)
{
  const PtModelConfig *c = m->config;
  g_autoptr(GPtrArray) list = g_ptr_array_new ();
  g_autoptr(GPtrArray) specs = NULL;
  gboolean full = FALSE;
  int id = 0;

  m->has_settings = s != NULL;
  if (s != NULL)
    {
      m->mode = s->mode;
      m->seed = s->seed;
      if (s->mode == PT_MODE_FULL)
        {
          full = TRUE;
          m->train_vision = s->train_vision;
          m->train_projector = s->train_projector;
          m->train_decoder = s->train_decoder;
        }
      else
        {
          if (!pt_lora_match_targets ((const char *const *) s->lora_targets, m->lora_vision,
                                      m->lora_text, error))
            return FALSE;
          m->lora_rank = s->lora_rank;
          m->lora_alpha = s->lora_alpha;
          m->lora_dropout = s->lora_dropout;
          m->use_rslora = s->use_rslora;
          m->lora_scaling = s->use_rslora ? s->lora_alpha / sqrt ((double) s->lora_rank)
                                          : s->lora_alpha / s->lora_rank;
        }
    }
  else
    m->mode = PT_MODE_LORA;   /* no LoRA module selected: the plain model */

  /* the parameters, from the configuration's tensor list */
  specs = pt_model_config_tensor_specs (c);
  m->vl = g_new0 (PtVisionLayer, c->v_layers);
  m->tl = g_new0 (PtTextLayer, c->t_layers);
  for (guint i = 0; i < specs->len; i++)
    {
      const PtTensorSpec *sp = specs->pdata[i];
      const PtTensorSpec *bias = i + 1 < specs->len && ((PtTensorSpec *) specs->pdata[i + 1])->bias
                                 ? specs->pdata[i + 1] : NULL;
      gboolean tv = full && m->train_vision, td_ = full && m->train_decoder;
      g_autofree char *module = NULL;

      if (sp->bias)
        continue;   /* taken with its weight */
      if (g_str_has_suffix (sp->name, ".weight"))
        module = g_strndup (sp->name, strlen (sp->name) - strlen (".weight"));
      switch (sp->role)
        {
        case PT_ROLE_PATCH:
          make_linear (m, list, &m->patch, module, (int) (sp->shape[1] * sp->shape[2] * sp->shape[3]),
                       (int) sp->shape[0], TRUE, FALSE, tv, &id);
          /* a Conv2d, never quantised; its weight keeps the 4-D checkpoint shape */
          m->patch.w->nf4 = FALSE;
          m->patch.w->ndim = 4;
          memcpy (m->patch.w->shape, sp->shape, sizeof sp->shape);
          break;
        case PT_ROLE_POS_EMB:
          m->pos_emb = add_param (m, list, g_strdup (sp->name), PT_PARAM_VECTOR, tv, TRUE, 2, sp->shape);
          break;
        case PT_ROLE_V_NORM:
          {
            PtVisionLayer *L = &m->vl[sp->layer];
            PtParam **w = sp->index == PT_VN_LN1 ? &L->ln1_w : &L->ln2_w;
            PtParam **b = sp->index == PT_VN_LN1 ? &L->ln1_b : &L->ln2_b;
            *w = add_vector (m, list, g_strdup (sp->name), tv, FALSE, sp->shape[0]);
            *b = add_vector (m, list, g_strdup (bias->name), tv, FALSE, bias->shape[0]);
          }
          break;
        case PT_ROLE_V_LINEAR:
          make_linear (m, list, &m->vl[sp->layer].lin[sp->index], module, (int) sp->shape[1],
                       (int) sp->shape[0], TRUE, m->lora_vision[sp->index], tv, &id);
          break;
        case PT_ROLE_POST_NORM:
          m->post_ln_w = add_vector (m, list, g_strdup (sp->name), tv, FALSE, sp->shape[0]);
          m->post_ln_b = add_vector (m, list, g_strdup (bias->name), tv, FALSE, bias->shape[0]);
          break;
        case PT_ROLE_PROJECTOR:
          make_linear (m, list, &m->proj, module, (int) sp->shape[1], (int) sp->shape[0], TRUE, FALSE,
                       full && m->train_projector, &id);
          break;
        case PT_ROLE_EMBED:
          m->embed = add_param (m, list, g_strdup (sp->name), PT_PARAM_MATRIX, td_, TRUE, 2, sp->shape);
          break;
        case PT_ROLE_T_NORM:
          m->tl[sp->layer].norm[sp->index] = add_vector (m, list, g_strdup (sp->name), td_, FALSE,
                                                         sp->shape[0]);
          break;
        case PT_ROLE_T_LINEAR:
          make_linear (m, list, &m->tl[sp->layer].lin[sp->index], module, (int) sp->shape[1],
                       (int) sp->shape[0], FALSE, m->lora_text[sp->index], td_, &id);
          break;
        case PT_ROLE_FINAL_NORM:
          m->final_norm = add_vector (m, list, g_strdup (sp->name), td_, FALSE, sp->shape[0]);
          break;
        case PT_ROLE_LM_HEAD:
        default:
          g_set_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED,
                       "The model's head is not tied to its embeddings (tie_word_embeddings false); "
                       "PaliTune supports the tied head of every PaliGemma release");
          return FALSE;
        }
    }

  m->n_params = list->len;
  m->params = g_new0 (PtParam *, list->len);
  memcpy (m->params, list->pdata, list->len * sizeof (gpointer));

  /* what the passes must keep */
  m->vision_trained = FALSE;
  for (guint i = 0; i < m->n_params; i++)
    {
      PtParam *p = m->params[i];
      if (p->trainable && g_str_has_prefix (p->name, "vision_tower."))
        m->vision_trained = TRUE;
      if (p->trainable && g_str_has_prefix (p->name, "base_model.model.model.vision_tower."))
        m->vision_trained = TRUE;
    }
  m->image_grad = m->vision_trained || m->proj.w->trainable;
  return TRUE;
}

#define PARAM(m, i) ((m)->params[i])

/* ---- size table ---------------------------------------------------------------- */

static size_t
dsz (PtDType t)
{
  return pt_dtype_size (t);
}

size_t
pt_model_param_bytes (PtModel       *m,
                      const PtParam *p)
{
  if (p->kind == PT_PARAM_MATRIX)
    return p->numel * dsz (m->wdt);
  return p->numel * dsz (m->acc);
}

static void
carve_params (PtModel  *m,
              PtCarver *cv)
{
  m->tally_master = 0;
  for (guint i = 0; i < m->n_params; i++)
    {
      PtParam *p = PARAM (m, i);

      if (p->kind == PT_PARAM_MATRIX && p->nf4)
        {
          p->data = NULL;
          p->q = pt_carve (&cv[PT_BUF_WEIGHTS], (p->numel + 1) / 2);
          p->absmax = pt_carve (&cv[PT_BUF_WEIGHTS], (p->numel + 63) / 64 * sizeof (float));
        }
      else if (p->kind == PT_PARAM_MATRIX)
        {
          p->data = pt_carve (&cv[PT_BUF_WEIGHTS], p->numel * dsz (m->wdt));
          if (p->trainable)
            {
              if (m->wdt == m->acc)
                p->master = p->data;
              else
                {
                  size_t before = cv[PT_BUF_VECTORS].size;
                  p->master = pt_carve (&cv[PT_BUF_VECTORS], p->numel * dsz (m->acc));
                  m->tally_master += cv[PT_BUF_VECTORS].size - before;
                }
            }
        }
      else
        {
          size_t before = cv[PT_BUF_VECTORS].size;
          p->data = pt_carve (&cv[PT_BUF_VECTORS], p->numel * dsz (m->acc));
          if (p->trainable)
            {
              p->master = p->data;
              m->tally_master += cv[PT_BUF_VECTORS].size - before;
            }
        }
      if (p->trainable && m->training)
        p->grad = pt_carve (&cv[PT_BUF_GRADS], p->numel * dsz (m->acc));
    }
}

/* Per-layer activation sets: stored (one per layer, chained residuals) or shared. */
static void
carve_vision_set (PtModel *m, PtVisionActs *a, PtCarver *c, int B)
{
  const PtModelConfig *cf = m->config;
  size_t Nv = (size_t) B * cf->num_image_tokens;
  size_t A = dsz (m->act), S = dsz (m->acc);

  a->ln1 = pt_carve (c, Nv * cf->v_hidden * A);
  a->mean1 = pt_carve (c, Nv * S);
  a->rstd1 = pt_carve (c, Nv * S);
  a->q = pt_carve (c, Nv * cf->v_hidden * A);
  a->k = pt_carve (c, Nv * cf->v_hidden * A);
  a->v = pt_carve (c, Nv * cf->v_hidden * A);
  a->att = pt_carve (c, Nv * cf->v_hidden * A);
  a->lse = pt_carve (c, Nv * cf->v_heads * S);
  a->xmid = pt_carve (c, Nv * cf->v_hidden * A);
  a->ln2 = pt_carve (c, Nv * cf->v_hidden * A);
  a->mean2 = pt_carve (c, Nv * S);
  a->rstd2 = pt_carve (c, Nv * S);
  a->h = pt_carve (c, Nv * cf->v_intermediate * A);
}

void
pt_siglip_set_acts (PtModel  *m,
                    PtCarver *acts,
                    PtCarver *scratch,
                    int       B,
                    gboolean  store)
{
  const PtModelConfig *cf = m->config;
  size_t Nv = (size_t) B * cf->num_image_tokens;
  size_t A = dsz (m->act), S = dsz (m->acc);
  int pp = cf->num_channels * cf->patch_size * cf->patch_size;
  PtCarver *c = store ? acts : scratch;
  PtCarver *keep_out = store || (m->training && m->proj.w->trainable) ? acts : scratch;

  m->patches = pt_carve (store && m->patch.w->trainable ? acts : scratch, Nv * pp * A);
  if (store)
    {
      for (int l = 0; l < cf->v_layers; l++)
        {
          m->va[l].x = pt_carve (c, Nv * cf->v_hidden * A);
          carve_vision_set (m, &m->va[l], c, B);
        }
      m->v_final = pt_carve (c, Nv * cf->v_hidden * A);
      for (int l = 0; l < cf->v_layers; l++)
        m->va[l].xout = l + 1 < cf->v_layers ? m->va[l + 1].x : m->v_final;
    }
  else
    {
      void *pp0 = pt_carve (c, Nv * cf->v_hidden * A);
      void *pp1 = pt_carve (c, Nv * cf->v_hidden * A);
      PtVisionActs shared = { 0 };
      carve_vision_set (m, &shared, c, B);
      for (int l = 0; l < cf->v_layers; l++)
        {
          m->va[l] = shared;
          m->va[l].x = l % 2 == 0 ? pp0 : pp1;
          m->va[l].xout = l % 2 == 0 ? pp1 : pp0;
        }
      m->v_final = cf->v_layers % 2 == 0 ? pp0 : pp1;
    }
  m->v_out = pt_carve (keep_out, Nv * cf->v_hidden * A);
  m->v_meanf = pt_carve (keep_out, Nv * S);
  m->v_rstdf = pt_carve (keep_out, Nv * S);
}

static void
carve_text_set (PtModel *m, PtTextActs *a, PtCarver *c, size_t N, int B)
{
  const PtModelConfig *cf = m->config;
  size_t A = dsz (m->act), S = dsz (m->acc);
  size_t qd = (size_t) cf->t_heads * cf->t_head_dim, kvd = (size_t) cf->t_kv_heads * cf->t_head_dim;

  a->rn1 = pt_carve (c, N * cf->t_hidden * A);
  a->rstd1 = pt_carve (c, N * S);
  a->q = pt_carve (c, N * qd * A);
  a->k = pt_carve (c, N * kvd * A);
  a->v = pt_carve (c, N * kvd * A);
  a->att = pt_carve (c, N * qd * A);
  a->lse = pt_carve (c, N * cf->t_heads * S);
  a->xmid = pt_carve (c, N * cf->t_hidden * A);
  a->rn2 = pt_carve (c, N * cf->t_hidden * A);
  a->rstd2 = pt_carve (c, N * S);
  a->gate = pt_carve (c, N * cf->t_intermediate * A);
  a->up = pt_carve (c, N * cf->t_intermediate * A);
  if (cf->family == PT_FAMILY_PALIGEMMA2)
    {
      /* the inputs of the post-attention and post-feedforward norms */
      a->attn_out = pt_carve (c, N * cf->t_hidden * A);
      a->rstd_pa = pt_carve (c, N * S);
      a->mlp_out = pt_carve (c, N * cf->t_hidden * A);
      a->rstd_pf = pt_carve (c, N * S);
    }
}

static void
carve_acts (PtModel  *m,
            PtCarver *cv)
{
  const PtModelConfig *cf = m->config;
  int B = m->max_batch, T = m->max_seq;
  size_t N = (size_t) B * T, Nv = (size_t) B * cf->num_image_tokens;
  size_t A = dsz (m->act), S = dsz (m->acc);
  size_t qd = (size_t) cf->t_heads * cf->t_head_dim, kvd = (size_t) cf->t_kv_heads * cf->t_head_dim;
  PtCarver *acts = &cv[PT_BUF_ACTS], *scr = &cv[PT_BUF_SCRATCH];
  gboolean store_text = m->training;
  size_t union_start, union_end;

  m->store_vision = m->training && m->vision_trained;

  /* always-live scratch */
  m->pixels = pt_carve (scr, (size_t) B * cf->num_channels * cf->image_size * cf->image_size * A);
  m->img = pt_carve (scr, Nv * cf->t_hidden * A);
  m->v_g = pt_carve (scr, Nv * cf->v_intermediate * A);
  m->v_tmp = pt_carve (scr, Nv * cf->v_hidden * A);
  m->t_a = pt_carve (scr, N * cf->t_intermediate * A);
  m->t_tmp = pt_carve (scr, N * cf->t_hidden * A);
  if (m->training && m->image_grad)
    m->d_img = pt_carve (scr, Nv * cf->t_hidden * A);
  else
    m->d_img = NULL;
  if (m->lora_rank > 0)
    {
      m->lora_u = pt_carve (scr, N * m->lora_rank * S);
      m->lora_du = pt_carve (scr, N * m->lora_rank * S);
      m->lora_x = m->lora_dropout > 0 ? pt_carve (scr, N * m->max_lin_in * A) : NULL;
    }
  m->deq = m->max_lin_numel > 0 ? pt_carve (scr, m->max_lin_numel * dsz (m->wdt)) : NULL;
  m->logits_rows = (int) CLAMP ((size_t) (1 << 26) / (size_t) cf->vocab_size, 16, N);
  m->logits_rows = (int) MIN ((size_t) m->logits_rows, N);
  m->hsel = pt_carve (scr, (size_t) m->logits_rows * cf->t_hidden * A);
  m->logits = pt_carve (scr, (size_t) m->logits_rows * cf->vocab_size * A);
  m->losses = pt_carve (scr, (size_t) m->logits_rows * S);
  m->dh = m->training ? pt_carve (scr, (size_t) m->logits_rows * cf->t_hidden * A) : NULL;
  m->d_ids = pt_carve (scr, N * sizeof (int32_t));
  m->d_img_pos = pt_carve (scr, Nv * sizeof (int32_t));
  m->d_rows = pt_carve (scr, N * sizeof (int32_t));
  m->d_targets = pt_carve (scr, N * sizeof (int32_t));
  m->d_emb_ids = m->training ? pt_carve (scr, N * sizeof (int32_t)) : NULL;
  m->d_emb_pos = NULL;

  /* text activations: stored when training */
  if (store_text)
    {
      for (int l = 0; l < cf->t_layers; l++)
        {
          m->ta[l].x = pt_carve (acts, N * cf->t_hidden * A);
          carve_text_set (m, &m->ta[l], acts, N, B);
        }
      m->t_final = pt_carve (acts, N * cf->t_hidden * A);
      for (int l = 0; l < cf->t_layers; l++)
        m->ta[l].xout = l + 1 < cf->t_layers ? m->ta[l + 1].x : m->t_final;
      m->fnorm = pt_carve (acts, N * cf->t_hidden * A);
      m->rstdf = pt_carve (acts, N * S);
    }
  else
    {
      void *pp0 = pt_carve (scr, N * cf->t_hidden * A);
      void *pp1 = pt_carve (scr, N * cf->t_hidden * A);
      PtTextActs shared = { 0 };
      carve_text_set (m, &shared, scr, N, B);
      for (int l = 0; l < cf->t_layers; l++)
        {
          m->ta[l] = shared;
          m->ta[l].x = l % 2 == 0 ? pp0 : pp1;
          m->ta[l].xout = l % 2 == 0 ? pp1 : pp0;
        }
      m->t_final = cf->t_layers % 2 == 0 ? pp0 : pp1;
      m->fnorm = pt_carve (scr, N * cf->t_hidden * A);
      m->rstdf = pt_carve (scr, N * S);
    }

  /* the union: vision forward scratch (when not stored), text backward, vision backward */
  if (m->store_vision)
    pt_siglip_set_acts (m, acts, scr, B, TRUE);
  union_start = scr->size;
  union_end = union_start;
  if (!m->store_vision)
    {
      pt_siglip_set_acts (m, acts, scr, B, FALSE);
      union_end = MAX (union_end, scr->size);
      scr->size = union_start;
    }
  if (m->training)
    {
      m->d_res = pt_carve (scr, N * cf->t_hidden * A);
      m->d_norm = pt_carve (scr, N * cf->t_hidden * A);
      m->d_q = pt_carve (scr, N * qd * A);
      m->d_k = pt_carve (scr, N * kvd * A);
      m->d_v = pt_carve (scr, N * kvd * A);
      m->d_att = pt_carve (scr, N * qd * A);
      m->d_gate = pt_carve (scr, N * cf->t_intermediate * A);
      m->d_up = pt_carve (scr, N * cf->t_intermediate * A);
      m->d_a = pt_carve (scr, N * cf->t_intermediate * A);
      union_end = MAX (union_end, scr->size);
      scr->size = union_start;
      if (m->vision_trained)
        {
          m->dv_res = pt_carve (scr, Nv * cf->v_hidden * A);
          m->dv_norm = pt_carve (scr, Nv * cf->v_hidden * A);
          m->dv_q = pt_carve (scr, Nv * cf->v_hidden * A);
          m->dv_k = pt_carve (scr, Nv * cf->v_hidden * A);
          m->dv_v = pt_carve (scr, Nv * cf->v_hidden * A);
          m->dv_att = pt_carve (scr, Nv * cf->v_hidden * A);
          m->dv_h = pt_carve (scr, Nv * cf->v_intermediate * A);
          union_end = MAX (union_end, scr->size);
        }
    }
  scr->size = union_end;
}

/* Walks everything with the carvers' bases (NULL: sizing). */
static void
pt_model_carve (PtModel  *m,
                PtCarver *cv)
{
  carve_params (m, cv);
  carve_acts (m, cv);
}

/* ---- creation ------------------------------------------------------------------ */

static gboolean
check_dims (const PtModelConfig *c,
            int                  max_batch,
            int                  max_seq,
            GError             **error)
{
  if (!pt_model_config_validate (c, error))
    return FALSE;
  if (c->num_image_tokens != (c->image_size / c->patch_size) * (c->image_size / c->patch_size))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "The model has %d image tokens, but %d px images in %d px patches give %d",
                   c->num_image_tokens, c->image_size, c->patch_size,
                   (c->image_size / c->patch_size) * (c->image_size / c->patch_size));
      return FALSE;
    }
  if (c->projection_dim != c->t_hidden)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED,
                   "The projector gives %d features but the decoder is %d wide",
                   c->projection_dim, c->t_hidden);
      return FALSE;
    }
  if (max_batch < 1 || max_batch > PT_MAX_BATCH)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "The batch size must be between 1 and %d (got %d)", PT_MAX_BATCH, max_batch);
      return FALSE;
    }
  if (max_seq < c->num_image_tokens + 2 || max_seq > (1 << 20))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "The sequence length must hold the %d image tokens and some text (got %d)",
                   c->num_image_tokens, max_seq);
      return FALSE;
    }
  return TRUE;
}

static PtModel *
model_skeleton (const PtModelConfig   *config,
                const PtTrainSettings *settings,
                int                    max_batch,
                int                    max_seq,
                PtDType                act,
                PtDType                acc,
                gboolean               training,
                GError               **error)
{
  g_autoptr(PtModel) m = g_new0 (PtModel, 1);

  if (!check_dims (config, max_batch, max_seq, error))
    return NULL;
  if (settings != NULL && settings->mode != PT_MODE_FULL && settings->lora_rank < 1)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "The LoRA rank must be at least 1");
      return NULL;
    }
  m->config = pt_model_config_copy (config);
  m->act = act;
  m->acc = acc;
  m->wdt = act;
  m->training = training;
  m->max_batch = max_batch;
  m->max_seq = max_seq;
  if (!build_structure (m, settings, error))
    return NULL;
  if (!training)
    {
      /* nothing is trained in an inference model: LoRA tensors are still there */
      m->image_grad = FALSE;
    }
  m->va = g_new0 (PtVisionActs, config->v_layers);
  m->ta = g_new0 (PtTextActs, config->t_layers);
  return g_steal_pointer (&m);
}

static void
tally (PtModel          *m,
       const PtCarver   *cv,
       PtMemoryEstimate *out)
{
  guint64 trainable_vec = 0;

  memset (out, 0, sizeof *out);
  for (guint i = 0; i < m->n_params; i++)
    {
      PtParam *p = PARAM (m, i);
      if (!(p->kind == PT_PARAM_LORA))
        out->n_params += p->numel;
      if (p->trainable)
        out->n_trainable += p->numel;
    }
  trainable_vec = m->tally_master;
  out->weights = cv[PT_BUF_WEIGHTS].size + cv[PT_BUF_VECTORS].size - trainable_vec;
  out->trainable = trainable_vec + cv[PT_BUF_GRADS].size;
  /* what pt_optimizer_new carves: m and v per tensor, then the norm scalar */
  out->optimizer = 0;
  if (m->training && out->n_trainable > 0)
    {
      PtCarver opt = { 0 };
      for (guint i = 0; i < m->n_params; i++)
        if (PARAM (m, i)->trainable)
          {
            pt_carve (&opt, PARAM (m, i)->numel * dsz (m->acc));
            pt_carve (&opt, PARAM (m, i)->numel * dsz (m->acc));
          }
      pt_carve (&opt, 8);
      out->optimizer = opt.size;
    }
  out->activations = cv[PT_BUF_ACTS].size;
  out->scratch = cv[PT_BUF_SCRATCH].size;
  out->peak = out->weights + out->trainable + out->optimizer + out->activations + out->scratch;
}

gboolean
pt_model_estimate_memory (const PtModelConfig   *config,
                          const PtTrainSettings *settings,
                          int                    max_batch,
                          int                    max_seq,
                          PtDType                act_dtype,
                          PtDType                acc_dtype,
                          gboolean               training,
                          PtMemoryEstimate      *out,
                          GError               **error)
{
  g_autoptr(PtModel) m = NULL;
  PtCarver cv[PT_N_BUFS] = { { 0 } };

  g_return_val_if_fail (config != NULL && out != NULL, FALSE);

  m = model_skeleton (config, settings, max_batch, max_seq, act_dtype, acc_dtype, training, error);
  if (m == NULL)
    return FALSE;
  pt_model_carve (m, cv);
  tally (m, cv, out);
  return TRUE;
}

guint64
pt_model_count_trainable (const PtModelConfig   *config,
                          const PtTrainSettings *settings)
{
  g_autoptr(PtModel) m = NULL;
  guint64 n = 0;

  g_return_val_if_fail (config != NULL, 0);

  m = model_skeleton (config, settings, 1, config->num_image_tokens + 2, PT_DTYPE_F32,
                      PT_DTYPE_F32, TRUE, NULL);
  if (m == NULL)
    return 0;
  for (guint i = 0; i < m->n_params; i++)
    if (PARAM (m, i)->trainable)
      n += PARAM (m, i)->numel;
  return n;
}

static void
build_trainables (PtModel *m)
{
  guint n = 0;

  for (guint i = 0; i < m->n_params; i++)
    n += PARAM (m, i)->trainable;
  m->trainables = g_new0 (PtTrainable, MAX (n, 1));
  m->n_trainables = 0;
  m->n_trainable_params = 0;
  for (guint i = 0; i < m->n_params; i++)
    {
      PtParam *p = PARAM (m, i);
      PtTrainable *t;

      if (!p->trainable)
        continue;
      t = &m->trainables[m->n_trainables++];
      t->name = p->name;
      t->ndim = p->ndim;
      memcpy (t->shape, p->shape, sizeof t->shape);
      t->numel = p->numel;
      t->decay = p->decay;
      t->param = p->master;
      t->grad = p->grad;
      t->copy = p->master != p->data ? p->data : NULL;
      t->copy_dtype = p->kind == PT_PARAM_MATRIX ? m->wdt : m->acc;
      m->n_trainable_params += p->numel;
    }
}

PtModel *
pt_model_new (PtBackend             *be,
              const PtModelConfig   *config,
              const PtTrainSettings *settings,
              int                    max_batch,
              int                    max_seq,
              gboolean               training,
              GError               **error)
{
  g_autoptr(PtModel) m = NULL;
  PtCarver cv[PT_N_BUFS] = { { 0 } };

  g_return_val_if_fail (be != NULL && config != NULL, NULL);

  m = model_skeleton (config, settings, max_batch, max_seq, be->act_dtype, be->acc_dtype, training,
                      error);
  if (m == NULL)
    return NULL;
  if (m->mode == PT_MODE_QLORA && be->ops->nf4_dequantize == NULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED,
                   "QLoRA needs NF4 dequantisation, which the %s backend lacks", be->ops->name);
      return NULL;
    }
  m->be = be;

  /* size, allocate, bind */
  pt_model_carve (m, cv);
  for (int i = 0; i < PT_N_BUFS; i++)
    {
      m->buf_size[i] = cv[i].size;
      if (cv[i].size == 0)
        continue;
      m->buf[i] = be->ops->alloc (be, cv[i].size, error);
      if (m->buf[i] == NULL)
        {
          g_prefix_error (error, "Allocating the model (%.1f MiB): ", cv[i].size / 1048576.0);
          return NULL;
        }
      be->ops->zero (be, m->buf[i], cv[i].size);
      cv[i].base = m->buf[i];
      cv[i].size = 0;
    }
  pt_model_carve (m, cv);

  m->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < m->n_params; i++)
    g_hash_table_insert (m->by_name, PARAM (m, i)->name, PARAM (m, i));
  build_trainables (m);
  if (m->lora_rank > 0)
    pt_model_init_lora (m, m->seed);
  return g_steal_pointer (&m);
}

void
pt_model_free (PtModel *m)
{
  if (m == NULL)
    return;
  for (int i = 0; i < PT_N_BUFS; i++)
    if (m->buf[i] != NULL)
      m->be->ops->free (m->be, m->buf[i]);
  for (guint i = 0; m->params != NULL && i < m->n_params; i++)
    {
      g_free (PARAM (m, i)->name);
      g_free (PARAM (m, i));
    }
  g_free (m->params);
  if (m->by_name != NULL)
    g_hash_table_unref (m->by_name);
  g_free (m->trainables);
  g_free (m->vl);
  g_free (m->tl);
  g_free (m->va);
  g_free (m->ta);
  pt_model_config_free (m->config);
  g_free (m);
}

const PtModelConfig *pt_model_get_config  (PtModel *m) { return m->config; }
PtBackend           *pt_model_get_backend (PtModel *m) { return m->be; }
PtTrainMode          pt_model_get_mode    (PtModel *m) { return m->mode; }
int                  pt_model_max_batch   (PtModel *m) { return m->max_batch; }
int                  pt_model_max_seq     (PtModel *m) { return m->max_seq; }
guint                pt_model_n_trainables (PtModel *m) { return m->n_trainables; }
guint64              pt_model_n_trainable_params (PtModel *m) { return m->n_trainable_params; }
guint64              pt_model_get_rng_step (PtModel *m) { return m->rng_step; }
void                 pt_model_set_rng_step (PtModel *m, guint64 step) { m->rng_step = step; }

const PtTrainable *
pt_model_get_trainable (PtModel *m,
                        guint    i)
{
  g_return_val_if_fail (i < m->n_trainables, NULL);
  return &m->trainables[i];
}

void
pt_model_memory (PtModel          *m,
                 PtMemoryEstimate *out)
{
  PtCarver cv[PT_N_BUFS] = { { 0 } };

  for (int i = 0; i < PT_N_BUFS; i++)
    cv[i].size = m->buf_size[i];
  tally (m, cv, out);
}

void
pt_model_zero_grads (PtModel *m)
{
  if (m->buf[PT_BUF_GRADS] != NULL)
    m->be->ops->zero (m->be, m->buf[PT_BUF_GRADS], m->buf_size[PT_BUF_GRADS]);
}

/* ---- tensors by name ------------------------------------------------------------- */

guint
pt_model_n_tensors (PtModel *m)
{
  return m->n_params;
}

const char *
pt_model_tensor_name (PtModel *m,
                      guint    i,
                      int     *ndim,
                      int64_t  shape[4])
{
  PtParam *p;

  g_return_val_if_fail (i < m->n_params, NULL);
  p = PARAM (m, i);
  if (ndim != NULL)
    *ndim = p->ndim;
  if (shape != NULL)
    memcpy (shape, p->shape, sizeof p->shape);
  return p->name;
}

PtParam *
pt_model_find_param (PtModel    *m,
                     const char *name,
                     GError    **error)
{
  PtParam *p = g_hash_table_lookup (m->by_name, name);
  g_autofree char *canon = NULL;

  if (p == NULL && (canon = pt_lora_canonical_key (name)) != NULL)
    p = g_hash_table_lookup (m->by_name, canon);
  if (p == NULL)
    {
      /* a base weight under another layout's name (transformers 5's flat SigLIP, …) */
      g_free (canon);
      canon = pt_checkpoint_canonical_name (name);
      p = g_hash_table_lookup (m->by_name, canon);
    }
  if (p == NULL)
    g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "The model has no tensor “%s”", name);
  return p;
}

/* Host float32 → backend tensor of dtype, through a bounded staging buffer. */
static gboolean
upload_f32 (PtModel     *m,
            void        *dst,
            PtDType      dtype,
            const float *src,
            size_t       n,
            GError     **error)
{
  PtBackend *be = m->be;
  size_t chunk = MIN (n, (size_t) 1 << 22);
  void *stage;

  if (dtype == PT_DTYPE_F32)
    {
      be->ops->upload (be, dst, src, n * sizeof (float));
      return TRUE;
    }
  stage = be->ops->alloc (be, chunk * sizeof (float), error);
  if (stage == NULL)
    return FALSE;
  for (size_t off = 0; off < n; off += chunk)
    {
      size_t k = MIN (chunk, n - off);
      be->ops->upload (be, stage, src + off, k * sizeof (float));
      be->ops->convert (be, (guint8 *) dst + off * dsz (dtype), dtype, stage, PT_DTYPE_F32, k);
    }
  be->ops->synchronize (be);
  be->ops->free (be, stage);
  return TRUE;
}

static gboolean
download_f32 (PtModel    *m,
              float      *dst,
              const void *src,
              PtDType     dtype,
              size_t      n,
              GError    **error)
{
  PtBackend *be = m->be;
  size_t chunk = MIN (n, (size_t) 1 << 22);
  void *stage;

  if (dtype == PT_DTYPE_F32)
    {
      be->ops->download (be, dst, src, n * sizeof (float));
      return TRUE;
    }
  stage = be->ops->alloc (be, chunk * sizeof (float), error);
  if (stage == NULL)
    return FALSE;
  for (size_t off = 0; off < n; off += chunk)
    {
      size_t k = MIN (chunk, n - off);
      be->ops->convert (be, stage, PT_DTYPE_F32, (const guint8 *) src + off * dsz (dtype), dtype, k);
      be->ops->download (be, dst + off, stage, k * sizeof (float));
    }
  be->ops->free (be, stage);
  return TRUE;
}

gboolean
pt_model_upload_f32 (PtModel *m, void *dst, PtDType dtype, const float *src, size_t n, GError **error)
{
  return upload_f32 (m, dst, dtype, src, n, error);
}

gboolean
pt_model_download_f32 (PtModel *m, float *dst, const void *src, PtDType dtype, size_t n, GError **error)
{
  return download_f32 (m, dst, src, dtype, n, error);
}

char *
pt_shape_string (int            n,
                 const int64_t *shape)
{
  GString *s = g_string_new ("(");

  for (int i = 0; i < n; i++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, i ? ", " : "", shape[i]);
  g_string_append_c (s, ')');
  return g_string_free (s, FALSE);
}

static gboolean
check_shape (const PtParam *p,
             int            ndim,
             const int64_t *shape,
             GError       **error)
{
  gboolean ok = ndim == p->ndim;

  for (int i = 0; ok && i < ndim; i++)
    ok = shape[i] == p->shape[i];
  if (!ok)
    {
      g_autofree char *want = pt_shape_string (p->ndim, p->shape);
      g_autofree char *got = pt_shape_string (ndim, shape);
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "Tensor “%s” has shape %s, the model expects %s", p->name, got, want);
    }
  return ok;
}

gboolean
pt_model_set_tensor (PtModel       *m,
                     const char    *name,
                     const float   *data,
                     int            ndim,
                     const int64_t *shape,
                     GError       **error)
{
  PtParam *p;

  g_return_val_if_fail (m != NULL && name != NULL && data != NULL, FALSE);

  p = pt_model_find_param (m, name, error);
  if (p == NULL)
    return FALSE;
  if (!check_shape (p, ndim, shape, error))
    return FALSE;
  for (size_t i = 0; i < p->numel; i++)
    if (!isfinite (data[i]))
      {
        g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                     "Tensor “%s” holds a non-finite value at element %zu", p->name, i);
        return FALSE;
      }
  if (p->nf4)
    return pt_model_quantize_param (m, p, data, error);
  if (!upload_f32 (m, p->data, p->kind == PT_PARAM_MATRIX ? m->wdt : m->acc, data, p->numel, error))
    return FALSE;
  if (p->master != NULL && p->master != p->data)
    return upload_f32 (m, p->master, m->acc, data, p->numel, error);
  return TRUE;
}

gboolean
pt_model_get_tensor (PtModel    *m,
                     const char *name,
                     float      *data,
                     size_t      numel,
                     GError    **error)
{
  PtParam *p;

  g_return_val_if_fail (m != NULL && name != NULL && data != NULL, FALSE);

  p = pt_model_find_param (m, name, error);
  if (p == NULL)
    return FALSE;
  if (numel != p->numel)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "Tensor “%s” has %zu elements, not %zu", p->name, p->numel, numel);
      return FALSE;
    }
  if (p->nf4)
    {
      PtBackend *be = m->be;
      void *tmp = be->ops->alloc (be, p->numel * sizeof (float), error);
      if (tmp == NULL)
        return FALSE;
      be->ops->nf4_dequantize (be, tmp, PT_DTYPE_F32, p->q, p->absmax, p->numel);
      be->ops->download (be, data, tmp, p->numel * sizeof (float));
      be->ops->free (be, tmp);
      return TRUE;
    }
  if (p->master != NULL)
    return download_f32 (m, data, p->master, m->acc, p->numel, error);
  return download_f32 (m, data, p->data, p->kind == PT_PARAM_MATRIX ? m->wdt : m->acc, p->numel, error);
}

void
pt_model_sync_trainable (PtModel *m,
                         guint    i)
{
  const PtTrainable *t;

  g_return_if_fail (i < m->n_trainables);
  t = &m->trainables[i];
  if (t->copy != NULL)
    m->be->ops->convert (m->be, t->copy, t->copy_dtype, t->param, m->acc, t->numel);
}

/* ---- LoRA init ----------------------------------------------------------------------- */

void
pt_model_init_lora (PtModel *m,
                    guint64  seed)
{
  PtRng rng = { seed, 0 };

  for (guint i = 0; i < m->n_params; i++)
    {
      PtParam *p = PARAM (m, i);
      g_autofree float *host = NULL;

      if (p->kind != PT_PARAM_LORA)
        continue;
      host = g_new (float, p->numel);
      if (g_str_has_suffix (p->name, ".lora_A.weight"))
        {
          /* kaiming_uniform_(a=√5) on (r, in): bound = gain·sqrt(3 / fan_in),
           * gain = sqrt(2 / (1 + 5)) ⇒ 1 / sqrt(in) */
          double bound = 1.0 / sqrt ((double) p->shape[1]);
          for (size_t j = 0; j < p->numel; j++)
            host[j] = (float) ((2.0 * pt_rng_next_double (&rng) - 1.0) * bound);
        }
      else
        memset (host, 0, p->numel * sizeof (float));
      upload_f32 (m, p->data, m->acc, host, p->numel, NULL);
    }
}
