/* pt-cpu-attention.inc.c — multi-head attention with the prefix-LM mask,
 * written once (see pt-cpu-elementwise.inc.c for the `real` / FN / VEXP
 * convention).
 *
 * The work is cut into independent units — (batch row, query head) in the
 * forward, (batch row, kv head) in the backward — each done start to end by
 * one thread, so every output element has one writer and one summation
 * order whatever the thread count. A unit first copies its keys (and, in
 * the backward, values) transposed, (D, Tk), so that a query row's scores
 * q·k_j for all j are a sum over c of q[c]·kᵀ[c, :]: the vectorised loop
 * runs along the keys, with no horizontal sums. Each query row keeps only
 * its visible keys [lo, hi) (attn_visible). Softmax sums run left to right
 * in scalar code, so the vector width (SSE2, AVX2 or AVX-512 clones) does
 * not change a single bit of the result.
 *
 * lse = max + log Σ exp is kept so the backward recomputes the
 * probabilities without any (T, T) buffer.
 */

/* kt (D, kts) = rows [0, Tk) of x, which are `stride` apart; columns Tk to
 * kts - 1 are zeros (row_scores reads whole blocks). */
static inline void
FN (transpose_rows) (real       *kt,
                     const real *x,
                     int         Tk,
                     int         kts,
                     int         stride,
                     int         D)
{
  for (int c = 0; c < D; c++)
    {
      real *kc = kt + (size_t) c * kts;
      for (int j = 0; j < Tk; j++)
        kc[j] = x[(size_t) j * stride + c];
      for (int j = Tk; j < kts; j++)
        kc[j] = 0;
    }
}

/* s[lo, hi) = Σ_c a[c] · kt[c, lo..hi), c in order. Blocks of ATT_BLOCK
 * keys whose partial sums stay in registers over c; kt's rows must be
 * readable up to hi + ATT_BLOCK - 1. */
static inline void
FN (row_scores) (real       *s,
                 const real *a,
                 const real *kt,
                 int         lo,
                 int         hi,
                 int         kts,
                 int         D)
{
  for (int j0 = lo; j0 < hi; j0 += ATT_BLOCK)
    {
      real acc[ATT_BLOCK] = { 0 };
      int w = MIN (ATT_BLOCK, hi - j0);

      for (int c = 0; c < D; c++)
        {
          const real *kc = kt + (size_t) c * kts + j0;
          real ac = a[c];
#pragma omp simd
          for (int jj = 0; jj < ATT_BLOCK; jj++)
            acc[jj] += ac * kc[jj];
        }
      for (int jj = 0; jj < w; jj++)
        s[j0 + jj] = acc[jj];
    }
}

/* y (D) = Σ_(j in [lo, hi)) w[j] · x_j, j in order, rows x_j at j·xs.
 * Blocks of ATT_BLOCK columns whose sums stay in registers over j. */
static inline void
FN (row_combine) (real       *y,
                  const real *w,
                  const real *x,
                  int         lo,
                  int         hi,
                  int         xs,
                  int         D)
{
  int c0 = 0;

  for (; c0 + ATT_BLOCK <= D; c0 += ATT_BLOCK)
    {
      real acc[ATT_BLOCK] = { 0 };
      for (int j = lo; j < hi; j++)
        {
          const real *xj = x + (size_t) j * xs + c0;
          real wj = w[j];
#pragma omp simd
          for (int cc = 0; cc < ATT_BLOCK; cc++)
            acc[cc] += wj * xj[cc];
        }
      for (int cc = 0; cc < ATT_BLOCK; cc++)
        y[c0 + cc] = acc[cc];
    }
  if (c0 < D)
    {
      real acc[ATT_BLOCK] = { 0 };
      int r = D - c0;
      for (int j = lo; j < hi; j++)
        {
          const real *xj = x + (size_t) j * xs + c0;
          real wj = w[j];
          for (int cc = 0; cc < r; cc++)
            acc[cc] += wj * xj[cc];
        }
      for (int cc = 0; cc < r; cc++)
        y[c0 + cc] = acc[cc];
    }
}

/* y (D) += Σ_(ii < n) a[ii] · x_ii, ii in order, rows x_ii at ii·xs; the
 * sums of a block of columns stay in registers. */
static inline void
FN (row_accumulate) (real       *y,
                     const real *a,
                     const real *x,
                     int         n,
                     int         xs,
                     int         D)
{
  int c0 = 0;

  for (; c0 + ATT_BLOCK <= D; c0 += ATT_BLOCK)
    {
      real acc[ATT_BLOCK];
      for (int cc = 0; cc < ATT_BLOCK; cc++)
        acc[cc] = y[c0 + cc];
      for (int ii = 0; ii < n; ii++)
        {
          const real *xi = x + (size_t) ii * xs + c0;
          real ai = a[ii];
#pragma omp simd
          for (int cc = 0; cc < ATT_BLOCK; cc++)
            acc[cc] += ai * xi[cc];
        }
      for (int cc = 0; cc < ATT_BLOCK; cc++)
        y[c0 + cc] = acc[cc];
    }
  for (int ii = 0; ii < n && c0 < D; ii++)
    {
      const real *xi = x + (size_t) ii * xs;
      for (int c = c0; c < D; c++)
        y[c] += a[ii] * xi[c];
    }
}

