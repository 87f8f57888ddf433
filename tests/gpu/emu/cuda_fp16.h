/* cuda_fp16.h (emulator) — IEEE half storage and round-to-nearest-even
 * conversions, subnormals included. */
#pragma once

#include "cuda_runtime.h"

struct __half { unsigned short __x; };

static inline float
__half2float (__half h)
{
  uint32_t sign = (uint32_t) (h.__x & 0x8000u) << 16, e = (h.__x >> 10) & 0x1fu, m = h.__x & 0x3ffu, u;
  float f;

  if (e == 0x1f)
    u = sign | 0x7f800000u | (m << 13);
  else if (e != 0)
    u = sign | ((e + 112u) << 23) | (m << 13);
  else if (m == 0)
    u = sign;
  else
    {
      /* subnormal: normalise */
      e = 113;
      while ((m & 0x400u) == 0)
        {
          m <<= 1;
          e--;
        }
      u = sign | (e << 23) | ((m & 0x3ffu) << 13);
    }
  memcpy (&f, &u, 4);
  return f;
}

static inline __half
__float2half (float f)
{
  uint32_t x, sign, e, h;
  __half r;

  memcpy (&x, &f, 4);
  sign = (x >> 16) & 0x8000u;
  x &= 0x7fffffffu;
  if (x >= 0x7f800000u)
    h = x > 0x7f800000u ? 0x7e00u : 0x7c00u;
  else if (x >= 0x477ff000u)        /* rounds to infinity */
    h = 0x7c00u;
  else if (x <= 0x33000000u)        /* at most 2^-25: rounds to zero */
    h = 0;
  else if ((e = x >> 23) < 113)     /* a half subnormal */
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
  r.__x = (unsigned short) (sign | h);
  return r;
}
