/* cuda-ref.c — see cuda-ref.h. Deliberately naive: loops over the math. */
#include "config.h"

#include <math.h>     /* tanh, exp, log, sqrt */

#include "cuda-ref.h"

const float pt_ref_nf4_code[16] = {
  -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
  -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0.0f,
  0.07958029955625534f, 0.16093020141124725f, 0.24611230194568634f, 0.33791524171829224f,
  0.44070982933044434f, 0.5626170039176941f, 0.7229568362236023f, 1.0f,
};

void
pt_ref_gemm (gboolean ta, gboolean tb, int m, int n, int k, double alpha,
             const float *a, int lda, const float *b, int ldb, double beta, double *c, int ldc)
{
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++)
      {
        double acc = 0.0;
        for (int p = 0; p < k; p++)
          {
            double av = ta ? a[(size_t) p * lda + i] : a[(size_t) i * lda + p];
            double bv = tb ? b[(size_t) j * ldb + p] : b[(size_t) p * ldb + j];
            acc += av * bv;
          }
        c[(size_t) i * ldc + j] = alpha * acc + beta * c[(size_t) i * ldc + j];
      }
}

double
pt_ref_gelu (double x)
{
  return 0.5 * x * (1.0 + tanh (sqrt (2.0 / G_PI) * (x + 0.044715 * x * x * x)));
}

double
pt_ref_gelu_grad (double x)
{
  double c = sqrt (2.0 / G_PI);
  double t = tanh (c * (x + 0.044715 * x * x * x));
  return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * c * (1.0 + 3.0 * 0.044715 * x * x);
}

void
pt_ref_layernorm_forward (double *out, double *mean, double *rstd, const float *x,
                          const float *w, const float *b, int N, int C, double eps)
{
  for (int r = 0; r < N; r++)
    {
      const float *xr = x + (size_t) r * C;
      double mu = 0.0, var = 0.0, rs;
      for (int c = 0; c < C; c++)
        mu += xr[c];
      mu /= C;
      for (int c = 0; c < C; c++)
        var += (xr[c] - mu) * (xr[c] - mu);
      rs = 1.0 / sqrt (var / C + eps);
      for (int c = 0; c < C; c++)
        out[(size_t) r * C + c] = (xr[c] - mu) * rs * w[c] + (b ? b[c] : 0.0);
      mean[r] = mu;
      rstd[r] = rs;
    }
}

/* from the definition: y_c = (x_c - μ) σ⁻¹ w_c + b_c, differentiated by hand */
void
pt_ref_layernorm_backward (double *dinp, double *dw, double *db, const float *dout,
                           const float *x, const float *w, int N, int C, double eps)
{
  for (int r = 0; r < N; r++)
    {
      const float *xr = x + (size_t) r * C, *dy = dout + (size_t) r * C;
      double mu = 0.0, var = 0.0, rs, sum_g = 0.0, sum_gx = 0.0;
      for (int c = 0; c < C; c++)
        mu += xr[c];
      mu /= C;
      for (int c = 0; c < C; c++)
        var += (xr[c] - mu) * (xr[c] - mu);
      rs = 1.0 / sqrt (var / C + eps);
      for (int c = 0; c < C; c++)
        {
          double xhat = (xr[c] - mu) * rs, g = dy[c] * w[c];
          sum_g += g;
          sum_gx += g * xhat;
          if (dw)
            dw[c] += dy[c] * xhat;
          if (db)
            db[c] += dy[c];
        }
      for (int c = 0; c < C; c++)
        {
          double xhat = (xr[c] - mu) * rs, g = dy[c] * w[c];
          dinp[(size_t) r * C + c] += rs * (g - sum_g / C - xhat * sum_gx / C);
        }
    }
}

void
pt_ref_rmsnorm_forward (double *out, double *rstd, const float *x, const float *w,
                        int N, int C, double eps)
{
  for (int r = 0; r < N; r++)
    {
      const float *xr = x + (size_t) r * C;
      double ss = 0.0, rs;
      for (int c = 0; c < C; c++)
        ss += (double) xr[c] * xr[c];
      rs = 1.0 / sqrt (ss / C + eps);
      for (int c = 0; c < C; c++)
        out[(size_t) r * C + c] = xr[c] * rs * (1.0 + w[c]);
      rstd[r] = rs;
    }
}

