/* pt-cuda-attention.cu — the attention ops: shape checks and the choice of
 * path (pt-cuda-attention-gemm.cu: scores through cuBLAS, used when they fit
 * the score budget), and the flash-attention style kernels, the fallback:
 * prefix-LM mask, MQA/GQA, head_dim up to 256, fp32 math (softmax in acc
 * precision), no score buffer.
 *
 * Forward: a block takes 16 query rows of one (batch row, head): 4 warps of
 * 4 rows. Keys come in tiles of 32 through shared memory; lane j scores key
 * j against the warp's rows, the warp keeps an online softmax (running max m,
 * sum l) per row and rescales its output accumulator (each lane owns the
 * columns lane, lane+32, …). lse = m + log l is saved for the backward.
 *
 * Backward (FlashAttention-2, recomputing P from lse, no atomics):
 *   Dsum_i = Σ_d dO_i·O_i                          (attn_dsum_kernel)
 *   dQ_i  = scale Σ_j P_ij (dO_i·v_j − Dsum_i) k_j (attn_dq_kernel, like the forward)
 *   dV_j  = Σ_i P_ij dO_i,  dK_j = scale Σ_i dS_ij q_i
 *                                                 (attn_dkv_kernel: a block owns 16
 *                                                  keys and sweeps every query row of
 *                                                  every query head of its kv head)
 * Key tiles and query tiles that the mask hides entirely are skipped, those
 * outside a sliding window too. With a logit softcap the scores are capped
 * (tanhf) where they are scaled, and dS gains the factor 1 - (s/cap)².
 */
#include "config.h"

#include <math.h>           /* INFINITY */

#include "pt-cuda-private.h"
#include "pt-cuda-attention.h"

#define WARPS 4
#define ROWS 4                    /* query rows per warp (forward, dq) */
#define BQ (WARPS * ROWS)         /* query rows per block */
#define BK 32                     /* keys per tile: one per lane */
#define KROWS 4                   /* keys per warp in the dkv kernel */
#define BKV (WARPS * KROWS)       /* keys per dkv block */
#define QT 32                     /* query rows per tile in the dkv kernel: one per lane */
#define MAX_HEAD_DIM 256

/* [lo, hi): the keys any query row in [q0, q1) can see. The window raises
 * the lower end only when every row is past the prefix (a prefix row sees
 * the prefix from key_start on); the union of the rows' intervals has no
 * hole, since a suffix row's window reaches back at most to key_start. */
static __device__ __forceinline__ void
key_range (const MaskArgs &mk, int b, int q0, int q1, int Tk, int *lo, int *hi)
{
  if (mk.all_visible)
    {
      *lo = 0;
      *hi = Tk;
      return;
    }
  *lo = pt_imax (mk.key_start[b], 0);
  if (mk.window > 0 && mk.q_offset + q0 >= mk.prefix_end[b])
    *lo = pt_imax (*lo, mk.q_offset + q0 - mk.window + 1);
  *hi = pt_imin (mk.key_end[b], Tk);
  *hi = pt_imin (*hi, pt_imax (mk.prefix_end[b], mk.causal ? mk.q_offset + q1 : 0));
}

/* [*q_lo, *q_hi): the query rows that can see any key in [k0, k1) (empty
 * when none can). A key j is seen by the prefix rows (j < prefix_end), by
 * the causal rows from j on, and with a window only by the rows before
 * j + window past the prefix. */
