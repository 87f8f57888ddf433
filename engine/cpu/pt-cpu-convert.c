/* pt-cpu-convert.c — dtype conversions: the convert op and the GEMM's
 * operand conversions.
 *
 * Semantics (as torch's .to()): narrowing float conversions round to nearest
 * even (F64 → BF16/F16 through F32, as c10 does); float → I32 truncates
 * toward zero, saturating at the I32 range, NaN → 0 (torch leaves these
 * undefined; we pick the safe answer); I32 → float rounds to nearest.
 * U8 (bytes, not numbers) converts like I32, saturating at [0, 255].
 */
#include "config.h"

#include <math.h>           /* isnan */
#include <string.h>         /* memcpy */

#include "pt-half.h"        /* pt_f32_to_bf16, pt_f16_to_f32, … */
#include "pt-cpu-private.h"

static inline int32_t
saturate_i32 (double v)
{
  if (isnan (v))
    return 0;
  if (v >= 2147483647.0)
    return G_MAXINT32;
  if (v <= -2147483648.0)
    return G_MININT32;
  return (int32_t) v;
}

double
pt_cpu_load (const void *src,
             PtDType     dtype,
             size_t      i)
{
  switch (dtype)
    {
    case PT_DTYPE_F32: return ((const float *) src)[i];
    case PT_DTYPE_F64: return ((const double *) src)[i];
    case PT_DTYPE_BF16: return pt_bf16_to_f32 (((const uint16_t *) src)[i]);
    case PT_DTYPE_F16: return pt_f16_to_f32 (((const uint16_t *) src)[i]);
    case PT_DTYPE_U8: return ((const uint8_t *) src)[i];
    case PT_DTYPE_I32: return ((const int32_t *) src)[i];
    case PT_N_DTYPES:
    default: return 0.0;
    }
}

void
pt_cpu_store (void    *dst,
              PtDType  dtype,
              size_t   i,
              double   value)
{
  switch (dtype)
    {
    case PT_DTYPE_F32: ((float *) dst)[i] = (float) value; break;
    case PT_DTYPE_F64: ((double *) dst)[i] = value; break;
    case PT_DTYPE_BF16: ((uint16_t *) dst)[i] = pt_f32_to_bf16 ((float) value); break;
    case PT_DTYPE_F16: ((uint16_t *) dst)[i] = pt_f32_to_f16 ((float) value); break;
    case PT_DTYPE_U8: ((uint8_t *) dst)[i] = isnan (value) ? 0 : (uint8_t) CLAMP (value, 0, 255); break;
    case PT_DTYPE_I32: ((int32_t *) dst)[i] = saturate_i32 (value); break;
    case PT_N_DTYPES:
    default: break;
    }
}

/* dst[0..n) = src[0..n): fast loops for the pairs the model uses every step,
 * one generic loop through double for the rest (exact: every source value
 * is exactly representable as a double, and stores narrow as documented). */
void
pt_cpu_convert_range (void       *dst,
                      PtDType     dst_dtype,
                      const void *src,
                      PtDType     src_dtype,
                      size_t      n)
{
  if (dst_dtype == src_dtype)
    {
      memmove (dst, src, n * pt_dtype_size (dst_dtype));
      return;
    }

#define PAIR(d, s) ((d) * PT_N_DTYPES + (s))
  switch (PAIR (dst_dtype, src_dtype))
    {
    case PAIR (PT_DTYPE_F32, PT_DTYPE_BF16):
#pragma omp simd
      for (size_t i = 0; i < n; i++)
        ((float *) dst)[i] = pt_bf16_to_f32 (((const uint16_t *) src)[i]);
      break;
    case PAIR (PT_DTYPE_F32, PT_DTYPE_F16):
      for (size_t i = 0; i < n; i++)
        ((float *) dst)[i] = pt_f16_to_f32 (((const uint16_t *) src)[i]);
      break;
    case PAIR (PT_DTYPE_BF16, PT_DTYPE_F32):
#pragma omp simd
      for (size_t i = 0; i < n; i++)
        ((uint16_t *) dst)[i] = pt_f32_to_bf16 (((const float *) src)[i]);
      break;
    case PAIR (PT_DTYPE_F64, PT_DTYPE_F32):
      for (size_t i = 0; i < n; i++)
        ((double *) dst)[i] = ((const float *) src)[i];
      break;
    case PAIR (PT_DTYPE_F32, PT_DTYPE_F64):
      for (size_t i = 0; i < n; i++)
        ((float *) dst)[i] = (float) ((const double *) src)[i];
      break;
    default:
      for (size_t i = 0; i < n; i++)
        pt_cpu_store (dst, dst_dtype, i, pt_cpu_load (src, src_dtype, i));
      break;
    }
#undef PAIR
}

void
pt_cpu_convert (PtBackend  *be,
                void       *dst,
                PtDType     dst_dtype,
                const void *src,
                PtDType     src_dtype,
                size_t      n)
{
  const size_t chunk = 16384;
  size_t n_chunks = (n + chunk - 1) / chunk;
  size_t ds = pt_dtype_size (dst_dtype), ss = pt_dtype_size (src_dtype);

  if (dst_dtype == src_dtype)
    {
      if (dst != src)
        memmove (dst, src, n * ds);
      return;
    }

#pragma omp parallel for num_threads (pt_cpu_threads (be, n)) schedule (static)
  for (size_t c = 0; c < n_chunks; c++)
    {
      size_t i0 = c * chunk;
      pt_cpu_convert_range ((char *) dst + i0 * ds, dst_dtype, (const char *) src + i0 * ss, src_dtype,
                     MIN (chunk, n - i0));
    }
}

void
pt_cpu_convert_2d (void       *dst,
                   PtDType     dst_dtype,
                   int         ld_dst,
                   const void *src,
                   PtDType     src_dtype,
                   int         ld_src,
                   int         rows,
                   int         cols,
                   int         n_threads)
{
  size_t ds = pt_dtype_size (dst_dtype), ss = pt_dtype_size (src_dtype);

  if ((size_t) rows * cols < 16384)
    n_threads = 1;
#pragma omp parallel for num_threads (n_threads) schedule (static)
  for (int r = 0; r < rows; r++)
    pt_cpu_convert_range ((char *) dst + (size_t) r * ld_dst * ds, dst_dtype,
                          (const char *) src + (size_t) r * ld_src * ss, src_dtype, cols);
}
