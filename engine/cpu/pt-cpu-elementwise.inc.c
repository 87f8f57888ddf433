/* pt-cpu-elementwise.inc.c — elementwise and bias kernels, written once.
 *
 * Included by pt-cpu-elementwise.c with `real` = float and FN(x) = x##_f32,
 * then with `real` = double and FN(x) = x##_f64, and VEXP the exp to use:
 * pt_cpu_expf (vectorisable) for float, libm's exp for double. The GELU
 * family runs in chunks through PT_CPU_CLONES kernels (elementwise, so the
 * result does not depend on the thread count or the vector width).
 */

static void
FN (add) (real       *out,   // (n)
          const real *a,     // (n)
          const real *b,     // (n)
          size_t      n,
          int         nt)
{
#pragma omp parallel for simd num_threads (nt) schedule (static)
  for (size_t i = 0; i < n; i++)
    out[i] = a[i] + b[i];
}

/* gelu(x) = 0.5·x·(1 + tanh(u)), u = √(2/π)·(x + 0.044715·x³).
 * Since 1 + tanh(u) = 2·σ(2u), this is x·σ(2u) = x / (1 + exp(-2u)): one
 * exp instead of a tanh (several times faster with glibc), no cancellation,
 * and within an ulp or two of torch's tanh form. */
static inline real
FN (gelu) (real x)
{
  const real beta = (real) (M_SQRT2 * M_2_SQRTPI * 0.5);
  const real kappa = (real) 0.044715;
  real u = beta * (x + kappa * x * x * x);
  return x / ((real) 1 + VEXP ((real) -2 * u));
}

/* d gelu / dx = 0.5·(1 + t) + 0.5·x·(1 - t²)·u', t = tanh(u); with
 * s = σ(2u): 1 + t = 2s and 1 - t² = 4s(1 - s), so = s + 2x·s(1 - s)·u'. */
static inline real
FN (gelu_grad) (real x)
{
  const real beta = (real) (M_SQRT2 * M_2_SQRTPI * 0.5);
  const real kappa = (real) 0.044715;
  real sq = x * x;
  real u = beta * (x + kappa * sq * x);
  real s = (real) 1 / ((real) 1 + VEXP ((real) -2 * u));
  real du = beta * ((real) 1 + (real) 3 * kappa * sq);
  return s + (real) 2 * x * s * ((real) 1 - s) * du;
}

PT_CPU_CLONES static void
FN (gelu_forward_chunk) (real *out, const real *inp, size_t n)
{
#pragma omp simd
  for (size_t i = 0; i < n; i++)
    out[i] = FN (gelu) (inp[i]);
}

PT_CPU_CLONES static void
FN (gelu_backward_chunk) (real *dinp, const real *inp, const real *dout, size_t n)
{
#pragma omp simd
  for (size_t i = 0; i < n; i++)
    dinp[i] = dout[i] * FN (gelu_grad) (inp[i]);
}

PT_CPU_CLONES static void
FN (geglu_forward_chunk) (real *out, const real *gate, const real *up, size_t n)
{
#pragma omp simd
  for (size_t i = 0; i < n; i++)
    out[i] = FN (gelu) (gate[i]) * up[i];
}

PT_CPU_CLONES static void
FN (geglu_backward_chunk) (real *dgate, real *dup, const real *dout, const real *gate,
                           const real *up, size_t n)
{
#pragma omp simd
  for (size_t i = 0; i < n; i++)
    {
      real g = gate[i], u = up[i], d = dout[i];
      dgate[i] = d * u * FN (gelu_grad) (g);
      dup[i] = d * FN (gelu) (g);
    }
}

static void
FN (gelu_forward) (real       *out,   // (n)
                   const real *inp,   // (n)
                   size_t      n,
                   int         nt)
{
#pragma omp parallel for num_threads (nt) schedule (static)
  for (size_t i = 0; i < n; i += EW_CHUNK)
    FN (gelu_forward_chunk) (out + i, inp + i, MIN (EW_CHUNK, n - i));
}