/* One (b, h) of the forward: every query row of head h. */
PT_CPU_CLONES static void
FN (attention_forward_unit) (real             *out,   // row i at i·qs, (D) each
                             real             *lse,   // (Tq)
                             const real       *q,     // row i at i·qs
                             const real       *k,     // row j at j·ks
                             const real       *v,     // row j at j·ks
                             int               b,
                             int               Tq,
                             int               Tk,
                             int               qs,
                             int               ks,
                             int               D,
                             real              scale,
                             const PtAttnMask *mask,
                             real             *kt,    // scratch (D, att_stride (Tk))
                             real             *p)     // scratch (Tk)
{
  int kts = att_stride (Tk);
  real cap = mask != NULL ? (real) mask->softcap : 0;

  FN (transpose_rows) (kt, k, Tk, kts, ks, D);
  for (int i = 0; i < Tq; i++)
    {
      const real *qi = q + (size_t) i * qs;
      real *oi = out + (size_t) i * qs;
      real max = -INFINITY, sum = 0, inv;
      int lo, hi;

      attn_visible (mask, b, i, Tk, &lo, &hi);
      if (lo >= hi)
        {
          for (int c = 0; c < D; c++)
            oi[c] = 0;
          lse[i] = -INFINITY;
          continue;
        }
      FN (row_scores) (p, qi, kt, lo, hi, kts, D);
      if (cap > 0)
        for (int j = lo; j < hi; j++)
          p[j] = tanh (p[j] * scale / cap) * cap;   /* torch's order: scale, /cap, tanh, ·cap */
      else
        {
#pragma omp simd
          for (int j = lo; j < hi; j++)
            p[j] *= scale;
        }
      for (int j = lo; j < hi; j++)
        max = MAX (max, p[j]);
#pragma omp simd
      for (int j = lo; j < hi; j++)
        p[j] = VEXP (p[j] - max);
      for (int j = lo; j < hi; j++)
        sum += p[j];
      inv = (real) 1 / sum;
#pragma omp simd
      for (int j = lo; j < hi; j++)
        p[j] *= inv;
      FN (row_combine) (oi, p, v, lo, hi, ks, D);
      lse[i] = max + log (sum);
    }
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
    real *kt = g_new (real, (size_t) D * att_stride (Tk));
    real *p = g_new (real, MAX (Tk, 1));

#pragma omp for collapse (2) schedule (dynamic, 1)
    for (int b = 0; b < B; b++)
      for (int h = 0; h < Hq; h++)
        {
          size_t q0 = (size_t) b * Tq * Hq + h;                     /* row i at (q0 + i·Hq)·D */
          size_t kv0 = (size_t) b * tk_alloc * Hkv + h / group;    /* row j at (kv0 + j·Hkv)·D */

          FN (attention_forward_unit) (out + q0 * D, lse + ((size_t) b * Hq + h) * Tq,
                                       q + q0 * D, k + kv0 * D, v + kv0 * D, b, Tq, Tk,
                                       Hq * D, Hkv * D, D, (real) scale, mask, kt, p);
        }
    g_free (kt);
    g_free (p);
  }
}

/* One (b, kv head) of the backward: its `group` query heads, in order.
 * With p_ij = exp(s_ij - lse_i), dp_ij = dout_i·v_j, δ_i = dout_i·out_i:
 *   ds_ij = p_ij (dp_ij - δ_i)   (times 1 - (s_ij/cap)² with a softcap)
 *   dq_i = scale Σ_j ds_ij k_j
 *   dk_j = scale Σ_(h,i) ds_ij q_i      dv_j = Σ_(h,i) p_ij dout_i
 * Query rows go by tiles of ATT_ROWS: their p and ds rows first (and dq),
 * then dk and dv column by column over the tile; dk and dv sum over the
 * heads of the group and the query rows in order. */