static __device__ __forceinline__ void
query_range (const MaskArgs &mk, int b, int k0, int k1, int Tq, int *q_lo, int *q_hi)
{
  int first;

  *q_lo = 0;
  *q_hi = Tq;
  if (mk.all_visible)
    return;
  first = pt_imax (k0, mk.key_start[b]);
  if (k1 <= mk.key_start[b] || k0 >= mk.key_end[b])
    *q_lo = Tq;
  else if (first < mk.prefix_end[b])
    *q_lo = 0;
  else if (mk.causal)
    *q_lo = pt_imin (Tq, pt_imax (0, first - mk.q_offset));
  else
    *q_lo = Tq;
  if (mk.window > 0)
    {
      /* the last key k1 - 1 is in the window of positions < k1 - 1 + window;
       * every prefix row sees a key below prefix_end */
      int end = k1 - 1 + mk.window - mk.q_offset;
      if (first < mk.prefix_end[b])
        end = pt_imax (end, mk.prefix_end[b] - mk.q_offset);
      *q_hi = pt_imin (Tq, pt_imax (0, end));
    }
}

/* Keys and values [k0, k0 + BK) of batch row b, key head hk into shared
 * memory (zeros from hi on): K at row stride ks, V at row stride vs. */
template <typename T>
static __device__ __forceinline__ void
load_kv_tile (float *Ks, int ks, float *Vs, int vs, const T *k, const T *v, const Dims &dm,
              int b, int hk, int k0, int hi)
{
  const int D = dm.D;

  for (int idx = threadIdx.x; idx < BK * D; idx += blockDim.x)
    {
      int jj = idx / D, d = idx % D, j = k0 + jj;
      float kv = 0.0f, vv = 0.0f;
      if (j < hi)
        {
          size_t off = (((size_t) b * dm.tk_alloc + j) * dm.Hkv + hk) * D + d;
          kv = pt_to_f (k[off]);
          vv = pt_to_f (v[off]);
        }
      Ks[jj * ks + d] = kv;
      Vs[jj * vs + d] = vv;
    }
}

/* the scores of a lane's N rows, scaled and softcapped (soft_cap), with one
 * branch for all rows: so the forward kernel keeps the registers it had
 * without a softcap, where soft_cap per row cost it 8 to 16 (ptxas, sm_90,
 * tools/cuda-regs.sh); the dQ kernel fares better with soft_cap per row */
template <int N>
static __device__ __forceinline__ void
scale_scores (float (&s)[N], float scale, float cap)
{
  if (cap > 0.0f)
    for (int r = 0; r < N; r++)
      s[r] = tanhf (s[r] * scale / cap) * cap;
  else
    for (int r = 0; r < N; r++)
      s[r] *= scale;
}

/* acc[r][c] += Σ_jj W[r][jj] · tile[jj][lane + 32c], jj in order: a warp's
 * ROWS rows of weights (W, rows of BK) times a tile of BK rows at stride ts. */
template <int NI>
static __device__ __forceinline__ void
accumulate_tile (float (&acc)[ROWS][NI], const float *W, const float *tile, int ts, int D, int lane)
{
  for (int jj = 0; jj < BK; jj++)
    for (int c = 0; c < NI; c++)
      {
        int d = lane + 32 * c;
        if (d < D)
          {
            float t = tile[jj * ts + d];
            for (int r = 0; r < ROWS; r++)
              acc[r][c] += W[r * BK + jj] * t;
          }
      }
}

/* ---- forward ------------------------------------------------------------- */

