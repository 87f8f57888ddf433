/* pt-nf4.c — bitsandbytes NF4 quantisation on the host. */
#include "config.h"

#include <math.h>           /* fabsf, isnan */

#include "pt-nf4.h"

const float pt_nf4_code[16] = {
  -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
  -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0.0f,
  0.07958029955625534f, 0.16093020141124725f, 0.24611230194568634f, 0.33791524171829224f,
  0.44070982933044434f, 0.5626170039176941f, 0.7229568362236023f, 1.0f,
};

/* The midpoints between neighbouring codes, as the fp32 constants of
 * bitsandbytes' dQuantizeNF4 decision tree (csrc/kernels.cu). */
static const float nf4_thresholds[15] = {
  -0.8480964004993439f, -0.6106329262256622f, -0.4599952697753906f, -0.33967943489551544f,
  -0.23460740596055984f, -0.13791173323988914f, -0.045525018125772476f, 0.03979014977812767f,
  0.1202552504837513f, 0.2035212516784668f, 0.2920137718319893f, 0.3893125355243683f,
  0.5016634166240692f, 0.6427869200706482f, 0.8614784181118011f,
};

/* bitsandbytes create_dynamic_map (signed=True, max_exponent_bits=7,
 * total_bits=8), as computed by torch 2.9 (AVX-512): the map goes through
 * torch.linspace, whose last bits depend on the CPU's vector width, so the
 * table is embedded rather than recomputed. tests/fixtures/nf4/ checks it. */
