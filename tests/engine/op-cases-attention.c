/* op-cases-attention.c — the attention family.
 *
 * p = { B, Tq, Tk, tk_alloc, Hq, Hkv, D, mask kind, q_offset, window },
 * f = { scale (0: 1/√D), softcap }. Mask kinds, per batch row b:
 *   0  NULL (SigLIP: everything visible)
 *   1  training, right padding: key_end Tk - 2b, prefix_end 3 + b, causal
 *   2  decoding: causal with q_offset, prefix_end 4, key_end NULL
 *   3  left padding: key_start 2b, prefix_end 2b + 4, causal
 *   4  prefix only, not causal: prefix_end 5 - b (rows see the prefix only)
 *   5  empty rows: b = 1 sees no key (key_start = Tk), b = 2 has
 *      key_start > key_end, b = 0 causal; key_end > Tk is clamped
 *   6  causal only (no per-row arrays)
 * The reference builds every score matrix explicitly and masks it with the
 * documented rule evaluated literally (pt_oc_attn_visible).
 */
#include "config.h"

#include <math.h>           /* exp, log, sqrt, tanh, INFINITY */

#include "op-cases.h"

#define OPS(r) ((r)->be->ops)

enum { AT_Q, AT_K, AT_V, AT_OUT, AT_LSE };

typedef struct {
  int B, Tq, Tk, tk_alloc, Hq, Hkv, D;
  double scale;
  int32_t key_start[PT_MAX_BATCH], key_end[PT_MAX_BATCH], prefix_end[PT_MAX_BATCH];
  PtAttnMask mask;
  const PtAttnMask *m;   /* &mask, or NULL */
} Attn;

static void
attn_setup (const PtOpCase *c, Attn *a)
{
  int kind = c->p[7];

  *a = (Attn) { c->p[0], c->p[1], c->p[2], c->p[3], c->p[4], c->p[5], c->p[6] };
  a->scale = c->f[0] != 0 ? c->f[0] : 1 / sqrt (a->D);
  a->m = kind == 0 ? NULL : &a->mask;
  a->mask.q_offset = c->p[8];
  a->mask.window = c->p[9];
  a->mask.softcap = c->f[1];
  for (int b = 0; b < a->B; b++)
    {
      a->key_start[b] = 0;
      a->key_end[b] = a->Tk;
      a->prefix_end[b] = 0;
      switch (kind)
        {
        case 1:
          a->key_end[b] = a->Tk - 2 * b;
          a->prefix_end[b] = 3 + b;
          a->mask.causal = 1;
          a->mask.key_end = a->key_end;
          a->mask.prefix_end = a->prefix_end;
          break;
        case 2:
          a->prefix_end[b] = 4;
          a->mask.causal = 1;
          a->mask.prefix_end = a->prefix_end;
          break;
        case 3:
          a->key_start[b] = 2 * b;
          a->prefix_end[b] = 2 * b + 4;
          a->mask.causal = 1;
          a->mask.key_start = a->key_start;
          a->mask.prefix_end = a->prefix_end;
          break;
        case 4:
          a->prefix_end[b] = 5 - b;
          a->mask.prefix_end = a->prefix_end;
          break;
        case 6:
          a->mask.causal = 1;
          break;
        case 5:
          a->key_start[b] = b == 1 ? a->Tk : b == 2 ? 5 : 0;
          a->key_end[b] = b == 2 ? 3 : a->Tk + 4;
          a->prefix_end[b] = b == 0 ? 0 : 2;
          a->mask.causal = 1;
          a->mask.key_start = a->key_start;
          a->mask.key_end = a->key_end;
          a->mask.prefix_end = a->prefix_end;
          break;
        default:
          break;
        }
    }
}

static void
attention_build (const PtOpCase *c, PtOcTensor *t)
{
  Attn a;
  size_t nq, nk;

  attn_setup (c, &a);
  nq = (size_t) a.B * a.Tq * a.Hq * a.D;
  nk = (size_t) a.B * a.tk_alloc * a.Hkv * a.D;
  t[AT_Q] = (PtOcTensor) { "q", PT_OC_ACT, nq, PT_OC_IN | PT_OC_GRAD, -1.5, 1.5 };
  t[AT_K] = (PtOcTensor) { "k", PT_OC_ACT, nk, PT_OC_IN | PT_OC_GRAD, -1.5, 1.5 };
  t[AT_V] = (PtOcTensor) { "v", PT_OC_ACT, nk, PT_OC_IN | PT_OC_GRAD, -1, 1 };
  t[AT_OUT] = (PtOcTensor) { "out", PT_OC_ACT, nq, PT_OC_OUT | PT_OC_DIFF, 0, 0 };
  t[AT_LSE] = (PtOcTensor) { "lse", PT_OC_ACC, (size_t) a.B * a.Hq * a.Tq, PT_OC_OUT, 0, 0 };
}