template <typename T, int NI>
__global__ static void __launch_bounds__ (WARPS * 32)
attn_fwd_kernel (T *out, float *lse, const T *q, const T *k, const T *v, Dims dm, MaskArgs mk)
{
  PT_DYNAMIC_SMEM (float, smem);
  const int D = dm.D, KS = odd_stride (D);
  float *Qs = smem;                       /* (BQ, D) */
  float *Ks = Qs + BQ * D;                /* (BK, KS) */
  float *Vs = Ks + BK * KS;               /* (BK, D) */
  float *Ps = Vs + BK * D;                /* (WARPS, ROWS, BK) */
  const int b = blockIdx.z, h = blockIdx.y, q0 = blockIdx.x * BQ;
  const int hk = h / (dm.Hq / dm.Hkv);
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  float m[ROWS], l[ROWS], acc[ROWS][NI];
  int lo, hi;

  for (int idx = threadIdx.x; idx < BQ * D; idx += blockDim.x)
    {
      int r = idx / D, d = idx % D, i = q0 + r;
      Qs[idx] = i < dm.Tq ? pt_to_f (q[(((size_t) b * dm.Tq + i) * dm.Hq + h) * D + d]) : 0.0f;
    }
  for (int r = 0; r < ROWS; r++)
    {
      m[r] = -INFINITY;
      l[r] = 0.0f;
      for (int c = 0; c < NI; c++)
        acc[r][c] = 0.0f;
    }
  key_range (mk, b, q0, pt_imin (q0 + BQ, dm.Tq), dm.Tk, &lo, &hi);

  for (int k0 = lo; k0 < hi; k0 += BK)
    {
      float s[ROWS];

      __syncthreads ();   /* the previous tile is consumed (and Qs is loaded) */
      load_kv_tile (Ks, KS, Vs, D, k, v, dm, b, hk, k0, hi);
      __syncthreads ();

      for (int r = 0; r < ROWS; r++)
        s[r] = 0.0f;
      for (int d = 0; d < D; d++)
        {
          float kd = Ks[lane * KS + d];
          for (int r = 0; r < ROWS; r++)
            s[r] += Qs[(warp * ROWS + r) * D + d] * kd;
        }
      scale_scores (s, dm.scale, mk.softcap);
      for (int r = 0; r < ROWS; r++)
        {
          int i = q0 + warp * ROWS + r, j = k0 + lane;
          bool vis = j < hi && i < dm.Tq && visible (mk, b, i, j);
          float sc = vis ? s[r] : -INFINITY;
          float m_new = fmaxf (m[r], pt_warp_max (sc));
          float p = vis ? expf (sc - m_new) : 0.0f;
          float corr = m_new == -INFINITY ? 1.0f : expf (m[r] - m_new);

          l[r] = l[r] * corr + pt_warp_sum (p);
          m[r] = m_new;
          Ps[(warp * ROWS + r) * BK + lane] = p;
          for (int c = 0; c < NI; c++)
            acc[r][c] *= corr;
        }
      __syncwarp ();
      accumulate_tile<NI> (acc, Ps + warp * ROWS * BK, Vs, D, D, lane);
    }

  for (int r = 0; r < ROWS; r++)
    {
      int i = q0 + warp * ROWS + r;
      float inv = l[r] > 0.0f ? 1.0f / l[r] : 0.0f;
      if (i >= dm.Tq)
        continue;
      for (int c = 0; c < NI; c++)
        {
          int d = lane + 32 * c;
          if (d < D)
            out[(((size_t) b * dm.Tq + i) * dm.Hq + h) * D + d] = pt_from_f<T> (acc[r][c] * inv);
        }
      if (lane == 0 && lse != NULL)
        lse[((size_t) b * dm.Hq + h) * dm.Tq + i] = l[r] > 0.0f ? m[r] + logf (l[r]) : -INFINITY;
    }
}

/* ---- backward: Dsum ------------------------------------------------------------ */

/* dsum (B, Hq, Tq) = Σ_d dout·out, one warp per (b, i, h) */
template <typename T>
__global__ static void
attn_dsum_kernel (float *dsum, const T *dout, const T *out, Dims dm)
{
  size_t row = (size_t) blockIdx.x * WARPS + (threadIdx.x >> 5);
  int lane = threadIdx.x & 31;
  size_t n_rows = (size_t) dm.B * dm.Tq * dm.Hq;
  float acc = 0.0f;

  if (row >= n_rows)
    return;
  for (int d = lane; d < dm.D; d += 32)
    acc += pt_to_f (dout[row * dm.D + d]) * pt_to_f (out[row * dm.D + d]);
  acc = pt_warp_sum (acc);
  if (lane == 0)
    {
      int h = (int) (row % dm.Hq), i = (int) ((row / dm.Hq) % dm.Tq), b = (int) (row / ((size_t) dm.Hq * dm.Tq));
      dsum[((size_t) b * dm.Hq + h) * dm.Tq + i] = acc;
    }
}

