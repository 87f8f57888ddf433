/* pt-cpu-norm.c — LayerNorm (SigLIP) and RMSNorm with (1 + w) (Gemma). */
#include "config.h"

#include <tgmath.h>         /* sqrt for float and double */

#include "pt-cpu-private.h"

#define real float
#define FN(name) name##_f32
#include "pt-cpu-norm.inc.c"
#undef real
#undef FN

#define real double
#define FN(name) name##_f64
#include "pt-cpu-norm.inc.c"
#undef real
#undef FN

void
pt_cpu_layernorm_forward (PtBackend  *be,
                          void       *out,
                          void       *mean,
                          void       *rstd,
                          const void *inp,
                          const void *weight,
                          const void *bias,
                          int         N,
                          int         C,
                          double      eps)
{
  PT_CPU_DISPATCH (be, layernorm_forward, out, mean, rstd, inp, weight, bias, N, C, eps,
                   pt_cpu_threads (be, (size_t) N * C));
}

void
pt_cpu_layernorm_backward (PtBackend  *be,
                           void       *dinp,
                           void       *dweight,
                           void       *dbias,
                           const void *dout,
                           const void *inp,
                           const void *weight,
                           const void *mean,
                           const void *rstd,
                           int         N,
                           int         C)
{
  PT_CPU_DISPATCH (be, layernorm_backward, dinp, dweight, dbias, dout, inp, weight, mean, rstd,
                   N, C, pt_cpu_threads (be, (size_t) N * C));
}

void
pt_cpu_rmsnorm_forward (PtBackend  *be,
                        void       *out,
                        void       *rstd,
                        const void *inp,
                        const void *weight,
                        int         N,
                        int         C,
                        double      eps)
{
  PT_CPU_DISPATCH (be, rmsnorm_forward, out, rstd, inp, weight, N, C, eps,
                   pt_cpu_threads (be, (size_t) N * C));
}

void
pt_cpu_rmsnorm_backward (PtBackend  *be,
                         void       *dinp,
                         void       *dweight,
                         const void *dout,
                         const void *inp,
                         const void *weight,
                         const void *rstd,
                         int         N,
                         int         C)
{
  PT_CPU_DISPATCH (be, rmsnorm_backward, dinp, dweight, dout, inp, weight, rstd, N, C,
                   pt_cpu_threads (be, (size_t) N * C));
}
