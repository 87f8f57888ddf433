/* pt-cpu-norm.inc.c — LayerNorm and RMSNorm, written once (see
 * pt-cpu-elementwise.inc.c for the `real` / FN convention).
 *
 * Forward passes go row by row in parallel. The backward passes make two
 * sweeps: rows in parallel for dinp, then column chunks in parallel for the
 * parameter gradients (each thread owns its columns: no races, and the sums
 * do not depend on the thread count).
 */

static inline real
FN (row_sum) (const real *x,
              int         C)
{
  real s = 0;
#pragma omp simd reduction (+:s)
  for (int c = 0; c < C; c++)
    s += x[c];
  return s;
}

static void
FN (layernorm_forward) (real       *out,     // (N, C)
                        real       *mean,    // (N)
                        real       *rstd,    // (N)
                        const real *inp,     // (N, C)
                        const real *weight,  // (C)
                        const real *bias,    // (C)
                        int         N,
                        int         C,
                        double      eps,
                        int         nt)
{
#pragma omp parallel for num_threads (nt) schedule (static)
  for (int r = 0; r < N; r++)
    {
      const real *x = inp + (size_t) r * C;
      real *y = out + (size_t) r * C;
      real m = FN (row_sum) (x, C) / (real) C;
      real var = 0, s;

#pragma omp simd reduction (+:var)
      for (int c = 0; c < C; c++)
        var += (x[c] - m) * (x[c] - m);
      var /= (real) C;
      s = (real) 1 / sqrt (var + (real) eps);
#pragma omp simd
      for (int c = 0; c < C; c++)
        y[c] = (x[c] - m) * s * weight[c] + bias[c];
      mean[r] = m;
      rstd[r] = s;
    }
}

static void
FN (layernorm_backward) (real       *dinp,     // (N, C) +=
                         real       *dweight,  // (C) += or NULL
                         real       *dbias,    // (C) += or NULL
                         const real *dout,     // (N, C)
                         const real *inp,      // (N, C)
                         const real *weight,   // (C)
                         const real *mean,     // (N)
                         const real *rstd,     // (N)
                         int         N,
                         int         C,
                         int         nt)
{
  enum { CHUNK = 256 };
  int n_chunks = (C + CHUNK - 1) / CHUNK;

#pragma omp parallel for num_threads (nt) schedule (static)
  for (int r = 0; r < N; r++)
    {
      const real *x = inp + (size_t) r * C, *dy = dout + (size_t) r * C;
      real *dx = dinp + (size_t) r * C;
      real m = mean[r], s = rstd[r];
      real dnorm_mean = 0, dnorm_norm_mean = 0;

      /* norm = (x - mean)·rstd; dnorm = weight·dout */
#pragma omp simd reduction (+:dnorm_mean, dnorm_norm_mean)
      for (int c = 0; c < C; c++)
        {
          real dnorm = weight[c] * dy[c];
          dnorm_mean += dnorm;
          dnorm_norm_mean += dnorm * (x[c] - m) * s;
        }
      dnorm_mean /= (real) C;
      dnorm_norm_mean /= (real) C;
#pragma omp simd
      for (int c = 0; c < C; c++)
        {
          real norm = (x[c] - m) * s;
          dx[c] += (weight[c] * dy[c] - dnorm_mean - norm * dnorm_norm_mean) * s;
        }
    }

  if (dweight == NULL && dbias == NULL)
    return;
#pragma omp parallel for num_threads (MIN (nt, n_chunks)) schedule (static)
  for (int chunk = 0; chunk < n_chunks; chunk++)
    {
      int c0 = chunk * CHUNK, width = MIN (CHUNK, C - c0);
      real dw[CHUNK] = { 0 }, db[CHUNK] = { 0 };

      for (int r = 0; r < N; r++)
        {
          const real *x = inp + (size_t) r * C + c0, *dy = dout + (size_t) r * C + c0;
          real m = mean[r], s = rstd[r];
#pragma omp simd
          for (int c = 0; c < width; c++)
            {
              dw[c] += (x[c] - m) * s * dy[c];
              db[c] += dy[c];
            }
        }
      for (int c = 0; c < width; c++)
        {
          if (dweight != NULL)
            dweight[c0 + c] += dw[c];
          if (dbias != NULL)
            dbias[c0 + c] += db[c];
        }
    }
}

/* Gemma: y = (x · rsqrt(mean(x²) + eps)) · (1 + w), the order of HF's
 * GemmaRMSNorm in fp32. */
static void
FN (rmsnorm_forward) (real       *out,     // (N, C)
                      real       *rstd,    // (N)
                      const real *inp,     // (N, C)
                      const real *weight,  // (C)
                      int         N,
                      int         C,
                      double      eps,
                      int         nt)
{
#pragma omp parallel for num_threads (nt) schedule (static)
  for (int r = 0; r < N; r++)
    {
      const real *x = inp + (size_t) r * C;
      real *y = out + (size_t) r * C;
      real ss = 0, s;

#pragma omp simd reduction (+:ss)
      for (int c = 0; c < C; c++)
        ss += x[c] * x[c];
      s = (real) 1 / sqrt (ss / (real) C + (real) eps);
#pragma omp simd
      for (int c = 0; c < C; c++)
        y[c] = (x[c] * s) * ((real) 1 + weight[c]);
      rstd[r] = s;
    }
}

/* With n = x·rstd and g = dout·(1 + w):
 *   dx = rstd · (g - n · mean(g·n)),   dw = Σ_rows dout·n */
static void
FN (rmsnorm_backward) (real       *dinp,     // (N, C) +=
                       real       *dweight,  // (C) += or NULL
                       const real *dout,     // (N, C)
                       const real *inp,      // (N, C)
                       const real *weight,   // (C)
                       const real *rstd,     // (N)
                       int         N,
                       int         C,
                       int         nt)
{
  enum { CHUNK = 256 };
  int n_chunks = (C + CHUNK - 1) / CHUNK;

#pragma omp parallel for num_threads (nt) schedule (static)
  for (int r = 0; r < N; r++)
    {
      const real *x = inp + (size_t) r * C, *dy = dout + (size_t) r * C;
      real *dx = dinp + (size_t) r * C;
      real s = rstd[r], gn_mean = 0;

#pragma omp simd reduction (+:gn_mean)
      for (int c = 0; c < C; c++)
        gn_mean += dy[c] * ((real) 1 + weight[c]) * (x[c] * s);
      gn_mean /= (real) C;
#pragma omp simd
      for (int c = 0; c < C; c++)
        dx[c] += s * (dy[c] * ((real) 1 + weight[c]) - (x[c] * s) * gn_mean);
    }

  if (dweight == NULL)
    return;
#pragma omp parallel for num_threads (MIN (nt, n_chunks)) schedule (static)
  for (int chunk = 0; chunk < n_chunks; chunk++)
    {
      int c0 = chunk * CHUNK, width = MIN (CHUNK, C - c0);
      real dw[CHUNK] = { 0 };

      for (int r = 0; r < N; r++)
        {
          const real *x = inp + (size_t) r * C + c0, *dy = dout + (size_t) r * C + c0;
          real s = rstd[r];
#pragma omp simd
          for (int c = 0; c < width; c++)
            dw[c] += dy[c] * (x[c] * s);
        }
      for (int c = 0; c < width; c++)
        dweight[c0 + c] += dw[c];
    }
}
