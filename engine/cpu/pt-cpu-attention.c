/* pt-cpu-attention.c — attention with the prefix-LM mask and MQA/GQA. */
#include "config.h"

#include <tgmath.h>         /* exp, log, tanh for float and double */

#include "pt-cpu-private.h"

/* The keys query row i of batch row b sees, as [*lo, *hi) (empty when
 * *lo >= *hi). The documented rule — key_start <= j < key_end and
 * (j < prefix_end or (causal and j <= q_offset + i)), and with a sliding
 * window j > q_offset + i - window for a query past the prefix — is an
 * interval, since both alternatives are prefixes of the keys and the window
 * only raises the lower end. */
static inline void
attn_visible (const PtAttnMask *mask,
              int               b,
              int               i,
              int               Tk,
              int              *lo,
              int              *hi)
{
  int key_start, key_end, prefix_end, reach;

  if (mask == NULL)
    {
      *lo = 0;
      *hi = Tk;
      return;
    }
  key_start = mask->key_start != NULL ? mask->key_start[b] : 0;
  key_end = mask->key_end != NULL ? mask->key_end[b] : Tk;
  prefix_end = mask->prefix_end != NULL ? mask->prefix_end[b] : 0;
  reach = mask->causal ? MAX (prefix_end, mask->q_offset + i + 1) : prefix_end;
  *lo = MAX (key_start, 0);
  if (mask->window > 0 && mask->q_offset + i >= prefix_end)
    *lo = MAX (*lo, mask->q_offset + i - mask->window + 1);
  *hi = MIN (MIN (key_end, Tk), reach);
}

/* Keys (or columns) per register block in the score and weighted-sum
 * loops; query rows per tile in the backward. */
enum { ATT_BLOCK = 16, ATT_ROWS = 32 };

/* Columns of a transposed key block: Tk, padded so that a block starting
 * at any key below Tk can be read whole. */
static inline int
att_stride (int Tk)
{
  return Tk + ATT_BLOCK;
}

#define real float
#define FN(name) name##_f32
#define VEXP pt_cpu_expf
#include "pt-cpu-attention.inc.c"
#undef real
#undef FN
#undef VEXP

#define real double
#define FN(name) name##_f64
#define VEXP exp
#include "pt-cpu-attention.inc.c"
#undef real
#undef FN
#undef VEXP

static int
attention_threads (PtBackend *be,
                   int B, int Tq, int Tk, int Hq, int D)
{
  return pt_cpu_threads (be, (size_t) B * Tq * Tk * Hq * D / 8);
}

void
pt_cpu_attention_forward (PtBackend        *be,
                          void             *out,
                          void             *lse,
                          const void       *q,
                          const void       *k,
                          const void       *v,
                          int               B,
                          int               Tq,
                          int               Tk,
                          int               tk_alloc,
                          int               Hq,
                          int               Hkv,
                          int               D,
                          double            scale,
                          const PtAttnMask *mask)
{
  PT_CPU_DISPATCH (be, attention_forward, out, lse, q, k, v, B, Tq, Tk, tk_alloc, Hq, Hkv, D,
                   scale, mask, attention_threads (be, B, Tq, Tk, Hq, D));
}

void
pt_cpu_attention_backward (PtBackend        *be,
                           void             *dq,
                           void             *dk,
                           void             *dv,
                           const void       *dout,
                           const void       *out,
                           const void       *lse,
                           const void       *q,
                           const void       *k,
                           const void       *v,
                           int               B,
                           int               Tq,
                           int               Tk,
                           int               tk_alloc,
                           int               Hq,
                           int               Hkv,
                           int               D,
                           double            scale,
                           const PtAttnMask *mask)
{
  PT_CPU_DISPATCH (be, attention_backward, dq, dk, dv, dout, out, lse, q, k, v, B, Tq, Tk,
                   tk_alloc, Hq, Hkv, D, scale, mask, attention_threads (be, B, Tq, Tk, Hq, D));
}
