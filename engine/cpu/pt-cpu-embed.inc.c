/* pt-cpu-embed.inc.c — embeddings, row gathers/scatters and SigLIP's patch
 * extraction, written once (see pt-cpu-elementwise.inc.c for the `real` /
 * FN convention). */

static void
FN (embedding_forward) (real          *out,    // (N, C)
                        const int32_t *ids,    // (N)
                        const void    *table,  // (V, C) in table_dtype
                        PtDType        table_dtype,
                        PtDType        act,
                        int            N,
                        int            C,
                        int            V,
                        double         scale,
                        int            nt)
{
  size_t ts = pt_dtype_size (table_dtype);
  real s = (real) scale;

#pragma omp parallel for num_threads (nt) schedule (static)
  for (int r = 0; r < N; r++)
    {
      real *y = out + (size_t) r * C;
      int id = ids[r];

      if (id < 0 || id >= V)
        {
          for (int c = 0; c < C; c++)
            y[c] = 0;
          continue;
        }
      /* the row cast to act first, then multiplied by the act-rounded scale */
      pt_cpu_convert_range (y, act, (const char *) table + (size_t) id * C * ts, table_dtype, C);
      for (int c = 0; c < C; c++)
        y[c] *= s;
    }
}

/* Column chunks in parallel, tokens in order within a chunk: repeated ids
 * never race and the sums do not depend on the thread count. */
static void
FN (embedding_backward) (real          *dtable,  // (V, C) +=
                         const real    *dout,    // (N, C)
                         const int32_t *ids,     // (N)
                         int            N,
                         int            C,
                         int            V,
                         double         scale,
                         int            nt)
{
  enum { CHUNK = 256 };
  int n_chunks = (C + CHUNK - 1) / CHUNK;
  real s = (real) scale;

#pragma omp parallel for num_threads (MIN (nt, n_chunks)) schedule (static)
  for (int chunk = 0; chunk < n_chunks; chunk++)
    {
      int c0 = chunk * CHUNK, width = MIN (CHUNK, C - c0);

      for (int r = 0; r < N; r++)
        {
          real *row;
          const real *dy = dout + (size_t) r * C + c0;

          if (ids[r] < 0 || ids[r] >= V)
            continue;
          row = dtable + (size_t) ids[r] * C + c0;
          for (int c = 0; c < width; c++)
            row[c] += dy[c] * s;
        }
    }
}

static void
FN (gather_rows) (real          *out,  // (M, C)
                  const real    *src,  // (N, C)
                  const int32_t *idx,  // (M)
                  int            M,
                  int            C,
                  int            nt)
{
#pragma omp parallel for num_threads (nt) schedule (static)
  for (int r = 0; r < M; r++)
    memcpy (out + (size_t) r * C, src + (size_t) idx[r] * C, C * sizeof (real));
}

/* Rows in order within each column chunk: with repeated indices the last
 * row wins (assign) or all add up (accumulate), as a serial loop would. */
static void
FN (scatter_rows) (real          *dst,  // (N, C)
                   const real    *src,  // (M, C)
                   const int32_t *idx,  // (M)
                   int            M,
                   int            C,
                   gboolean       accumulate,
                   int            nt)
{
  enum { CHUNK = 256 };
  int n_chunks = (C + CHUNK - 1) / CHUNK;

#pragma omp parallel for num_threads (MIN (nt, n_chunks)) schedule (static)
  for (int chunk = 0; chunk < n_chunks; chunk++)
    {
      int c0 = chunk * CHUNK, width = MIN (CHUNK, C - c0);

      for (int r = 0; r < M; r++)
        {
          real *d = dst + (size_t) idx[r] * C + c0;
          const real *s = src + (size_t) r * C + c0;

          if (accumulate)
            for (int c = 0; c < width; c++)
              d[c] += s[c];
          else
            memcpy (d, s, width * sizeof (real));
        }
    }
}

/* out[b, py·(W/P) + px, (c·P + y)·P + x] = pixels[b, c, py·P + y, px·P + x] */
static void
FN (im2col) (real       *out,     // (B, (H/P)·(W/P), Cin·P·P)
             const real *pixels,  // (B, Cin, H, W)
             int         B,
             int         Cin,
             int         H,
             int         W,
             int         P,
             int         nt)
{
  int hp = H / P, wp = W / P, F = Cin * P * P;

#pragma omp parallel for collapse (2) num_threads (nt) schedule (static)
  for (int b = 0; b < B; b++)
    for (int py = 0; py < hp; py++)
      for (int px = 0; px < wp; px++)
        {
          real *row = out + ((size_t) b * hp * wp + (size_t) py * wp + px) * F;
          for (int c = 0; c < Cin; c++)
            for (int y = 0; y < P; y++)
              memcpy (row + ((size_t) c * P + y) * P,
                      pixels + (((size_t) b * Cin + c) * H + (size_t) py * P + y) * W + (size_t) px * P,
                      P * sizeof (real));
        }
}
