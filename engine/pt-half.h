/* pt-half.h — bfloat16 and IEEE half conversions, bit-exact with PyTorch.
 *
 * Header-only so the CPU backend, the safetensors reader and host-side tools
 * share one definition. Narrowing rounds to nearest, ties to even; a NaN
 * becomes the canonical quiet NaN (as c10::BFloat16 / c10::Half do); F64
 * values narrow through F32, as torch's conversions do.
 */
#pragma once

#include <stdint.h>   /* uint16_t, uint32_t */
#include <string.h>   /* memcpy */

static inline float
pt_bits_to_f32 (uint32_t u)
{
  float f;
  memcpy (&f, &u, sizeof f);
  return f;
}

static inline uint32_t
pt_f32_to_bits (float f)
{
  uint32_t u;
  memcpy (&u, &f, sizeof u);
  return u;
}

/* bfloat16: the top 16 bits of an F32. */
static inline float
pt_bf16_to_f32 (uint16_t h)
{
  return pt_bits_to_f32 ((uint32_t) h << 16);
}

static inline uint16_t
pt_f32_to_bf16 (float f)
{
  uint32_t u = pt_f32_to_bits (f);

  if (f != f)
    return 0x7FC0;
  /* add 0x7FFF plus the lowest kept bit: ties go to the even neighbour */
  return (uint16_t) ((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
}

/* IEEE 754 binary16: 1 sign, 5 exponent (bias 15), 10 mantissa bits. */
static inline float
pt_f16_to_f32 (uint16_t h)
{
  uint32_t sign = (uint32_t) (h & 0x8000u) << 16;
  uint32_t exponent = (h >> 10) & 0x1Fu;
  uint32_t mantissa = h & 0x3FFu;

  if (exponent == 0)   /* zero or subnormal: mantissa · 2^-24, exact in F32 */
    {
      float value = (float) mantissa * 5.9604644775390625e-8f;
      return sign ? -value : value;
    }
  if (exponent == 31)  /* inf or NaN */
    return pt_bits_to_f32 (sign | 0x7F800000u | (mantissa << 13));
  return pt_bits_to_f32 (sign | ((exponent + 112u) << 23) | (mantissa << 13));
}

static inline uint16_t
pt_f32_to_f16 (float f)
{
  uint32_t u = pt_f32_to_bits (f);
  uint32_t sign = (u >> 16) & 0x8000u;
  uint32_t a = u & 0x7FFFFFFFu;

  if (a >= 0x47800000u)         /* >= 65536, inf or NaN */
    return (uint16_t) (sign | (a > 0x7F800000u ? 0x7E00u : 0x7C00u));
  if (a < 0x38800000u)          /* below 2^-14: a half subnormal or zero */
    {
      /* adding 0.5 leaves the value's bits at the half-subnormal step 2^-24,
       * and the F32 adder rounds to nearest even for us */
      float shifted = pt_bits_to_f32 (a) + 0.5f;
      return (uint16_t) (sign | (pt_f32_to_bits (shifted) - 0x3F000000u));
    }
  /* normal: rebias the exponent and round the 13 dropped bits to nearest even;
   * a carry out of the mantissa correctly bumps the exponent (up to inf) */
  a += ((uint32_t) (15 - 127) << 23) + 0xFFFu + ((a >> 13) & 1u);
  return (uint16_t) (sign | (a >> 13));
}