void
pt_cuda_attention_dsum (PtCudaBackend *self, float *dsum, const void *dout, const void *out,
                        const Dims &dm)
{
  size_t n_rows = (size_t) dm.B * dm.Tq * dm.Hq;
  unsigned blocks = (unsigned) ((n_rows + WARPS - 1) / WARPS);

  if (self->parent.act_dtype == PT_DTYPE_BF16)
    pt_cuda_launch (self, "attention_backward", attn_dsum_kernel<__nv_bfloat16>, blocks, WARPS * 32, 0,
                    dsum, (const __nv_bfloat16 *) dout, (const __nv_bfloat16 *) out, dm);
  else
    pt_cuda_launch (self, "attention_backward", attn_dsum_kernel<float>, blocks, WARPS * 32, 0,
                    dsum, (const float *) dout, (const float *) out, dm);
}

/* ---- backward: dQ -------------------------------------------------------------- */

template <typename T, int NI>
__global__ static void __launch_bounds__ (WARPS * 32)
attn_dq_kernel (T *dq, const T *dout, const float *lse, const float *dsum, const T *q,
                const T *k, const T *v, Dims dm, MaskArgs mk)
{
  PT_DYNAMIC_SMEM (float, smem);
  const int D = dm.D, KS = odd_stride (D);
  float *Qs = smem;                       /* (BQ, D) */
  float *dOs = Qs + BQ * D;               /* (BQ, D) */
  float *Ks = dOs + BQ * D;               /* (BK, KS) */
  float *Vs = Ks + BK * KS;               /* (BK, KS) */
  float *dSs = Vs + BK * KS;              /* (WARPS, ROWS, BK) */
  const int b = blockIdx.z, h = blockIdx.y, q0 = blockIdx.x * BQ;
  const int hk = h / (dm.Hq / dm.Hkv);
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  float row_lse[ROWS], row_dsum[ROWS], acc[ROWS][NI];
  int lo, hi;

  for (int idx = threadIdx.x; idx < BQ * D; idx += blockDim.x)
    {
      int r = idx / D, d = idx % D, i = q0 + r;
      size_t off = (((size_t) b * dm.Tq + i) * dm.Hq + h) * D + d;
      Qs[idx] = i < dm.Tq ? pt_to_f (q[off]) : 0.0f;
      dOs[idx] = i < dm.Tq ? pt_to_f (dout[off]) : 0.0f;
    }
  for (int r = 0; r < ROWS; r++)
    {
      int i = q0 + warp * ROWS + r;
      size_t si = ((size_t) b * dm.Hq + h) * dm.Tq + i;
      row_lse[r] = i < dm.Tq ? lse[si] : INFINITY;
      row_dsum[r] = i < dm.Tq ? dsum[si] : 0.0f;
      for (int c = 0; c < NI; c++)
        acc[r][c] = 0.0f;
    }
  key_range (mk, b, q0, pt_imin (q0 + BQ, dm.Tq), dm.Tk, &lo, &hi);

  for (int k0 = lo; k0 < hi; k0 += BK)
    {
      float s[ROWS], dp[ROWS];

      __syncthreads ();
      load_kv_tile (Ks, KS, Vs, KS, k, v, dm, b, hk, k0, hi);
      __syncthreads ();

      for (int r = 0; r < ROWS; r++)
        s[r] = dp[r] = 0.0f;
      for (int d = 0; d < D; d++)
        {
          float kd = Ks[lane * KS + d], vd = Vs[lane * KS + d];
          for (int r = 0; r < ROWS; r++)
            {
              s[r] += Qs[(warp * ROWS + r) * D + d] * kd;
              dp[r] += dOs[(warp * ROWS + r) * D + d] * vd;
            }
        }
      /* soft_cap per row: scale_scores here costs this kernel registers and spills */
      for (int r = 0; r < ROWS; r++)
        {
          int i = q0 + warp * ROWS + r, j = k0 + lane;
          bool vis = j < hi && i < dm.Tq && visible (mk, b, i, j);
          float sc = soft_cap (s[r] * dm.scale, mk.softcap);
          float p = vis ? expf (sc - row_lse[r]) : 0.0f;
          dSs[(warp * ROWS + r) * BK + lane] = p * (dp[r] - row_dsum[r])
                                               * soft_cap_grad (sc, mk.softcap);
        }
      __syncwarp ();
      accumulate_tile<NI> (acc, dSs + warp * ROWS * BK, Ks, KS, D, lane);
    }

  for (int r = 0; r < ROWS; r++)
    {
      int i = q0 + warp * ROWS + r;
      if (i >= dm.Tq)
        continue;
      for (int c = 0; c < NI; c++)
        {
          int d = lane + 32 * c;
          if (d < D)
            dq[(((size_t) b * dm.Tq + i) * dm.Hq + h) * D + d] = pt_from_f<T> (acc[r][c] * dm.scale);
        }
    }
}

