/* pt-cpu-loss.inc.c — fused cross-entropy and argmax, written once (see
 * pt-cpu-elementwise.inc.c for the `real` / FN convention). */

/* Per row: lse = max + log Σ exp(x - max); loss = lse - x[target];
 * dlogits = softmax·g - onehot·g with g = grad_scale (times 1 - (x/cap)²
 * when the logits are softcapped ones, pt-backend.h). One exp per logit:
 * the pass that sums exp(x - max) stores them in dlogits, a last pass
 * scales them by g / Σ. x[target] is read before anything is written, so
 * dlogits may alias logits. */
static void
FN (cross_entropy) (real          *losses,    // (M)
                    real          *dlogits,   // (M, V) or NULL, may alias logits
                    const real    *logits,    // (M, V)
                    const int32_t *targets,   // (M)
                    int            M,
                    int            V,
                    double         grad_scale,
                    double         softcap,
                    int            nt)
{
  real g = (real) grad_scale, cap = (real) softcap;

#pragma omp parallel for num_threads (nt) schedule (static)
  for (int r = 0; r < M; r++)
    {
      const real *x = logits + (size_t) r * V;
      real *d = dlogits != NULL ? dlogits + (size_t) r * V : NULL;
      int t = targets[r];
      real max = -INFINITY, sum = 0, xt, scale;

      if (t < 0 || t >= V)
        {
          losses[r] = 0;
          if (d != NULL)
            for (int j = 0; j < V; j++)
              d[j] = 0;
          continue;
        }
#pragma omp simd reduction (max:max)
      for (int j = 0; j < V; j++)
        max = MAX (max, x[j]);
      xt = x[t];
      if (d != NULL && cap > 0)
        {
          /* softcapped logits: d/dx_raw = (softmax - onehot)·g·(1 - (x/cap)²)
           * needs x after the sum, so exp twice; x[j] is read before d[j]
           * is written (they may alias) */
          for (int j = 0; j < V; j++)
            sum += exp (x[j] - max);
          losses[r] = max + log (sum) - xt;
          scale = g / sum;
          for (int j = 0; j < V; j++)
            {
              real xj = x[j], th = xj / cap;
              d[j] = (exp (xj - max) * scale - (j == t ? g : 0)) * (1 - th * th);
            }
          continue;
        }
      if (d != NULL)
        for (int j = 0; j < V; j++)
          {
            real e = exp (x[j] - max);
            sum += e;
            d[j] = e;
          }
      else
        for (int j = 0; j < V; j++)
          sum += exp (x[j] - max);
      losses[r] = max + log (sum) - xt;
      if (d == NULL)
        continue;
      scale = g / sum;
#pragma omp simd
      for (int j = 0; j < V; j++)
        d[j] *= scale;
      d[t] -= g;
    }
}

/* The first index of the row maximum; a NaN counts as the maximum (as torch). */
static void
FN (argmax) (int32_t    *out,     // (M)
             const real *logits,  // (M, V)
             int         M,
             int         V,
             int         nt)
{
#pragma omp parallel for num_threads (nt) schedule (static)
  for (int r = 0; r < M; r++)
    {
      const real *x = logits + (size_t) r * V;
      int best = V > 0 ? 0 : -1;

      for (int j = 1; j < V && !isnan (x[best]); j++)
        if (x[j] > x[best] || isnan (x[j]))
          best = j;
      out[r] = best;
    }
}
