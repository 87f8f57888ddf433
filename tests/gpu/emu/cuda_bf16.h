/* cuda_bf16.h (emulator) — bfloat16 storage and round-to-nearest-even
 * conversions, as the device does them. */
#pragma once

#include "cuda_runtime.h"

struct __nv_bfloat16 { unsigned short __x; };

static inline float
__bfloat162float (__nv_bfloat16 h)
{
  uint32_t u = (uint32_t) h.__x << 16;
  float f;
  memcpy (&f, &u, 4);
  return f;
}

static inline __nv_bfloat16
__float2bfloat16 (float f)
{
  uint32_t u;
  __nv_bfloat16 h;
  memcpy (&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u)
    h.__x = (unsigned short) ((u >> 16) | 0x40u);   /* quiet NaN */
  else
    h.__x = (unsigned short) ((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
  return h;
}

static inline __nv_bfloat16 __float2bfloat16_rn (float f) { return __float2bfloat16 (f); }

static inline __nv_bfloat16
atomicAdd (__nv_bfloat16 *address, __nv_bfloat16 value)
{
  __nv_bfloat16 old = *address;
  *address = __float2bfloat16 (__bfloat162float (old) + __bfloat162float (value));
  return old;
}