void
pt_ref_rmsnorm_backward (double *dinp, double *dw, const float *dout, const float *x,
                         const float *w, int N, int C, double eps)
{
  for (int r = 0; r < N; r++)
    {
      const float *xr = x + (size_t) r * C, *dy = dout + (size_t) r * C;
      double ss = 0.0, rs, dot = 0.0;
      for (int c = 0; c < C; c++)
        ss += (double) xr[c] * xr[c];
      rs = 1.0 / sqrt (ss / C + eps);
      /* y_c = x_c rs (1 + w_c); ∂rs/∂x_j = -x_j rs³ / C */
      for (int c = 0; c < C; c++)
        dot += dy[c] * (1.0 + w[c]) * xr[c];
      for (int c = 0; c < C; c++)
        {
          dinp[(size_t) r * C + c] += dy[c] * (1.0 + w[c]) * rs - xr[c] * rs * rs * rs * dot / C;
          if (dw)
            dw[c] += dy[c] * xr[c] * rs;
        }
    }
}

void
pt_ref_rope (double *out, const float *x, int B, int T, int H, int D,
             const int32_t *pos_start, int pos0, double theta, gboolean inverse)
{
  int half = D / 2;
  for (int b = 0; b < B; b++)
    for (int t = 0; t < T; t++)
      for (int h = 0; h < H; h++)
        {
          size_t base = (((size_t) b * T + t) * H + h) * D;
          double pos = (pos_start ? pos_start[b] : pos0) + t;
          for (int j = 0; j < half; j++)
            {
              /* Hugging Face: inv_freq and the angle in fp32 */
              float inv_freq = 1.0f / powf ((float) theta, (float) (2 * j) / (float) D);
              double angle = (double) ((float) pos * inv_freq) * (inverse ? -1.0 : 1.0);
              double x1 = x[base + j], x2 = x[base + j + half];
              out[base + j] = x1 * cos (angle) - x2 * sin (angle);
              out[base + j + half] = x2 * cos (angle) + x1 * sin (angle);
            }
        }
}

gboolean
pt_ref_visible (const PtAttnMask *mask, int b, int i, int j, int Tk)
{
  int ks, ke, pe;

  if (mask == NULL)
    return j < Tk;
  ks = mask->key_start ? mask->key_start[b] : 0;
  ke = mask->key_end ? mask->key_end[b] : Tk;
  pe = mask->prefix_end ? mask->prefix_end[b] : 0;
  return j >= ks && j < ke && j < Tk && (j < pe || (mask->causal && j <= mask->q_offset + i))
         && (mask->window <= 0 || mask->q_offset + i < pe || j > mask->q_offset + i - mask->window);
}

/* probabilities of row (b, i, h) over keys; returns FALSE when no key is
 * visible. With a softcap, cap (when not NULL) receives d s_capped / d s
 * = 1 - (s_capped / softcap)² per key. */
static gboolean
softmax_row (double *p, double *lse, const float *q, const float *k, int b, int i, int h,
             int Tq, int Tk, int tk_alloc, int Hq, int Hkv, int D, double scale,
             const PtAttnMask *mask, double *cap)
{
  int hk = h / (Hq / Hkv);
  const float *qi = q + (((size_t) b * Tq + i) * Hq + h) * D;
  double mx = -INFINITY, sum = 0.0;

  for (int j = 0; j < Tk; j++)
    {
      const float *kj = k + (((size_t) b * tk_alloc + j) * Hkv + hk) * D;
      double s = 0.0;
      if (cap != NULL)
        cap[j] = 1.0;
      if (!pt_ref_visible (mask, b, i, j, Tk))
        {
          p[j] = -INFINITY;
          continue;
        }
      for (int d = 0; d < D; d++)
        s += (double) qi[d] * kj[d];
      p[j] = s * scale;
      if (mask != NULL && mask->softcap > 0)
        p[j] = mask->softcap * tanh (p[j] / mask->softcap);
      if (cap != NULL && mask != NULL && mask->softcap > 0)
        cap[j] = 1.0 - (p[j] / mask->softcap) * (p[j] / mask->softcap);
      mx = MAX (mx, p[j]);
    }
  if (mx == -INFINITY)
    {
      for (int j = 0; j < Tk; j++)
        p[j] = 0.0;
      *lse = -INFINITY;
      return FALSE;
    }
  for (int j = 0; j < Tk; j++)
    sum += p[j] == -INFINITY ? 0.0 : exp (p[j] - mx);
  for (int j = 0; j < Tk; j++)
    p[j] = p[j] == -INFINITY ? 0.0 : exp (p[j] - mx) / sum;
  *lse = mx + log (sum);
  return TRUE;
}

