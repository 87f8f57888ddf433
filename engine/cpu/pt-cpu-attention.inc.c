/* pt-cpu-attention.inc.c — multi-head attention with the prefix-LM mask,
 * written once (see pt-cpu-elementwise.inc.c for the `real` / FN convention).
 *
 * One query row at a time, for every (b, h, i): scores over its visible keys
 * (a contiguous range, attn_visible), max-subtracted softmax, then the
 * probability-weighted sum of values; lse = max + log Σ exp is kept so the
 * backward recomputes the probabilities without any (T, T) buffer.
 */

static inline real
FN (dot) (const real *a,
          const real *b,
          int         n)
{
  real s = 0;
#pragma omp simd reduction (+:s)
  for (int c = 0; c < n; c++)
    s += a[c] * b[c];
  return s;
}

/* y += alpha · x */
static inline void
FN (axpy) (real       *y,
           real        alpha,
           const real *x,
           int         n)
{
#pragma omp simd
  for (int c = 0; c < n; c++)
    y[c] += alpha * x[c];
}

static void
FN (attention_forward) (real             *out,   // (B, Tq, Hq, D)
                        real             *lse,   // (B, Hq, Tq)
                        const real       *q,     // (B, Tq, Hq, D)
                        const real       *k,     // (B, tk_alloc, Hkv, D)
                        const real       *v,     // (B, tk_alloc, Hkv, D)
                        int               B,
                        int               Tq,
                        int               Tk,
                        int               tk_alloc,
                        int               Hq,
                        int               Hkv,
                        int               D,
                        double            scale,
                        const PtAttnMask *mask,
                        int               nt)
{
  int group = Hq / Hkv;   /* query heads per kv head */

#pragma omp parallel num_threads (nt)
  {
    real *p = g_new (real, MAX (Tk, 1));   /* this thread's probabilities */

#pragma omp for collapse (3) schedule (dynamic, 8)
    for (int b = 0; b < B; b++)
      for (int h = 0; h < Hq; h++)
        for (int i = 0; i < Tq; i++)
          {
            const real *qi = q + (((size_t) b * Tq + i) * Hq + h) * D;
            real *oi = out + (((size_t) b * Tq + i) * Hq + h) * D;
            size_t kv0 = (size_t) b * tk_alloc * Hkv + h / group;  /* row j at (kv0 + j·Hkv)·D */
            int lo, hi;
            real max = -INFINITY, sum = 0, inv;

            attn_visible (mask, b, i, Tk, &lo, &hi);
            for (int c = 0; c < D; c++)
              oi[c] = 0;
            if (lo >= hi)
              {
                lse[((size_t) b * Hq + h) * Tq + i] = -INFINITY;
                continue;
              }

            for (int j = lo; j < hi; j++)
              {
                p[j] = FN (dot) (qi, k + (kv0 + (size_t) j * Hkv) * D, D) * (real) scale;
                max = MAX (max, p[j]);
              }
            for (int j = lo; j < hi; j++)
              {
                p[j] = exp (p[j] - max);
                sum += p[j];
              }
            inv = (real) 1 / sum;
            for (int j = lo; j < hi; j++)
              FN (axpy) (oi, p[j] * inv, v + (kv0 + (size_t) j * Hkv) * D, D);
            lse[((size_t) b * Hq + h) * Tq + i] = max + log (sum);
          }
    g_free (p);
  }
}

/* With p_ij = exp(s_ij - lse_i), dp_ij = dout_i·v_j, δ_i = dout_i·out_i:
 *   ds_ij = p_ij (dp_ij - δ_i)
 *   dq_i = scale Σ_j ds_ij k_j
 *   dk_j = scale Σ_(h,i) ds_ij q_i      dv_j = Σ_(h,i) p_ij dout_i
 * Pass 1 runs over query rows (dq, δ); pass 2 over key rows (dk, dv), each
 * summing over the query heads of its group and the rows that see it: every
 * gradient row has one writer, whatever the thread count. */