/* ---- backward: dK, dV ------------------------------------------------------------ */

template <typename T, int NI>
__global__ static void __launch_bounds__ (WARPS * 32)
attn_dkv_kernel (T *dk, T *dv, const T *dout, const float *lse, const float *dsum, const T *q,
                 const T *k, const T *v, Dims dm, MaskArgs mk)
{
  PT_DYNAMIC_SMEM (float, smem);
  const int D = dm.D, KS = odd_stride (D);
  float *Ks = smem;                       /* (BKV, D) */
  float *Vs = Ks + BKV * D;               /* (BKV, D) */
  float *Qs = Vs + BKV * D;               /* (QT, KS) */
  float *dOs = Qs + QT * KS;              /* (QT, KS) */
  float *lse_s = dOs + QT * KS;           /* (QT) */
  float *dsum_s = lse_s + QT;             /* (QT) */
  float *Ps = dsum_s + QT;                /* (WARPS, KROWS, QT) */
  float *dSs = Ps + WARPS * KROWS * QT;   /* (WARPS, KROWS, QT) */
  const int b = blockIdx.z, hk = blockIdx.y, k0 = blockIdx.x * BKV;
  const int group = dm.Hq / dm.Hkv;
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int k1 = pt_imin (k0 + BKV, dm.Tk);
  float dk_acc[KROWS][NI], dv_acc[KROWS][NI];
  int q_lo, q_hi;

  for (int idx = threadIdx.x; idx < BKV * D; idx += blockDim.x)
    {
      int jj = idx / D, d = idx % D, j = k0 + jj;
      size_t off = (((size_t) b * dm.tk_alloc + j) * dm.Hkv + hk) * D + d;
      Ks[idx] = j < dm.Tk ? pt_to_f (k[off]) : 0.0f;
      Vs[idx] = j < dm.Tk ? pt_to_f (v[off]) : 0.0f;
    }
  for (int r = 0; r < KROWS; r++)
    for (int c = 0; c < NI; c++)
      dk_acc[r][c] = dv_acc[r][c] = 0.0f;
  query_range (mk, b, k0, k1, dm.Tq, &q_lo, &q_hi);

  for (int h = hk * group; h < (hk + 1) * group; h++)
    for (int qt = q_lo; qt < q_hi; qt += QT)
      {
        float s[KROWS], dp[KROWS];
        int i = qt + lane;

        __syncthreads ();   /* the previous query tile is consumed (and K, V are loaded) */
        for (int idx = threadIdx.x; idx < QT * D; idx += blockDim.x)
          {
            int ii = idx / D, d = idx % D, qi = qt + ii;
            size_t off = (((size_t) b * dm.Tq + qi) * dm.Hq + h) * D + d;
            Qs[ii * KS + d] = qi < dm.Tq ? pt_to_f (q[off]) : 0.0f;
            dOs[ii * KS + d] = qi < dm.Tq ? pt_to_f (dout[off]) : 0.0f;
          }
        if (threadIdx.x < QT)
          {
            int qi = qt + threadIdx.x;
            size_t si = ((size_t) b * dm.Hq + h) * dm.Tq + qi;
            lse_s[threadIdx.x] = qi < dm.Tq ? lse[si] : INFINITY;
            dsum_s[threadIdx.x] = qi < dm.Tq ? dsum[si] : 0.0f;
          }
        __syncthreads ();

        for (int r = 0; r < KROWS; r++)
          s[r] = dp[r] = 0.0f;
        for (int d = 0; d < D; d++)
          {
            float qd = Qs[lane * KS + d], dod = dOs[lane * KS + d];
            for (int r = 0; r < KROWS; r++)
              {
                s[r] += qd * Ks[(warp * KROWS + r) * D + d];
                dp[r] += dod * Vs[(warp * KROWS + r) * D + d];
              }
          }
        scale_scores (s, dm.scale, mk.softcap);
        for (int r = 0; r < KROWS; r++)
          {
            int j = k0 + warp * KROWS + r;
            bool vis = i < dm.Tq && j < dm.Tk && visible (mk, b, i, j);
            float p = vis ? expf (s[r] - lse_s[lane]) : 0.0f;
            Ps[(warp * KROWS + r) * QT + lane] = p;
            dSs[(warp * KROWS + r) * QT + lane] = p * (dp[r] - dsum_s[lane])
                                                  * soft_cap_grad (s[r], mk.softcap);
          }
        __syncwarp ();
        for (int ii = 0; ii < QT; ii++)
          for (int c = 0; c < NI; c++)
            {
              int d = lane + 32 * c;
              if (d < D)
                {
                  float qd = Qs[ii * KS + d], dod = dOs[ii * KS + d];
                  for (int r = 0; r < KROWS; r++)
                    {
                      dv_acc[r][c] += Ps[(warp * KROWS + r) * QT + ii] * dod;
                      dk_acc[r][c] += dSs[(warp * KROWS + r) * QT + ii] * qd;
                    }
                }
            }
      }

  for (int r = 0; r < KROWS; r++)
    {
      int j = k0 + warp * KROWS + r;
      if (j >= dm.Tk)
        continue;
      for (int c = 0; c < NI; c++)
        {
          int d = lane + 32 * c;
          if (d < D)
            {
              size_t off = (((size_t) b * dm.tk_alloc + j) * dm.Hkv + hk) * D + d;
              dk[off] = pt_from_f<T> (dk_acc[r][c] * dm.scale);
              dv[off] = pt_from_f<T> (dv_acc[r][c]);
            }
        }
    }
}