const float pt_nf4_code8[256] = {
  -0x1.fc6666p-1f, -0x1.f53334p-1f, -0x1.eep-1f, -0x1.e6ccccp-1f,
  -0x1.df999ap-1f, -0x1.d86666p-1f, -0x1.d13334p-1f, -0x1.cap-1f,
  -0x1.c2ccccp-1f, -0x1.bb999ap-1f, -0x1.b46666p-1f, -0x1.ad3334p-1f,
  -0x1.a6p-1f, -0x1.9eccccp-1f, -0x1.97999ap-1f, -0x1.906666p-1f,
  -0x1.893334p-1f, -0x1.82p-1f, -0x1.7accccp-1f, -0x1.73999ap-1f,
  -0x1.6c6668p-1f, -0x1.653334p-1f, -0x1.5ep-1f, -0x1.56ccccp-1f,
  -0x1.4f999ap-1f, -0x1.486668p-1f, -0x1.413334p-1f, -0x1.3ap-1f,
  -0x1.32ccccp-1f, -0x1.2b999ap-1f, -0x1.246668p-1f, -0x1.1d3334p-1f,
  -0x1.16p-1f, -0x1.0eccccp-1f, -0x1.079998p-1f, -0x1.006666p-1f,
  -0x1.f26664p-2f, -0x1.e4p-2f, -0x1.d59998p-2f, -0x1.c73334p-2f,
  -0x1.b8ccccp-2f, -0x1.aa6666p-2f, -0x1.9cp-2f, -0x1.8d9998p-2f,
  -0x1.7f3334p-2f, -0x1.70ccccp-2f, -0x1.626666p-2f, -0x1.54p-2f,
  -0x1.459998p-2f, -0x1.373334p-2f, -0x1.28ccccp-2f, -0x1.1a6668p-2f,
  -0x1.0cp-2f, -0x1.fb3332p-3f, -0x1.de6666p-3f, -0x1.c1999ap-3f,
  -0x1.a4ccccp-3f, -0x1.88p-3f, -0x1.6b3334p-3f, -0x1.4e6666p-3f,
  -0x1.31999ap-3f, -0x1.14ccccp-3f, -0x1.fp-4f, -0x1.b66668p-4f,
  -0x1.93d70ap-4f, -0x1.8851eep-4f, -0x1.7ccccep-4f, -0x1.7147aep-4f,
  -0x1.65c29p-4f, -0x1.5a3d7p-4f, -0x1.4eb854p-4f, -0x1.433334p-4f,
  -0x1.37ae14p-4f, -0x1.2c28f6p-4f, -0x1.20a3d6p-4f, -0x1.151ebap-4f,
  -0x1.09999ap-4f, -0x1.fc28f6p-5f, -0x1.e51ebap-5f, -0x1.ce147ap-5f,
  -0x1.b70a3ep-5f, -0x1.ap-5f, -0x1.88f5c2p-5f, -0x1.71eb86p-5f,
  -0x1.5ae146p-5f, -0x1.43d70ap-5f, -0x1.2ccccep-5f, -0x1.15c29p-5f,
  -0x1.fd70a4p-6f, -0x1.cf5c2ap-6f, -0x1.a147aep-6f, -0x1.733334p-6f,
  -0x1.451ebap-6f, -0x1.170a3ep-6f, -0x1.d1eb86p-7f, -0x1.75c29p-7f,
  -0x1.3e76c8p-7f, -0x1.2c083p-7f, -0x1.19999ap-7f, -0x1.072b02p-7f,
  -0x1.e978d4p-8f, -0x1.c49ba6p-8f, -0x1.9fbe76p-8f, -0x1.7ae148p-8f,
  -0x1.56041ap-8f, -0x1.3126e8p-8f, -0x1.0c49bap-8f, -0x1.ced914p-9f,
  -0x1.851eb8p-9f, -0x1.3b645ap-9f, -0x1.e353f8p-10f, -0x1.4fdf3ap-10f,
  -0x1.eecbfep-11f, -0x1.b3d07cp-11f, -0x1.78d5p-11f, -0x1.3dd982p-11f,
  -0x1.02de02p-11f, -0x1.8fc506p-12f, -0x1.19ce0ap-12f, -0x1.47ae16p-13f,
  -0x1.743e96p-14f, -0x1.15df66p-14f, -0x1.6f0068p-15f, -0x1.64840cp-16f,
  -0x1.040bfep-17f, -0x1.b43528p-19f, -0x1.27476ep-21f, 0.0f,
  0x1.27476ep-21f, 0x1.b43528p-19f, 0x1.040bfep-17f, 0x1.64840cp-16f,
  0x1.6f0068p-15f, 0x1.15df66p-14f, 0x1.743e96p-14f, 0x1.47ae16p-13f,
  0x1.19ce0ap-12f, 0x1.8fc506p-12f, 0x1.02de02p-11f, 0x1.3dd982p-11f,
  0x1.78d5p-11f, 0x1.b3d07cp-11f, 0x1.eecbfep-11f, 0x1.4fdf3ap-10f,
  0x1.e353f8p-10f, 0x1.3b645ap-9f, 0x1.851eb8p-9f, 0x1.ced914p-9f,
  0x1.0c49bap-8f, 0x1.3126e8p-8f, 0x1.56041ap-8f, 0x1.7ae148p-8f,
  0x1.9fbe76p-8f, 0x1.c49ba6p-8f, 0x1.e978d4p-8f, 0x1.072b02p-7f,
  0x1.19999ap-7f, 0x1.2c083p-7f, 0x1.3e76c8p-7f, 0x1.75c29p-7f,
  0x1.d1eb86p-7f, 0x1.170a3ep-6f, 0x1.451ebap-6f, 0x1.733334p-6f,
  0x1.a147aep-6f, 0x1.cf5c2ap-6f, 0x1.fd70a4p-6f, 0x1.15c29p-5f,
  0x1.2ccccep-5f, 0x1.43d70ap-5f, 0x1.5ae146p-5f, 0x1.71eb86p-5f,
  0x1.88f5c2p-5f, 0x1.ap-5f, 0x1.b70a3ep-5f, 0x1.ce147ap-5f,
  0x1.e51ebap-5f, 0x1.fc28f6p-5f, 0x1.09999ap-4f, 0x1.151ebap-4f,
  0x1.20a3d6p-4f, 0x1.2c28f6p-4f, 0x1.37ae14p-4f, 0x1.433334p-4f,
  0x1.4eb854p-4f, 0x1.5a3d7p-4f, 0x1.65c29p-4f, 0x1.7147aep-4f,
  0x1.7ccccep-4f, 0x1.8851eep-4f, 0x1.93d70ap-4f, 0x1.b66668p-4f,
  0x1.fp-4f, 0x1.14ccccp-3f, 0x1.31999ap-3f, 0x1.4e6666p-3f,
  0x1.6b3334p-3f, 0x1.88p-3f, 0x1.a4ccccp-3f, 0x1.c1999ap-3f,
  0x1.de6666p-3f, 0x1.fb3332p-3f, 0x1.0cp-2f, 0x1.1a6668p-2f,
  0x1.28ccccp-2f, 0x1.373334p-2f, 0x1.459998p-2f, 0x1.54p-2f,
  0x1.626666p-2f, 0x1.70ccccp-2f, 0x1.7f3334p-2f, 0x1.8d9998p-2f,
  0x1.9cp-2f, 0x1.aa6666p-2f, 0x1.b8ccccp-2f, 0x1.c73334p-2f,
  0x1.d59998p-2f, 0x1.e4p-2f, 0x1.f26664p-2f, 0x1.006666p-1f,
  0x1.079998p-1f, 0x1.0eccccp-1f, 0x1.16p-1f, 0x1.1d3334p-1f,
  0x1.246668p-1f, 0x1.2b999ap-1f, 0x1.32ccccp-1f, 0x1.3ap-1f,
  0x1.413334p-1f, 0x1.486668p-1f, 0x1.4f999ap-1f, 0x1.56ccccp-1f,
  0x1.5ep-1f, 0x1.653334p-1f, 0x1.6c6668p-1f, 0x1.73999ap-1f,
  0x1.7accccp-1f, 0x1.82p-1f, 0x1.893334p-1f, 0x1.906666p-1f,
  0x1.97999ap-1f, 0x1.9eccccp-1f, 0x1.a6p-1f, 0x1.ad3334p-1f,
  0x1.b46666p-1f, 0x1.bb999ap-1f, 0x1.c2ccccp-1f, 0x1.cap-1f,
  0x1.d13334p-1f, 0x1.d86666p-1f, 0x1.df999ap-1f, 0x1.e6ccccp-1f,
  0x1.eep-1f, 0x1.f53334p-1f, 0x1.fc6666p-1f, 0x1p+0f,
};

