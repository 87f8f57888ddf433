/* cuda-test-util.c — see cuda-test-util.h. */
#include "config.h"

#include <math.h>     /* isnan, fabs */
#include <string.h>   /* memcpy, memset */

#include "cuda-test-util.h"

#define GUARD_BYTE 0x5a

uint16_t
pt_test_f32_to_bf16 (float f)
{
  uint32_t u;
  memcpy (&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u)
    return (uint16_t) ((u >> 16) | 0x40u);
  return (uint16_t) ((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

float
pt_test_bf16_to_f32 (uint16_t h)
{
  uint32_t u = (uint32_t) h << 16;
  float f;
  memcpy (&f, &u, 4);
  return f;
}

uint16_t
pt_test_f32_to_f16 (float f)
{
  uint32_t x, sign, e, h;

  memcpy (&x, &f, 4);
  sign = (x >> 16) & 0x8000u;
  x &= 0x7fffffffu;
  if (x >= 0x7f800000u)
    h = x > 0x7f800000u ? 0x7e00u : 0x7c00u;
  else if (x >= 0x477ff000u)
    h = 0x7c00u;
  else if (x <= 0x33000000u)
    h = 0;
  else if ((e = x >> 23) < 113)
    {
      uint32_t mant = (x & 0x7fffffu) | 0x800000u, shift = 126 - e;
      uint32_t rem = mant & ((1u << shift) - 1), half = 1u << (shift - 1);
      h = mant >> shift;
      if (rem > half || (rem == half && (h & 1u)))
        h++;
    }
  else
    {
      uint32_t rem = x & 0x1fffu;
      h = ((e - 112) << 10) | ((x >> 13) & 0x3ffu);
      if (rem > 0x1000u || (rem == 0x1000u && (h & 1u)))
        h++;
    }
  return (uint16_t) (sign | h);
}

float
pt_test_f16_to_f32 (uint16_t h)
{
  /* exact: every half is a float; ldexp does the scaling */
  int e = (h >> 10) & 0x1f, m = h & 0x3ff;
  double v;

  if (e == 0x1f)
    v = m != 0 ? NAN : INFINITY;
  else if (e == 0)
    v = ldexp (m, -24);
  else
    v = ldexp (1024 + m, e - 25);
  return (float) ((h & 0x8000) ? -v : v);
}

float
pt_test_round (float f, PtDType dtype)
{
  switch (dtype)
    {
    case PT_DTYPE_BF16: return pt_test_bf16_to_f32 (pt_test_f32_to_bf16 (f));
    case PT_DTYPE_F16: return pt_test_f16_to_f32 (pt_test_f32_to_f16 (f));
    default: return f;
    }
}

float *
pt_test_random (PtTestCtx *ctx, size_t n, float lo, float hi, PtDType dtype)
{
  float *out = g_new (float, n > 0 ? n : 1);
  for (size_t i = 0; i < n; i++)
    out[i] = pt_test_round (lo + (hi - lo) * (float) pt_rng_next_double (&ctx->rng), dtype);
  return out;
}

/* ---- guarded device buffers ------------------------------------------------ */

static GHashTable *sizes;   /* user pointer -> user bytes */

static void *
guarded_alloc (PtTestCtx *ctx, size_t bytes)
{
  g_autoptr(GError) error = NULL;
  guint8 guard[PT_TEST_GUARD];
  guint8 *base = ctx->be->ops->alloc (ctx->be, bytes + 2 * PT_TEST_GUARD, &error);

  g_assert_no_error (error);
  memset (guard, GUARD_BYTE, sizeof guard);
  ctx->be->ops->upload (ctx->be, base, guard, PT_TEST_GUARD);
  ctx->be->ops->upload (ctx->be, base + PT_TEST_GUARD + bytes, guard, PT_TEST_GUARD);
  if (sizes == NULL)
    sizes = g_hash_table_new (g_direct_hash, g_direct_equal);
  g_hash_table_insert (sizes, base + PT_TEST_GUARD, GSIZE_TO_POINTER (bytes));
  return base + PT_TEST_GUARD;
}

void *
pt_test_upload_raw (PtTestCtx *ctx, const void *host, size_t bytes)
{
  void *dev = guarded_alloc (ctx, bytes);
  ctx->be->ops->upload (ctx->be, dev, host, bytes);
  return dev;
}

void *
pt_test_upload (PtTestCtx *ctx, const float *host, size_t n, PtDType dtype)
{
  size_t size = pt_dtype_size (dtype);
  g_autofree guint8 *buf = g_malloc0 (n * size + 1);

  for (size_t i = 0; i < n; i++)
    switch (dtype)
      {
      case PT_DTYPE_F32: ((float *) buf)[i] = host[i]; break;
      case PT_DTYPE_F64: ((double *) buf)[i] = host[i]; break;
      case PT_DTYPE_BF16: ((uint16_t *) buf)[i] = pt_test_f32_to_bf16 (host[i]); break;
      case PT_DTYPE_F16: ((uint16_t *) buf)[i] = pt_test_f32_to_f16 (host[i]); break;
      case PT_DTYPE_I32: ((int32_t *) buf)[i] = (int32_t) host[i]; break;
      case PT_DTYPE_U8: buf[i] = (guint8) host[i]; break;
      default: g_assert_not_reached ();
      }
  return pt_test_upload_raw (ctx, buf, n * size);
}

void *
pt_test_upload_i32 (PtTestCtx *ctx, const int32_t *host, size_t n)
{
  return pt_test_upload_raw (ctx, host, n * sizeof (int32_t));
}

void *
pt_test_alloc (PtTestCtx *ctx, size_t n, PtDType dtype)
{
  /* 0xff bytes: NaN in every float dtype, so an output left unwritten shows */
  size_t bytes = n * pt_dtype_size (dtype);
  g_autofree guint8 *junk = g_malloc (bytes + 1);
  memset (junk, 0xff, bytes + 1);
  return pt_test_upload_raw (ctx, junk, bytes);
}

float *
pt_test_download (PtTestCtx *ctx, const void *dev, size_t n, PtDType dtype)
{
  size_t size = pt_dtype_size (dtype);
  g_autofree guint8 *buf = g_malloc (n * size + 1);
  float *out = g_new (float, n + 1);

  ctx->be->ops->download (ctx->be, buf, dev, n * size);
  for (size_t i = 0; i < n; i++)
    switch (dtype)
      {
      case PT_DTYPE_F32: out[i] = ((float *) buf)[i]; break;
      case PT_DTYPE_F64: out[i] = (float) ((double *) buf)[i]; break;
      case PT_DTYPE_BF16: out[i] = pt_test_bf16_to_f32 (((uint16_t *) buf)[i]); break;
      case PT_DTYPE_F16: out[i] = pt_test_f16_to_f32 (((uint16_t *) buf)[i]); break;
      case PT_DTYPE_I32: out[i] = (float) ((int32_t *) buf)[i]; break;
      case PT_DTYPE_U8: out[i] = buf[i]; break;
      default: g_assert_not_reached ();
      }
  return out;
}

int32_t *
pt_test_download_i32 (PtTestCtx *ctx, const void *dev, size_t n)
{
  int32_t *out = g_new (int32_t, n + 1);
  ctx->be->ops->download (ctx->be, out, dev, n * sizeof (int32_t));
  return out;
}

void
pt_test_free (PtTestCtx *ctx, void *dev)
{
  guint8 guard[2][PT_TEST_GUARD];
  gpointer bytes_p;
  size_t bytes;
  guint8 *user = dev;

  if (dev == NULL)
    return;
  g_assert_true (g_hash_table_steal_extended (sizes, dev, NULL, &bytes_p));
  bytes = GPOINTER_TO_SIZE (bytes_p);
  ctx->be->ops->download (ctx->be, guard[0], user - PT_TEST_GUARD, PT_TEST_GUARD);
  ctx->be->ops->download (ctx->be, guard[1], user + bytes, PT_TEST_GUARD);
  for (int side = 0; side < 2; side++)
    for (int i = 0; i < PT_TEST_GUARD; i++)
      if (guard[side][i] != GUARD_BYTE)
        {
          g_test_message ("a write %s a buffer of %zu bytes (guard byte %d)",
                          side == 0 ? "before" : "after", bytes, i);
          g_test_fail ();
          side = 2;
          break;
        }
  ctx->be->ops->free (ctx->be, user - PT_TEST_GUARD);
}

/* ---- comparisons --------------------------------------------------------------- */

double
pt_test_nmse (const float *got, const double *want, size_t n)
{
  double num = 0.0, den = 0.0;

  for (size_t i = 0; i < n; i++)
    {
      double w = want[i], g = got[i];
      if (isinf (w) && g == w)
        continue;
      if (isnan (g) || isinf (g) || isinf (w))
        return INFINITY;
      num += (g - w) * (g - w);
      den += w * w;
    }
  if (den == 0.0)
    return num == 0.0 ? 0.0 : INFINITY;
  return num / den;
}

void
pt_test_expect (const char *what, const float *got, const double *want, size_t n, double bound)
{
  double e = pt_test_nmse (got, want, n);

  if (e <= bound)
    {
      g_test_message ("%s: NMSE %.3g (bound %.3g)", what, e, bound);
      return;
    }
  {
    size_t worst = 0;
    double worst_d = -1.0;
    for (size_t i = 0; i < n; i++)
      {
        double d = fabs ((double) got[i] - want[i]);
        if (isnan (d) || d > worst_d)
          {
            worst = i;
            worst_d = isnan (d) ? INFINITY : d;
            if (isnan (d))
              break;
          }
      }
    g_test_message ("%s: NMSE %.3g above %.3g; worst element %zu: got %.9g, want %.9g",
                    what, e, bound, worst, got[worst], want[worst]);
    g_printerr ("FAIL %s: NMSE %.3g above %.3g; worst element %zu: got %.9g, want %.9g\n",
                what, e, bound, worst, got[worst], want[worst]);
    g_test_fail ();
  }
}

void
pt_test_expect_f (const char *what, const float *got, const float *want, size_t n, double bound)
{
  g_autofree double *w = g_new (double, n + 1);
  for (size_t i = 0; i < n; i++)
    w[i] = want[i];
  pt_test_expect (what, got, w, n, bound);
}

void
pt_test_check_ok (PtTestCtx *ctx)
{
  g_autoptr(GError) error = NULL;
  ctx->be->ops->check (ctx->be, &error);
  g_assert_no_error (error);
}