/* ---- host side ------------------------------------------------------------------ */

static size_t
fwd_smem (int D)
{
  return sizeof (float) * ((size_t) BQ * D + (size_t) BK * odd_stride (D) + (size_t) BK * D
                           + WARPS * ROWS * BK);
}

static size_t
dq_smem (int D)
{
  return sizeof (float) * (2 * (size_t) BQ * D + 2 * (size_t) BK * odd_stride (D)
                           + WARPS * ROWS * BK);
}

static size_t
dkv_smem (int D)
{
  return sizeof (float) * (2 * (size_t) BKV * D + 2 * (size_t) QT * odd_stride (D) + 2 * QT
                           + 2 * WARPS * KROWS * QT);
}

gboolean
pt_cuda_attention_prepare (PtCudaBackend *self, const char *op, int B, int Tq, int Tk, int tk_alloc, int Hq,
         int Hkv, int D, double scale, const PtAttnMask *mask, Dims *dm, MaskArgs *mk)
{
  if (B <= 0 || Tq <= 0 || Hq <= 0 || Hkv <= 0 || D <= 0)
    return FALSE;
  if (B > PT_MAX_BATCH || Hq % Hkv != 0 || D > MAX_HEAD_DIM || Tk > tk_alloc || Tk < 0)
    {
      g_critical ("%s: unsupported shape (B %d, Hq %d, Hkv %d, D %d, Tk %d, tk_alloc %d)",
                  op, B, Hq, Hkv, D, Tk, tk_alloc);
      pt_cuda_latch (self, cudaErrorInvalidValue, op);
      return FALSE;
    }
  dm->B = B;
  dm->Tq = Tq;
  dm->Tk = Tk;
  dm->tk_alloc = tk_alloc;
  dm->Hq = Hq;
  dm->Hkv = Hkv;
  dm->D = D;
  dm->scale = (float) scale;
  memset (mk, 0, sizeof *mk);
  if (mask == NULL)
    {
      mk->all_visible = 1;
      return TRUE;
    }
  for (int b = 0; b < B; b++)
    {
      mk->key_start[b] = mask->key_start != NULL ? mask->key_start[b] : 0;
      mk->key_end[b] = mask->key_end != NULL ? mask->key_end[b] : Tk;
      mk->prefix_end[b] = mask->prefix_end != NULL ? mask->prefix_end[b] : 0;
    }
  mk->causal = mask->causal;
  mk->q_offset = mask->q_offset;
  /* a window hides key j from position qp when j <= qp - window: nothing
   * when it reaches back past key 0 from the last query (PaliGemma 2's 4096
   * at 224 and 448 px); the kernels then take the path without one */
  mk->window = mask->window > 0 && mask->window < mask->q_offset + Tq ? mask->window : 0;
  mk->softcap = (float) mask->softcap;
  return TRUE;
}

