/* pt-cpu-rope.inc.c — rotary embedding, half-split (NeoX / HF rotate_half),
 * written once (see pt-cpu-elementwise.inc.c for the `real` / FN convention).
 *
 * As HF's GemmaRotaryEmbedding for `real` = float: inv_freq_j =
 * 1 / theta^(2j/D) and the angle pos·inv_freq_j in fp32, cos/sin in fp32;
 * for `real` = double everything is double. Then, for j < D/2,
 *   x'_j       = x_j·cos - x_{j+D/2}·sin
 *   x'_{j+D/2} = x_{j+D/2}·cos + x_j·sin
 * which is x·cos + rotate_half(x)·sin; the inverse uses -sin.
 */

static void
FN (rope) (real          *x,          // (B, T, H, D), in place
           int            B,
           int            T,
           int            H,
           int            D,
           const int32_t *pos_start,  // (B) or NULL
           int            pos0,
           double         theta,
           gboolean       inverse,
           int            nt)
{
  int half = D / 2;
  real *inv_freq = g_new (real, MAX (half, 1));

  for (int j = 0; j < half; j++)
    inv_freq[j] = (real) 1 / pow ((real) theta, (real) (2 * j) / (real) D);

#pragma omp parallel for collapse (2) num_threads (nt) schedule (static)
  for (int b = 0; b < B; b++)
    for (int t = 0; t < T; t++)
      {
        real pos = (real) ((pos_start != NULL ? pos_start[b] : pos0) + t);
        real *row = x + ((size_t) b * T + t) * H * D;

        for (int j = 0; j < half; j++)
          {
            real angle = pos * inv_freq[j];
            real c = cos (angle), s = inverse ? -sin (angle) : sin (angle);

            for (int h = 0; h < H; h++)
              {
                real *xh = row + (size_t) h * D;
                real x1 = xh[j], x2 = xh[j + half];
                xh[j] = x1 * c - x2 * s;
                xh[j + half] = x2 * c + x1 * s;
              }
          }
      }
  g_free (inv_freq);
}