/* dk, dv: only the first Tk of the tk_alloc rows are written */
static gboolean
attention_defined (const PtOpCase *c, int tensor, size_t i)
{
  if (tensor != AT_K && tensor != AT_V)
    return TRUE;
  return (i / ((size_t) c->p[5] * c->p[6])) % c->p[3] < (size_t) c->p[2];
}

static gboolean
has_attention (const PtBackendOps *ops, const PtOpCase *c)
{
  return ops->attention_forward != NULL && ops->attention_backward != NULL;
}

static void
attention_forward (PtOcRun *r)
{
  Attn a;

  attn_setup (r->c, &a);
  OPS (r)->attention_forward (r->be, r->t[AT_OUT], r->t[AT_LSE], r->t[AT_Q], r->t[AT_K],
                              r->t[AT_V], a.B, a.Tq, a.Tk, a.tk_alloc, a.Hq, a.Hkv, a.D,
                              a.scale, a.m);
}

static void
attention_backward (PtOcRun *r)
{
  Attn a;

  attn_setup (r->c, &a);
  OPS (r)->attention_backward (r->be, r->g[AT_Q], r->g[AT_K], r->g[AT_V], r->g[AT_OUT],
                               r->t[AT_OUT], r->t[AT_LSE], r->t[AT_Q], r->t[AT_K], r->t[AT_V],
                               a.B, a.Tq, a.Tk, a.tk_alloc, a.Hq, a.Hkv, a.D, a.scale, a.m);
}

static void
attention_reference (const PtOpCase *c, double **h)
{
  Attn a;

  attn_setup (c, &a);
  for (int b = 0; b < a.B; b++)
    for (int hq = 0; hq < a.Hq; hq++)
      {
        int hk = hq / (a.Hq / a.Hkv);
        g_autofree double *s = g_new (double, (size_t) a.Tq * a.Tk);   /* (Tq, Tk) scores */

        for (int i = 0; i < a.Tq; i++)
          for (int j = 0; j < a.Tk; j++)
            {
              double dot = 0;
              for (int d = 0; d < a.D; d++)
                dot += h[AT_Q][(((size_t) b * a.Tq + i) * a.Hq + hq) * a.D + d]
                       * h[AT_K][(((size_t) b * a.tk_alloc + j) * a.Hkv + hk) * a.D + d];
              dot *= a.scale;
              if (a.mask.softcap > 0)
                dot = a.mask.softcap * tanh (dot / a.mask.softcap);
              s[(size_t) i * a.Tk + j] = pt_oc_attn_visible (a.m, b, i, j, a.Tk) ? dot : -INFINITY;
            }
        for (int i = 0; i < a.Tq; i++)
          {
            double *si = s + (size_t) i * a.Tk, max = -INFINITY, sum = 0;
            double *out = h[AT_OUT] + (((size_t) b * a.Tq + i) * a.Hq + hq) * a.D;

            for (int j = 0; j < a.Tk; j++)
              max = MAX (max, si[j]);
            for (int d = 0; d < a.D; d++)
              out[d] = 0;
            if (max == -INFINITY)
              {
                h[AT_LSE][((size_t) b * a.Hq + hq) * a.Tq + i] = -INFINITY;
                continue;
              }
            for (int j = 0; j < a.Tk; j++)
              sum += exp (si[j] - max);
            for (int j = 0; j < a.Tk; j++)
              for (int d = 0; d < a.D; d++)
                out[d] += exp (si[j] - max) / sum
                          * h[AT_V][(((size_t) b * a.tk_alloc + j) * a.Hkv + hk) * a.D + d];
            h[AT_LSE][((size_t) b * a.Hq + hq) * a.Tq + i] = max + log (sum);
          }
      }
}

const PtOcFamily pt_oc_attention = {
  .name = "attention", .build = attention_build, .n_tensors = 5, .supported = has_attention,
  .forward = attention_forward, .backward = attention_backward,
  .reference = attention_reference, .defined = attention_defined,
};