template <typename T, int NI>
static void
forward (PtCudaBackend *self, T *out, float *lse, const T *q, const T *k, const T *v,
         const Dims &dm, const MaskArgs &mk)
{
  size_t smem = fwd_smem (dm.D);
  dim3 grid ((unsigned) ((dm.Tq + BQ - 1) / BQ), (unsigned) dm.Hq, (unsigned) dm.B);

  if (!pt_cuda_allow_smem (self, (const void *) attn_fwd_kernel<T, NI>, smem, "attention_forward"))
    return;
  pt_cuda_launch (self, "attention_forward", attn_fwd_kernel<T, NI>, grid, WARPS * 32, smem,
                  out, lse, q, k, v, dm, mk);
}

template <typename T, int NI>
static void
backward (PtCudaBackend *self, T *dq, T *dk, T *dv, const T *dout, const T *out, const float *lse,
          const T *q, const T *k, const T *v, const Dims &dm, const MaskArgs &mk)
{
  const char *op = "attention_backward";
  size_t n_rows = (size_t) dm.B * dm.Tq * dm.Hq;
  float *dsum = (float *) pt_cuda_scratch (self, n_rows * sizeof (float), op);
  dim3 grid_q ((unsigned) ((dm.Tq + BQ - 1) / BQ), (unsigned) dm.Hq, (unsigned) dm.B);
  dim3 grid_kv ((unsigned) ((dm.Tk + BKV - 1) / BKV), (unsigned) dm.Hkv, (unsigned) dm.B);

  if (dsum == NULL)
    return;
  if (!pt_cuda_allow_smem (self, (const void *) attn_dq_kernel<T, NI>, dq_smem (dm.D), op)
      || !pt_cuda_allow_smem (self, (const void *) attn_dkv_kernel<T, NI>, dkv_smem (dm.D), op))
    return;
  pt_cuda_launch (self, op, attn_dsum_kernel<T>, (unsigned) ((n_rows + WARPS - 1) / WARPS),
                  WARPS * 32, 0, dsum, dout, out, dm);
  pt_cuda_launch (self, op, attn_dq_kernel<T, NI>, grid_q, WARPS * 32, dq_smem (dm.D),
                  dq, dout, lse, (const float *) dsum, q, k, v, dm, mk);
  if (dm.Tk > 0)
    pt_cuda_launch (self, op, attn_dkv_kernel<T, NI>, grid_kv, WARPS * 32, dkv_smem (dm.D),
                    dk, dv, dout, lse, (const float *) dsum, q, k, v, dm, mk);
}