void
pt_ref_attention_forward (double *out, double *lse, const float *q, const float *k,
                          const float *v, int B, int Tq, int Tk, int tk_alloc, int Hq, int Hkv,
                          int D, double scale, const PtAttnMask *mask)
{
  g_autofree double *p = g_new (double, Tk + 1);

  for (int b = 0; b < B; b++)
    for (int i = 0; i < Tq; i++)
      for (int h = 0; h < Hq; h++)
        {
          int hk = h / (Hq / Hkv);
          double *o = out + (((size_t) b * Tq + i) * Hq + h) * D;
          softmax_row (p, &lse[((size_t) b * Hq + h) * Tq + i], q, k, b, i, h, Tq, Tk, tk_alloc,
                       Hq, Hkv, D, scale, mask, NULL);
          for (int d = 0; d < D; d++)
            {
              double acc = 0.0;
              for (int j = 0; j < Tk; j++)
                acc += p[j] * v[(((size_t) b * tk_alloc + j) * Hkv + hk) * D + d];
              o[d] = acc;
            }
        }
}

/* S = scale q·k (softcapped: cap·tanh(S/cap)), P = softmax(S); dP = dO·vᵀ;
 * dS = P ∘ (dP − rowsum(P ∘ dP)) (∘ (1 - (S/cap)²) with a softcap);
 * dq = scale dS k, dk = scale dSᵀ q, dv = Pᵀ dO */
void
pt_ref_attention_backward (double *dq, double *dk, double *dv, const float *dout,
                           const float *q, const float *k, const float *v, int B, int Tq,
                           int Tk, int tk_alloc, int Hq, int Hkv, int D, double scale,
                           const PtAttnMask *mask)
{
  g_autofree double *p = g_new (double, Tk + 1);
  g_autofree double *dp = g_new (double, Tk + 1);
  g_autofree double *cap = g_new (double, Tk + 1);

  for (int b = 0; b < B; b++)
    for (int j = 0; j < Tk; j++)
      for (int hk = 0; hk < Hkv; hk++)
        for (int d = 0; d < D; d++)
          {
            dk[(((size_t) b * tk_alloc + j) * Hkv + hk) * D + d] = 0.0;
            dv[(((size_t) b * tk_alloc + j) * Hkv + hk) * D + d] = 0.0;
          }
  for (int b = 0; b < B; b++)
    for (int i = 0; i < Tq; i++)
      for (int h = 0; h < Hq; h++)
        {
          int hk = h / (Hq / Hkv);
          size_t qo = (((size_t) b * Tq + i) * Hq + h) * D;
          double lse, rowsum = 0.0;

          for (int d = 0; d < D; d++)
            dq[qo + d] = 0.0;
          if (!softmax_row (p, &lse, q, k, b, i, h, Tq, Tk, tk_alloc, Hq, Hkv, D, scale, mask, cap))
            continue;
          for (int j = 0; j < Tk; j++)
            {
              const float *vj = v + (((size_t) b * tk_alloc + j) * Hkv + hk) * D;
              dp[j] = 0.0;
              for (int d = 0; d < D; d++)
                dp[j] += (double) dout[qo + d] * vj[d];
              rowsum += p[j] * dp[j];
            }
          for (int j = 0; j < Tk; j++)
            {
              size_t ko = (((size_t) b * tk_alloc + j) * Hkv + hk) * D;
              double ds = p[j] * (dp[j] - rowsum) * cap[j];
              for (int d = 0; d < D; d++)
                {
                  dq[qo + d] += scale * ds * k[ko + d];
                  dk[ko + d] += scale * ds * q[qo + d];
                  dv[ko + d] += p[j] * dout[qo + d];
                }
            }
        }
}

void
pt_ref_cross_entropy (double *losses, double *dlogits, const float *logits,
                      const int32_t *targets, int M, int V, double grad_scale)
{
  for (int r = 0; r < M; r++)
    {
      const float *x = logits + (size_t) r * V;
      int t = targets[r];
      double mx = -INFINITY, sum = 0.0, lse;
      gboolean valid = t >= 0 && t < V;

      for (int i = 0; i < V; i++)
        mx = MAX (mx, x[i]);
      for (int i = 0; i < V; i++)
        sum += exp (x[i] - mx);
      lse = mx + log (sum);
      losses[r] = valid ? lse - x[t] : 0.0;
      if (dlogits != NULL)
        for (int i = 0; i < V; i++)
          dlogits[(size_t) r * V + i] = valid ? (exp (x[i] - lse) - (i == t)) * grad_scale : 0.0;
    }
}

void
pt_ref_adamw (double *p, const double *g, double *m, double *v, size_t n, double lr,
              double b1, double b2, double eps, double wd, int step, double grad_scale)
{
  double bc1 = 1.0 - pow (b1, step), bc2 = 1.0 - pow (b2, step);
  for (size_t i = 0; i < n; i++)
    {
      double gi = g[i] * grad_scale;
      p[i] *= 1.0 - lr * wd;
      m[i] = b1 * m[i] + (1.0 - b1) * gi;
      v[i] = b2 * v[i] + (1.0 - b2) * gi * gi;
      p[i] -= lr / bc1 * m[i] / (sqrt (v[i]) / sqrt (bc2) + eps);
    }
}