size_t
pt_nf4_n_blocks (size_t n)
{
  return (n + PT_NF4_BLOCK - 1) / PT_NF4_BLOCK;
}

size_t
pt_nf4_packed_size (size_t n)
{
  return (n + 1) / 2;
}

uint8_t
pt_nf4_index (float x)
{
  /* the decision tree is a binary search for the number of midpoints below x */
  uint8_t idx = 0;

  for (int t = 0; t < 15; t++)
    idx += x > nf4_thresholds[t];
  return idx;
}

void
pt_nf4_pack (const uint8_t *idx,
             size_t         n,
             uint8_t       *packed)
{
  for (size_t i = 0; i < n; i += 2)
    {
      uint8_t low = i + 1 < n ? idx[i + 1] : 7;   /* padding quantises 0.0 */
      packed[i / 2] = (uint8_t) ((idx[i] & 15) << 4 | (low & 15));
    }
}

void
pt_nf4_unpack (const uint8_t *packed,
               size_t         n,
               uint8_t       *idx)
{
  for (size_t i = 0; i < n; i++)
    idx[i] = i % 2 == 0 ? packed[i / 2] >> 4 : packed[i / 2] & 15;
}

void
pt_nf4_quantize (const float *x,
                 size_t       n,
                 uint8_t     *packed,
                 float       *absmax)
{
  size_t n_blocks = pt_nf4_n_blocks (n);

  for (size_t b = 0; b < n_blocks; b++)
    {
      size_t i0 = b * PT_NF4_BLOCK, i1 = MIN (n, i0 + PT_NF4_BLOCK);
      float am = 0.0f, recip;
      uint8_t idx[PT_NF4_BLOCK];

      for (size_t i = i0; i < i1; i++)
        am = MAX (am, fabsf (x[i]));
      absmax[b] = am;
      recip = 1.0f / MAX (am, 1e-38f);
      for (size_t i = i0; i < i1; i++)
        idx[i - i0] = pt_nf4_index (CLAMP (x[i] * recip, -1.0f, 1.0f));
      /* blocks hold an even count, except maybe the last */
      pt_nf4_pack (idx, i1 - i0, packed + i0 / 2);
    }
}