/* head_dim ≤ 32·NI: the per-lane accumulator is NI columns wide */
#define DISPATCH_NI(D, call_template) \
  do { \
    if ((D) <= 64) { call_template (2); } \
    else if ((D) <= 96) { call_template (3); } \
    else if ((D) <= 128) { call_template (4); } \
    else { call_template (8); } \
  } while (0)

static void
cuda_attention_forward (PtBackend *be, void *out, void *lse, const void *q, const void *k,
                        const void *v, int B, int Tq, int Tk, int tk_alloc, int Hq, int Hkv,
                        int D, double scale, const PtAttnMask *mask)
{
  PtCudaBackend *self = pt_cuda (be);
  Dims dm;
  MaskArgs mk;

  if (!pt_cuda_attention_prepare (self, "attention_forward", B, Tq, Tk, tk_alloc, Hq, Hkv, D, scale, mask, &dm, &mk))
    return;
  if (pt_cuda_attention_gemm_forward (self, out, lse, q, k, v, dm, mk))
    return;
#define FWD_BF16(NI) forward<__nv_bfloat16, NI> (self, (__nv_bfloat16 *) out, (float *) lse, \
    (const __nv_bfloat16 *) q, (const __nv_bfloat16 *) k, (const __nv_bfloat16 *) v, dm, mk)
#define FWD_F32(NI) forward<float, NI> (self, (float *) out, (float *) lse, (const float *) q, \
    (const float *) k, (const float *) v, dm, mk)
  if (be->act_dtype == PT_DTYPE_BF16)
    DISPATCH_NI (D, FWD_BF16);
  else
    DISPATCH_NI (D, FWD_F32);
#undef FWD_BF16
#undef FWD_F32
}

static void
cuda_attention_backward (PtBackend *be, void *dq, void *dk, void *dv, const void *dout,
                         const void *out, const void *lse, const void *q, const void *k,
                         const void *v, int B, int Tq, int Tk, int tk_alloc, int Hq, int Hkv,
                         int D, double scale, const PtAttnMask *mask)
{
  PtCudaBackend *self = pt_cuda (be);
  Dims dm;
  MaskArgs mk;

  if (!pt_cuda_attention_prepare (self, "attention_backward", B, Tq, Tk, tk_alloc, Hq, Hkv, D, scale, mask, &dm, &mk))
    return;
  if (pt_cuda_attention_gemm_backward (self, dq, dk, dv, dout, out, lse, q, k, v, dm, mk))
    return;
#define BWD_BF16(NI) backward<__nv_bfloat16, NI> (self, (__nv_bfloat16 *) dq, (__nv_bfloat16 *) dk, \
    (__nv_bfloat16 *) dv, (const __nv_bfloat16 *) dout, (const __nv_bfloat16 *) out, \
    (const float *) lse, (const __nv_bfloat16 *) q, (const __nv_bfloat16 *) k, \
    (const __nv_bfloat16 *) v, dm, mk)
#define BWD_F32(NI) backward<float, NI> (self, (float *) dq, (float *) dk, (float *) dv, \
    (const float *) dout, (const float *) out, (const float *) lse, (const float *) q, \
    (const float *) k, (const float *) v, dm, mk)
  if (be->act_dtype == PT_DTYPE_BF16)
    DISPATCH_NI (D, BWD_BF16);
  else
    DISPATCH_NI (D, BWD_F32);
#undef BWD_BF16
#undef BWD_F32
}

void
pt_cuda_attention_ops (PtBackendOps *ops)
{
  ops->attention_forward = cuda_attention_forward;
  ops->attention_backward = cuda_attention_backward;
}
