/* pt-parquet-delta.c — Parquet's DELTA_BINARY_PACKED encoding (integers,
 * and the lengths inside DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY),
 * as parquet-format's Encodings.md describes it: a header (block size,
 * miniblocks per block, value count, first value), then blocks of a
 * minimum delta, one bit width per miniblock and the bit-packed deltas. */
#include "config.h"

#include "pt-parquet-private.h"

static gboolean
uleb (const guint8 **p, const guint8 *end, guint64 *v)
{
  *v = 0;
  for (int shift = 0; shift < 64; shift += 7)
    {
      if (*p >= end)
        return FALSE;
      *v |= (guint64) (**p & 0x7f) << shift;
      if ((*(*p)++ & 0x80) == 0)
        return TRUE;
    }
  return FALSE;
}

static gboolean
zigzag (const guint8 **p, const guint8 *end, guint64 *v)
{
  guint64 u;

  if (!uleb (p, end, &u))
    return FALSE;
  *v = (u >> 1) ^ (guint64) -(gint64) (u & 1);
  return TRUE;
}

gboolean
pt_parquet_delta_ints (const guint8 *data,
                       gsize         length,
                       guint64      *out,
                       guint         n,
                       gsize        *used)
{
  const guint8 *p = data, *end = data + length;
  guint64 block, miniblocks, total, value, per_mini;
  guint count = 0;

  if (!uleb (&p, end, &block) || !uleb (&p, end, &miniblocks) || !uleb (&p, end, &total)
      || !zigzag (&p, end, &value))
    return FALSE;
  if (block == 0 || block % 128 != 0 || block > (1u << 20) || miniblocks == 0
      || block % miniblocks != 0 || (block / miniblocks) % 32 != 0 || total < n)
    return FALSE;
  per_mini = block / miniblocks;
  if (n > 0)
    out[count++] = value;
  while (count < n)
    {
      guint64 min_delta;
      const guint8 *widths;
      if (!zigzag (&p, end, &min_delta) || miniblocks > (guint64) (end - p))
        return FALSE;
      widths = p;
      p += miniblocks;
      for (guint64 m = 0; m < miniblocks && count < n; m++)
        {
          guint w = widths[m];
          guint64 bytes = per_mini * w / 8, bit = 0;
          if (w > 64 || bytes > (guint64) (end - p))
            return FALSE;
          for (guint64 k = 0; k < per_mini && count < n; k++)
            {
              guint64 delta = 0;
              for (guint b = 0; b < w; b++, bit++)
                delta |= (guint64) ((p[bit >> 3] >> (bit & 7)) & 1) << b;
              value += min_delta + delta;   /* wraps, as the writers' arithmetic does */
              out[count++] = value;
            }
          p += bytes;
        }
    }
  *used = (gsize) (p - data);
  return TRUE;
}
