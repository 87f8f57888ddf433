/* pt-rng.h — counter-based random numbers, identical on every backend.
 *
 * A random value is a pure function of (seed, index): dropout masks need no
 * storage (the backward recomputes them), a run resumes bit-exactly from a
 * saved (seed, counter), and the CUDA kernels draw the same numbers as the
 * CPU reference. Header-only so gpu/ kernels include it too.
 */
#pragma once

#include <stdint.h>   /* uint64_t, uint32_t */

#if defined(__CUDACC__)
#define PT_HOSTDEV __host__ __device__ __forceinline__
#else
#define PT_HOSTDEV static inline
#endif

/* SplitMix64 finaliser over seed and index: a well-mixed 64-bit hash. */
PT_HOSTDEV uint64_t
pt_rng_hash (uint64_t seed, uint64_t index)
{
  uint64_t z = seed * 0x9E3779B97F4A7C15ull + index * 0xD1B54A32D192ED03ull + 0x8CB92BA72F3D8DD7ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* Uniform in [0, 1) with 24 bits, exactly representable in float. */
PT_HOSTDEV float
pt_rng_uniform (uint64_t seed, uint64_t index)
{
  return (float) (pt_rng_hash (seed, index) >> 40) * (1.0f / 16777216.0f);
}

/* A sequential generator for host-side draws (init, shuffles): the state is
 * just (seed, counter), so saving two integers saves the stream. */
typedef struct {
  uint64_t seed;
  uint64_t counter;
} PtRng;

PT_HOSTDEV uint64_t
pt_rng_next_u64 (PtRng *rng)
{
  return pt_rng_hash (rng->seed, rng->counter++);
}

/* Uniform in [0, 1) with 53 bits. */
PT_HOSTDEV double
pt_rng_next_double (PtRng *rng)
{
  return (double) (pt_rng_next_u64 (rng) >> 11) * (1.0 / 9007199254740992.0);
}

/* Uniform integer in [0, n), n > 0 (Lemire's multiply; bias < 2^-32 for n < 2^32). */
PT_HOSTDEV uint32_t
pt_rng_next_below (PtRng *rng, uint32_t n)
{
  return (uint32_t) (((pt_rng_next_u64 (rng) >> 32) * (uint64_t) n) >> 32);
}