static void
FN (gelu_backward) (real       *dinp,  // (n) =
                    const real *inp,   // (n)
                    const real *dout,  // (n)
                    size_t      n,
                    int         nt)
{
#pragma omp parallel for num_threads (nt) schedule (static)
  for (size_t i = 0; i < n; i += EW_CHUNK)
    FN (gelu_backward_chunk) (dinp + i, inp + i, dout + i, MIN (EW_CHUNK, n - i));
}

static void
FN (geglu_forward) (real       *out,   // (N, I)
                    const real *gate,  // (N, I)
                    const real *up,    // (N, I)
                    size_t      n,
                    int         nt)
{
#pragma omp parallel for num_threads (nt) schedule (static)
  for (size_t i = 0; i < n; i += EW_CHUNK)
    FN (geglu_forward_chunk) (out + i, gate + i, up + i, MIN (EW_CHUNK, n - i));
}

static void
FN (geglu_backward) (real       *dgate,  // (N, I) =
                     real       *dup,    // (N, I) =
                     const real *dout,   // (N, I)
                     const real *gate,   // (N, I)
                     const real *up,     // (N, I)
                     size_t      n,
                     int         nt)
{
#pragma omp parallel for num_threads (nt) schedule (static)
  for (size_t i = 0; i < n; i += EW_CHUNK)
    FN (geglu_backward_chunk) (dgate + i, dup + i, dout + i, gate + i, up + i,
                               MIN (EW_CHUNK, n - i));
}

/* out = inp · keep / (1 - p); the scale is 1/(1-p) rounded to `real`, as
 * torch's noise.div_(1 - p). */
/* x = cap·tanh(x/cap) in torch's order of operations (divide, tanh, multiply) */
static void
FN (softcap) (real   *x,    // (n), in place
              size_t  n,
              double  cap,
              int     nt)
{
  real c = (real) cap;

#pragma omp parallel for num_threads (nt) schedule (static)
  for (size_t i = 0; i < n; i++)
    x[i] = tanh (x[i] / c) * c;
}

static void
FN (dropout) (real       *out,   // (n), may alias inp
              const real *inp,   // (n)
              size_t      n,
              double      p,
              uint64_t    seed,
              uint64_t    offset,
              int         nt)
{
  real keep_scale = p < 1.0 ? (real) 1 / (real) (1.0 - p) : (real) 0;

#pragma omp parallel for num_threads (nt) schedule (static)
  for (size_t i = 0; i < n; i++)
    {
      gboolean keep = pt_rng_uniform (seed, offset + i) >= p;
      out[i] = keep ? inp[i] * keep_scale : (real) 0;
    }
}

static void
FN (bias_add) (real       *out,   // (N, C) +=
               const real *bias,  // (C)
               int         N,
               int         C,
               int         nt)
{
#pragma omp parallel for num_threads (nt) schedule (static)
  for (int r = 0; r < N; r++)
    {
      real *row = out + (size_t) r * C;
#pragma omp simd
      for (int c = 0; c < C; c++)
        row[c] += bias[c];
    }
}

/* dbias += Σ over rows of dout: the column sums are formed first, then added
 * (as autograd accumulates a fresh gradient into .grad). */
static void
FN (bias_backward) (real       *dbias,  // (C) +=
                    const real *dout,   // (N, C)
                    int         N,
                    int         C,
                    int         nt)
{
  enum { CHUNK = 256 };
  int n_chunks = (C + CHUNK - 1) / CHUNK;

#pragma omp parallel for num_threads (MIN (nt, n_chunks)) schedule (static)
  for (int chunk = 0; chunk < n_chunks; chunk++)
    {
      int c0 = chunk * CHUNK, width = MIN (CHUNK, C - c0);
      real sum[CHUNK] = { 0 };

      for (int r = 0; r < N; r++)
        {
          const real *row = dout + (size_t) r * C + c0;
#pragma omp simd
          for (int c = 0; c < width; c++)
            sum[c] += row[c];
        }
      for (int c = 0; c < width; c++)
        dbias[c0 + c] += sum[c];
    }
}