void
pt_nf4_dequantize (const uint8_t *packed,
                   const float   *absmax,
                   size_t         n,
                   float         *out)
{
  for (size_t i = 0; i < n; i++)
    {
      uint8_t idx = i % 2 == 0 ? packed[i / 2] >> 4 : packed[i / 2] & 15;
      out[i] = pt_nf4_code[idx] * absmax[i / PT_NF4_BLOCK];
    }
}

/* The index of the code8 value nearest to x: the number of fp32 midpoints
 * strictly below x (torch.bucketize over the midpoints). */
static uint8_t
code8_index (float x)
{
  int lo = 0, hi = 255;   /* answer in [lo, hi] */

  while (lo < hi)
    {
      int mid = (lo + hi) / 2;
      float bound = (pt_nf4_code8[mid] + pt_nf4_code8[mid + 1]) / 2;
      if (x > bound)
        lo = mid + 1;
      else
        hi = mid;
    }
  return (uint8_t) lo;
}

void
pt_nf4_quantize_blockwise8 (const float *a,
                            size_t       n,
                            uint8_t     *q,
                            float       *absmax2)
{
  for (size_t b = 0; b * PT_NF4_DQ_BLOCK < n; b++)
    {
      size_t i0 = b * PT_NF4_DQ_BLOCK, i1 = MIN (n, i0 + PT_NF4_DQ_BLOCK);
      float am = 0.0f, recip;

      for (size_t i = i0; i < i1; i++)
        am = MAX (am, fabsf (a[i]));
      absmax2[b] = am;
      recip = 1.0f / MAX (am, 1e-38f);
      for (size_t i = i0; i < i1; i++)
        q[i] = code8_index (CLAMP (a[i] * recip, -1.0f, 1.0f));
    }
}

void
pt_nf4_double_quantize (const float *absmax,
                        size_t       n_blocks,
                        uint8_t     *qabsmax,
                        float       *absmax2,
                        float       *offset)
{
  g_autofree float *centred = g_new (float, MAX (n_blocks, 1));
  double sum = 0.0;
  float mean;

  for (size_t i = 0; i < n_blocks; i++)
    sum += absmax[i];
  mean = n_blocks > 0 ? (float) (sum / (double) n_blocks) : 0.0f;
  for (size_t i = 0; i < n_blocks; i++)
    centred[i] = absmax[i] - mean;
  pt_nf4_quantize_blockwise8 (centred, n_blocks, qabsmax, absmax2);
  *offset = mean;
}

void
pt_nf4_double_dequantize (const uint8_t *qabsmax,
                          const float   *absmax2,
                          float          offset,
                          size_t         n_blocks,
                          float         *absmax)
{
  for (size_t i = 0; i < n_blocks; i++)
    absmax[i] = pt_nf4_code8[qabsmax[i]] * absmax2[i / PT_NF4_DQ_BLOCK] + offset;
}

void
pt_nf4_compress_absmax (float  *absmax,
                        size_t  n_blocks)
{
  g_autofree uint8_t *q = g_new (uint8_t, MAX (n_blocks, 1));
  g_autofree float *absmax2 = g_new (float, n_blocks / PT_NF4_DQ_BLOCK + 1);
  float offset;

  pt_nf4_double_quantize (absmax, n_blocks, q, absmax2, &offset);
  pt_nf4_double_dequantize (q, absmax2, offset, n_blocks, absmax);
}
