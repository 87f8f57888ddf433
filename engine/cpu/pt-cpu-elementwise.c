/* pt-cpu-elementwise.c — add, scale, GELU, GeGLU, dropout, bias. */
#include "config.h"

#include <tgmath.h>         /* exp, tanh for float and double */

#include "pt-half.h"        /* pt_bf16_to_f32, pt_f32_to_bf16, … */
#include "pt-rng.h"         /* pt_rng_uniform */
#include "pt-cpu-private.h"

/* Elements per call of a chunk kernel (a thread takes whole chunks). */
#define EW_CHUNK ((size_t) 4096)

#define real float
#define FN(name) name##_f32
#define VEXP pt_cpu_expf
#include "pt-cpu-elementwise.inc.c"
#undef real
#undef FN
#undef VEXP

#define real double
#define FN(name) name##_f64
#define VEXP exp
#include "pt-cpu-elementwise.inc.c"
#undef real
#undef FN
#undef VEXP

#define DISPATCH PT_CPU_DISPATCH

void
pt_cpu_add (PtBackend  *be,
            void       *out,
            const void *a,
            const void *b,
            size_t      n)
{
  DISPATCH (be, add, out, a, b, n, pt_cpu_threads (be, n));
}

void
pt_cpu_softcap (PtBackend *be,
                void      *x,
                size_t     n,
                double     cap)
{
  DISPATCH (be, softcap, x, n, cap, pt_cpu_threads (be, n * 8));
}

void
pt_cpu_scale (PtBackend *be,
              void      *x,
              PtDType    dtype,
              size_t     n,
              double     alpha)
{
  int nt = pt_cpu_threads (be, n);

  switch (dtype)
    {
    case PT_DTYPE_F32:
      {
        float *xf = x, af = (float) alpha;
#pragma omp parallel for simd num_threads (nt) schedule (static)
        for (size_t i = 0; i < n; i++)
          xf[i] *= af;
      }
      break;
    case PT_DTYPE_F64:
      {
        double *xd = x;
#pragma omp parallel for simd num_threads (nt) schedule (static)
        for (size_t i = 0; i < n; i++)
          xd[i] *= alpha;
      }
      break;
    case PT_DTYPE_BF16:
    case PT_DTYPE_F16:
      {
        uint16_t *xh = x;
        float af = (float) alpha;
        gboolean bf = dtype == PT_DTYPE_BF16;
#pragma omp parallel for num_threads (nt) schedule (static)
        for (size_t i = 0; i < n; i++)
          xh[i] = bf ? pt_f32_to_bf16 (pt_bf16_to_f32 (xh[i]) * af)
                     : pt_f32_to_f16 (pt_f16_to_f32 (xh[i]) * af);
      }
      break;
    case PT_DTYPE_U8:
    case PT_DTYPE_I32:
    case PT_N_DTYPES:
    default:
      g_warning ("scale: %s is not a float dtype", pt_dtype_name (dtype));
      break;
    }
}

void
pt_cpu_gelu_forward (PtBackend  *be,
                     void       *out,
                     const void *inp,
                     size_t      n)
{
  DISPATCH (be, gelu_forward, out, inp, n, pt_cpu_threads (be, 8 * n));
}

void
pt_cpu_gelu_backward (PtBackend  *be,
                      void       *dinp,
                      const void *inp,
                      const void *dout,
                      size_t      n)
{
  DISPATCH (be, gelu_backward, dinp, inp, dout, n, pt_cpu_threads (be, 8 * n));
}

void
pt_cpu_geglu_forward (PtBackend  *be,
                      void       *out,
                      const void *gate,
                      const void *up,
                      size_t      n)
{
  DISPATCH (be, geglu_forward, out, gate, up, n, pt_cpu_threads (be, 8 * n));
}

void
pt_cpu_geglu_backward (PtBackend  *be,
                       void       *dgate,
                       void       *dup,
                       const void *dout,
                       const void *gate,
                       const void *up,
                       size_t      n)
{
  DISPATCH (be, geglu_backward, dgate, dup, dout, gate, up, n, pt_cpu_threads (be, 8 * n));
}

void
pt_cpu_dropout (PtBackend  *be,
                void       *out,
                const void *inp,
                size_t      n,
                double      p,
                uint64_t    seed,
                uint64_t    offset)
{
  DISPATCH (be, dropout, out, inp, n, p, seed, offset, pt_cpu_threads (be, 4 * n));
}

void
pt_cpu_bias_add (PtBackend  *be,
                 void       *out,
                 const void *bias,
                 int         N,
                 int         C)
{
  DISPATCH (be, bias_add, out, bias, N, C, pt_cpu_threads (be, (size_t) N * C));
}

void
pt_cpu_bias_backward (PtBackend  *be,
                      void       *dbias,
                      const void *dout,
                      int         N,
                      int         C)
{
  DISPATCH (be, bias_backward, dbias, dout, N, C, pt_cpu_threads (be, (size_t) N * C));
}