PT_CPU_CLONES static void
FN (attention_backward_unit) (real             *dq,    // row i of head g at i·qs + g·D
                              real             *dk,    // row j at j·ks
                              real             *dv,    // row j at j·ks
                              const real       *dout,  // as dq
                              const real       *out,   // as dq
                              const real       *lse,   // (group, Tq)
                              const real       *q,     // as dq
                              const real       *k,     // row j at j·ks
                              const real       *v,     // row j at j·ks
                              int               b,
                              int               group,
                              int               Tq,
                              int               Tk,
                              int               qs,
                              int               ks,
                              int               D,
                              real              sc,
                              const PtAttnMask *mask,
                              real             *kt,    // scratch (D, att_stride (Tk))
                              real             *vt,    // scratch (D, att_stride (Tk))
                              real             *p,     // scratch (ATT_ROWS, att_stride (Tk))
                              real             *ds)    // scratch (ATT_ROWS, att_stride (Tk))
{
  int kts = att_stride (Tk);
  int lo[ATT_ROWS], hi[ATT_ROWS];
  real cap = mask != NULL ? (real) mask->softcap : 0;

  FN (transpose_rows) (kt, k, Tk, kts, ks, D);
  FN (transpose_rows) (vt, v, Tk, kts, ks, D);
  for (int j = 0; j < Tk; j++)
    for (int c = 0; c < D; c++)
      dk[(size_t) j * ks + c] = dv[(size_t) j * ks + c] = 0;

  for (int g = 0; g < group; g++)
    for (int i0 = 0; i0 < Tq; i0 += ATT_ROWS)
      {
        int n = MIN (ATT_ROWS, Tq - i0), j_lo = Tk, j_hi = 0;
        size_t row0 = (size_t) i0 * qs + (size_t) g * D;

        for (int ii = 0; ii < n; ii++)
          {
            size_t row = row0 + (size_t) ii * qs;
            const real *qi = q + row, *doi = dout + row, *oi = out + row;
            real *dqi = dq + row, *pi = p + (size_t) ii * kts, *dsi = ds + (size_t) ii * kts;
            real l = lse[(size_t) g * Tq + i0 + ii], delta = 0;

            attn_visible (mask, b, i0 + ii, Tk, &lo[ii], &hi[ii]);
            if (lo[ii] >= hi[ii])
              {
                for (int c = 0; c < D; c++)
                  dqi[c] = 0;
                continue;
              }
            j_lo = MIN (j_lo, lo[ii]);
            j_hi = MAX (j_hi, hi[ii]);
            for (int c = 0; c < D; c++)
              delta += doi[c] * oi[c];
            FN (row_scores) (pi, qi, kt, lo[ii], hi[ii], kts, D);
            FN (row_scores) (dsi, doi, vt, lo[ii], hi[ii], kts, D);
            if (cap > 0)
              for (int j = lo[ii]; j < hi[ii]; j++)
                {
                  /* s = cap·tanh(raw/cap): ds_raw = ds · (1 - (s/cap)²) */
                  real s = tanh (pi[j] * sc / cap) * cap, th = s / cap;
                  pi[j] = VEXP (s - l);
                  dsi[j] = pi[j] * (dsi[j] - delta) * (1 - th * th);
                }
            else
              {
#pragma omp simd
                for (int j = lo[ii]; j < hi[ii]; j++)
                  {
                    pi[j] = VEXP (pi[j] * sc - l);
                    dsi[j] = pi[j] * (dsi[j] - delta);
                  }
              }
            FN (row_combine) (dqi, dsi, k, lo[ii], hi[ii], ks, D);
#pragma omp simd
            for (int c = 0; c < D; c++)
              dqi[c] *= sc;
          }
        for (int j = j_lo; j < j_hi; j++)
          {
            /* column j of the tile; a row that does not see key j weighs 0 */
            real a_k[ATT_ROWS], a_v[ATT_ROWS];
            for (int ii = 0; ii < n; ii++)
              {
                gboolean sees = j >= lo[ii] && j < hi[ii];
                a_k[ii] = sees ? ds[(size_t) ii * kts + j] * sc : 0;
                a_v[ii] = sees ? p[(size_t) ii * kts + j] : 0;
              }
            FN (row_accumulate) (dk + (size_t) j * ks, a_k, q + row0, n, qs, D);
            FN (row_accumulate) (dv + (size_t) j * ks, a_v, dout + row0, n, qs, D);
          }
      }
}

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

#pragma omp parallel num_threads (nt)
  {
    real *kt = g_new (real, (size_t) D * att_stride (Tk));
    real *vt = g_new (real, (size_t) D * att_stride (Tk));
    real *p = g_new (real, (size_t) ATT_ROWS * att_stride (Tk));
    real *ds = g_new (real, (size_t) ATT_ROWS * att_stride (Tk));

#pragma omp for collapse (2) schedule (dynamic, 1)
    for (int b = 0; b < B; b++)
      for (int hk = 0; hk < Hkv; hk++)
        {
          size_t q0 = ((size_t) b * Tq * Hq + (size_t) hk * group) * D;  /* head hk·group, row 0 */
          size_t kv0 = ((size_t) b * tk_alloc * Hkv + hk) * D;

          FN (attention_backward_unit) (dq + q0, dk + kv0, dv + kv0, dout + q0, out + q0,
                                        lse + ((size_t) b * Hq + (size_t) hk * group) * Tq,
                                        q + q0, k + kv0, v + kv0, b, group, Tq, Tk,
                                        Hq * D, Hkv * D, D, (real) scale, mask, kt, vt, p, ds);
        }
    g_free (kt);
    g_free (vt);
    g_free (p);
    g_free (ds);
  }
}