static void
FN (attention_backward) (real             *dq,    // (B, Tq, Hq, D) =
                         real             *dk,    // (B, tk_alloc, Hkv, D) = (first Tk rows)
                         real             *dv,    // (B, tk_alloc, Hkv, D) = (first Tk rows)
                         const real       *dout,  // (B, Tq, Hq, D)
                         const real       *out,   // (B, Tq, Hq, D)
                         const real       *lse,   // (B, Hq, Tq)
                         const real       *q,     // (B, Tq, Hq, D)
                         const real       *k,     // (B, tk_alloc, Hkv, D)
                         const real       *v,     // (B, tk_alloc, Hkv, D)
                         int               B,
                         int               Tq,
                         int               Tk,
                         int               tk_alloc,
                         int               Hq,
                         int               Hkv,
                         int               D,
                         double            scale,
                         const PtAttnMask *mask,
                         int               nt)
{
  int group = Hq / Hkv;
  real sc = (real) scale;
  real *delta = g_new (real, MAX ((size_t) B * Hq * Tq, 1));   /* (B, Hq, Tq) */

#pragma omp parallel for collapse (3) num_threads (nt) schedule (dynamic, 8)
  for (int b = 0; b < B; b++)
    for (int h = 0; h < Hq; h++)
      for (int i = 0; i < Tq; i++)
        {
          size_t row = ((size_t) b * Tq + i) * Hq + h;
          size_t stat = ((size_t) b * Hq + h) * Tq + i;
          const real *qi = q + row * D, *doi = dout + row * D;
          real *dqi = dq + row * D;
          size_t kv0 = (size_t) b * tk_alloc * Hkv + h / group;
          int lo, hi;

          attn_visible (mask, b, i, Tk, &lo, &hi);
          delta[stat] = FN (dot) (doi, out + row * D, D);
          for (int c = 0; c < D; c++)
            dqi[c] = 0;
          for (int j = lo; j < hi; j++)
            {
              const real *kj = k + (kv0 + (size_t) j * Hkv) * D;
              const real *vj = v + (kv0 + (size_t) j * Hkv) * D;
              real p = exp (FN (dot) (qi, kj, D) * sc - lse[stat]);
              real ds = p * (FN (dot) (doi, vj, D) - delta[stat]);
              FN (axpy) (dqi, ds, kj, D);
            }
          for (int c = 0; c < D; c++)
            dqi[c] *= sc;
        }

#pragma omp parallel for collapse (3) num_threads (nt) schedule (dynamic, 8)
  for (int b = 0; b < B; b++)
    for (int hk = 0; hk < Hkv; hk++)
      for (int j = 0; j < Tk; j++)
        {
          size_t kv = ((size_t) b * tk_alloc + j) * Hkv + hk;
          const real *kj = k + kv * D, *vj = v + kv * D;
          real *dkj = dk + kv * D, *dvj = dv + kv * D;

          for (int c = 0; c < D; c++)
            dkj[c] = dvj[c] = 0;
          for (int h = hk * group; h < (hk + 1) * group; h++)
            for (int i = 0; i < Tq; i++)
              {
                size_t row = ((size_t) b * Tq + i) * Hq + h;
                size_t stat = ((size_t) b * Hq + h) * Tq + i;
                const real *qi = q + row * D, *doi = dout + row * D;
                int lo, hi;
                real p, ds;

                attn_visible (mask, b, i, Tk, &lo, &hi);
                if (j < lo || j >= hi)
                  continue;
                p = exp (FN (dot) (qi, kj, D) * sc - lse[stat]);
                ds = p * (FN (dot) (doi, vj, D) - delta[stat]);
                FN (axpy) (dkj, ds * sc, qi, D);
                FN (axpy) (dvj, p, doi, D);
              }
        }
  g_free (delta);
}
